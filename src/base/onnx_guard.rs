//! What tract would panic on, checked before tract sees it. A panic in WebAssembly kills the
//! module for the rest of the page's life, so a hostile or broken ONNX file must come back as a
//! typed error instead. tract 0.23 trusts its models: many operators index shapes with the
//! attributes they are given, divide by them or size buffers with them. The checks, in order:
//!
//! - on the protobuf ([`read_onnx`], [`check_graph`], [`check_node`]): graph outputs nothing
//!   produces, string tensors stored raw, dimensions that are neither sizes nor plain names,
//!   operators outside [`OPERATORS`], nodes without their data input, and the attributes of the
//!   operators that tract uses unchecked (permutations, window sizes, split counts, steps, pads);
//! - during type inference and again when tract wires the typed model ([`Checked`]): what
//!   depends on the ranks, shapes or constant inputs of a node (axes inside their input's rank,
//!   windows against their input, no empty tensors, results of at most [`MAX_ELEMENTS`]);
//! - on the typed model ([`check_typed`]): Gather indices constant and inside their axis.
//!
//! Each found panic has a regression test in `tests/robustness.rs`; docs/robustness.md lists
//! them. Both model loaders, the lip-sync runner ([`crate::base::onnx`]) and the text
//! classifier, go through [`read_onnx`] and [`check_typed`].

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, OnceLock};

use tract_onnx::model::{OnnxOpRegister, ParsingContext};
use tract_onnx::pb::{GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::{bail, format_err, StaticName, TractErrorContext};
use tract_onnx::tract_hir::infer::{InferenceOp, InferenceResult, Solver, TensorProxy};
use tract_onnx::tract_hir::ops::expandable::{expand, Expansion};
use tract_onnx::tract_hir::ops::nn::Reduce;

use crate::base::error::{FaceError, Result};
use crate::base::onnx::model_error;

/// The ONNX operators a model may use (any domain): what an audio -> face or a text -> emotion
/// network is made of, each one either safe in tract whatever its attributes or guarded here.
/// Everything else tract knows (control flow, quantised, image, random, FFT, ML operators and
/// the contrib ones) is refused by name: several of them panic on malformed attributes, and no
/// model of this kind needs them. docs/lip-sync.md lists them for model authors.
#[rustfmt::skip]
pub const OPERATORS: &[&str] = &[
    // Element-wise, one input.
    "Abs", "Acos", "Asin", "Atan", "Ceil", "Celu", "Cos", "Cosh", "Elu", "Erf", "Exp", "Floor",
    "Gelu", "HardSigmoid", "HardSwish", "IsInf", "IsNaN", "LeakyRelu", "Log", "Neg", "Not",
    "Reciprocal", "Relu", "Round", "Selu", "Sigmoid", "Sign", "Sin", "Sinh", "Softplus",
    "Softsign", "Sqrt", "Tan", "Tanh", "ThresholdedRelu", "Clip", "Cast", "CastLike", "Identity",
    "Dropout", "PRelu",
    // Element-wise, broadcasting.
    "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Sum", "Mean", "Where", "Equal",
    "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And", "Or", "Xor",
    // Shapes and data movement.
    "Constant", "Shape", "Size", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze",
    "Concat", "Split", "Slice", "Gather", "Pad", "ConstantOfShape", "Expand", "Tile", "Range",
    // Reductions.
    "ArgMax", "ArgMin", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare",
    // Layers.
    "MatMul", "Gemm", "Conv", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    "BatchNormalization", "LayerNormalization", "Softmax", "LogSoftmax", "Hardmax", "GRU",
    "LSTM", "RNN",
];

/// The largest kernel size, stride, dilation or pad accepted: tract's window arithmetic
/// overflows on huge ones, and no audio model comes near.
const MAX_WINDOW: i64 = 1 << 16;

/// The most elements a checked operator may make (64 MB of float32): tract allocates whatever
/// sizes in the model ask for (ConstantOfShape, Expand, Tile, Range, pads, broadcasting), and a
/// failed allocation aborts WebAssembly.
const MAX_ELEMENTS: u64 = 1 << 24;

/// ONNX bytes as tract's inference model: decoded by tract, checked ([`check_model`]), then
/// translated by tract with the operators of [`guarded_onnx`] wrapped in [`Checked`] ops.
pub(crate) fn read_onnx(bytes: &[u8]) -> TractResult<InferenceModel> {
    let onnx = guarded_onnx();
    let mut reader = bytes;
    let proto = onnx
        .proto_model_for_read(&mut reader)
        .context("Reading proto model")?;
    check_model(&proto)?;
    onnx.model_for_proto_model(&proto)
        .context("Translating proto model to model")
}

fn check_model(proto: &ModelProto) -> TractResult<()> {
    let Some(graph) = &proto.graph else {
        return Ok(()); // tract's own error
    };
    check_graph(graph, "the graph")?;
    let opset = proto
        .opset_import
        .iter()
        .find(|import| import.domain.is_empty() || import.domain == "ai.onnx")
        .map_or(0, |import| import.version);
    let constants = Constants::of(graph);
    for node in &graph.node {
        check_node(node, opset, &constants)
            .with_context(|| format!("node \"{}\" ({})", node.name, node.op_type))?;
    }
    Ok(())
}

/// What tract assumes of a graph and of its subgraphs: every output produced (tract indexes its
/// name map with it), strings stored as strings (tract has no raw loader for them:
/// `unimplemented!`), dimensions that are sizes or plain names (tract parses a `dim_param` as an
/// expression: a deeply nested one overflowed the stack, a negative one failed an assertion).
fn check_graph(graph: &GraphProto, place: &str) -> TractResult<()> {
    let mut named: HashSet<&str> = graph
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
    for input in &graph.input {
        check_dims(input).with_context(|| format!("in {place}"))?;
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

/// An input's declared dimensions: sizes of at least 1 (an empty input makes empty tensors,
/// which several of tract's operators divide by), or names tract can parse without harm. The
/// dimensions of outputs and value infos are not read (`with_ignore_value_info`).
fn check_dims(value: &ValueInfoProto) -> TractResult<()> {
    use tract_onnx::pb::tensor_shape_proto::dimension::Value;
    use tract_onnx::pb::type_proto::Value as Type;
    let Some(Type::TensorType(tensor)) = value.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return Ok(());
    };
    for dim in tensor.shape.iter().flat_map(|s| &s.dim) {
        match &dim.value {
            Some(Value::DimValue(size)) if *size < 1 => bail!(
                "input \"{}\" has a dimension of {size}; each must be at least 1",
                value.name
            ),
            Some(Value::DimParam(name)) if !is_plain_name(name) && name != "?" => bail!(
                "input \"{}\" has the symbolic dimension \"{}\"; a symbolic dimension must be \
                 a plain name (letters, digits, '_'), or export the model with fixed shapes",
                value.name,
                name.chars().take(40).collect::<String>()
            ),
            _ => {}
        }
    }
    Ok(())
}

fn is_plain_name(name: &str) -> bool {
    name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The constants a graph holds, initializers and Constant nodes, by name: the operands tract
/// reads at translation time. Their integers are read only for the inputs a check asks about.
struct Constants<'a>(HashMap<&'a str, Constant<'a>>);

enum Constant<'a> {
    Tensor(&'a TensorProto),
    Ints(&'a [i64]),
    /// A Constant node of another kind (a float, a string, a sparse tensor).
    Other,
}

impl<'a> Constants<'a> {
    fn of(graph: &'a GraphProto) -> Self {
        let mut all: HashMap<&str, Constant> = graph
            .initializer
            .iter()
            .map(|t| (t.name.as_str(), Constant::Tensor(t)))
            .collect();
        for node in graph.node.iter().filter(|n| n.op_type == "Constant") {
            let Some(output) = node.output.first() else {
                continue;
            };
            let value = node.attribute.iter().find_map(|a| match a.name.as_str() {
                "value" => a.t.as_ref().map(Constant::Tensor),
                "value_int" => Some(Constant::Ints(std::slice::from_ref(&a.i))),
                "value_ints" => Some(Constant::Ints(&a.ints)),
                _ => None,
            });
            all.insert(output.as_str(), value.unwrap_or(Constant::Other));
        }
        Constants(all)
    }

    /// The integers of input `ix` of `node`, when it is a constant of int64 or int32.
    fn ints(&self, node: &NodeProto, ix: usize) -> Option<Vec<i64>> {
        match self.0.get(node.input.get(ix)?.as_str())? {
            Constant::Tensor(tensor) => tensor_ints(tensor),
            Constant::Ints(ints) => Some(ints.to_vec()),
            Constant::Other => None,
        }
    }
}

fn tensor_ints(tensor: &TensorProto) -> Option<Vec<i64>> {
    use tract_onnx::pb::tensor_proto::DataType;
    let raw = &tensor.raw_data;
    match DataType::try_from(tensor.data_type).ok()? {
        DataType::Int64 if raw.is_empty() => Some(tensor.int64_data.clone()),
        DataType::Int64 => Some(
            raw.chunks_exact(8)
                .map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
                .collect(),
        ),
        DataType::Int32 if raw.is_empty() => {
            Some(tensor.int32_data.iter().map(|&i| i as i64).collect())
        }
        DataType::Int32 => Some(
            raw.chunks_exact(4)
                .map(|b| i32::from_le_bytes(b.try_into().unwrap_or_default()) as i64)
                .collect(),
        ),
        _ => None,
    }
}

/// The checks of one node that need no shapes: the operator is one of [`OPERATORS`], its data
/// input is there, and the attributes (or constant inputs) tract uses unchecked are sound.
fn check_node(node: &NodeProto, opset: i64, constants: &Constants) -> TractResult<()> {
    let op = node.op_type.as_str();
    if !OPERATORS.contains(&op) {
        bail!(
            "the operator {op} is not one animasync-face runs (docs/lip-sync.md lists the \
             operators a model may use)"
        );
    }
    if op != "Constant" && node.input.first().is_none_or(|name| name.is_empty()) {
        bail!("the node has no data input");
    }
    let ints = |name: &str| node.get_attr_opt_vec::<i64>(name);
    match op {
        "Transpose" => {
            if let Some(perm) = ints("perm")? {
                let mut sorted = perm.clone();
                sorted.sort_unstable();
                if !sorted.iter().copied().eq(0..perm.len() as i64) {
                    bail!("perm {perm:?} is not a permutation of 0..{}", perm.len());
                }
            }
        }
        "Conv" | "MaxPool" | "AveragePool" => {
            let kernel = ints("kernel_shape")?;
            let spatial = kernel.as_ref().map(Vec::len);
            for (name, min) in [
                ("kernel_shape", 1),
                ("strides", 1),
                ("dilations", 1),
                ("pads", 0),
            ] {
                let Some(values) = ints(name)? else { continue };
                if let Some(v) = values.iter().find(|&&v| !(min..=MAX_WINDOW).contains(&v)) {
                    bail!("{name} holds {v}; it must be from {min} to {MAX_WINDOW}");
                }
                let expected = spatial.map(|n| if name == "pads" { 2 * n } else { n });
                if expected.is_some_and(|n| n != values.len()) {
                    bail!(
                        "{name} has {} values for a {}-dimensional kernel",
                        values.len(),
                        spatial.unwrap_or_default()
                    );
                }
            }
            if let (Some(pads), Some(strides)) = (ints("pads")?, ints("strides")?) {
                if pads.len() != 2 * strides.len() {
                    bail!(
                        "pads has {} values for {} strides",
                        pads.len(),
                        strides.len()
                    );
                }
            }
            if op == "Conv" && node.get_attr_opt::<i64>("group")?.is_some_and(|g| g < 1) {
                bail!("group must be at least 1");
            }
        }
        "GRU" | "LSTM" | "RNN" => {
            let outputs = if op == "LSTM" { 3 } else { 2 };
            if node.output.len() > outputs {
                bail!(
                    "{op} has {outputs} outputs; the node names {}",
                    node.output.len()
                );
            }
            if node
                .get_attr_opt::<i64>("hidden_size")?
                .is_some_and(|h| h < 1)
            {
                bail!("hidden_size must be at least 1");
            }
        }
        "Split" => {
            if node.output.is_empty() {
                bail!("the node has no outputs");
            }
            if let Some(split) = ints("split")? {
                check_split(&split, node.output.len())?;
            }
            if let Some(n) = node.get_attr_opt::<i64>("num_outputs")? {
                if n != node.output.len() as i64 {
                    bail!(
                        "num_outputs is {n}; the node names {} outputs",
                        node.output.len()
                    );
                }
            }
        }
        "Slice" if (1..10).contains(&opset) => {
            let starts = ints("starts")?.map_or(0, |v| v.len());
            let ends = ints("ends")?.map_or(0, |v| v.len());
            let axes = ints("axes")?;
            if starts != ends || axes.as_ref().is_some_and(|a| a.len() != starts) {
                bail!("starts, ends and axes differ in length");
            }
        }
        // tract reads the steps as 32-bit integers, divides by them, and needs them when it
        // translates the node: only a constant is checked (and accepted).
        "Slice" if node.input.get(4).is_some_and(|name| !name.is_empty()) => {
            let Some(steps) = constants.ints(node, 4) else {
                bail!("the steps must be an initializer or a Constant of integers");
            };
            if let Some(step) = steps
                .iter()
                .find(|&&s| s == 0 || s.unsigned_abs() > i32::MAX as u64)
            {
                bail!("a step of {step}; steps are non-zero 32-bit integers");
            }
        }
        // tract folds constants while it reads the model: an integer division by a constant
        // zero, or one that overflows, would panic there.
        "Div" | "Mod" => {
            let divisor = constants.ints(node, 1).unwrap_or_default();
            if divisor.contains(&0) {
                bail!("an integer division by a constant zero");
            }
            let dividend = constants.ints(node, 0).unwrap_or_default();
            let smallest = |d: &i64| *d == i64::MIN || *d == i32::MIN as i64;
            if divisor.contains(&-1) && dividend.iter().any(smallest) {
                bail!("an integer division that overflows (the smallest integer by -1)");
            }
        }
        "Pad" if opset < 11 => {
            let pads = ints("pads")?.unwrap_or_default();
            if pads.iter().any(|&p| p < 0) {
                bail!("pads {pads:?}: negative pads (cropping) need opset 11 or later");
            }
            check_pads(&pads, constant_mode(node)?)?;
        }
        _ => {}
    }
    Ok(())
}

fn check_split(split: &[i64], outputs: usize) -> TractResult<()> {
    if split.len() != outputs || split.iter().any(|&s| s < 1) {
        bail!("split {split:?} does not give {outputs} sizes of 1 or more");
    }
    Ok(())
}

/// Whether a Pad node pads with a constant (its default mode).
fn constant_mode(node: &NodeProto) -> TractResult<bool> {
    Ok(matches!(
        node.get_attr_opt::<&str>("mode")?,
        None | Some("constant")
    ))
}

/// Negative pads crop, which tract does only in the constant mode (reflecting a negative pad
/// panicked).
fn check_pads(pads: &[i64], constant_mode: bool) -> TractResult<()> {
    for &pad in pads {
        if pad.unsigned_abs() > MAX_WINDOW as u64 || (!constant_mode && pad < 0) {
            bail!(
                "a pad of {pad}; pads are at most {MAX_WINDOW} either way, and negative only in \
                 the constant mode"
            );
        }
    }
    Ok(())
}

/// The operators whose translation [`guarded_op`] wraps in a [`Checked`] op.
#[rustfmt::skip]
const CHECKED: &[&str] = &[
    "ArgMax", "ArgMin", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Squeeze",
    "Unsqueeze", "Split", "Flatten", "Softmax", "LogSoftmax", "Hardmax", "LayerNormalization",
    "Transpose", "Concat", "Gather", "MatMul", "Gemm", "BatchNormalization", "MaxPool",
    "AveragePool", "Conv", "GRU", "LSTM", "RNN", "Slice", "Pad", "ConstantOfShape", "Expand",
    "Tile", "Range", "Shape", "GlobalAveragePool", "GlobalMaxPool", "Add", "Sub", "Mul", "Div",
    "Pow", "Mod", "And", "Or", "Xor", "Equal", "Less", "LessOrEqual", "Greater",
    "GreaterOrEqual", "PRelu", "Where",
];

/// The operators that divide by the length of an axis, or index into it: an empty input (a
/// dimension of 0) panicked in tract ("attempt to divide by zero", `reduce.rs`; `one_hot.rs`).
#[rustfmt::skip]
const NONEMPTY: &[&str] = &[
    "ArgMax", "ArgMin", "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare", "Softmax",
    "LogSoftmax", "Hardmax", "LayerNormalization", "BatchNormalization", "GlobalAveragePool",
    "GlobalMaxPool", "Gather", "Conv", "MaxPool", "AveragePool",
];

type OpBuilder =
    fn(&ParsingContext, &NodeProto) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)>;

/// tract's ONNX framework with [`CHECKED`] translated by [`guarded_op`]. Value infos are only
/// hints, and tract parses their dimensions too: it ignores them here.
fn guarded_onnx() -> tract_onnx::Onnx {
    let mut onnx = tract_onnx::onnx().with_ignore_value_info(true);
    for &op in CHECKED {
        onnx.op_register.insert(op, guarded_op);
    }
    onnx
}

/// tract's own translators of [`CHECKED`], which [`guarded_op`] wraps.
fn tract_builders() -> &'static HashMap<String, OpBuilder> {
    static BUILDERS: OnceLock<HashMap<String, OpBuilder>> = OnceLock::new();
    BUILDERS.get_or_init(|| {
        let OnnxOpRegister(all) = tract_onnx::onnx().op_register;
        all.into_iter()
            .filter(|(name, _)| CHECKED.contains(&name.as_str()))
            .collect()
    })
}

/// Translates the node with tract's own translator, then wraps the op in a [`Checked`] op
/// when [`check_for`] has a check for it.
fn guarded_op(
    ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let Some(build) = tract_builders().get(&node.op_type) else {
        bail!("no translator for {}", node.op_type)
    };
    let (op, extra) = build(ctx, node)?;
    let expansion = op.as_op().downcast_ref::<Box<dyn Expansion>>();
    let Some(check) = check_for(ctx.onnx_operator_set_version, node, expansion.map(|e| &**e))?
    else {
        return Ok((op, extra));
    };
    let Some(expansion) = expansion else {
        bail!("{} did not translate to an expansion", node.op_type)
    };
    let checked = Checked {
        op: expansion.clone(),
        check,
    };
    Ok((expand(checked), extra))
}

/// Where tract finds ONNX input `ix` of a node: absent optional inputs (empty names) are
/// dropped, so the later ones move up.
fn tract_input(node: &NodeProto, ix: usize) -> Option<usize> {
    let present = |name: &String| !name.is_empty();
    node.input.get(ix).filter(|n| present(n))?;
    Some(node.input[..ix].iter().filter(|n| present(n)).count())
}

/// The check a node's translation needs, if any: what it reads of its inputs (ranks, shapes,
/// constant values, by tract input index) and the rule over them.
fn check_for(
    opset: i64,
    node: &NodeProto,
    op: Option<&dyn Expansion>,
) -> TractResult<Option<Check>> {
    let axis = |default: i64| -> TractResult<i64> {
        Ok(node.get_attr_opt::<i64>("axis")?.unwrap_or(default))
    };
    let ints = |name: &str| node.get_attr_opt_vec::<i64>(name);
    let in_rank = |axis: i64| Check::ranks(&[0], move |k| check_axes(&[axis], k.ranks[0]));
    let op_type = node.op_type.as_str();
    let check = match op_type {
        _ if op_type.starts_with("Reduce") || op_type.starts_with("Arg") => {
            match op.and_then(|op| op.as_any().downcast_ref::<Reduce>()) {
                // The attribute form (ArgMax's axis too); None reduces every axis.
                Some(Reduce {
                    axes: Some(axes), ..
                }) => {
                    let axes = axes.clone();
                    Some(Check::ranks(&[0], move |k| check_axes(&axes, k.ranks[0])))
                }
                // The input form: the axes are input 1, or every axis when it is absent.
                _ => tract_input(node, 1).map(|ix| {
                    Check::values(&[0], &[ix], |k| {
                        check_axes(&ints_of(&k.values[0])?, k.ranks[0])
                    })
                }),
            }
        }
        "Squeeze" | "Unsqueeze" => {
            let adding = op_type == "Unsqueeze";
            let rule = move |axes: &[i64], rank: i64| {
                let rank = if adding {
                    rank + axes.len() as i64
                } else {
                    rank
                };
                check_axes_of(axes, rank, if adding { "output" } else { "input" })?;
                let resolved: Vec<i64> = axes.iter().map(|a| a.rem_euclid(rank.max(1))).collect();
                // tract removes squeezed axes from the last one named, by position.
                if !adding && !resolved.is_sorted() {
                    bail!("the axes {axes:?} must be named in increasing order");
                }
                Ok(())
            };
            if opset < 13 {
                let axes = ints("axes")?.unwrap_or_default();
                Some(Check::ranks(&[0], move |k| rule(&axes, k.ranks[0])))
            } else {
                tract_input(node, 1).map(|ix| {
                    Check::values(&[0], &[ix], move |k| {
                        rule(&ints_of(&k.values[0])?, k.ranks[0])
                    })
                })
            }
        }
        "Split" => {
            let axis = axis(0)?;
            let outputs = node.output.len();
            match tract_input(node, 1) {
                Some(ix) if opset >= 13 => Some(Check::values(&[0], &[ix], move |k| {
                    check_axes(&[axis], k.ranks[0])?;
                    check_split(&ints_of(&k.values[0])?, outputs)
                })),
                _ => Some(in_rank(axis)),
            }
        }
        // Flatten's axis may also be the rank itself: everything into the first dimension.
        "Flatten" => {
            let axis = axis(1)?;
            Some(Check::ranks(&[0], move |k| {
                let rank = k.ranks[0];
                if !(-rank..=rank).contains(&axis) {
                    bail!("axis {axis}: Flatten splits its rank-{rank} input at -{rank} to {rank}");
                }
                Ok(())
            }))
        }
        "Softmax" | "LogSoftmax" | "Hardmax" => {
            Some(in_rank(axis(if opset < 13 { 1 } else { -1 })?))
        }
        "LayerNormalization" => Some(in_rank(axis(-1)?)),
        "Concat" | "Gather" => Some(in_rank(axis(0)?)),
        "Transpose" => ints("perm")?.map(|perm| {
            Check::ranks(&[0], move |k| {
                if perm.len() as i64 != k.ranks[0] {
                    bail!("perm {perm:?} does not permute a rank-{} input", k.ranks[0]);
                }
                Ok(())
            })
        }),
        "MatMul" => Some(Check::ranks(&[0, 1], |k| {
            if k.ranks.contains(&0) {
                bail!("MatMul multiplies tensors of rank 1 or more; an operand is a scalar");
            }
            Ok(())
        })),
        "Gemm" => Some(Check::ranks(&[0, 1], |k| {
            if k.ranks != [2, 2] {
                bail!(
                    "Gemm multiplies matrices; its operands have ranks {:?}",
                    k.ranks
                );
            }
            Ok(())
        })),
        "BatchNormalization" => Some(Check::ranks(&[0], |k| {
            if k.ranks[0] < 2 {
                bail!(
                    "BatchNormalization needs an input of rank 2 or more, not {}",
                    k.ranks[0]
                );
            }
            Ok(())
        })),
        "MaxPool" | "AveragePool" => {
            let spatial = ints("kernel_shape")?.unwrap_or_default().len() as i64;
            Some(Check::ranks(&[0], move |k| {
                if k.ranks[0] != spatial + 2 {
                    bail!(
                        "a {spatial}-dimensional window over a rank-{} input",
                        k.ranks[0]
                    );
                }
                Ok(())
            }))
        }
        "Conv" => {
            let kernel = ints("kernel_shape")?;
            let windows: Vec<(&str, usize)> = ["strides", "dilations", "pads"]
                .into_iter()
                .map(|name| Ok((name, ints(name)?.map_or(0, |v| v.len()))))
                .collect::<TractResult<_>>()?;
            Some(Check::shapes(&[0], &[1], move |k| {
                let weights = &k.shapes[0];
                check_sizes(weights, "the weights")?;
                if weights.len() < 3 || k.ranks[0] != weights.len() as i64 {
                    bail!(
                        "rank-{} weights for a rank-{} input (both batch, channels, then the same \
                         spatial dimensions)",
                        weights.len(),
                        k.ranks[0]
                    );
                }
                if kernel
                    .as_ref()
                    .is_some_and(|kernel| kernel.len() + 2 != weights.len())
                {
                    bail!(
                        "kernel_shape {kernel:?} does not match the weights' rank {}",
                        weights.len()
                    );
                }
                let spatial = weights.len() - 2;
                for &(name, len) in &windows {
                    let expected = if name == "pads" { 2 * spatial } else { spatial };
                    if len != 0 && len != expected {
                        bail!("{name} has {len} values for {spatial} spatial dimensions");
                    }
                }
                Ok(())
            }))
        }
        "GRU" | "LSTM" | "RNN" => Some(Check::shapes(&[], &[0, 1, 2], |k| {
            for (shape, what) in k.shapes.iter().zip(["the input", "W", "R"]) {
                if shape.len() != 3 {
                    bail!(
                        "{what} has rank {}; recurrent layers take rank 3",
                        shape.len()
                    );
                }
                check_sizes(shape, what)?;
                if shape.iter().any(|d| d.to_i64().is_err()) {
                    bail!("{what} has the symbolic shape {shape:?}; recurrent layers need fixed sizes");
                }
            }
            Ok(())
        })),
        "Slice" if (1..10).contains(&opset) => ints("axes")?.map(|axes| {
            Check::ranks(&[0], move |k| {
                if axes.iter().any(|&a| a < 0) {
                    bail!("axes {axes:?}: this Slice takes axes from 0");
                }
                check_axes(&axes, k.ranks[0])
            })
        }),
        // Opset 18 may name the padded axes (input 3); before, the pads cover every axis.
        "Pad" if opset >= 11 => {
            let constant_mode = constant_mode(node)?;
            let axes = tract_input(node, 3);
            let values: Vec<usize> = [1].into_iter().chain(axes).collect();
            Some(Check::new(&[], &[0], &values, move |k| {
                let (shape, pads) = (&k.shapes[0], ints_of(&k.values[0])?);
                check_pads(&pads, constant_mode)?;
                let rank = shape.len() as i64;
                let axes = match k.values.get(1) {
                    Some(axes) => ints_of(axes)?,
                    None => (0..rank).collect(),
                };
                check_axes(&axes, rank)?;
                if pads.len() != 2 * axes.len() {
                    bail!("{} pads for {} axes", pads.len(), axes.len());
                }
                let mut padded: Vec<i64> = shape.iter().map(|d| d.to_i64().unwrap_or(1)).collect();
                for (i, &axis) in axes.iter().enumerate() {
                    let axis = axis.rem_euclid(rank.max(1)) as usize;
                    let (begin, end) = (pads[i], pads[i + axes.len()]);
                    padded[axis] += begin + end;
                    // Negative pads crop: they must leave something.
                    if padded[axis] < 1 {
                        bail!(
                            "pads {begin} and {end} leave nothing of axis {axis} ({})",
                            shape[axis]
                        );
                    }
                }
                check_elements(&padded, &[])
            }))
        }
        "ConstantOfShape" => Some(Check::values(&[], &[0], |k| {
            check_elements(&ints_of(&k.values[0])?, &[])
        })),
        // Broadcast against the input: each dimension is the larger of the two.
        "Expand" => Some(Check::new(&[], &[0], &[1], |k| {
            check_elements(&ints_of(&k.values[0])?, &k.shapes[0])
        })),
        "Tile" => Some(Check::new(&[], &[0], &[1], |k| {
            let (shape, repeats) = (&k.shapes[0], ints_of(&k.values[0])?);
            if repeats.len() != shape.len() {
                bail!("{} repeats for a rank-{} input", repeats.len(), shape.len());
            }
            let tiled: Vec<i64> = (shape.iter().zip(&repeats))
                .map(|(d, &r)| d.to_i64().unwrap_or(1).saturating_mul(r))
                .collect();
            check_elements(&tiled, &[])
        })),
        "Range" => Some(Check::values(&[], &[0, 1, 2], |k| {
            let [start, limit, delta] = [0, 1, 2].map(|i| {
                let value = k.values[i].cast_to::<f64>()?;
                let first = value.to_plain_array_view::<f64>()?.iter().next().copied();
                first.ok_or_else(|| format_err!("Range takes scalars"))
            });
            let (start, limit, delta) = (start?, limit?, delta?);
            let count = ((limit - start) / delta).ceil();
            if !count.is_finite() || delta == 0.0 {
                bail!("Range from {start} to {limit} by {delta} has no finite length");
            }
            check_elements(&[count.max(0.0) as i64], &[])
        })),
        // Broadcasting: tract folds constant operands while it reads the model, and sizes the
        // result by the broadcast shape.
        "Add" | "Sub" | "Mul" | "Div" | "Pow" | "Mod" | "And" | "Or" | "Xor" | "Equal" | "Less"
        | "LessOrEqual" | "Greater" | "GreaterOrEqual" | "PRelu" | "Where"
            if op.is_some() =>
        {
            let operands: Vec<usize> = (0..node.input.len()).collect();
            Some(Check::shapes(&[], &operands, |k| {
                check_broadcast(&k.shapes)
            }))
        }
        // Opset 15's start and end select the dimensions reported: at least one.
        "Shape" => {
            let start = node.get_attr_opt::<i64>("start")?.unwrap_or(0);
            let end = node.get_attr_opt::<i64>("end")?;
            Some(Check::ranks(&[0], move |k| {
                let rank = k.ranks[0];
                let resolve = |i: i64| if i < 0 { i + rank } else { i }.clamp(0, rank);
                if resolve(end.unwrap_or(rank)) <= resolve(start) {
                    bail!(
                        "start {start} and end {end:?} select no dimension of a rank-{rank} input"
                    );
                }
                Ok(())
            }))
        }
        _ => None,
    };
    let check = match check {
        Some(check) if NONEMPTY.contains(&op_type) => Some(check.nonempty()),
        None if NONEMPTY.contains(&op_type) => Some(Check::ranks(&[], |_| Ok(())).nonempty()),
        check => check,
    };
    Ok(check)
}

/// Axes inside a rank-`rank` input (negative ones count from the end), each named once.
fn check_axes(axes: &[i64], rank: i64) -> TractResult<()> {
    check_axes_of(axes, rank, "input")
}

/// Axes inside a rank-`rank` tensor, the node's input or output (`of`), each named once.
fn check_axes_of(axes: &[i64], rank: i64, of: &str) -> TractResult<()> {
    let mut seen = Vec::with_capacity(axes.len());
    for &axis in axes {
        if !(-rank..rank).contains(&axis) {
            bail!(
                "axis {axis} is outside its rank-{rank} {of} (axes run from {} to {})",
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

/// Every known dimension at least 1: tract divides by them and sizes loops with them.
fn check_sizes(shape: &[TDim], what: &str) -> TractResult<()> {
    if shape.iter().any(|d| d.to_i64().is_ok_and(|d| d < 1)) {
        bail!("{what}: an empty dimension in {shape:?}");
    }
    Ok(())
}

/// A tensor of `sizes`, broadcast against `shape` (unknown dimensions count as 1), holds at most
/// [`MAX_ELEMENTS`].
fn check_elements(sizes: &[i64], shape: &[TDim]) -> TractResult<()> {
    if let Some(size) = sizes.iter().find(|&&s| s < 1) {
        bail!("a size of {size}: tensors here have at least one element per dimension");
    }
    let sizes_as_dims: TVec<TDim> = sizes.iter().map(|&s| TDim::from(s)).collect();
    if broadcast_elements(&[sizes_as_dims, shape.into()]).is_none_or(|n| n > MAX_ELEMENTS) {
        bail!("a tensor of shape {sizes:?} is larger than {MAX_ELEMENTS} elements");
    }
    Ok(())
}

/// The tensors of these shapes broadcast together hold at most [`MAX_ELEMENTS`] (unknown
/// dimensions count as 1).
fn check_broadcast(shapes: &[TVec<TDim>]) -> TractResult<()> {
    if broadcast_elements(shapes).is_none_or(|n| n > MAX_ELEMENTS) {
        bail!("operands of shapes {shapes:?} broadcast to more than {MAX_ELEMENTS} elements");
    }
    Ok(())
}

/// How many elements these shapes broadcast together hold (unknown dimensions count as 1), or
/// None past `u64`.
fn broadcast_elements(shapes: &[TVec<TDim>]) -> Option<u64> {
    let rank = shapes.iter().map(|s| s.len()).max().unwrap_or(0);
    let dim = |shape: &TVec<TDim>, i: usize| match (i + shape.len()).checked_sub(rank) {
        Some(at) => shape[at].to_i64().unwrap_or(1).max(0) as u64,
        None => 1,
    };
    (0..rank).try_fold(1u64, |total, i| {
        total.checked_mul(shapes.iter().map(|s| dim(s, i)).max().unwrap_or(1))
    })
}

fn ints_of(tensor: &Tensor) -> TractResult<Vec<i64>> {
    let ints = tensor.cast_to::<i64>()?;
    Ok(ints.to_plain_array_view::<i64>()?.iter().copied().collect())
}

/// What a [`Check`] has learnt of its node's inputs, in the order it asked.
struct Known {
    ranks: Vec<i64>,
    shapes: Vec<TVec<TDim>>,
    values: Vec<Arc<Tensor>>,
}

type Rule = dyn Fn(&Known) -> TractResult<()> + Send + Sync;

/// A rule over some inputs' ranks, shapes and constant values (tract input indices).
#[derive(Clone)]
struct Check {
    ranks: Vec<usize>,
    shapes: Vec<usize>,
    values: Vec<usize>,
    rule: Arc<Rule>,
}

impl Check {
    /// A rule over the ranks, shapes and constant values of these inputs.
    fn new(
        ranks: &[usize],
        shapes: &[usize],
        values: &[usize],
        rule: impl Fn(&Known) -> TractResult<()> + Send + Sync + 'static,
    ) -> Self {
        Check {
            ranks: ranks.to_vec(),
            shapes: shapes.to_vec(),
            values: values.to_vec(),
            rule: Arc::new(rule),
        }
    }

    /// The same check, and input 0 without an empty dimension ([`NONEMPTY`]).
    fn nonempty(self) -> Self {
        let Check {
            ranks,
            mut shapes,
            values,
            rule,
        } = self;
        shapes.insert(0, 0);
        let rule = move |k: &Known| {
            let (first, rest) = (&k.shapes[0], &k.shapes[1..]);
            if first.iter().any(|d| d.to_i64().is_ok_and(|d| d < 1)) {
                bail!("its input has an empty dimension: {first:?}");
            }
            rule(&Known {
                ranks: k.ranks.clone(),
                shapes: rest.to_vec(),
                values: k.values.clone(),
            })
        };
        Check {
            ranks,
            shapes,
            values,
            rule: Arc::new(rule),
        }
    }

    fn ranks(
        ranks: &[usize],
        rule: impl Fn(&Known) -> TractResult<()> + Send + Sync + 'static,
    ) -> Self {
        Self::new(ranks, &[], &[], rule)
    }

    fn values(
        ranks: &[usize],
        values: &[usize],
        rule: impl Fn(&Known) -> TractResult<()> + Send + Sync + 'static,
    ) -> Self {
        Self::new(ranks, &[], values, rule)
    }

    fn shapes(
        ranks: &[usize],
        shapes: &[usize],
        rule: impl Fn(&Known) -> TractResult<()> + Send + Sync + 'static,
    ) -> Self {
        Self::new(ranks, shapes, &[], rule)
    }
}

/// An op whose own inference rules apply only once its [`Check`] has passed: tract's rules
/// index shapes with the node's axes and attributes, and panic when those are out of range.
#[derive(Clone)]
struct Checked {
    op: Box<dyn Expansion>,
    check: Check,
}

impl fmt::Debug for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checked({:?})", self.op)
    }
}

impl Expansion for Checked {
    fn name(&self) -> StaticName {
        self.op.name()
    }

    fn info(&self) -> TractResult<Vec<String>> {
        self.op.info()
    }

    fn nboutputs(&self) -> TractResult<usize> {
        self.op.nboutputs()
    }

    /// tract wires every node, whether or not inference learnt what the check waits for (a
    /// Range of values computed from the audio, say), so the check runs again here on the typed
    /// facts, and what the op makes is held to [`MAX_ELEMENTS`] and to no empty dimension.
    fn wire(
        &self,
        prefix: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let check = &self.check;
        let fact = |ix: usize| match inputs.get(ix) {
            Some(&outlet) => model.outlet_fact(outlet),
            None => bail!(
                "{} has {} inputs; input {ix} is missing",
                self.op.name(),
                inputs.len()
            ),
        };
        let known = Known {
            ranks: (check.ranks.iter())
                .map(|&ix| Ok(fact(ix)?.rank() as i64))
                .collect::<TractResult<_>>()?,
            shapes: (check.shapes.iter())
                .map(|&ix| Ok(fact(ix)?.shape.to_tvec()))
                .collect::<TractResult<_>>()?,
            values: (check.values.iter())
                .map(|&ix| match &fact(ix)?.konst {
                    Some(value) => Ok(value.clone()),
                    None => bail!(
                        "{}'s input {ix} is computed from the model's input; it must be a \
                         constant",
                        self.op.name()
                    ),
                })
                .collect::<TractResult<_>>()?,
        };
        (check.rule)(&known)?;
        let outlets = self.op.wire(prefix, model, inputs)?;
        for &outlet in &outlets {
            let shape = model.outlet_fact(outlet)?.shape.to_tvec();
            let sizes: Vec<i64> = shape.iter().map(|d| d.to_i64().unwrap_or(1)).collect();
            if sizes.contains(&0) {
                bail!(
                    "{} makes an empty tensor, of shape {shape:?}",
                    self.op.name()
                );
            }
            check_elements(&sizes, &[])?;
        }
        Ok(outlets)
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        let check = &self.check;
        let wanted = check.ranks.iter().chain(&check.shapes).chain(&check.values);
        if let Some(ix) = wanted.copied().find(|&ix| ix >= inputs.len()) {
            bail!(
                "{} has {} inputs; input {ix} is missing",
                self.op.name(),
                inputs.len()
            );
        }
        s.given_all(
            check.ranks.iter().map(|&ix| &inputs[ix].rank),
            move |s, ranks| {
                s.given_all(
                    check.shapes.iter().map(|&ix| &inputs[ix].shape),
                    move |s, shapes| {
                        let ranks = ranks.clone();
                        s.given_all(
                            check.values.iter().map(|&ix| &inputs[ix].value),
                            move |s, values| {
                                let known = Known {
                                    ranks: ranks.clone(),
                                    shapes: shapes.clone(),
                                    values,
                                };
                                (check.rule)(&known)?;
                                self.op.rules(s, inputs, outputs)
                            },
                        )
                    },
                )
            },
        )
    }
}
/// A text classifier's token ids: the one model input a Gather may index with while the model
/// runs, held to the tokenizer's vocabulary.
pub(crate) struct TokenIds {
    /// Which model input holds them.
    pub input: usize,
    /// How many tokens the vocabulary has: every table they index needs as many rows.
    pub vocab_size: usize,
}

/// tract's Gather does not check its indices: one past the end of its axis panics when the model
/// runs (found by the `onnx_model` fuzz smoke: a fixture's constant index turned 13 on an axis of
/// 8). So every Gather is checked here, before anything runs: constant indices against their
/// axis; indices derived (through casts and reshapes) from a text classifier's token ids by the
/// rows of the table they index, which must cover the vocabulary; any other indices computed
/// while the model runs are refused.
pub(crate) fn check_typed(model: &TypedModel, tokens: Option<&TokenIds>) -> Result<()> {
    use tract_onnx::tract_core::ops::{array::Gather, cast::Cast, change_axes::AxisOp};
    let order = model
        .eval_order()
        .map_err(model_error("cannot order the model's nodes"))?;
    let mut derived: HashSet<OutletId> = tokens
        .and_then(|t| model.inputs.get(t.input).copied())
        .into_iter()
        .collect();
    for id in order {
        let node = model.node(id);
        if node.op_is::<Cast>() || node.op_is::<AxisOp>() {
            if node.inputs.iter().all(|i| derived.contains(i)) {
                derived.extend((0..node.outputs.len()).map(|slot| OutletId::new(id, slot)));
            }
            continue;
        }
        let (Some(gather), [table, indices]) = (node.op_as::<Gather>(), &node.inputs[..]) else {
            continue;
        };
        let read = |outlet| {
            model
                .outlet_fact(outlet)
                .map_err(model_error("cannot read the model's Gather nodes"))
        };
        let length = read(*table)?
            .shape
            .get(gather.axis)
            .and_then(|d| d.to_i64().ok());
        if let Some(konst) = &read(*indices)?.konst {
            let indices = konst
                .cast_to::<i64>()
                .map_err(model_error("cannot read the model's Gather indices"))?;
            let indices = indices
                .to_plain_array_view::<i64>()
                .map_err(model_error("cannot read the model's Gather indices"))?;
            let Some(length) = length else { continue };
            if let Some(index) = indices.iter().find(|&&i| i < -length || i >= length) {
                return Err(FaceError::Model(format!(
                    "node \"{}\" gathers index {index} from axis {} of length {length}: \
                     the model reads outside its input",
                    node.name, gather.axis
                )));
            }
        } else if let (Some(tokens), true) = (tokens, derived.contains(indices)) {
            if let Some(rows) = length.filter(|&rows| rows < tokens.vocab_size as i64) {
                return Err(FaceError::Model(format!(
                    "text classifier: the vocabulary has {} tokens but the model's embedding \
                     \"{}\" has {rows} rows: give the vocab.txt the model was trained with",
                    tokens.vocab_size, node.name
                )));
            }
        } else {
            return Err(FaceError::Model(format!(
                "node \"{}\" gathers with indices computed while the model runs; tract does not \
                 check them, so only constant indices (or a text classifier's token ids) are \
                 accepted",
                node.name
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a wrapped operator can have its input checked for empty dimensions, and every
    /// wrapped operator is one a model may use.
    #[test]
    fn the_operator_lists_agree() {
        assert!(NONEMPTY.iter().all(|op| CHECKED.contains(op)));
        assert!(CHECKED.iter().all(|op| OPERATORS.contains(op)));
    }
}
