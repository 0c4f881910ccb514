// animasync-face: the package entry for browsers and bundlers (Vite, webpack, plain
// <script type="module">). Everything the WebAssembly module exports is re-exported as is;
// `init()` must resolve before any of it is used.
import initWasm, {
  Engine, OnnxModel, PresetLibrary, TextClassifier,
  classifyEmotion as lexiconClassifyEmotion,
  compileExpression as rawCompileExpression, renderScenario as rawRenderScenario,
} from './animasync_face.js';
import { readAsset } from './assets.js';

export * from './animasync_face.js';

// Freed objects. wasm-bindgen's objects hold a pointer into wasm memory that `free()` sets to 0;
// a later call would reach Rust as a null pointer ("null pointer passed to rust"). Every method
// and getter of the four classes first checks that its object is alive and otherwise throws an
// error naming the class, the call and what to do; `free()` twice is a no-op (as for
// `close()` elsewhere on the web).
const WASM_CLASSES = { Engine, OnnxModel, PresetLibrary, TextClassifier };
const isLive = (value, cls) => value instanceof cls && value.__wbg_ptr !== 0;
const deadObject = (name, call) => new Error(
  `${name}.${call}: this ${name} was freed (free() was called on it), or is not one; create a new one`);

for (const [name, cls] of Object.entries(WASM_CLASSES)) {
  const proto = cls.prototype;
  const rawFree = proto.free;
  const once = function free() { if (isLive(this, cls)) rawFree.call(this); };
  proto.free = once;
  if (typeof Symbol.dispose === 'symbol' && proto[Symbol.dispose]) proto[Symbol.dispose] = once;
  for (const key of Object.getOwnPropertyNames(proto)) {
    if (key === 'constructor' || key === 'free' || key.startsWith('__')) continue;
    const d = Object.getOwnPropertyDescriptor(proto, key);
    if (typeof d.value === 'function') {
      const method = d.value;
      d.value = { [key](...args) { if (!isLive(this, cls)) throw deadObject(name, `${key}()`); return method.apply(this, args); } }[key];
    }
    if (d.get) {
      const get = d.get;
      d.get = function () { if (!isLive(this, cls)) throw deadObject(name, key); return get.call(this); };
    }
    Object.defineProperty(proto, key, d);
  }
}

function requireLibrary(call, library) {
  if (library instanceof PresetLibrary && library.__wbg_ptr !== 0) return;
  const what = library instanceof PresetLibrary ? 'a freed PresetLibrary (free() was called on it)'
    : library === null ? 'null' : typeof library === 'object' ? `an object (${library.constructor?.name ?? 'no class'})` : typeof library;
  throw new Error(`${call}: \`library\` must be a live PresetLibrary (PresetLibrary.builtin() or PresetLibrary.fromJson(text)), got ${what}`);
}

/** See animasync_face.d.ts; `library` is checked first (a freed library is named as such). */
export function compileExpression(library, request) {
  requireLibrary('compileExpression', library);
  return rawCompileExpression(library, request);
}

/** See animasync_face.d.ts; `library` is checked first (a freed library is named as such). */
export function renderScenario(library, scenario, options) {
  requireLibrary('renderScenario', library);
  return rawRenderScenario(library, scenario, options);
}

// The built-in text -> emotion classifier (models/text-emotion, copied beside this file by
// `make pkg`): fetched on first use, not part of the .wasm every page downloads. Each URL is
// written out whole, as for the .wasm, so that bundlers see and emit the files.
const textModelFiles = () => [
  new URL('./text-emotion/classifier.onnx', import.meta.url),
  new URL('./text-emotion/classifier.json', import.meta.url),
  new URL('./text-emotion/vocab.txt', import.meta.url),
];
let emotionModel;

/**
 * Downloads and loads the built-in text classifier (about 2.3 MB), once; `classifyEmotion`
 * calls it on first use, a page can call it earlier to have it ready. Requires `init()`. A failed
 * load can be retried.
 */
export function loadEmotionModel() {
  emotionModel ??= Promise.all(textModelFiles().map(readAsset))
    .then(([model, manifest, vocab]) => {
      const text = (bytes) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return new TextClassifier(model, text(manifest), text(vocab));
    })
    .catch((error) => {
      emotionModel = undefined;
      throw new Error(`loadEmotionModel: the text classifier could not be loaded (${error.message}); classifyEmotion(text, { method: 'lexicon' }) needs no download`);
    });
  return emotionModel.then(() => undefined);
}

const METHODS = ['model', 'lexicon'];

/**
 * The emotion of a line about to be spoken (English or Korean): `{emotion, level, vad,
 * confidence, scores}`. `options.method`: 'model' (default: the built-in trained classifier,
 * downloaded on first use) or 'lexicon' (the rules inside the .wasm, no download);
 * `options.previous`: the same speaker's previous line, for context. Rejects on empty text,
 * text over 10,000 characters and strings with unpaired UTF-16 surrogates.
 */
export async function classifyEmotion(text, options) {
  let rest = options;
  let method = 'model';
  if (options !== null && typeof options === 'object' && !Array.isArray(options) && 'method' in options) {
    ({ method, ...rest } = options);
    if (!METHODS.includes(method)) {
      throw new TypeError(`classifyEmotion: options.method must be 'model' or 'lexicon', got ${typeof method === 'string' ? `'${method}'` : String(method)}`);
    }
  }
  // The rules run first either way (microseconds): they check the text and options with the
  // same messages as ever, before anything is downloaded for a line that would be refused.
  const lexicon = lexiconClassifyEmotion(text, rest);
  if (method === 'lexicon') return lexicon;
  await loadEmotionModel();
  return (await emotionModel).classify(text, rest);
}

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
