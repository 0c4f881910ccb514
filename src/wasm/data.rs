//! The data every frame is laid out by: channels, emotions and their VAD anchors, compile modes.

use wasm_bindgen::prelude::*;

use super::convert::{js_error, js_text, to_js};
use super::types::{ChannelTableValue, EmotionTaxonomyValue};
use crate::base::channels::ChannelTable;
use crate::base::emotion::EmotionTaxonomy;
use crate::base::time::FPS;
use crate::expression::CompileMode;

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
pub fn level_vad(emotion: js_sys::JsString, level: f32) -> Result<Vec<f32>, JsError> {
    let emotion = js_text("levelVad: emotion", &emotion)?;
    let vad = EmotionTaxonomy::builtin()
        .require("levelVad", &emotion)
        .and_then(|(_, e)| e.vad_at_level(level))
        .map_err(js_error)?;
    Ok(vad.as_array().to_vec())
}

/// The compile modes, default first.
#[wasm_bindgen(js_name = compileModes)]
pub fn compile_modes() -> Vec<String> {
    CompileMode::ALL.iter().map(|m| m.to_string()).collect()
}

/// The frame rate of every frame the module produces (30): frame `i` of a stream or render
/// starts at `i / frameRate()` seconds of its audio.
#[wasm_bindgen(js_name = frameRate)]
pub fn frame_rate() -> u32 {
    FPS
}
