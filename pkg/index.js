// animasync-face: the package entry for browsers and bundlers (Vite, webpack, plain
// <script type="module">). Everything the core WebAssembly module exports is re-exported as is;
// `init()` must resolve before any of it is used. What needs an ONNX runtime (OnnxModel,
// TextClassifier, an Engine with a page's own ONNX model) runs in the ONNX module, loaded on
// demand by `loadOnnx()` (onnx.js).
import initWasm, {
  Engine, LipSyncGraph, PresetLibrary,
  classifyEmotion as lexiconClassifyEmotion,
  compileExpression as rawCompileExpression, renderScenario as rawRenderScenario,
} from './animasync_face.js';
import { counted, progressOption, readAsset } from './assets.js';
import { guardClasses } from './guard.js';
import { loadOnnx, onnxExports } from './onnx.js';

export * from './animasync_face.js';
export { loadOnnx, OnnxModel, TextClassifier } from './onnx.js';

guardClasses({ Engine, LipSyncGraph, PresetLibrary });

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
 * Downloads and loads the built-in text classifier (about 2.3 MB) and the ONNX module that runs
 * it, once; `classifyEmotion` calls it on first use, a page can call it earlier to have it ready.
 * Requires `init()`. A failed load can be retried.
 */
export function loadEmotionModel() {
  emotionModel ??= Promise.all([...textModelFiles().map(readAsset), loadOnnx()])
    .then(([model, manifest, vocab]) => {
      const text = (bytes) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return new (onnxExports('loadEmotionModel').TextClassifier)(model, text(manifest), text(vocab));
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
  let onProgress;
  try {
    onProgress = progressOption('init', options);
  } catch (error) {
    return Promise.reject(error);
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

export default init;
