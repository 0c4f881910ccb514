// The previous generation's wrapper API on top of the new engine, so a site migrates by changing
// an import (`import { AnimasyncCompat } from 'animasync-face/compat'`). Audio given without a
// rate is 16 kHz mono, as before. docs/javascript-api.md, "Migrating", maps each call to the new API.
import init, { Engine, frameRate, loadOnnx, modelNeedsOnnx } from './index.js';

const CHANNELS = 52;

/** 16 kHz mono PCM as the old API took it (a Float32Array, an array or another typed array of
 *  numbers), or a TypeError naming what was given. */
function pcm(value, where) {
  if (value instanceof Float32Array) return value;
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Float32Array.from(value);
  const got = value === null ? 'null' : typeof value === 'object' ? `a ${value.constructor?.name ?? 'object'}` : typeof value;
  throw new TypeError(`${where}: expected 16 kHz mono PCM as a Float32Array or an array of numbers, got ${got}`);
}

/** @typedef {{ blendshapes: Float32Array, frame_count: number, fps: number, mode: string }} ProcessResult */

export class AnimasyncCompat {
  #engine = null;
  #mode = 'signal';

  /** Loads the module and creates the engine. `options`: onProgress({stage, progress}), and
   *  optionally model (Uint8Array) + manifest (JSON text), presets (JSON text). */
  async init(options = {}) {
    const { onProgress = () => {}, model, manifest, presets } = options;
    onProgress({ stage: 'wasm', progress: 0 });
    // The module's bytes as they arrive take the first half (when the server states the size).
    await init(undefined, {
      onProgress: ({ loaded, total }) => {
        if (total) onProgress({ stage: 'wasm', progress: 0.5 * Math.min(loaded / total, 1) });
      },
    });
    onProgress({ stage: 'engine', progress: 0.5 });
    // A custom ONNX model runs in the ONNX module, fetched only then.
    if (model instanceof Uint8Array && modelNeedsOnnx(model)) await loadOnnx();
    this.#engine?.free();
    this.#engine = new Engine({ sampleRate: 16000, model, manifest, presets });
    this.#mode = this.#engine.lipsync === 'signal' ? 'signal' : 'model';
    onProgress({ stage: 'ready', progress: 1 });
  }

  #require() {
    if (!this.#engine) throw new Error('call init() first (or the engine was disposed)');
    return this.#engine;
  }

  #result(blendshapes) {
    return { blendshapes, frame_count: blendshapes.length / CHANNELS, fps: frameRate(), mode: this.#mode };
  }

  /** A whole clip of 16 kHz mono PCM -> ProcessResult. Whole clips (this, processAudioBuffer,
   *  processFile) are read by the built-in playback model, or your model; processAudioChunk
   *  streams with the live one (see `latency` in docs/javascript-api.md). */
  processAudio(pcm16k) {
    const engine = this.#require();
    return this.#result(engine.processClip(pcm(pcm16k, 'processAudio'), 16000).blendshapes);
  }

  /** A Web Audio AudioBuffer (any rate, any channels) -> ProcessResult. */
  processAudioBuffer(audioBuffer) {
    const { numberOfChannels, length, sampleRate } = audioBuffer;
    const mono = new Float32Array(length);
    for (let c = 0; c < numberOfChannels; c++) {
      const data = audioBuffer.getChannelData(c);
      for (let i = 0; i < length; i++) mono[i] += data[i] / numberOfChannels;
    }
    return this.#result(this.#require().processClip(mono, sampleRate).blendshapes);
  }

  /** A File or Blob the browser can decode -> ProcessResult. */
  async processFile(file) {
    const bytes = await file.arrayBuffer();
    const context = new OfflineAudioContext(1, 1, 16000);
    let audioBuffer;
    try {
      audioBuffer = await context.decodeAudioData(bytes);
    } catch (error) {
      throw new Error(`cannot decode ${file.name ?? 'the file'} as audio: ${error.message}`);
    }
    return this.processAudioBuffer(audioBuffer);
  }

  /** Streaming: a chunk of 16 kHz mono PCM; returns the frames it completed, or null until
   *  there are some. `isLast` ends the stream (the remaining frames come back). */
  processAudioChunk(chunk, isLast = false) {
    const engine = this.#require();
    engine.push(pcm(chunk, 'processAudioChunk'));
    let frames = engine.takeFrames();
    if (isLast) {
      const rest = engine.finish();
      const all = new Float32Array(frames.length + rest.length);
      all.set(frames);
      all.set(rest, frames.length);
      frames = all;
    }
    return frames.length > 0 ? this.#result(frames) : null;
  }

  /** Frame `i` of a result: 52 weights (a view, not a copy). */
  getFrame(result, i) {
    if (!Number.isInteger(i) || i < 0 || i >= result.frame_count) {
      throw new RangeError(`frame ${i} is outside 0..${result.frame_count - 1}`);
    }
    return result.blendshapes.subarray(i * CHANNELS, (i + 1) * CHANNELS);
  }

  /** Forgets the stream. */
  reset() {
    this.#require().reset();
  }

  /** Frees the engine's wasm memory; init() again to reuse. */
  dispose() {
    this.#engine?.free();
    this.#engine = null;
  }
}
