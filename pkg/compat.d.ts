/** What the previous generation's wrapper returned. */
export interface ProcessResult {
  /** frame_count x 52, row-major, canonical ARKit order. */
  blendshapes: Float32Array;
  frame_count: number;
  fps: number;
  /** "model" when an ONNX model drives the lips, "signal" for the signal-processing fallback. */
  mode: 'model' | 'signal';
}

export interface CompatInitOptions {
  onProgress?: (progress: { stage: 'wasm' | 'engine' | 'ready'; progress: number }) => void;
  model?: Uint8Array;
  manifest?: string;
  presets?: string;
}

/** The previous generation's wrapper API over the new engine. */
export class AnimasyncCompat {
  init(options?: CompatInitOptions): Promise<void>;
  processAudio(pcm16k: Float32Array | number[]): ProcessResult;
  processAudioBuffer(audioBuffer: AudioBuffer): ProcessResult;
  processFile(file: Blob): Promise<ProcessResult>;
  processAudioChunk(chunk: Float32Array | number[], isLast?: boolean): ProcessResult | null;
  getFrame(result: ProcessResult, i: number): Float32Array;
  reset(): void;
  dispose(): void;
}
