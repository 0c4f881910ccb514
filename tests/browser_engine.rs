//! The engine suite again, as WebAssembly in headless Chromium (natively and under Node it runs as
//! its own test target): real tract inference on a real speech clip, the mouth opening in speech
//! and resting in silence. One page per suite: tests run without yielding to the page, and
//! ChromeDriver gives up on a renderer that does not answer for 30 s; the three suites together
//! take about that long in a debug build, each alone at most 20 s.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "engine.rs"]
pub mod engine_suite;
