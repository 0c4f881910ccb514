//! The core, audio and engine suites again, as WebAssembly in headless Chromium (natively and
//! under Node they run as their own test targets). The engine suite runs real tract inference
//! on a real speech clip in the browser and checks the mouth opens in speech and rests in silence.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "core.rs"]
pub mod core_suite;

#[path = "audio.rs"]
pub mod audio_suite;

#[path = "engine.rs"]
pub mod engine_suite;
