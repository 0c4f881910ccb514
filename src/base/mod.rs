//! The basics every stage shares: the 52 channels and the 16 emotions (data), the one error
//! type, the strict JSON reader, time on the 30 fps grid, the model interface lip sync runs
//! ([`graph`]) and the ONNX runner behind it (tract, or the package's ONNX module in the
//! browser). Imports nothing from the stages.

pub mod channels;
pub mod emotion;
pub mod error;
pub mod graph;
pub(crate) mod json;
#[cfg(feature = "onnx")]
pub mod onnx;
#[cfg(all(not(feature = "onnx"), target_arch = "wasm32"))]
mod onnx_bridge;
#[cfg(feature = "onnx")]
pub(crate) mod onnx_guard;
pub mod time;
