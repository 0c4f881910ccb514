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

use crate::{
    ChannelTable, CompileMode, EmotionTaxonomy, ExpressionCompiler, FaceError, Intensity,
    OnnxModel, PresetLibrary, Vad,
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
    if request.is_object() {
        for key in js_sys::Object::keys(request.unchecked_ref::<js_sys::Object>()).iter() {
            let key = key.as_string().unwrap_or_default();
            if !COMPILE_REQUEST_FIELDS.contains(&key.as_str()) {
                return Err(JsError::new(&format!(
                    "invalid compile request: unknown field `{key}` (expected one of {})",
                    COMPILE_REQUEST_FIELDS.join(", ")
                )));
            }
        }
    }
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
    pub fn run(&self, input: &[f32]) -> Result<Float32Array, JsError> {
        let outputs = self.inner.run(&[input]).map_err(js_error)?;
        Ok(Float32Array::from(&outputs[0][..]))
    }
}
