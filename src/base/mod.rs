//! The basics every stage shares: the 52 channels and the 16 emotions (data), the one error
//! type, the strict JSON reader, time on the 30 fps grid and the ONNX runner (tract) that lip
//! sync uses. Imports nothing from the stages.

pub mod channels;
pub mod emotion;
pub mod error;
pub(crate) mod json;
pub mod onnx;
pub mod time;
