// animasync-face: the package entry for browsers and bundlers (Vite, webpack, plain
// <script type="module">). Everything the WebAssembly module exports is re-exported as is;
// `init()` must resolve before any of it is used.
import initWasm from './animasync_face.js';

export * from './animasync_face.js';

let ready;

/**
 * Loads and instantiates the WebAssembly module, once; later calls return the same promise.
 * Without an input the `animasync_face_bg.wasm` beside this file is fetched (bundlers rewrite
 * that URL) and compiled while it downloads when the server sends it as `application/wasm`;
 * pass a URL, Response, bytes or a compiled WebAssembly.Module to override. `options.onProgress`
 * is called with `{ loaded, total }` (bytes; `total` null when the server does not say) as the
 * module arrives. A failed load can be retried.
 */
export function init(input, options = {}) {
  const onProgress = options?.onProgress;
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    return Promise.reject(new TypeError(`init: options.onProgress must be a function ({ loaded, total }) => void, not ${typeof onProgress}`));
  }
  ready ??= Promise.resolve(input)
    .then((source) => (onProgress ? counted(source ?? new URL('./animasync_face_bg.wasm', import.meta.url), onProgress) : source))
    .then((source) => initWasm(source === undefined ? undefined : { module_or_path: source }))
    .then(() => undefined)
    .catch((error) => {
      ready = undefined;
      throw error;
    });
  return ready;
}

/** `source` as wasm-bindgen takes it, its bytes reported to `onProgress` as they arrive. A
 * fetched module stays a Response with its headers, so it still compiles while streaming. */
async function counted(source, onProgress) {
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

export default init;
