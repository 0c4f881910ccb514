//! The preset library and the expression compiler.

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use super::convert::{check_keys, get, js_error, js_text, samples_from_js};
use super::options::vad_from_js;
use super::types::{CompileRequestValue, SamplesValue};
use crate::base::emotion::EmotionTaxonomy;
use crate::expression::{CompileRequest, ExpressionCompiler, PresetLibrary};

/// An authored preset library (52 weights per emotion and level). Owns wasm memory: `free()` it.
#[wasm_bindgen(js_name = PresetLibrary)]
pub struct JsPresetLibrary {
    pub(crate) inner: PresetLibrary,
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
    pub fn from_json(text: js_sys::JsString) -> Result<JsPresetLibrary, JsError> {
        PresetLibrary::from_json(&js_text("PresetLibrary.fromJson: text", &text)?)
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
    pub fn levels(&self, emotion: js_sys::JsString) -> Result<Vec<u8>, JsError> {
        let emotion = js_text("levels: emotion", &emotion)?;
        let (e, _) = EmotionTaxonomy::builtin()
            .require("levels", &emotion)
            .map_err(js_error)?;
        Ok(self.inner.levels_of(e).map(|(l, _)| l).collect())
    }

    /// The 52 weights of `emotion` at `level`, or `undefined` if that level is not authored.
    pub fn preset(
        &self,
        emotion: js_sys::JsString,
        level: f64,
    ) -> Result<Option<Float32Array>, JsError> {
        let emotion = js_text("preset: emotion", &emotion)?;
        let level = authored_level(level)?;
        let (e, _) = EmotionTaxonomy::builtin()
            .require("preset", &emotion)
            .map_err(js_error)?;
        Ok(self.inner.get(e, level).map(|w| Float32Array::from(&w[..])))
    }

    /// Sets the preset of `emotion` at `level` (1, 3 or 5) to 52 weights in [0, 1]; throws and
    /// changes nothing if any weight is bad.
    #[wasm_bindgen(js_name = setPreset)]
    pub fn set_preset(
        &mut self,
        emotion: js_sys::JsString,
        level: f64,
        weights: SamplesValue,
    ) -> Result<(), JsError> {
        let emotion = js_text("setPreset: emotion", &emotion)?;
        let weights = samples_from_js("setPreset: weights", &weights)?;
        let level = authored_level(level)?;
        self.inner.set(&emotion, level, &weights).map_err(js_error)
    }

    /// Removes the preset of `emotion` at `level`; returns whether there was one.
    #[wasm_bindgen(js_name = removePreset)]
    pub fn remove_preset(
        &mut self,
        emotion: js_sys::JsString,
        level: f64,
    ) -> Result<bool, JsError> {
        let emotion = js_text("removePreset: emotion", &emotion)?;
        let level = authored_level(level)?;
        self.inner.remove(&emotion, level).map_err(js_error)
    }
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
    check_keys("compile request", &request, &CompileRequest::FIELDS)?;
    let vad = get(&request, "vad");
    if !vad.is_undefined() {
        vad_from_js("compile request", &vad)?;
    }
    let request: CompileRequest = serde_wasm_bindgen::from_value(request)
        .map_err(|e| JsError::new(&format!("invalid compile request: {e}")))?;
    let weights = request
        .compile(&ExpressionCompiler::new(&library.inner))
        .map_err(js_error)?;
    Ok(Float32Array::from(&weights[..]))
}
