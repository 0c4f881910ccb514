import type { EngineOptions, EmotionRequest } from './animasync_face.js';

/**
 * What went wrong, for a page to act on:
 * - `invalid-source`: not an AudioNode, MediaStream or HTMLMediaElement, a stream without a live
 *   audio track, or a node whose context is closed;
 * - `invalid-option`: an unknown option (a typo), an option of the wrong type or out of range,
 *   `delayOutput` without an output, or nodes of two different AudioContexts (startMicrophone
 *   checks its options before the browser asks for the device);
 * - `source-in-use`: a media element already connected to another AudioContext (the Web Audio
 *   API allows one connection per element, for its whole life);
 * - `suspended`: the AudioContext stays suspended (start from a click or key press);
 * - `unsupported`: no AudioWorklet or module Workers here (or no getUserMedia, for the microphone);
 * - `engine`: the engine rejected its options, or failed while running (`onError`);
 * - `permission-denied`, `no-device`, `device-busy`: the microphone's (MicrophoneError).
 */
export type AudioSourceErrorCode =
  | 'invalid-source' | 'invalid-option' | 'source-in-use' | 'suspended' | 'unsupported' | 'engine'
  | 'permission-denied' | 'no-device' | 'device-busy';

/** A failure a page can act on; `code` says which, `message` what to do. */
export class AudioSourceError extends Error {
  readonly code: AudioSourceErrorCode;
}

export type MicrophoneErrorCode = 'permission-denied' | 'no-device' | 'device-busy' | 'suspended' | 'unsupported' | 'engine' | 'invalid-option';

/** The microphone's failures; an AudioSourceError too. */
export class MicrophoneError extends AudioSourceError {
  readonly code: MicrophoneErrorCode;
}

export interface FramesEvent {
  /** `count x 52` weights, row-major, canonical channel order. */
  frames: Float32Array;
  /** Stream index of the first frame. */
  first: number;
  count: number;
  /**
   * Audio-context time (seconds) at which the audio of frame `first` reaches the output (is
   * heard, before the device's own output latency): the time it entered the graph plus
   * `outputDelay`. Frame `first + k` at `time + k / 30`.
   */
  time: number;
  /** Time the worker spent in the engine on the audio behind this batch (every chunk since the previous batch), ms. */
  computeMs: number;
  /** RMS level of the audio pushed since the previous batch, dBFS (about -120 for digital silence). */
  level: number;
}

export interface AudioSourceOptions {
  /**
   * Engine options (the sample rate is the audio context's); `model` is transferred to the
   * worker. `latency` is "live" unless set (at most 40 ms of look-ahead); "playback" (up to about
   * 250 ms, better lips) suits sources whose output can be delayed: with `delayOutput`, a media
   * element, a TTS stream or a call's remote voice is heard in sync with the face.
   */
  engine?: Omit<EngineOptions, 'sampleRate'>;
  /** The first turn's emotion. */
  emotion?: EmotionRequest;
  /** Samples per worklet post, 128 to 16384; default 256 (5.3 ms at 48 kHz). */
  chunk?: number;
  /**
   * The AudioContext to run in. Default: an AudioNode's own context; for a stream or an element,
   * a new context, closed by `stop()`. Pass your own to start a media element more than once
   * (an element can be connected to one context only, ever) or to share one context.
   */
  context?: AudioContext;
  /**
   * Where the source's sound is played: an AudioNode of the same context, or null for nowhere.
   * Default: `context.destination` for a media element (whose sound the graph takes over), null
   * for an AudioNode or a MediaStream (the page plays those itself, or not at all).
   */
  output?: AudioNode | null;
  /**
   * Delays the played sound (a DelayNode before `output`) so that each frame is computed before
   * its sound is heard and the face is in sync with it. `true`: by `latency + 1/30 s + 15 ms`
   * (look-ahead, one frame span, the worker's compute and message hops; about 0.16 s with the
   * playback model at 48 kHz); a number: that many seconds (0 to 1). Default false. Needs an
   * output. The frames' `time` includes the delay.
   */
  delayOutput?: boolean | number;
  onFrames?: (event: FramesEvent) => void;
  /** Errors after start-up (the engine rejected a chunk: the chunk is dropped, the stream goes on). */
  onError?: (error: AudioSourceError) => void;
}

export type AudioSourceKind = 'node' | 'stream' | 'element';

export interface AudioSource {
  context: AudioContext;
  kind: AudioSourceKind;
  /** Audio a frame waits for beyond its own span (look-ahead, window, resampling, capture chunk), seconds. */
  latency: number;
  /** The lip-sync model's name. */
  lipsync: string;
  /** Seconds the played sound is delayed by; 0 without `delayOutput`. */
  readonly outputDelay: number;
  /**
   * How far behind `context.currentTime` to show the face: show the frame at
   * `context.currentTime - displayDelay`. That is the moment being heard (the context's base and
   * output latency) when every frame has arrived by then, as with `delayOutput`; otherwise the
   * later of that and `latency + 1/30 s + 15 ms - outputDelay`, when the frame is surely there
   * (the face then lags the sound by the difference).
   */
  readonly displayDelay: number;
  /** Starts a new turn with this emotion at the current input position. */
  setEmotion(request: EmotionRequest): void;
  /** Forgets the stream (the emotion is kept). */
  reset(): void;
  /**
   * Replaces the engine with one built from these options over the start options (e.g.
   * `{smoothing: 'middle'}`), keeping the current emotion and the capture; the stream starts
   * anew at the next audio chunk. Resolves when the new engine runs (`latency`, `lipsync` and an
   * automatic output delay are updated); rejects with an AudioSourceError (code `engine`) if the
   * options are rejected, in which case the previous engine keeps running.
   */
  restart(engine?: Omit<EngineOptions, 'sampleRate'>): Promise<void>;
  /**
   * Stops the capture and the worker and disconnects what this call connected. A context made by
   * startAudioSource is closed; a media element on your own context keeps playing to `output`,
   * undelayed.
   */
  stop(): void;
}

/**
 * Starts lip sync from an AudioNode, a MediaStream or an HTMLMediaElement (<audio>, <video>):
 * the same AudioWorklet -> Web Worker -> engine path as the microphone. Call it from a user
 * gesture (a click) unless the context already runs. Rejects with an AudioSourceError.
 */
export function startAudioSource(source: AudioNode | MediaStream | HTMLMediaElement, options?: AudioSourceOptions): Promise<AudioSource>;

export type MicrophoneOptions = Omit<AudioSourceOptions, 'output' | 'delayOutput'>;

/** The microphone as an audio source; `stop()` also releases the microphone. */
export type Microphone = AudioSource;

/** Starts microphone capture and the engine; call from a user gesture. Rejects with a MicrophoneError. */
export function startMicrophone(options?: MicrophoneOptions): Promise<Microphone>;

/** Seconds `delayOutput: true` allows for the worker's compute and the message hops: 0.015. */
export const OUTPUT_DELAY_MARGIN: number;
/** The longest output delay, seconds: 1. */
export const MAX_OUTPUT_DELAY: number;
