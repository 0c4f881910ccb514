//! The JavaScript binding layer: every `#[wasm_bindgen]` of the crate lives here, and nothing
//! else does. It converts JS values to core types, calls the core and converts back; every core
//! error becomes a JS exception (`JsError`) carrying the core's message.
//!
//! Flat typed arrays cross the boundary: a frame or preset is a `Float32Array` of 52 weights in
//! canonical channel order (`channelNames()`). Objects created here (`PresetLibrary`,
//! `OnnxModel`) own wasm memory: call `free()` when done with them.

use js_sys::Float32Array;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::model::Input;
use crate::{
    render, ChannelTable, CompileMode, EmotionTaxonomy, Engine, EngineOptions, ExpressionCompiler,
    FaceError, Intensity, Latency, LexiconClassifier, LipSyncSource, OnnxModel, Pcm, PresetLibrary,
    RenderOptions, Scenario, SmoothingParams, SmoothingSet, TemporalParams, TextClassifier, Vad,
    CHANNEL_COUNT, FPS,
};

#[wasm_bindgen(start)]
fn start() {
    // A panic would otherwise surface as an opaque "unreachable" trap.
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}

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
/** Custom smoothing values (see the README's parameter table). */
export interface SmoothingValues { gamma: number; beta: number; sigmaFrames: number; fadeFrames: number }
/** Mono audio for one turn. */
export interface TurnAudio { samples: Float32Array; sampleRate: number }
export interface RenderScenarioOptions {
  /** A named set (default "current") or custom values. */
  smoothing?: SmoothingSetName | SmoothingValues;
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
   * An ONNX lip-sync model and its manifest (JSON text), whose `window.lookahead` sets its
   * latency; without them a built-in model runs (see `latency`).
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
  smoothing?: SmoothingSetName | SmoothingValues;
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
}

/// A JS string as Rust text, refusing what is not a string or not well-formed UTF-16 (an
/// unpaired surrogate would otherwise turn silently into U+FFFD).
fn js_text(place: &str, value: &JsValue) -> Result<String, JsError> {
    let Some(text) = value.dyn_ref::<js_sys::JsString>() else {
        return Err(JsError::new(&format!("{place} must be a string")));
    };
    if !text.is_valid_utf16() {
        return Err(JsError::new(&format!(
            "{place}: contains an unpaired UTF-16 surrogate (text cut in the middle of an emoji or a character outside the BMP?); pass well-formed text"
        )));
    }
    Ok(String::from(text))
}

/// Guesses the emotion of a line about to be spoken (English or Korean) with the built-in
/// lexicon-and-rules classifier: `{emotion, level, vad, confidence, scores}`.
#[wasm_bindgen(js_name = classifyEmotion)]
pub fn classify_emotion(
    text: JsValue,
    options: Option<ClassifyEmotionOptionsValue>,
) -> Result<EmotionGuessValue, JsError> {
    let (text, previous) = classify_arguments(text, options)?;
    let guess = LexiconClassifier::builtin()
        .classify(&text, previous.as_deref())
        .map_err(js_error)?;
    Ok(to_js(&guess.report())?.unchecked_into())
}

/// The text and the `previous` option of a classify call, checked.
fn classify_arguments(
    text: JsValue,
    options: Option<ClassifyEmotionOptionsValue>,
) -> Result<(String, Option<String>), JsError> {
    let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
    check_keys("options", &options, &["previous"])?;
    let text = js_text("text", &text)?;
    let previous = get(&options, "previous");
    let previous = if previous.is_undefined() || previous.is_null() {
        None
    } else {
        Some(js_text("previous", &previous)?)
    };
    Ok((text, previous))
}

/// A trained ONNX text classifier in the classifier slot: its model bytes, its manifest (see
/// the README's "Text classifier slot") and its WordPiece `vocab.txt`.
#[wasm_bindgen(js_name = TextClassifier)]
pub struct JsTextClassifier {
    inner: TextClassifier,
}

#[wasm_bindgen(js_class = TextClassifier)]
impl JsTextClassifier {
    /// Loads and checks the classifier; throws with the reason when the model, manifest or
    /// vocabulary do not fit together, or when the manifest or vocabulary is not well-formed
    /// text (a vocabulary entry read as U+FFFD would silently tokenize differently).
    #[wasm_bindgen(constructor)]
    pub fn new(
        model: &[u8],
        manifest: js_sys::JsString,
        vocab: js_sys::JsString,
    ) -> Result<JsTextClassifier, JsError> {
        let manifest = js_text("manifest", &manifest)?;
        let vocab = js_text("vocab", &vocab)?;
        Ok(JsTextClassifier {
            inner: TextClassifier::new(model, &manifest, &vocab).map_err(js_error)?,
        })
    }

    /// Same answer shape as `classifyEmotion`, from the model.
    pub fn classify(
        &self,
        text: JsValue,
        options: Option<ClassifyEmotionOptionsValue>,
    ) -> Result<EmotionGuessValue, JsError> {
        let (text, previous) = classify_arguments(text, options)?;
        let guess = self
            .inner
            .classify(&text, previous.as_deref())
            .map_err(js_error)?;
        Ok(to_js(&guess.report())?.unchecked_into())
    }

    /// The word pieces the model reads for `text` (no special tokens).
    pub fn tokenize(&self, text: JsValue) -> Result<Vec<String>, JsError> {
        Ok(self.inner.tokenize(&js_text("text", &text)?))
    }

    /// The labels of the model's emotion output, in its order.
    #[wasm_bindgen(getter)]
    pub fn labels(&self) -> Vec<String> {
        self.inner.manifest().outputs.emotion.labels.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.manifest().name.clone()
    }
}

fn js_error(e: FaceError) -> JsError {
    JsError::new(&e.to_string())
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

/// The 52 channel names in canonical order (the layout of every frame and preset).
#[wasm_bindgen(js_name = channelNames)]
pub fn channel_names() -> Vec<String> {
    ChannelTable::builtin().names().map(String::from).collect()
}

/// The channel table: names, display groups, run-time classes and left/right mirrors.
#[wasm_bindgen(js_name = channelTable)]
pub fn channel_table() -> Result<ChannelTableValue, JsError> {
    Ok(to_js(&ChannelTable::builtin().to_json_value())?.unchecked_into())
}

/// The 16 emotions with their families, display names and VAD anchors per level.
#[wasm_bindgen(js_name = emotionTaxonomy)]
pub fn emotion_taxonomy() -> Result<EmotionTaxonomyValue, JsError> {
    Ok(to_js(&EmotionTaxonomy::builtin().to_json_value())?.unchecked_into())
}

/// The VAD point of `emotion` at a continuous `level` in [1, 5] (linear between level anchors).
#[wasm_bindgen(js_name = levelVad)]
pub fn level_vad(emotion: &str, level: f32) -> Result<Vec<f32>, JsError> {
    let vad = EmotionTaxonomy::builtin()
        .require("levelVad", emotion)
        .and_then(|(_, e)| e.vad_at_level(level))
        .map_err(js_error)?;
    Ok(vad.as_array().to_vec())
}

/// The compile modes, default first.
#[wasm_bindgen(js_name = compileModes)]
pub fn compile_modes() -> Vec<String> {
    CompileMode::ALL.iter().map(|m| m.to_string()).collect()
}

/// An authored preset library (52 weights per emotion and level). Owns wasm memory: `free()` it.
#[wasm_bindgen(js_name = PresetLibrary)]
pub struct JsPresetLibrary {
    inner: PresetLibrary,
}

fn authored_level(level: f64) -> Result<u8, JsError> {
    if level.fract() == 0.0 && (1.0..=5.0).contains(&level) {
        Ok(level as u8)
    } else {
        Err(JsError::new(&format!(
            "level {level} is not an integer level (presets are authored at 1, 3 and 5)"
        )))
    }
}

#[wasm_bindgen(js_class = PresetLibrary)]
impl JsPresetLibrary {
    /// A copy of the built-in library.
    pub fn builtin() -> JsPresetLibrary {
        JsPresetLibrary {
            inner: PresetLibrary::builtin().clone(),
        }
    }

    /// Parses and validates a library; throws with the place of the first problem.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str) -> Result<JsPresetLibrary, JsError> {
        PresetLibrary::from_json(text)
            .map(|inner| JsPresetLibrary { inner })
            .map_err(js_error)
    }

    /// The canonical JSON text; `fromJson(toJson())` gives back the same library bit for bit.
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> String {
        self.inner.to_json()
    }

    /// Number of presets.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> usize {
        self.inner.len()
    }

    /// The emotions that have at least one preset, in taxonomy order.
    pub fn emotions(&self) -> Vec<String> {
        let emotions = EmotionTaxonomy::builtin().emotions();
        let mut ids: Vec<String> = Vec::new();
        for (e, _, _) in self.inner.iter() {
            if ids.last() != Some(&emotions[e].id) {
                ids.push(emotions[e].id.clone());
            }
        }
        ids
    }

    /// The authored levels of `emotion`, ascending.
    pub fn levels(&self, emotion: &str) -> Result<Vec<u8>, JsError> {
        let (e, _) = EmotionTaxonomy::builtin()
            .require("levels", emotion)
            .map_err(js_error)?;
        Ok(self.inner.levels_of(e).map(|(l, _)| l).collect())
    }

    /// The 52 weights of `emotion` at `level`, or `undefined` if that level is not authored.
    pub fn preset(&self, emotion: &str, level: f64) -> Result<Option<Float32Array>, JsError> {
        let level = authored_level(level)?;
        let (e, _) = EmotionTaxonomy::builtin()
            .require("preset", emotion)
            .map_err(js_error)?;
        Ok(self.inner.get(e, level).map(|w| Float32Array::from(&w[..])))
    }

    /// Sets the preset of `emotion` at `level` (1, 3 or 5) to 52 weights in [0, 1]; throws and
    /// changes nothing if any weight is bad.
    #[wasm_bindgen(js_name = setPreset)]
    pub fn set_preset(
        &mut self,
        emotion: &str,
        level: f64,
        weights: &[f32],
    ) -> Result<(), JsError> {
        let level = authored_level(level)?;
        self.inner.set(emotion, level, weights).map_err(js_error)
    }

    /// Removes the preset of `emotion` at `level`; returns whether there was one.
    #[wasm_bindgen(js_name = removePreset)]
    pub fn remove_preset(&mut self, emotion: &str, level: f64) -> Result<bool, JsError> {
        let level = authored_level(level)?;
        self.inner.remove(emotion, level).map_err(js_error)
    }
}

const COMPILE_REQUEST_FIELDS: [&str; 4] = ["emotion", "level", "vad", "mode"];

#[derive(Deserialize)]
struct CompileRequest {
    emotion: String,
    #[serde(default)]
    level: Option<f32>,
    #[serde(default)]
    vad: Option<[f32; 3]>,
    #[serde(default)]
    mode: Option<String>,
}

/// Compiles an emotion at a level or VAD point into a `Float32Array` of 52 weights in [0, 1].
#[wasm_bindgen(js_name = compileExpression)]
pub fn compile_expression(
    library: &JsPresetLibrary,
    request: CompileRequestValue,
) -> Result<Float32Array, JsError> {
    let request: JsValue = request.into();
    // serde-wasm-bindgen reads only the fields it knows, so a typo (`levle`) would otherwise
    // surface as a confusing "give exactly one of level or vad".
    check_keys("compile request", &request, &COMPILE_REQUEST_FIELDS)?;
    let request: CompileRequest = serde_wasm_bindgen::from_value(request)
        .map_err(|e| JsError::new(&format!("invalid compile request: {e}")))?;
    let intensity = match (request.level, request.vad) {
        (Some(level), None) => Intensity::Level(level),
        (None, Some([v, a, d])) => Intensity::Vad(Vad::new(v, a, d).map_err(js_error)?),
        _ => {
            return Err(JsError::new(
                "invalid compile request: give exactly one of `level` or `vad`",
            ))
        }
    };
    let mode = match request.mode.as_deref() {
        None => CompileMode::default(),
        Some(m) => m.parse().map_err(js_error)?,
    };
    let weights = ExpressionCompiler::new(&library.inner)
        .compile(&request.emotion, intensity, mode)
        .map_err(js_error)?;
    Ok(Float32Array::from(&weights[..]))
}

/// An ONNX model run by tract inside this WebAssembly module. Owns wasm memory: `free()` it.
#[wasm_bindgen(js_name = OnnxModel)]
pub struct JsOnnxModel {
    inner: OnnxModel,
}

#[wasm_bindgen(js_class = OnnxModel)]
impl JsOnnxModel {
    /// Loads and optimises a model from its bytes; throws if they are not a usable ONNX model.
    #[wasm_bindgen(constructor)]
    pub fn new(bytes: &[u8]) -> Result<JsOnnxModel, JsError> {
        OnnxModel::from_bytes(bytes)
            .map(|inner| JsOnnxModel { inner })
            .map_err(js_error)
    }

    /// The fixed shape of each input.
    #[wasm_bindgen(getter, js_name = inputShapes)]
    pub fn input_shapes(&self) -> Result<Shapes, JsError> {
        Ok(to_js(self.inner.input_shapes())?.unchecked_into())
    }

    /// The fixed shape of each output.
    #[wasm_bindgen(getter, js_name = outputShapes)]
    pub fn output_shapes(&self) -> Result<Shapes, JsError> {
        Ok(to_js(self.inner.output_shapes())?.unchecked_into())
    }

    /// Runs a single-input model on a flat row-major buffer; returns its first output, flat.
    pub fn run(&mut self, input: &[f32]) -> Result<Float32Array, JsError> {
        self.inner
            .run_with([Input::Values(input)])
            .map_err(js_error)?;
        Ok(Float32Array::from(self.inner.output(0).map_err(js_error)?))
    }

    /// Runs a model with one flat row-major buffer per input, in order (for example features
    /// and a recurrent state); returns every output, flat, in order.
    #[wasm_bindgen(js_name = runInputs)]
    pub fn run_inputs(&mut self, inputs: Vec<Float32Array>) -> Result<Vec<Float32Array>, JsError> {
        let buffers: Vec<Vec<f32>> = inputs.iter().map(Float32Array::to_vec).collect();
        self.inner
            .run_with(buffers.iter().map(|b| Input::Values(b)))
            .map_err(js_error)?;
        (0..self.inner.output_shapes().len())
            .map(|i| Ok(Float32Array::from(self.inner.output(i).map_err(js_error)?)))
            .collect()
    }
}

/// Every key of `value` must be one of `allowed` (serde-wasm-bindgen ignores unknown keys, which
/// would turn a typo into a silent default).
fn check_keys(what: &str, value: &JsValue, allowed: &[&str]) -> Result<(), JsError> {
    if !value.is_object() {
        return Ok(());
    }
    for key in js_sys::Object::keys(value.unchecked_ref::<js_sys::Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        if !allowed.contains(&key.as_str()) {
            return Err(JsError::new(&format!(
                "invalid {what}: unknown field `{key}` (expected one of {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

fn get(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// The eye-motion seed: absent is 0, otherwise a non-negative integer JS can represent exactly.
fn seed_from_js(value: &JsValue) -> Result<u64, JsError> {
    if value.is_undefined() {
        return Ok(0);
    }
    match value.as_f64() {
        Some(s) if s.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(&s) => Ok(s as u64),
        _ => Err(JsError::new(
            "invalid options: `seed` must be a non-negative integer",
        )),
    }
}

fn smoothing_from_js(value: &JsValue) -> Result<SmoothingParams, JsError> {
    let params = TemporalParams::builtin();
    if value.is_undefined() || value.is_null() {
        return Ok(params.smoothing(SmoothingSet::default()));
    }
    if let Some(name) = value.as_string() {
        return Ok(params.smoothing(name.parse().map_err(js_error)?));
    }
    check_keys(
        "smoothing",
        value,
        &["gamma", "beta", "sigmaFrames", "fadeFrames"],
    )?;
    let number = |key: &str| -> Result<f64, JsError> {
        get(value, key)
            .as_f64()
            .ok_or_else(|| JsError::new(&format!("invalid smoothing: `{key}` must be a number")))
    };
    let (gamma, beta, sigma) = (number("gamma")?, number("beta")?, number("sigmaFrames")?);
    let fade = number("fadeFrames")?;
    if fade.fract() != 0.0 || !(0.0..=600.0).contains(&fade) {
        return Err(JsError::new(
            "invalid smoothing: `fadeFrames` must be an integer in [0, 600]",
        ));
    }
    let custom = SmoothingParams {
        gamma: gamma as f32,
        beta: beta as f32,
        sigma_frames: sigma as f32,
        fade_frames: fade as u32,
    };
    custom.validate("smoothing").map_err(js_error)?;
    Ok(custom)
}

fn audio_from_js(value: &JsValue, turns: usize) -> Result<Vec<Option<Pcm>>, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(vec![None; turns]);
    }
    let array: &js_sys::Array = value.dyn_ref().ok_or_else(|| {
        JsError::new("invalid options: `audio` must be an array (one entry per turn)")
    })?;
    if array.length() as usize != turns {
        return Err(JsError::new(&format!(
            "invalid options: `audio` has {} entries for {turns} turns",
            array.length()
        )));
    }
    array
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            if entry.is_undefined() || entry.is_null() {
                return Ok(None);
            }
            check_keys(&format!("audio[{i}]"), &entry, &["samples", "sampleRate"])?;
            let samples: Float32Array = get(&entry, "samples").dyn_into().map_err(|_| {
                JsError::new(&format!(
                    "invalid audio[{i}]: `samples` must be a Float32Array"
                ))
            })?;
            let rate = get(&entry, "sampleRate").as_f64().unwrap_or(f64::NAN);
            if rate.fract() != 0.0 || !(1.0..=1e6).contains(&rate) {
                return Err(JsError::new(&format!(
                    "invalid audio[{i}]: `sampleRate` {rate} is not a whole number of Hz"
                )));
            }
            Pcm::new(samples.to_vec(), rate as u32)
                .map(Some)
                .map_err(|e| JsError::new(&format!("audio[{i}]: {e}")))
        })
        .collect()
}

/// The `lipsync` option: false for "default" (a built-in model; also when absent), true for
/// "fallback".
fn fallback_from_js(value: &JsValue) -> Result<bool, JsError> {
    match value.as_string().as_deref() {
        _ if value.is_undefined() => Ok(false),
        Some("default") => Ok(false),
        Some("fallback") => Ok(true),
        _ => Err(JsError::new(
            "invalid options: `lipsync` must be \"default\" (a built-in model) or \"fallback\" (signal processing, no model)",
        )),
    }
}

/// The `latency` option: absent, "live" or "playback".
fn latency_from_js(value: &JsValue) -> Result<Option<Latency>, JsError> {
    if value.is_undefined() {
        return Ok(None);
    }
    let text = value.as_string().ok_or_else(|| {
        JsError::new("invalid options: `latency` must be \"live\" or \"playback\"")
    })?;
    text.parse()
        .map(Some)
        .map_err(|e: FaceError| JsError::new(&format!("invalid options: {e}")))
}

/// What drives the lips, from the `lipsync` and `latency` options and a model of the caller's
/// own (through the core's one rule, [`LipSyncSource::choose`]).
fn lipsync_source<'a>(
    options: &JsValue,
    model: Option<(&'a [u8], &'a str)>,
    default: Latency,
) -> Result<LipSyncSource<'a>, JsError> {
    let fallback = fallback_from_js(&get(options, "lipsync"))?;
    let latency = latency_from_js(&get(options, "latency"))?;
    LipSyncSource::choose(model, fallback, latency, default)
        .map_err(|e| JsError::new(&format!("invalid options: {e}")))
}

/// Renders a scenario (JSON text, see the README) into 30 fps frames through the temporal layer.
#[wasm_bindgen(js_name = renderScenario)]
pub fn render_scenario(
    library: &JsPresetLibrary,
    scenario: &str,
    options: Option<RenderScenarioOptionsValue>,
) -> Result<RenderedScenarioValue, JsError> {
    let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
    check_keys(
        "options",
        &options,
        &[
            "smoothing",
            "seed",
            "causal",
            "eyeMotion",
            "audio",
            "lipsync",
            "latency",
        ],
    )?;
    let scenario = Scenario::from_json(scenario).map_err(js_error)?;
    let flag = |key: &str, default: bool| -> Result<bool, JsError> {
        let v = get(&options, key);
        if v.is_undefined() {
            Ok(default)
        } else {
            v.as_bool()
                .ok_or_else(|| JsError::new(&format!("invalid options: `{key}` must be a boolean")))
        }
    };
    let seed = seed_from_js(&get(&options, "seed"))?;
    let render_options = RenderOptions {
        smoothing: smoothing_from_js(&get(&options, "smoothing"))?,
        seed,
        causal: flag("causal", false)?,
        eye_motion: flag("eyeMotion", true)?,
    };
    let audio = audio_from_js(&get(&options, "audio"), scenario.turns.len())?;
    let params = TemporalParams::builtin();
    let mut lipsync = lipsync_source(&options, None, Latency::OFFLINE)?
        .build()
        .map_err(js_error)?;
    let rendered = render(
        &scenario,
        &audio,
        &library.inner,
        &render_options,
        params,
        lipsync.as_mut(),
    )
    .map_err(js_error)?;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Span {
        start_frame: usize,
        end_frame: usize,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Meta<'a> {
        fps: u32,
        names: Vec<&'a str>,
        regime: &'static str,
        frame_count: usize,
        turns: Vec<Span>,
        smoothing: SmoothingValues,
        lipsync: &'a str,
        latency: f64,
    }
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct SmoothingValues {
        gamma: f32,
        beta: f32,
        sigma_frames: f32,
        fade_frames: u32,
    }
    let s = render_options.smoothing;
    let meta = Meta {
        fps: FPS,
        names: ChannelTable::builtin().names().collect(),
        regime: rendered.regime.as_str(),
        frame_count: rendered.frames.len(),
        turns: rendered
            .turns
            .iter()
            .map(|t| Span {
                start_frame: t.start_frame,
                end_frame: t.end_frame,
            })
            .collect(),
        smoothing: SmoothingValues {
            gamma: s.gamma,
            beta: s.beta,
            sigma_frames: s.sigma_frames,
            fade_frames: s.fade_frames,
        },
        lipsync: &rendered.lipsync,
        latency: lipsync.latency_s(),
    };
    let out = to_js(&meta)?;
    let flat: Vec<f32> = rendered
        .frames
        .iter()
        .flat_map(|f| f.iter().copied())
        .collect();
    debug_assert_eq!(flat.len(), rendered.frames.len() * CHANNEL_COUNT);
    let vad: Vec<f32> = rendered.vad.iter().flat_map(|v| v.as_array()).collect();
    for (key, array) in [
        ("blendshapes", flat),
        ("vad", vad),
        ("speech", rendered.speech),
    ] {
        js_sys::Reflect::set(
            &out,
            &JsValue::from_str(key),
            &Float32Array::from(&array[..]),
        )
        .map_err(|_| JsError::new("cannot build the result object"))?;
    }
    Ok(out.unchecked_into())
}

/// The streaming engine: push audio chunks of any size, take 30 fps frames of the 52 weights.
/// Owns wasm memory: `free()` it. Run it in a Web Worker, never on the audio thread.
#[wasm_bindgen(js_name = Engine)]
pub struct JsEngine {
    inner: Engine,
}

fn intensity_from_js(what: &str, request: &JsValue) -> Result<(String, Intensity), JsError> {
    check_keys(what, request, &["emotion", "level", "vad"])?;
    let emotion = get(request, "emotion")
        .as_string()
        .ok_or_else(|| JsError::new(&format!("invalid {what}: `emotion` must be a string")))?;
    let (level, vad) = (get(request, "level"), get(request, "vad"));
    let intensity = match (level.is_undefined(), vad.is_undefined()) {
        (false, true) => Intensity::Level(
            level
                .as_f64()
                .ok_or_else(|| JsError::new(&format!("invalid {what}: `level` must be a number")))?
                as f32,
        ),
        (true, false) => {
            let v: [f32; 3] = serde_wasm_bindgen::from_value(vad)
                .map_err(|e| JsError::new(&format!("invalid {what}: `vad`: {e}")))?;
            Intensity::Vad(Vad::from(v))
        }
        _ => {
            return Err(JsError::new(&format!(
                "invalid {what}: give exactly one of `level` or `vad`"
            )))
        }
    };
    Ok((emotion, intensity))
}

#[wasm_bindgen(js_class = Engine)]
impl JsEngine {
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<EngineOptionsValue>) -> Result<JsEngine, JsError> {
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        check_keys(
            "options",
            &options,
            &[
                "sampleRate",
                "model",
                "manifest",
                "lipsync",
                "latency",
                "presets",
                "smoothing",
                "seed",
                "eyeMotion",
            ],
        )?;
        let rate = get(&options, "sampleRate");
        let sample_rate = if rate.is_undefined() {
            16_000
        } else {
            match rate.as_f64() {
                Some(r) if r.fract() == 0.0 && (1.0..=1e6).contains(&r) => r as u32,
                _ => {
                    return Err(JsError::new(
                        "invalid options: `sampleRate` must be a whole number of Hz",
                    ))
                }
            }
        };
        let seed = seed_from_js(&get(&options, "seed"))?;
        let eye_motion = match get(&options, "eyeMotion") {
            v if v.is_undefined() => true,
            v => v
                .as_bool()
                .ok_or_else(|| JsError::new("invalid options: `eyeMotion` must be a boolean"))?,
        };
        let library = match get(&options, "presets") {
            v if v.is_undefined() => PresetLibrary::builtin().clone(),
            v => PresetLibrary::from_json(
                &v.as_string()
                    .ok_or_else(|| JsError::new("invalid options: `presets` must be JSON text"))?,
            )
            .map_err(js_error)?,
        };
        let (model, manifest) = (get(&options, "model"), get(&options, "manifest"));
        let bytes = if model.is_undefined() {
            None
        } else {
            Some(
                model
                    .dyn_into::<js_sys::Uint8Array>()
                    .map_err(|_| JsError::new("invalid options: `model` must be a Uint8Array"))?
                    .to_vec(),
            )
        };
        let manifest = manifest.as_string();
        let model = match (&bytes, &manifest) {
            (Some(b), Some(m)) => Some((b.as_slice(), m.as_str())),
            (None, None) => None,
            _ => {
                return Err(JsError::new(
                    "invalid options: `model` and `manifest` go together",
                ))
            }
        };
        let source = lipsync_source(&options, model, Latency::STREAMING)?;
        let options = EngineOptions {
            sample_rate,
            smoothing: smoothing_from_js(&get(&options, "smoothing"))?,
            seed,
            eye_motion,
        };
        Engine::with_lipsync(options, library, source)
            .map(|inner| JsEngine { inner })
            .map_err(js_error)
    }

    /// Starts a new turn with an emotion at the current input position.
    #[wasm_bindgen(js_name = setEmotion)]
    pub fn set_emotion(&mut self, request: EmotionRequestValue) -> Result<(), JsError> {
        let (emotion, intensity) = intensity_from_js("emotion request", &request.into())?;
        self.inner
            .set_emotion(&emotion, intensity)
            .map_err(js_error)
    }

    /// Pushes mono samples at the engine's rate; returns how many frames are ready to take.
    pub fn push(&mut self, samples: &[f32]) -> Result<usize, JsError> {
        self.inner.push(samples).map_err(js_error)
    }

    /// The frames ready so far, `frames x 52` (row-major); see `firstReadyFrame`.
    #[wasm_bindgen(js_name = takeFrames)]
    pub fn take_frames(&mut self) -> Float32Array {
        Float32Array::from(&self.inner.take_frames()[..])
    }

    /// The stream index of the first frame `takeFrames` returns (frame `i` is at `i / 30` s of
    /// the audio pushed since the stream began).
    #[wasm_bindgen(getter, js_name = firstReadyFrame)]
    pub fn first_ready_frame(&self) -> f64 {
        self.inner.first_ready_frame() as f64
    }

    /// Ends the stream and returns every frame not yet taken; the engine starts a new stream.
    pub fn finish(&mut self) -> Result<Float32Array, JsError> {
        let frames = self.inner.finish().map_err(js_error)?;
        Ok(Float32Array::from(&frames[..]))
    }

    /// Forgets the stream and starts anew, keeping the current emotion.
    pub fn reset(&mut self) -> Result<(), JsError> {
        self.inner.reset().map_err(js_error)
    }

    /// A whole clip at `sampleRate` as a fresh stream with the current emotion. An engine
    /// running a built-in model reads it with the `latency` option's model (default "playback",
    /// whatever the engine's own latency).
    #[wasm_bindgen(js_name = processClip)]
    pub fn process_clip(
        &mut self,
        samples: &[f32],
        sample_rate: f64,
        options: Option<ClipOptionsValue>,
    ) -> Result<ClipResultValue, JsError> {
        let options: JsValue = options.map(Into::into).unwrap_or(JsValue::UNDEFINED);
        check_keys("options", &options, &["latency"])?;
        let latency = latency_from_js(&get(&options, "latency"))?;
        if sample_rate.fract() != 0.0 || !(1.0..=1e6).contains(&sample_rate) {
            return Err(JsError::new(&format!(
                "sample rate {sample_rate} is not a whole number of Hz"
            )));
        }
        let clip = self
            .inner
            .process_clip(samples, sample_rate as u32, latency)
            .map_err(js_error)?;
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Meta<'a> {
            frame_count: usize,
            fps: u32,
            names: Vec<&'a str>,
            lipsync: &'a str,
            latency: f64,
        }
        let out = to_js(&Meta {
            frame_count: clip.frames.len() / CHANNEL_COUNT,
            fps: FPS,
            names: ChannelTable::builtin().names().collect(),
            lipsync: &clip.lipsync,
            latency: clip.latency_s,
        })?;
        js_sys::Reflect::set(
            &out,
            &JsValue::from_str("blendshapes"),
            &Float32Array::from(&clip.frames[..]),
        )
        .map_err(|_| JsError::new("cannot build the result object"))?;
        Ok(out.unchecked_into())
    }

    /// Audio a frame waits for beyond its own 33 ms span, in seconds.
    #[wasm_bindgen(getter)]
    pub fn latency(&self) -> f64 {
        self.inner.latency_s()
    }

    /// The lip sync in use: the model's manifest name, or "signal".
    #[wasm_bindgen(getter)]
    pub fn lipsync(&self) -> String {
        self.inner.lipsync_name().to_string()
    }
}
