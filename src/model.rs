//! Runs an ONNX model with tract: load from bytes, optimise once, run on flat `f32` buffers.
//!
//! This is the model runner the audio runtime builds on. Every failure (corrupt bytes, an
//! operator tract lacks, symbolic or non-f32 inputs, a wrong input length) is a
//! [`FaceError::Model`], never a panic.

use tract_onnx::prelude::*;

use crate::error::{FaceError, Result};

/// A loaded, optimised ONNX model with fixed-shape `f32` inputs and outputs.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    /// The plan's run state, kept between runs so its buffers are not set up again each time.
    state: TypedSimpleState,
    input_shapes: Vec<Vec<usize>>,
    output_shapes: Vec<Vec<usize>>,
}

fn model_error(context: &str) -> impl Fn(TractError) -> FaceError + '_ {
    move |e| FaceError::Model(format!("{context}: {e:#}"))
}

impl OnnxModel {
    /// Loads an ONNX model from its bytes (weights inlined, not in an external `.onnx.data`).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if bytes.is_empty() {
            return Err(FaceError::Model("the model is empty (0 bytes)".into()));
        }
        let mut reader = bytes;
        let typed = tract_onnx::onnx()
            .model_for_read(&mut reader)
            .map_err(model_error("cannot read the ONNX model"))?
            .into_typed()
            .map_err(model_error("cannot type the ONNX model"))?;
        let shapes = |facts: Vec<&TypedFact>, what: &str| -> Result<Vec<Vec<usize>>> {
            facts
                .into_iter()
                .enumerate()
                .map(|(i, fact)| {
                    if fact.datum_type != f32::datum_type() {
                        return Err(FaceError::Model(format!(
                            "{what} {i} is {:?}; only f32 {what}s are supported",
                            fact.datum_type
                        )));
                    }
                    fact.shape.as_concrete().map(<[usize]>::to_vec).ok_or_else(|| {
                        FaceError::Model(format!(
                            "{what} {i} has a symbolic shape {:?}; export the model with fixed shapes",
                            fact.shape
                        ))
                    })
                })
                .collect()
        };
        let input_facts = (0..typed.inputs.len())
            .map(|i| typed.input_fact(i))
            .collect::<TractResult<Vec<_>>>()
            .map_err(model_error("cannot read the model's inputs"))?;
        let input_shapes = shapes(input_facts, "input")?;
        let plan = typed
            .into_optimized()
            .map_err(model_error("cannot optimise the model"))?
            .into_runnable()
            .map_err(model_error("cannot plan the model"))?;
        let output_facts = (0..plan.model().outputs.len())
            .map(|i| plan.model().output_fact(i))
            .collect::<TractResult<Vec<_>>>()
            .map_err(model_error("cannot read the model's outputs"))?;
        let output_shapes = shapes(output_facts, "output")?;
        let state = plan
            .spawn()
            .map_err(model_error("cannot prepare the model"))?;
        Ok(OnnxModel {
            state,
            input_shapes,
            output_shapes,
        })
    }

    pub fn input_shapes(&self) -> &[Vec<usize>] {
        &self.input_shapes
    }

    pub fn output_shapes(&self) -> &[Vec<usize>] {
        &self.output_shapes
    }

    /// Runs the model on one flat row-major buffer per input; returns one flat buffer per output.
    pub fn run(&mut self, inputs: &[&[f32]]) -> Result<Vec<Vec<f32>>> {
        if inputs.len() != self.input_shapes.len() {
            return Err(FaceError::Model(format!(
                "the model takes {} input(s), {} given",
                self.input_shapes.len(),
                inputs.len()
            )));
        }
        let mut values = TVec::new();
        for (i, (data, shape)) in inputs.iter().zip(&self.input_shapes).enumerate() {
            let expected: usize = shape.iter().product();
            if data.len() != expected {
                return Err(FaceError::Model(format!(
                    "input {i} needs {expected} values (shape {shape:?}), {} given",
                    data.len()
                )));
            }
            if data.iter().any(|x| !x.is_finite()) {
                return Err(FaceError::Model(format!(
                    "input {i} contains NaN or infinite values"
                )));
            }
            let tensor = Tensor::from_shape(shape, data).map_err(model_error("bad input"))?;
            values.push(tensor.into());
        }
        let outputs = self
            .state
            .run(values)
            .map_err(model_error("inference failed"))?;
        outputs
            .iter()
            .map(|o| {
                o.to_plain_array_view::<f32>()
                    .map(|view| view.iter().copied().collect())
                    .map_err(model_error("cannot read an output"))
            })
            .collect()
    }
}
