//! The JavaScript binding layer: every `#[wasm_bindgen]` of the crate lives here, and nothing
//! else does. It converts JS values to core types, calls the core and converts back; every core
//! error becomes a JS exception (`JsError`) carrying the core's message.
//!
//! Flat typed arrays cross the boundary: a frame or preset is a `Float32Array` of 52 weights in
//! canonical channel order (`channelNames()`). Objects created here (`PresetLibrary`,
//! `OnnxModel`, `Engine`, `TextClassifier`) own wasm memory: call `free()` when done with them.
//!
//! One file per area of the JS API: [`data`] (channels, emotions), [`expression`] (presets and
//! the compiler), [`onnx`] (the raw model runner), [`render`] (scenarios), [`engine`]
//! (streaming) and [`text`] (text -> emotion); [`types`] holds the TypeScript declarations of
//! the option and result objects, [`options`] reads the options, [`convert`] converts values
//! and errors.

mod convert;
mod data;
mod engine;
mod expression;
mod onnx;
mod options;
mod render;
mod text;
mod types;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    // A panic would otherwise surface as an opaque "unreachable" trap.
    #[cfg(feature = "console_error_panic_hook")]
    console_error_panic_hook::set_once();
}
