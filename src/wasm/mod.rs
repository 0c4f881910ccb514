//! The JavaScript binding layer: every `#[wasm_bindgen]` of the crate lives here, and nothing
//! else does. It converts JS values to core types, calls the core and converts back; every core
//! error becomes a JS exception (`JsError`) carrying the core's message.
//!
//! Flat typed arrays cross the boundary: a frame or preset is a `Float32Array` of 52 weights in
//! canonical channel order (`channelNames()`). Objects created here (`PresetLibrary`, `Engine`,
//! `LipSyncGraph`, `OnnxModel`, `TextClassifier`) own wasm memory: call `free()` when done.
//!
//! One file per area of the JS API: [`data`] (channels, emotions), [`expression`] (presets and
//! the compiler), [`render`] (scenarios), [`engine`] (streaming), [`graph`] (a lip-sync model's
//! graph alone), [`text`] (text -> emotion by the lexicon), [`onnx`] (the raw ONNX runner) and
//! [`classifier`] (the text classifier slot); [`types`] holds the TypeScript declarations of the
//! option and result objects, [`options`] reads the options, [`convert`] converts values and
//! errors.
//!
//! The package ships two modules built from this crate. The core module (built without the
//! `onnx` feature) has everything but tract: a page's own ONNX lip-sync model runs in the ONNX
//! module, reached through pkg/onnx.js. The ONNX module (the `onnx-module` feature) has only
//! what needs tract: [`onnx`] and [`classifier`]. A build with `onnx` alone (the wasm test
//! suites) has both in one.

#[cfg(feature = "onnx")]
mod classifier;
mod convert;
#[cfg(not(feature = "onnx-module"))]
mod data;
#[cfg(not(feature = "onnx-module"))]
mod engine;
#[cfg(not(feature = "onnx-module"))]
mod expression;
#[cfg(not(feature = "onnx-module"))]
mod graph;
#[cfg(feature = "onnx")]
mod onnx;
#[cfg(not(feature = "onnx-module"))]
mod options;
#[cfg(not(feature = "onnx-module"))]
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
