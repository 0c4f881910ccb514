// animasync-face: the package entry for Node.js (selected by the "node" export condition).
// Node's fetch cannot read file: URLs, so the default module and the text classifier's files are
// read from disk instead.
import { readFile } from 'node:fs/promises';
import { init as initFrom } from './index.js';
import { setAssetReader } from './assets.js';

setAssetReader(async (url) => new Uint8Array(await readFile(url)));

export * from './index.js';

/** See index.js: same contract, but the default `.wasm` is read from the package directory. */
export function init(input, options) {
  return initFrom(input ?? readFile(new URL('./animasync_face_bg.wasm', import.meta.url)), options);
}

export default init;
