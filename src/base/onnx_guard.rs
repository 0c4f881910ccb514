//! What tract would panic on, checked before tract sees it. A panic in WebAssembly kills the
//! module for the rest of the page's life, so a hostile or broken ONNX file must come back as a
//! typed error instead. Each check here was found by `fuzz/fuzz_targets/onnx_model.rs` and has
//! a regression test in `tests/robustness.rs` (docs/robustness.md lists the findings):
//!
//! - on the protobuf ([`read_onnx`]): graph outputs nothing produces, string tensors stored raw;
//! - during type inference ([`AxesChecked`]): reductions whose axes are outside their input's rank;
//! - on the typed model ([`check_typed`]): Gather indices, when constant, outside their axis.
//!
//! Both model loaders, the lip-sync runner ([`crate::base::onnx`]) and the text classifier, go
//! through [`read_onnx`] and [`check_typed`].

use std::collections::HashMap;
use std::sync::OnceLock;

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::{bail, StaticName, TractErrorContext};
use tract_onnx::tract_hir::infer::{InferenceOp, InferenceResult, Solver, TensorProxy};
use tract_onnx::tract_hir::ops::expandable::{expand, Expansion};
use tract_onnx::tract_hir::ops::nn::Reduce;

use crate::base::error::{FaceError, Result};
use crate::base::onnx::model_error;

/// ONNX bytes as tract's inference model, through tract's own decoder and translator, with one
/// check between them, and reductions translated into [`AxesChecked`] ops. The check: a graph output (of the model or of a subgraph) that no input, initializer or node
/// names (tract indexes its name map with it), and a string tensor stored as `raw_data` (tract
/// has no raw loader for strings: `unimplemented!`). Both found by `fuzz/fuzz_targets/onnx_model.rs`.
pub(crate) fn read_onnx(bytes: &[u8]) -> TractResult<InferenceModel> {
    let onnx = guarded_onnx();
    let mut reader = bytes;
    let proto = onnx
        .proto_model_for_read(&mut reader)
        .context("Reading proto model")?;
    if let Some(graph) = &proto.graph {
        check_graph(graph, "the graph")?;
    }
    onnx.model_for_proto_model(&proto)
        .context("Translating proto model to model")
}

fn check_graph(graph: &tract_onnx::pb::GraphProto, place: &str) -> TractResult<()> {
    let mut named: std::collections::HashSet<&str> = graph
        .input
        .iter()
        .map(|i| i.name.as_str())
        .chain(graph.initializer.iter().map(|t| t.name.as_str()))
        .collect();
    for node in &graph.node {
        named.extend(node.input.iter().chain(&node.output).map(String::as_str));
    }
    if let Some(output) = graph
        .output
        .iter()
        .find(|o| !named.contains(o.name.as_str()))
    {
        bail!(
            "{place}'s output \"{}\" is produced by no input, initializer or node",
            output.name
        );
    }
    let node_tensors = graph.node.iter().flat_map(|node| {
        node.attribute
            .iter()
            .flat_map(|a| a.t.iter().chain(&a.tensors))
            .map(move |t| (t, format!("node \"{}\"", node.name)))
    });
    let tensors = graph
        .initializer
        .iter()
        .map(|t| (t, "initializer".to_string()))
        .chain(node_tensors);
    for (tensor, owner) in tensors {
        if tensor.data_type == tract_onnx::pb::tensor_proto::DataType::String as i32
            && !tensor.raw_data.is_empty()
        {
            bail!(
                "{place}'s {owner} holds the string tensor \"{}\" as raw_data; ONNX stores strings in string_data",
                tensor.name
            );
        }
    }
    for node in &graph.node {
        for attribute in &node.attribute {
            for sub in attribute.g.iter().chain(&attribute.graphs) {
                check_graph(
                    sub,
                    &format!("the subgraph \"{}\" of node \"{}\"", sub.name, node.name),
                )?;
            }
        }
    }
    Ok(())
}

/// tract's Gather does not check its indices: one past the end of its axis panics when the model
/// runs (found by the `onnx_model` fuzz smoke: a fixture's constant index turned 13 on an axis of
/// 8). Indices known once the model is typed (constants) are checked here, before anything runs;
/// indices computed from the input are tract's to check.
pub(crate) fn check_typed(model: &TypedModel) -> Result<()> {
    for node in &model.nodes {
        let Some(gather) = node.op_as::<tract_onnx::tract_core::ops::array::Gather>() else {
            continue;
        };
        let facts = model
            .node_input_facts(node.id)
            .map_err(model_error("cannot read the model's Gather nodes"))?;
        let (Some(indices), Some(length)) = (
            facts.get(1).and_then(|f| f.konst.as_ref()),
            facts
                .first()
                .and_then(|f| f.shape.get(gather.axis))
                .and_then(|d| d.to_i64().ok()),
        ) else {
            continue;
        };
        let indices = indices
            .cast_to::<i64>()
            .map_err(model_error("cannot read the model's Gather indices"))?;
        let indices = indices
            .to_plain_array_view::<i64>()
            .map_err(model_error("cannot read the model's Gather indices"))?;
        if let Some(index) = indices.iter().find(|&&i| i < -length || i >= length) {
            return Err(FaceError::Model(format!(
                "node \"{}\" gathers index {index} from axis {} of length {length}: \
                 the model reads outside its input",
                node.name, gather.axis
            )));
        }
    }
    Ok(())
}

/// The ONNX operators translated into [`AxesChecked`] ops: every reduction (`axes` as an
/// attribute before opset 18, as input 1 from then on; `ReduceSum` from opset 13) and
/// ArgMax/ArgMin (`axis`). tract's reduction resolves each axis with `unwrap` when it infers the
/// output shape: an axis outside the input's rank panicked ("Illegal combination of values for
/// rank and axis", `tract-hir-0.23.9/src/ops/nn/reduce.rs:124`; the `onnx_model` fuzz smoke, a
/// ReduceMean with axes [1] on a vector).
const AXIS_OPS: [&str; 12] = [
    "ArgMax",
    "ArgMin",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceMax",
    "ReduceMean",
    "ReduceMin",
    "ReduceProd",
    "ReduceSum",
    "ReduceSumSquare",
];

type OpBuilder =
    fn(&ParsingContext, &NodeProto) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)>;

/// tract's ONNX framework with [`AXIS_OPS`] translated by [`guarded_axis_op`].
fn guarded_onnx() -> tract_onnx::Onnx {
    let mut onnx = tract_onnx::onnx();
    for op in AXIS_OPS {
        onnx.op_register.insert(op, guarded_axis_op);
    }
    onnx
}

/// tract's own translators of [`AXIS_OPS`], which [`guarded_axis_op`] wraps.
fn tract_builders() -> &'static HashMap<String, OpBuilder> {
    static BUILDERS: OnceLock<HashMap<String, OpBuilder>> = OnceLock::new();
    BUILDERS.get_or_init(|| {
        let OnnxOpRegister(all) = tract_onnx::onnx().op_register;
        all.into_iter()
            .filter(|(name, _)| AXIS_OPS.contains(&name.as_str()))
            .collect()
    })
}

/// Translates the node with tract's own translator, then wraps the op in [`AxesChecked`].
fn guarded_axis_op(
    ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let Some(build) = tract_builders().get(&node.op_type) else {
        bail!("no translator for {}", node.op_type)
    };
    let (op, extra) = build(ctx, node)?;
    let Some(expansion) = op.as_op().downcast_ref::<Box<dyn Expansion>>() else {
        bail!("{} did not translate to an expansion", node.op_type)
    };
    let axes = match expansion.as_any().downcast_ref::<Reduce>() {
        // The attribute form; None reduces every axis.
        Some(reduce) => match &reduce.axes {
            Some(axes) => Axes::Given(axes.clone()),
            None => return Ok((op, extra)),
        },
        // The opset-18 form: the axes are input 1, or every axis when it is absent.
        None if node.input.len() >= 2 => Axes::Input(1),
        None => return Ok((op, extra)),
    };
    let checked = AxesChecked {
        op: expansion.clone(),
        axes,
    };
    Ok((expand(checked), extra))
}

/// Where an op's axes come from.
#[derive(Debug, Clone)]
enum Axes {
    Given(Vec<i64>),
    /// The value of this input, once it is known (tract needs it constant).
    Input(usize),
}

/// An op over axes of its first input, whose own inference rules are applied only once its axes
/// are known to be inside that input's rank (negative ones count from the end) and distinct: the
/// rules of tract's reductions index the shape with them.
#[derive(Debug, Clone)]
pub(crate) struct AxesChecked {
    op: Box<dyn Expansion>,
    axes: Axes,
}

impl AxesChecked {
    fn check(&self, axes: &[i64], rank: i64) -> TractResult<()> {
        let mut seen = Vec::with_capacity(axes.len());
        for &axis in axes {
            if !(-rank..rank).contains(&axis) {
                bail!(
                    "axis {axis} is outside its rank-{rank} input (axes run from {} to {})",
                    -rank,
                    rank - 1
                );
            }
            let resolved = axis.rem_euclid(rank.max(1));
            if seen.contains(&resolved) {
                bail!("axis {axis} is named twice");
            }
            seen.push(resolved);
        }
        Ok(())
    }
}

impl Expansion for AxesChecked {
    fn name(&self) -> StaticName {
        self.op.name()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        self.op.info()
    }

    fn nboutputs(&self) -> TractResult<usize> {
        self.op.nboutputs()
    }

    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        self.op.wire(prefix, model, inputs)
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        let Some(data) = inputs.first() else {
            bail!("{} takes an input", self.op.name())
        };
        match &self.axes {
            Axes::Given(axes) => s.given(&data.rank, move |s, rank| {
                self.check(axes, rank)?;
                self.op.rules(s, inputs, outputs)
            }),
            Axes::Input(ix) => {
                let Some(axes) = inputs.get(*ix) else {
                    bail!("{} takes its axes as input {ix}", self.op.name())
                };
                s.given_2(&data.rank, &axes.value, move |s, rank, axes| {
                    let axes = axes.cast_to::<i64>()?;
                    let axes: Vec<i64> =
                        axes.to_plain_array_view::<i64>()?.iter().copied().collect();
                    self.check(&axes, rank)?;
                    self.op.rules(s, inputs, outputs)
                })
            }
        }
    }
}
