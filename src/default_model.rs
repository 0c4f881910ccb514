//! The default lip-sync model, compiled in so the library works the moment it is installed,
//! with nothing to fetch. It is an ordinary manifest model (the same path as any user's):
//! trained here by `make model` (training/), described in models/default/MODEL_CARD.md.

/// The ONNX graph (opset 17, weights inline).
pub const ONNX: &[u8] = include_bytes!("../models/default/lipsync.onnx");
/// Its manifest.
pub const MANIFEST: &str = include_str!("../models/default/lipsync.json");

/// `(ONNX, MANIFEST)`, as `Engine::new` and `ModelLipSync::new` take a model.
pub fn model() -> (&'static [u8], &'static str) {
    (ONNX, MANIFEST)
}
