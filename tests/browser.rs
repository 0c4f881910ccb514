//! The core suite again, as WebAssembly in headless Chromium (`tests/core.rs` runs it natively
//! and under Node).
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[path = "core.rs"]
pub mod core_suite;
