// animasync-face: the package entry for browsers and bundlers (Vite, webpack, plain
// <script type="module">). Everything the WebAssembly module exports is re-exported as is;
// `init()` must resolve before any of it is used.
import initWasm from './animasync_face.js';

export * from './animasync_face.js';

let ready;

/**
 * Loads and instantiates the WebAssembly module, once; later calls return the same promise.
 * Without an argument the `animasync_face_bg.wasm` beside this file is fetched (bundlers
 * rewrite that URL); pass a URL, Response, bytes or a compiled WebAssembly.Module to override.
 * A failed load can be retried.
 */
export function init(input) {
  ready ??= Promise.resolve(input)
    .then((source) => initWasm(source === undefined ? undefined : { module_or_path: source }))
    .then(() => undefined)
    .catch((error) => {
      ready = undefined;
      throw error;
    });
  return ready;
}

export default init;
