//! A small ONNX text classifier built in the tests (with tract's ONNX protobuf types), so the
//! classifier slot is exercised on a real graph whose answers are known: each vocabulary piece
//! carries a fixed vote per label and a VAD push; the logits are the votes of the line's pieces
//! summed (attention-masked, pieces of the second segment of a pair counting double) plus a
//! neutral bias, and the VAD head is `tanh` of the summed pushes.
//!
//! `tests/fixtures/text_classifier.{onnx,json,vocab.txt}` are this model as committed for the
//! JavaScript tests; `committed_fixture_is_current` keeps them equal to what is built here.

use prost::Message;
use tract_onnx::pb;

/// The labels of the test model: a subset of the taxonomy, in the model's own order.
pub const LABELS: [&str; 5] = ["neutral", "joy", "sadness", "anger", "fear"];
pub const MAX_LENGTH: usize = 16;

/// Vocabulary: (piece, votes for LABELS, VAD push).
const PIECES: &[(&str, [f32; 5], [f32; 3])] = &[
    ("[PAD]", [0.0; 5], [0.0; 3]),
    ("[UNK]", [0.0; 5], [0.0; 3]),
    ("[CLS]", [0.0; 5], [0.0; 3]),
    ("[SEP]", [0.0; 5], [0.0; 3]),
    ("i", [0.0; 5], [0.0; 3]),
    ("am", [0.0; 5], [0.0; 3]),
    ("so", [0.0; 5], [0.0, 0.3, 0.0]),
    ("the", [0.0; 5], [0.0; 3]),
    ("happy", [0.0, 3.0, 0.0, 0.0, 0.0], [0.8, 0.4, 0.3]),
    ("glad", [0.0, 2.5, 0.0, 0.0, 0.0], [0.6, 0.2, 0.2]),
    ("sad", [0.0, 0.0, 3.0, 0.0, 0.0], [-0.7, -0.4, -0.3]),
    ("angry", [0.0, 0.0, 0.0, 3.0, 0.0], [-0.6, 0.7, 0.5]),
    ("scared", [0.0, 0.0, 0.0, 0.0, 3.0], [-0.6, 0.6, -0.6]),
    ("un", [0.0; 5], [0.0; 3]),
    ("##happy", [0.0, -1.0, 2.5, 0.0, 0.0], [-0.6, -0.3, -0.2]),
    ("##ness", [0.0; 5], [0.0; 3]),
    ("!", [0.0; 5], [0.0, 0.4, 0.1]),
    (".", [0.0; 5], [0.0; 3]),
    ("행복", [0.0, 3.0, 0.0, 0.0, 0.0], [0.8, 0.4, 0.3]),
    ("##해", [0.0; 5], [0.0; 3]),
    ("슬퍼", [0.0, 0.0, 3.0, 0.0, 0.0], [-0.7, -0.4, -0.3]),
    ("무서워", [0.0, 0.0, 0.0, 0.0, 3.0], [-0.6, 0.6, -0.6]),
    ("정말", [0.0; 5], [0.0, 0.3, 0.0]),
];
/// The neutral label's bias: a line with no cue is neutral.
const NEUTRAL_BIAS: f32 = 1.0;

pub fn vocab() -> String {
    PIECES.iter().map(|(p, _, _)| format!("{p}\n")).collect()
}

/// The manifest for [`build`]'s default model (edit the JSON for variants).
pub fn manifest() -> serde_json::Value {
    serde_json::json!({
        "schema": "animasync-face/text-classifier-manifest",
        "version": 1,
        "name": "test-bag-of-pieces",
        "description": "A hand-weighted bag-of-pieces classifier built by the tests (tests/support/text_classifier.rs).",
        "model": "text_classifier.onnx",
        "vocab": "text_classifier.vocab.txt",
        "tokenizer": { "kind": "wordpiece", "max_length": MAX_LENGTH, "lowercase": true },
        "inputs": ["input_ids", "attention_mask", "token_type_ids"],
        "outputs": {
            "emotion": { "index": 0, "labels": LABELS, "scores": "logits" },
            "vad": { "index": 1 }
        }
    })
}

/// How a variant of the model differs from the default.
#[derive(Clone, Copy, Default)]
pub struct Variant {
    /// Token inputs as int32 instead of int64.
    pub int32: bool,
    /// Token inputs as float (a wrong model).
    pub float_inputs: bool,
    /// Inputs declared `[batch, sequence]` (symbolic) instead of `[1, MAX_LENGTH]`.
    pub symbolic: bool,
    /// The logits go through a softmax in the graph.
    pub probabilities: bool,
    /// "happy" votes NaN (a broken model).
    pub nan: bool,
}

fn tensor_f32(name: &str, dims: &[i64], values: Vec<f32>) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: dims.to_vec(),
        data_type: pb::tensor_proto::DataType::Float as i32,
        float_data: values,
        ..Default::default()
    }
}

fn tensor_i64(name: &str, values: Vec<i64>) -> pb::TensorProto {
    pb::TensorProto {
        name: name.into(),
        dims: vec![values.len() as i64],
        data_type: pb::tensor_proto::DataType::Int64 as i32,
        int64_data: values,
        ..Default::default()
    }
}

fn node(
    op: &str,
    inputs: &[&str],
    output: &str,
    attributes: Vec<pb::AttributeProto>,
) -> pb::NodeProto {
    pb::NodeProto {
        op_type: op.into(),
        name: output.into(),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: vec![output.into()],
        attribute: attributes,
        ..Default::default()
    }
}

fn int_attribute(name: &str, value: i64) -> pb::AttributeProto {
    pb::AttributeProto {
        name: name.into(),
        r#type: pb::attribute_proto::AttributeType::Int as i32,
        i: value,
        ..Default::default()
    }
}

fn value_info(
    name: &str,
    elem: pb::tensor_proto::DataType,
    dims: &[Result<i64, &str>],
) -> pb::ValueInfoProto {
    use pb::tensor_shape_proto::{dimension::Value, Dimension};
    pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: elem as i32,
                shape: Some(pb::TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| Dimension {
                            value: Some(match d {
                                Ok(n) => Value::DimValue(*n),
                                Err(p) => Value::DimParam(p.to_string()),
                            }),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The ONNX bytes of the test classifier (opset 17, weights inline).
pub fn build(variant: Variant) -> Vec<u8> {
    use pb::tensor_proto::DataType;
    let n = PIECES.len() as i64;
    let votes: Vec<f32> = PIECES
        .iter()
        .flat_map(|(p, v, _)| {
            let mut v = *v;
            if variant.nan && *p == "happy" {
                v[1] = f32::NAN;
            }
            v
        })
        .collect();
    let pushes: Vec<f32> = PIECES.iter().flat_map(|(_, _, d)| *d).collect();
    let mut bias = vec![0.0; LABELS.len()];
    bias[0] = NEUTRAL_BIAS;
    let input_type = if variant.float_inputs {
        DataType::Float
    } else if variant.int32 {
        DataType::Int32
    } else {
        DataType::Int64
    };
    let dims: [Result<i64, &str>; 2] = if variant.symbolic {
        [Err("batch"), Err("sequence")]
    } else {
        [Ok(1), Ok(MAX_LENGTH as i64)]
    };
    let to_float = |input: &str, out: &str| {
        node(
            "Cast",
            &[input],
            out,
            vec![int_attribute("to", DataType::Float as i64)],
        )
    };
    let mut nodes = vec![
        // weight per position: mask * (1 + token type)
        to_float("attention_mask", "mask_f"),
        to_float("token_type_ids", "type_f"),
        node("Add", &["type_f", "one"], "segment_weight", vec![]),
        node("Mul", &["mask_f", "segment_weight"], "weight", vec![]),
        node("Unsqueeze", &["weight", "axis2"], "weight3", vec![]),
        node(
            "Gather",
            &["votes", "input_ids"],
            "piece_votes",
            vec![int_attribute("axis", 0)],
        ),
        node("Mul", &["piece_votes", "weight3"], "weighted_votes", vec![]),
        node(
            "ReduceSum",
            &["weighted_votes", "axis1"],
            "vote_sum",
            vec![int_attribute("keepdims", 0)],
        ),
        node("Add", &["vote_sum", "bias"], "logits", vec![]),
        node(
            "Gather",
            &["pushes", "input_ids"],
            "piece_pushes",
            vec![int_attribute("axis", 0)],
        ),
        node(
            "Mul",
            &["piece_pushes", "weight3"],
            "weighted_pushes",
            vec![],
        ),
        node(
            "ReduceSum",
            &["weighted_pushes", "axis1"],
            "push_sum",
            vec![int_attribute("keepdims", 0)],
        ),
        node("Tanh", &["push_sum"], "vad", vec![]),
    ];
    let scores = if variant.probabilities {
        nodes.push(node(
            "Softmax",
            &["logits"],
            "probabilities",
            vec![int_attribute("axis", -1)],
        ));
        "probabilities"
    } else {
        "logits"
    };
    let graph = pb::GraphProto {
        name: "test-bag-of-pieces".into(),
        node: nodes,
        initializer: vec![
            tensor_f32("votes", &[n, LABELS.len() as i64], votes),
            tensor_f32("pushes", &[n, 3], pushes),
            tensor_f32("bias", &[LABELS.len() as i64], bias),
            tensor_f32("one", &[], vec![1.0]),
            tensor_i64("axis1", vec![1]),
            tensor_i64("axis2", vec![2]),
        ],
        input: ["input_ids", "attention_mask", "token_type_ids"]
            .iter()
            .map(|name| value_info(name, input_type, &dims))
            .collect(),
        output: vec![
            value_info(scores, DataType::Float, &[dims[0], Ok(LABELS.len() as i64)]),
            value_info("vad", DataType::Float, &[dims[0], Ok(3)]),
        ],
        ..Default::default()
    };
    pb::ModelProto {
        ir_version: 8,
        producer_name: "animasync-face tests".into(),
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 17,
        }],
        graph: Some(graph),
        ..Default::default()
    }
    .encode_to_vec()
}
