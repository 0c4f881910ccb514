//! Runs an ONNX model with tract: load from bytes, optimise once, run on flat `f32` buffers.
//!
//! This is the model runner the audio runtime builds on. Every failure (corrupt bytes, an
//! operator tract lacks, symbolic or non-f32 inputs, a wrong input length) is a
//! [`FaceError::Model`], never a panic.
//!
//! Copies: [`OnnxModel::run`] copies each input slice into a tensor once (tract takes owned
//! tensors) and the outputs out into `Vec`s. [`OnnxModel::run_with`] keeps the outputs inside
//! the model, read in place with [`OnnxModel::output`], and takes [`Held`] tensors (a previous
//! run's output, or zeros) as inputs by reference count, so recurrent state goes from one run's
//! output to the next run's input without being copied or allocated.

use std::cell::RefCell;
use std::rc::Rc;

use tract_onnx::prelude::*;

use crate::base::error::{FaceError, Result};
use crate::base::graph::{check_input, missing_output, Graph};
use crate::base::onnx_guard::{check_typed, read_onnx};

/// A loaded, optimised ONNX model with fixed-shape `f32` inputs and outputs.
#[derive(Debug, Clone)]
pub struct OnnxModel {
    /// The plan's run state, kept between runs so its buffers are not set up again each time.
    state: TypedSimpleState,
    input_shapes: Vec<Vec<usize>>,
    output_shapes: Vec<Vec<usize>>,
    /// The outputs of the last successful run (empty before it and after a failed one).
    outputs: TVec<TValue>,
}

/// A tensor kept between runs, such as recurrent state: an output of an earlier run or zeros.
/// Cloning it and passing it to [`OnnxModel::run_with`] share the values (no copy).
#[derive(Debug, Clone)]
pub struct Held(TValue);

impl Held {
    /// All zeros in `shape`.
    pub fn zeros(shape: &[usize]) -> Result<Held> {
        Tensor::zero::<f32>(shape)
            .map(|t| Held(t.into()))
            .map_err(model_error("cannot make a zero tensor"))
    }

    pub fn shape(&self) -> &[usize] {
        self.0.shape()
    }

    /// The values, row-major.
    pub fn values(&self) -> Result<&[f32]> {
        values(&self.0)
    }
}

/// One input of [`OnnxModel::run_with`].
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// Flat row-major values, checked (length, finite) and copied into a tensor.
    Values(&'a [f32]),
    /// A held tensor of the input's shape, passed as is (not copied, not checked for NaN).
    Held(&'a Held),
}

fn values(value: &TValue) -> Result<&[f32]> {
    value
        .try_as_plain_ram()
        .and_then(|view| view.as_slice::<f32>())
        .map_err(model_error("cannot read an output"))
}

pub(crate) fn model_error(context: &str) -> impl Fn(TractError) -> FaceError + '_ {
    move |e| FaceError::Model(format!("{context}: {e:#}"))
}

/// How many optimised models a thread keeps for reuse (see [`OnnxModel::from_bytes`]).
const PLANS_KEPT: usize = 4;

/// A parsed and optimised model, ready to spawn run states from.
struct Plan {
    source: Vec<u8>,
    plan: Arc<TypedSimplePlan>,
    input_shapes: Vec<Vec<usize>>,
    output_shapes: Vec<Vec<usize>>,
}

thread_local! {
    /// The plans of the models this thread loaded last, with the bytes they came from. A page's
    /// wasm instance is one thread, so an engine made after another on the same model (a new
    /// stream, the microphone restarted, a second avatar) spawns its state from the same plan
    /// rather than parsing and optimising the graph again (tens of milliseconds each time).
    /// Plans only: a run state must not outlive the thread's own locals, which tract's use.
    static PLANS: RefCell<Vec<Rc<Plan>>> = const { RefCell::new(Vec::new()) };
}

impl OnnxModel {
    /// Loads an ONNX model from its bytes (weights inlined, not in an external `.onnx.data`).
    /// Parsed and optimised once per thread for the last few distinct models: a later call with
    /// the same bytes gets its own state on the same plan.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let kept = PLANS.with_borrow(|plans| plans.iter().find(|p| p.source == bytes).cloned());
        let plan = match kept {
            Some(plan) => plan,
            None => {
                let plan = Rc::new(Self::plan(bytes)?);
                PLANS.with_borrow_mut(|plans| {
                    if plans.len() == PLANS_KEPT {
                        plans.remove(0);
                    }
                    plans.push(plan.clone());
                });
                plan
            }
        };
        let state = plan
            .plan
            .spawn()
            .map_err(model_error("cannot prepare the model"))?;
        Ok(OnnxModel {
            state,
            input_shapes: plan.input_shapes.clone(),
            output_shapes: plan.output_shapes.clone(),
            outputs: TVec::new(),
        })
    }

    fn plan(bytes: &[u8]) -> Result<Plan> {
        if bytes.is_empty() {
            return Err(FaceError::Model("the model is empty (0 bytes)".into()));
        }
        let typed = read_onnx(bytes)
            .map_err(model_error("cannot read the ONNX model"))?
            .into_typed()
            .map_err(model_error("cannot type the ONNX model"))?;
        check_typed(&typed, None)?;
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
        Ok(Plan {
            source: bytes.to_vec(),
            plan,
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
        self.run_with(inputs.iter().map(|data| Input::Values(data)))?;
        self.outputs
            .iter()
            .map(|o| values(o).map(<[f32]>::to_vec))
            .collect()
    }

    /// Runs the model on one [`Input`] per model input, in order. The outputs stay in the model
    /// until the next run: read them with [`output`](Self::output) and
    /// [`held_output`](Self::held_output).
    pub fn run_with<'a>(&mut self, inputs: impl IntoIterator<Item = Input<'a>>) -> Result<()> {
        self.outputs.clear();
        let expected = self.input_shapes.len();
        let mut given = 0;
        let mut values = TVec::new();
        for input in inputs {
            given += 1;
            let Some(shape) = self.input_shapes.get(given - 1) else {
                continue;
            };
            let i = given - 1;
            values.push(match input {
                Input::Values(data) => {
                    check_input(i, shape, data)?;
                    Tensor::from_shape(shape, data)
                        .map_err(model_error("bad input"))?
                        .into()
                }
                Input::Held(held) => {
                    if held.shape() != shape.as_slice() {
                        return Err(FaceError::Model(format!(
                            "input {i} has shape {shape:?}; a held tensor of shape {:?} given",
                            held.shape()
                        )));
                    }
                    held.0.clone()
                }
            });
        }
        if given != expected {
            return Err(FaceError::Model(format!(
                "the model takes {expected} input(s), {given} given"
            )));
        }
        self.outputs = self
            .state
            .run(values)
            .map_err(model_error("inference failed"))?;
        Ok(())
    }

    /// Output `i` of the last run, flat and row-major, read in place.
    pub fn output(&self, i: usize) -> Result<&[f32]> {
        values(self.last_output(i)?)
    }

    /// Output `i` of the last run as a [`Held`] tensor (shares the values, no copy), to pass to
    /// a later run.
    pub fn held_output(&self, i: usize) -> Result<Held> {
        self.last_output(i).map(|value| Held(value.clone()))
    }

    fn last_output(&self, i: usize) -> Result<&TValue> {
        self.outputs
            .get(i)
            .ok_or_else(|| missing_output(i, self.output_shapes.len(), self.outputs.len()))
    }
}

impl Graph for OnnxModel {
    fn input_shapes(&self) -> &[Vec<usize>] {
        &self.input_shapes
    }

    fn output_shapes(&self) -> &[Vec<usize>] {
        &self.output_shapes
    }

    fn infer(&mut self, inputs: &[&[f32]]) -> Result<()> {
        self.run_with(inputs.iter().map(|data| Input::Values(data)))
    }

    fn output(&self, i: usize) -> Result<&[f32]> {
        OnnxModel::output(self, i)
    }
}
