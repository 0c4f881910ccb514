import type { EngineOptions, EmotionRequest } from './animasync_face.js';

export type MicrophoneErrorCode = 'permission-denied' | 'no-device' | 'device-busy' | 'suspended' | 'unsupported' | 'engine';

/** A failure a visitor can act on; `code` says which, `message` what to do. */
export class MicrophoneError extends Error {
  readonly code: MicrophoneErrorCode;
}

export interface FramesEvent {
  /** `count x 52` weights, row-major, canonical channel order. */
  frames: Float32Array;
  /** Stream index of the first frame. */
  first: number;
  count: number;
  /** Audio-context time (seconds) at which frame `first` starts; frame `first + k` at `time + k / 30`. */
  time: number;
  /** Time the worker spent in the engine on the audio behind this batch (every chunk since the previous batch), ms. */
  computeMs: number;
  /** RMS level of the audio pushed since the previous batch, dBFS (about -120 for digital silence). */
  level: number;
}

export interface MicrophoneOptions {
  /**
   * Engine options (the sample rate is the audio context's); `model` is transferred to the
   * worker. `latency` is "live" unless set: the microphone's built-in model, at most 40 ms of
   * look-ahead (`mic.latency` reports what the chosen model adds).
   */
  engine?: Omit<EngineOptions, 'sampleRate'>;
  /** The first turn's emotion. */
  emotion?: EmotionRequest;
  /** Samples per worklet post; default 256. */
  chunk?: number;
  onFrames?: (event: FramesEvent) => void;
  onError?: (error: MicrophoneError) => void;
}

export interface Microphone {
  context: AudioContext;
  /** Audio a frame waits for beyond its own span (look-ahead, window, resampling, capture chunk), seconds. */
  latency: number;
  lipsync: string;
  /** Starts a new turn with this emotion at the current input position. */
  setEmotion(request: EmotionRequest): void;
  /** Forgets the stream (the emotion is kept). */
  reset(): void;
  /**
   * Replaces the engine with one built from these options over the start options (e.g.
   * `{smoothing: 'middle'}`), keeping the current emotion and the capture; the stream starts
   * anew at the next audio chunk. Resolves when the new engine runs (`latency` and `lipsync`
   * are updated); rejects with a MicrophoneError (code `engine`) if the options are rejected,
   * in which case the previous engine keeps running.
   */
  restart(engine?: Omit<EngineOptions, 'sampleRate'>): Promise<void>;
  stop(): void;
}

/** Starts microphone capture and the engine; call from a user gesture. Rejects with a MicrophoneError. */
export function startMicrophone(options?: MicrophoneOptions): Promise<Microphone>;
