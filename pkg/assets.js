// How the package reads what it ships beside its entry: the text classifier's files are fetched in
// browsers and bundlers, and index.node.js swaps in a reader from disk, as Node's fetch cannot read
// file: URLs; the two WebAssembly modules go to wasm-bindgen as URLs (compiled while they
// download) or, in Node, as bytes (`moduleSource`). Internal: not an export of the package.

let read = async (url) => {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${response.statusText}`.trim());
  return new Uint8Array(await response.arrayBuffer());
};
let fromDisk = false;

/** The bytes at `url` (a URL beside the package entry). */
export const readAsset = (url) => read(url);

/** Replaces the reader, for modules too (index.node.js). */
export function setAssetReader(reader) {
  read = reader;
  fromDisk = true;
}

/** A module's default source: its URL in browsers (streamed), its bytes from disk in Node. */
export const moduleSource = (url) => (fromDisk ? read(url) : url);

/** `source` as wasm-bindgen takes it, its bytes reported to `onProgress` as they arrive. A
 * fetched module stays a Response with its headers, so it still compiles while streaming. */
export async function counted(source, onProgress) {
  if (source instanceof WebAssembly.Module) return source;
  if (ArrayBuffer.isView(source) || source instanceof ArrayBuffer) {
    onProgress({ loaded: source.byteLength, total: source.byteLength });
    return source;
  }
  const response = source instanceof Response ? source : await fetch(source);
  if (!response.ok || !response.body) return response; // wasm-bindgen reports the failed fetch
  // A compressed transfer's Content-Length counts encoded bytes; the body yields decoded ones.
  const length = Number(response.headers.get('Content-Length'));
  const total = length > 0 && !response.headers.get('Content-Encoding') ? length : null;
  let loaded = 0;
  onProgress({ loaded, total });
  const body = response.body.pipeThrough(new TransformStream({
    transform(chunk, controller) {
      loaded += chunk.byteLength;
      controller.enqueue(chunk);
      onProgress({ loaded, total });
    },
  }));
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

/** Checks `options.onProgress` of `call`; the callback, or undefined. */
export function progressOption(call, options) {
  const onProgress = options?.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new TypeError(`${call}: options.onProgress must be a function ({ loaded, total }) => void, not ${typeof onProgress}`);
  }
  return onProgress;
}
