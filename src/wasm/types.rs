//! The TypeScript declarations of the option and result objects the bindings take and return
//! (wasm-bindgen writes them into `animasync_face.d.ts`), and the JS types that name them.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** How to compile an emotion: give exactly one of `level` or `vad`. */
export interface CompileRequest {
  /** Emotion label, e.g. "joy" (see `emotionTaxonomy()`). */
  emotion: string;
  /** Intensity level in [1, 5]; fractions lie between the level anchors. */
  level?: number;
  /** Valence, arousal, dominance, each in [-1, 1]. */
  vad?: [number, number, number];
  /** Compile mode; default "expressive". */
  mode?: CompileModeName;
}
export type CompileModeName = "expressive" | "archetype" | "parametric" | "overlay-e";
export type ChannelClass = "lipsync" | "expression" | "shared";
export type ChannelGroup = "brow" | "eye" | "cheek" | "nose" | "jaw" | "mouth" | "tongue";
export interface ChannelInfo { name: string; group: ChannelGroup; class: ChannelClass; mirror?: string }
export interface ChannelTableJson { schema: string; version: number; groups: ChannelGroup[]; channels: ChannelInfo[] }
export interface EmotionInfo {
  id: string; family: string; display: { en: string; ko: string }; description: string;
  signature: string[]; vad: [number, number, number][];
}
export interface EmotionTaxonomyJson { schema: string; version: number; levels: string[]; emotions: EmotionInfo[] }
export type SmoothingSetName = "current" | "middle" | "none";
/** Smoothing values (see the README's parameter table). */
export interface SmoothingValues { gamma: number; beta: number; sigmaFrames: number; fadeFrames: number }
/** A named set (default "current") with any of its values replaced. */
export interface SmoothingOverride extends Partial<SmoothingValues> { set?: SmoothingSetName }
/** Mono audio for one turn. */
export interface TurnAudio { samples: Float32Array; sampleRate: number }
export interface RenderScenarioOptions {
  /** A named set (default "current") or custom values. */
  smoothing?: SmoothingSetName | SmoothingOverride;
  /** Seed of the eye motion; default 0. */
  seed?: number;
  /** Streaming behaviour (causal fades, no Gaussian smoothing); default false. */
  causal?: boolean;
  /** Blinks and iris motion; default true. */
  eyeMotion?: boolean;
  /** Audio per turn, in turn order (null for a silent turn); required for turns that name audio. */
  audio?: (TurnAudio | null)[];
  /** "default" (a built-in model, the default) or "fallback" (signal processing, no model). */
  lipsync?: "default" | "fallback";
  /**
   * Which built-in model reads the audio; default "playback" (up to about 250 ms of look-ahead:
   * the audio is all there, so waiting costs nothing). Not with `lipsync: "fallback"`.
   */
  latency?: LatencyName;
}
/**
 * A built-in lip-sync model, by how long a frame may wait for the audio after it: "live" (the
 * microphone's; at most 40 ms of look-ahead) or "playback" (files, whole clips, offline
 * rendering, TTS: up to about 250 ms, better lips, for audio whose playback can be delayed).
 * Each model's manifest states its look-ahead; `engine.latency` reports the result in seconds.
 */
export type LatencyName = "live" | "playback";
export interface EngineOptions {
  /** Rate of the audio you push, 8000 to 96000 Hz; default 16000. */
  sampleRate?: number;
  /**
   * A lip-sync model and its manifest (JSON text), whose `window.lookahead` sets its latency:
   * ONNX (run in the ONNX module: `await loadOnnx()` first) or the built-in network's weights
   * (safetensors); without them a built-in model runs (see `latency`).
   */
  model?: Uint8Array;
  manifest?: string;
  /** "default" (a built-in model, the default) or "fallback" (signal processing, no model); not with `model`. */
  lipsync?: "default" | "fallback";
  /**
   * Which built-in model drives the lips; default "live" (a stream cannot wait: at most 40 ms
   * of look-ahead). Use "playback" for audio whose playback you delay by `engine.latency`.
   * Not with `model` (your manifest states its own look-ahead) nor `lipsync: "fallback"`.
   */
  latency?: LatencyName;
  /** A preset library as JSON text; default the built-in library. */
  presets?: string;
  /** A named set (default "current") or custom values. */
  smoothing?: SmoothingSetName | SmoothingOverride;
  /** Seed of the eye motion; default 0. */
  seed?: number;
  /** Blinks and iris motion; default true. */
  eyeMotion?: boolean;
}
/** An emotion and its intensity: exactly one of `level` (1..5) or `vad`. */
export interface EmotionRequest { emotion: string; level?: number; vad?: [number, number, number] }
export interface ClipOptions {
  /**
   * Which built-in model reads the clip; default "playback" (a whole clip can wait for its
   * look-ahead), whatever the engine's own latency. Only for an engine running a built-in model:
   * one with your `model` or the fallback reads the clip with that.
   */
  latency?: LatencyName;
}
export interface ClipResult {
  /** frameCount x 52, row-major, canonical channel order. */
  blendshapes: Float32Array; frameCount: number; fps: number; names: string[];
  /** The lip sync that read the clip (the model's manifest name, or "signal"), and its latency in seconds. */
  lipsync: string; latency: number;
}
export interface RenderedScenario {
  fps: number; names: string[]; regime: "monologue" | "dialogue"; frameCount: number;
  turns: { startFrame: number; endFrame: number }[];
  smoothing: SmoothingValues;
  /** The lip sync used (the model's manifest name, or "signal"), and its latency in seconds. */
  lipsync: string; latency: number;
  /** frameCount x 52, row-major. */
  blendshapes: Float32Array;
  /** frameCount x 3 (valence, arousal, dominance) the frames were compiled at. */
  vad: Float32Array;
  /** The speech gate's weight per frame. */
  speech: Float32Array;
}
export interface ClassifyEmotionOptions {
  /** The same speaker's previous line: its cues count half, for lines whose emotion is in the line before. */
  previous?: string;
}
/** What `classifyEmotion` says about a line. */
export interface EmotionGuess {
  /** One of the 16 emotion ids; "neutral" when the text gives too little evidence. */
  emotion: string;
  /** 1..5. */
  level: number;
  /** Valence, arousal, dominance, each in [-1, 1]. */
  vad: [number, number, number];
  /** The chosen emotion's score, in (0, 1). */
  confidence: number;
  /** Every emotion's score; they sum to 1. */
  scores: Record<string, number>;
}
"#;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(typescript_type = "CompileRequest")]
    pub type CompileRequestValue;
    #[wasm_bindgen(typescript_type = "ChannelTableJson")]
    pub type ChannelTableValue;
    #[wasm_bindgen(typescript_type = "EmotionTaxonomyJson")]
    pub type EmotionTaxonomyValue;
    #[wasm_bindgen(typescript_type = "number[][]")]
    pub type Shapes;
    #[wasm_bindgen(typescript_type = "RenderScenarioOptions")]
    pub type RenderScenarioOptionsValue;
    #[wasm_bindgen(typescript_type = "RenderedScenario")]
    pub type RenderedScenarioValue;
    #[wasm_bindgen(typescript_type = "EngineOptions")]
    pub type EngineOptionsValue;
    #[wasm_bindgen(typescript_type = "EmotionRequest")]
    pub type EmotionRequestValue;
    #[wasm_bindgen(typescript_type = "ClipResult")]
    pub type ClipResultValue;
    #[wasm_bindgen(typescript_type = "ClipOptions")]
    pub type ClipOptionsValue;
    #[wasm_bindgen(typescript_type = "ClassifyEmotionOptions")]
    pub type ClassifyEmotionOptionsValue;
    #[wasm_bindgen(typescript_type = "EmotionGuess")]
    pub type EmotionGuessValue;
    #[wasm_bindgen(typescript_type = "Float32Array | number[]")]
    pub type SamplesValue;
    #[wasm_bindgen(typescript_type = "Uint8Array | ArrayBuffer | number[]")]
    pub type BytesValue;
    #[wasm_bindgen(typescript_type = "Float32Array[]")]
    pub type InputsValue;
}
