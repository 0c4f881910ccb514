// The package's ONNX module: tract, an ONNX runtime, compiled to WebAssembly on its own (about
// 2 MB gzipped) for what needs it: a page's own ONNX lip-sync model, the text classifier and
// `OnnxModel`. The core module runs the built-in lip-sync models on its own code, so a visitor
// downloads this one only when a page asks: `loadOnnx()`, which `loadEmotionModel`, the audio
// worker and compat call for themselves when they need it.
//
// The core module reaches it synchronously through `openOnnxModel` (src/base/onnx_bridge.rs):
// an Engine made with an ONNX model runs each frame's inference here.
import { lexiconEvidence as coreLexiconEvidence } from './animasync_face.js';
import { counted, moduleSource, progressOption } from './assets.js';
import { guardClasses } from './guard.js';

let exports;
let loading;

/**
 * Loads the ONNX module, once; later calls return the same promise. Without an input the
 * `animasync_face_onnx_bg.wasm` beside this file is fetched (Node reads it from disk); pass a
 * URL, Response, bytes or a compiled WebAssembly.Module to override. `options.onProgress` as for
 * `init()`. A failed load can be retried.
 */
export function loadOnnx(input, options = {}) {
  let onProgress;
  try {
    onProgress = progressOption('loadOnnx', options);
  } catch (error) {
    return Promise.reject(error);
  }
  loading ??= (async () => {
    const module = await import('./animasync_face_onnx.js');
    let source = await (input ?? moduleSource(new URL('./animasync_face_onnx_bg.wasm', import.meta.url)));
    if (onProgress) source = await counted(source, onProgress);
    await module.default({ module_or_path: source });
    guardClasses({ OnnxModel: module.OnnxModel, TextClassifier: module.TextClassifier });
    exports = module;
  })().catch((error) => {
    loading = undefined;
    throw new Error(`loadOnnx: the ONNX module could not be loaded (${error.message})`, { cause: error });
  });
  return loading;
}

/** The ONNX module's exports, or an error telling `call` how to get them. */
export function onnxExports(call) {
  if (exports) return exports;
  throw new Error(`${call}: this needs the package's ONNX module, which is loaded on demand: \`await loadOnnx()\` first`);
}

/** Called by the core module for an Engine made with an ONNX model. */
export function openOnnxModel(bytes) {
  return new (onnxExports('an ONNX lip-sync model').OnnxModel)(bytes);
}

/** A class of the ONNX module under the package's own export: `new` works once it is loaded,
 * and `instanceof` recognises its objects. */
function lazyClass(name) {
  const cls = {
    [name]: class {
      constructor(...args) {
        return new (onnxExports(`new ${name}`)[name])(...args);
      }

      static [Symbol.hasInstance](value) {
        return exports !== undefined && value instanceof exports[name];
      }
    },
  }[name];
  return cls;
}

export const OnnxModel = lazyClass('OnnxModel');
export const TextClassifier = lazyClass('TextClassifier');

/** Called by the ONNX module's text classifier, which has no lexicon of its own. */
export function lexiconEvidence(text, previous) {
  try {
    return coreLexiconEvidence(text, previous);
  } catch (error) {
    // Before `init()` the core module's exports have no instance behind them.
    if (error instanceof TypeError) throw new Error('TextClassifier.classify: the core module is not loaded: `await init()` first', { cause: error });
    throw error;
  }
}
