//! A model run once per frame, whoever runs it: fixed-shape `f32` inputs in, `f32` outputs kept
//! until the next run. Lip sync reads its model through this trait, so the built-in network (run
//! by our own code) and a user's ONNX model (run by tract, in this module natively and in the
//! package's lazily loaded ONNX module in the browser) are interchangeable behind a manifest.

use crate::base::error::{FaceError, Result};

/// A loaded model with fixed-shape `f32` inputs and outputs.
pub trait Graph {
    /// The fixed shape of each input, in order.
    fn input_shapes(&self) -> &[Vec<usize>];
    /// The fixed shape of each output, in order.
    fn output_shapes(&self) -> &[Vec<usize>];
    /// Runs once on one flat row-major buffer per input, checked with [`check_inputs`]. The
    /// outputs stay until the next run; a failed run leaves none.
    fn infer(&mut self, inputs: &[&[f32]]) -> Result<()>;
    /// Output `i` of the last run, flat and row-major.
    fn output(&self, i: usize) -> Result<&[f32]>;
}

/// The one input rule of every [`Graph`]: as many buffers as inputs, each with its shape's
/// number of values, all finite.
pub fn check_inputs(shapes: &[Vec<usize>], inputs: &[&[f32]]) -> Result<()> {
    if inputs.len() != shapes.len() {
        return Err(FaceError::Model(format!(
            "the model takes {} input(s), {} given",
            shapes.len(),
            inputs.len()
        )));
    }
    for (i, (shape, data)) in shapes.iter().zip(inputs).enumerate() {
        check_input(i, shape, data)?;
    }
    Ok(())
}

/// Input `i` alone: its shape's number of values, all finite.
pub fn check_input(i: usize, shape: &[usize], data: &[f32]) -> Result<()> {
    let needed: usize = shape.iter().product();
    if data.len() != needed {
        return Err(FaceError::Model(format!(
            "input {i} needs {needed} values (shape {shape:?}), {} given",
            data.len()
        )));
    }
    if data.iter().any(|x| !x.is_finite()) {
        return Err(FaceError::Model(format!(
            "input {i} contains NaN or infinite values"
        )));
    }
    Ok(())
}

/// Output `i` of `outputs` (a [`Graph`]'s last run, kept as vectors), or the error naming it.
pub fn stored_output(outputs: &[Vec<f32>], i: usize, count: usize) -> Result<&[f32]> {
    outputs
        .get(i)
        .map(Vec::as_slice)
        .ok_or_else(|| missing_output(i, count, outputs.len()))
}

/// The error for output `i` when the last run gave `given` outputs of the model's `count`.
pub fn missing_output(i: usize, count: usize, given: usize) -> FaceError {
    FaceError::Model(format!(
        "no output {i}: the model has {count} output(s) and the last run gave {given}"
    ))
}

/// Loads ONNX bytes as a [`Graph`]: with tract in this module (the `onnx` feature, every native
/// build), or in the browser's core module through the package's ONNX module, which a page
/// loads first (`await loadOnnx()`).
pub fn open_onnx(bytes: &[u8]) -> Result<Box<dyn Graph>> {
    #[cfg(feature = "onnx")]
    {
        Ok(Box::new(crate::base::onnx::OnnxModel::from_bytes(bytes)?))
    }
    #[cfg(all(not(feature = "onnx"), target_arch = "wasm32"))]
    {
        Ok(Box::new(crate::base::onnx_bridge::BridgedOnnxModel::open(
            bytes,
        )?))
    }
    #[cfg(all(not(feature = "onnx"), not(target_arch = "wasm32")))]
    {
        let _ = bytes;
        Err(FaceError::Model(
            "this build has no ONNX runtime: build with the \"onnx\" feature to run ONNX models"
                .into(),
        ))
    }
}
