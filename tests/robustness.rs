//! Regression tests for what the fuzz targets (fuzz/) and the JS hostile sweep
//! (tests/js/hostile.test.mjs) found, and for the entry points they search: each case is an
//! input that once crashed or poisoned something, and must now be a typed error after which
//! the object still works. docs/robustness.md lists the findings.
#![cfg(not(target_arch = "wasm32"))]

use animasync_face::audio::wav::read_wav_bytes;
use animasync_face::expression::CompileRequest;
use animasync_face::lipsync::LipSyncSource;
use animasync_face::{
    Engine, EngineOptions, ExpressionCompiler, FaceError, Intensity, Latency, ModelLipSync,
    OnnxModel, Pcm, PresetLibrary, TextClassifier, CHANNEL_COUNT,
};
use prost::Message;
use tract_onnx::pb;

const WAV: &[u8] = include_bytes!("fixtures/speech16k.wav");

fn speech() -> Pcm {
    read_wav_bytes(WAV).unwrap()
}

fn engine(rate: u32) -> Engine {
    let options = EngineOptions {
        sample_rate: rate,
        ..EngineOptions::default()
    };
    Engine::with_lipsync(
        options,
        PresetLibrary::builtin().clone(),
        LipSyncSource::Builtin(Latency::Live),
    )
    .unwrap()
}

/// Found by the hostile sweep (`engine.push(new Float32Array(480).fill(3e38))`): a finite but
/// huge sample overflowed the log-mel features to infinity, the model refused its input, and
/// every later push failed with the same error. Now the chunk is refused up front, named, and
/// the stream goes on exactly as if it had never been pushed.
#[test]
fn a_huge_sample_is_refused_and_the_stream_goes_on() {
    let audio = speech();
    let (a, b) = audio.samples().split_at(8_000);
    let mut clean = engine(16_000);
    let mut dirty = engine(16_000);
    clean.push(a).unwrap();
    dirty.push(a).unwrap();
    for huge in [3e38, -1e7, f32::MAX] {
        let err = dirty.push(&[0.1, huge, 0.2]).unwrap_err().to_string();
        assert!(
            err.contains("sample 1 of the chunk")
                && err.contains("beyond")
                && err.contains("dropped"),
            "{err}"
        );
    }
    clean.push(b).unwrap();
    dirty.push(b).unwrap();
    let frames = dirty.finish().unwrap();
    assert_eq!(clean.finish().unwrap(), frames);
    assert!(frames.iter().all(|w| (0.0..=1.0).contains(w)));
    // Loud audio and unscaled 16-bit PCM are still audio.
    let loud: Vec<f32> = a.iter().map(|x| x * 32_767.0).collect();
    assert!(dirty.push(&loud).is_ok());
    // A whole clip and a Pcm follow the same rule.
    let err = engine(16_000)
        .process_clip(&[0.0, 2e6], 16_000, None)
        .unwrap_err();
    assert!(err.to_string().contains("sample 1 is 2000000"), "{err}");
    assert!(Pcm::new(vec![0.0, -5e30], 16_000).is_err());
}

#[test]
fn wav_bytes_are_pcm_or_a_typed_error() {
    assert_eq!(speech().sample_rate(), 16_000);
    let audio_error = |bytes: &[u8]| match read_wav_bytes(bytes) {
        Err(FaceError::Audio(message)) => message,
        other => panic!("{other:?}"),
    };
    assert!(audio_error(b"").contains("not a readable WAV"));
    assert!(audio_error(b"RIFF\x10\0\0\0WAVEfmt ").contains("not a readable WAV"));
    assert!(audio_error(&WAV[..60]).contains("not a readable WAV"));
    // A valid header at a rate the engine does not take.
    let mut slow = WAV.to_vec();
    slow[24..28].copy_from_slice(&4_000u32.to_le_bytes());
    slow[28..32].copy_from_slice(&8_000u32.to_le_bytes());
    let message = audio_error(&slow);
    assert!(message.contains("sample rate 4000 Hz"), "{message}");
}

#[test]
fn compile_requests_are_weights_or_typed_errors() {
    let library = PresetLibrary::builtin();
    let compiler = ExpressionCompiler::new(library);
    let compile = |json: &str| {
        serde_json::from_str::<CompileRequest>(json)
            .unwrap()
            .compile(&compiler)
    };
    let weights = compile(r#"{"emotion": "joy", "level": 3}"#).unwrap();
    assert_eq!(weights.len(), CHANNEL_COUNT);
    assert_eq!(
        weights,
        compiler
            .compile("joy", Intensity::Level(3.0), Default::default())
            .unwrap()
    );
    for (json, needle) in [
        (r#"{"emotion": "joy"}"#, "exactly one of `level` or `vad`"),
        (
            r#"{"emotion": "joy", "level": 3, "vad": [0, 0, 0]}"#,
            "exactly one",
        ),
        (r#"{"emotion": "joy", "level": 1e30}"#, "level"),
        (r#"{"emotion": "joy", "vad": [2, 0, 0]}"#, "valence"),
        (
            r#"{"emotion": "joy", "level": 3, "mode": "loud"}"#,
            "unknown compile mode",
        ),
        (r#"{"emotion": "glee", "level": 3}"#, "unknown emotion"),
    ] {
        let err = compile(json).unwrap_err().to_string();
        assert!(err.contains(needle), "{json}: {err}");
    }
}

/// An ONNX model whose graph names `output` as an output, with `nodes` and no inputs.
fn model_with_output(output: &str, nodes: Vec<pb::NodeProto>) -> Vec<u8> {
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 17,
        }],
        graph: Some(pb::GraphProto {
            name: "g".into(),
            node: nodes,
            output: vec![pb::ValueInfoProto {
                name: output.into(),
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

/// A model whose output "y" comes from an `If` node "branch" with `then` as its then-branch.
fn model_with_branch(then: pb::GraphProto) -> Vec<u8> {
    model_with_output(
        "y",
        vec![pb::NodeProto {
            name: "branch".into(),
            op_type: "If".into(),
            input: vec!["cond".into()],
            output: vec!["y".into()],
            attribute: vec![pb::AttributeProto {
                name: "then_branch".into(),
                g: Some(then),
                ..Default::default()
            }],
            ..Default::default()
        }],
    )
}

/// Loading `bytes` fails in the ONNX check, with a message containing `needle`.
fn refused_by_onnx_check(bytes: &[u8], needle: &str) {
    let err = OnnxModel::from_bytes(bytes).unwrap_err().to_string();
    assert!(
        err.contains("cannot read the ONNX model") && err.contains(needle),
        "{err}"
    );
}

/// Found by the `onnx_model` fuzz smoke in `make test` (a one-bit change of a fixture): tract's
/// Gather does not check its indices, so a constant index past the end of its axis panicked when
/// the model ran ("range start index 1040 out of range for slice of length 640",
/// `tract-core-0.23.9/src/ops/array/gather.rs`). Constant indices are now checked when the model
/// loads; in range, negative ones included, the model still loads.
#[test]
fn a_gather_index_outside_its_axis_is_a_typed_error() {
    let fixture = std::fs::read("tests/fixtures/energy_lipsync.onnx").unwrap();
    let with_target = |index: i64| {
        let mut model = pb::ModelProto::decode(&*fixture).unwrap();
        let graph = model.graph.as_mut().unwrap();
        let target = graph
            .initializer
            .iter_mut()
            .find(|t| t.name == "target")
            .unwrap();
        target.raw_data = index.to_le_bytes().to_vec();
        model.encode_to_vec()
    };
    for index in [8, 13, -9] {
        let err = OnnxModel::from_bytes(&with_target(index))
            .err()
            .unwrap_or_else(|| panic!("index {index} loaded"))
            .to_string();
        assert!(
            err.contains(&format!("gathers index {index} from axis 1 of length 8")),
            "{err}"
        );
    }
    for index in [0, 7, -8] {
        assert!(
            OnnxModel::from_bytes(&with_target(index)).is_ok(),
            "index {index}"
        );
    }
}

/// Found by the `onnx_model` fuzz smoke in CI (a mutation of a fixture whose Gather made a
/// vector): tract's reductions resolve their axes with `unwrap` while inferring shapes, so a
/// ReduceMean over axis 1 of a rank-1 input panicked ("Illegal combination of values for rank and
/// axis", `tract-hir-0.23.9/src/ops/nn/reduce.rs:124`). Axes outside the input's rank, or named
/// twice, are now typed errors, in both ONNX forms (an attribute before opset 18, an input from
/// then on) and for ArgMax; axes in range, negative ones included, still load.
#[test]
fn a_reduction_axis_outside_its_input_is_a_typed_error() {
    let fixture = std::fs::read("tests/fixtures/energy_lipsync.onnx").unwrap();
    // The fixture's ReduceMean takes the mean of a [1, 80] frame over axis 1.
    let with_reduction = |op: &str, axes: &[i64], opset: i64| {
        let mut model = pb::ModelProto::decode(&*fixture).unwrap();
        model.opset_import[0].version = opset;
        let graph = model.graph.as_mut().unwrap();
        let node = graph
            .node
            .iter_mut()
            .find(|n| n.op_type == "ReduceMean")
            .unwrap();
        node.op_type = op.into();
        let attribute = |name: &str, ints: Vec<i64>, i: i64| pb::AttributeProto {
            name: name.into(),
            r#type: if ints.is_empty() { 2 } else { 7 },
            ints,
            i,
            ..Default::default()
        };
        node.attribute = vec![attribute("keepdims", vec![], 1)];
        if op == "ArgMax" {
            node.attribute.push(attribute("axis", vec![], axes[0]));
        } else if opset >= 18 {
            node.input = vec!["frame".into(), "axes".into()];
            let initializer = graph
                .initializer
                .iter_mut()
                .find(|t| t.name == "axes")
                .unwrap();
            initializer.dims = vec![axes.len() as i64];
            initializer.raw_data = axes.iter().flat_map(|a| a.to_le_bytes()).collect();
        } else {
            node.attribute.push(attribute("axes", axes.to_vec(), 0));
        }
        model.encode_to_vec()
    };
    for opset in [17, 18] {
        for (axes, needle) in [
            (&[2][..], "axis 2 is outside its rank-2 input"),
            (&[-3], "axis -3 is outside its rank-2 input"),
            (&[1, -1], "axis -1 is named twice"),
        ] {
            let err = OnnxModel::from_bytes(&with_reduction("ReduceMean", axes, opset))
                .err()
                .unwrap_or_else(|| panic!("axes {axes:?} at opset {opset} loaded"))
                .to_string();
            assert!(err.contains(needle), "opset {opset}: {err}");
        }
        for axes in [&[1][..], &[-1]] {
            let model = with_reduction("ReduceMean", axes, opset);
            assert!(OnnxModel::from_bytes(&model).is_ok(), "axes {axes:?}");
        }
    }
    let err = OnnxModel::from_bytes(&with_reduction("ArgMax", &[5], 17))
        .unwrap_err()
        .to_string();
    assert!(err.contains("axis 5 is outside its rank-2 input"), "{err}");
    // The fuzzer's own input, as it came.
    let found = include_bytes!("fixtures/fuzz/reduce-axis-outside-rank.onnx");
    let err = OnnxModel::from_bytes(found).unwrap_err().to_string();
    assert!(err.contains("axis 1 is outside its rank-1 input"), "{err}");
}

/// tract 0.23.9 panicked, hung or aborted on each model in `fixtures/onnx-panics/`: 148 small
/// ONNX files, one malformed operator or dimension each, written to probe tract's translators
/// operator by operator after the fuzzer's first finds, then to get past the checks (values
/// computed while the model runs, empty tensors, huge results; `expected.json` names where
/// tract failed). Each one is now a typed error that says what is wrong, or the operator is not
/// one a model may use (`ONNX_OPERATORS`).
#[test]
fn models_that_broke_tract_are_typed_errors() {
    let dir = std::path::Path::new("tests/fixtures/onnx-panics");
    let expected: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let files = std::fs::read_dir(dir).unwrap().count() - 1;
    assert_eq!(
        files,
        expected.len(),
        "every model in {dir:?} has its expectation"
    );
    for (name, case) in &expected {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let err = match OnnxModel::from_bytes(&bytes) {
            Ok(_) => panic!("{name} loaded"),
            Err(err) => err.to_string(),
        };
        let needle = case["error"].as_str().unwrap();
        assert!(err.contains(needle), "{name}: {err}");
    }
}

/// The checks refuse only what would break tract: a valid model of each guarded kind still loads
/// and runs (`fixtures/onnx-valid/`: an opset-18 Pad over named axes, Conv weights computed in the
/// graph, pads, ranges and shapes computed from `Shape`, uneven opset-18 splits, Flatten at the
/// rank, negative and unsorted axes where ONNX allows them...).
#[test]
fn valid_models_of_every_guarded_kind_still_load() {
    let dir = std::path::Path::new("tests/fixtures/onnx-valid");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let mut model = OnnxModel::from_bytes(&std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{path:?}: {e}"));
        let inputs: Vec<Vec<f32>> = (model.input_shapes().iter())
            .map(|shape| vec![0.5; shape.iter().product()])
            .collect();
        let inputs: Vec<&[f32]> = inputs.iter().map(Vec::as_slice).collect();
        let outputs = model
            .run(&inputs)
            .unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert!(outputs.iter().flatten().all(|v| v.is_finite()), "{path:?}");
        count += 1;
    }
    assert_eq!(count, 16);
}

/// The operators a model may use are the ones docs/lip-sync.md lists for model authors.
#[test]
fn the_documented_onnx_operators_are_the_accepted_ones() {
    let doc = std::fs::read_to_string("docs/lip-sync.md").unwrap();
    let start = doc
        .find("<!-- onnx-operators -->")
        .expect("the list's marker");
    let mut documented: Vec<&str> = doc[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with("<!--"))
        .flat_map(|l| l.split('`').skip(1).step_by(2))
        .collect();
    let mut accepted = animasync_face::ONNX_OPERATORS.to_vec();
    accepted.sort_unstable();
    documented.sort_unstable();
    assert_eq!(documented, accepted);
}

/// Found by the long run of `fuzz/fuzz_targets/onnx_model.rs` (after about 20,000 executions): a
/// string tensor stored as `raw_data` reached tract-onnx's raw tensor loader, which has no case
/// for strings and panicked ("not implemented: FIXME, raw tensor loading", `tensor.rs:193`). As
/// an initializer, as a Constant's value, and inside a subgraph, it is now a typed error.
#[test]
fn a_string_tensor_stored_raw_is_a_typed_error() {
    let raw_strings = |name: &str| pb::TensorProto {
        name: name.into(),
        data_type: pb::tensor_proto::DataType::String as i32,
        dims: vec![1],
        raw_data: b"ab".to_vec(),
        ..Default::default()
    };
    let constant = |name: &str| pb::NodeProto {
        name: name.into(),
        op_type: "Constant".into(),
        output: vec!["c".into()],
        attribute: vec![pb::AttributeProto {
            name: "value".into(),
            t: Some(raw_strings("v")),
            ..Default::default()
        }],
        ..Default::default()
    };
    let mut initializer = pb::ModelProto::decode(&*model_with_output("w", vec![])).unwrap();
    initializer.graph.as_mut().unwrap().initializer = vec![raw_strings("w")];
    let in_subgraph = model_with_branch(pb::GraphProto {
        name: "then".into(),
        node: vec![constant("inner")],
        output: vec![pb::ValueInfoProto {
            name: "c".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    for (bytes, needle) in [
        (
            initializer.encode_to_vec(),
            "the graph's initializer holds the string tensor \"w\" as raw_data",
        ),
        (
            model_with_output("c", vec![constant("k")]),
            "the graph's node \"k\" holds the string tensor \"v\" as raw_data",
        ),
        (
            in_subgraph,
            "the subgraph \"then\" of node \"branch\"'s node \"inner\" holds the string tensor",
        ),
    ] {
        refused_by_onnx_check(&bytes, needle);
    }
}

/// Found by `fuzz/fuzz_targets/onnx_model.rs` (a 617-byte mutation of a fixture model): a graph
/// output that no input, initializer or node names made tract-onnx panic ("no entry found for
/// key", `model.rs:187`), which in the browser kills the module for the page's life. The bytes
/// are now checked before tract translates them, subgraphs included.
#[test]
fn an_onnx_output_that_nothing_produces_is_a_typed_error() {
    let top = model_with_output("ghost", vec![]);
    let sub = model_with_branch(pb::GraphProto {
        name: "then".into(),
        output: vec![pb::ValueInfoProto {
            name: "phantom".into(),
            ..Default::default()
        }],
        ..Default::default()
    });
    for (bytes, needle) in [
        (
            &top,
            "the graph's output \"ghost\" is produced by no input, initializer or node",
        ),
        (
            &sub,
            "the subgraph \"then\" of node \"branch\"'s output \"phantom\"",
        ),
    ] {
        refused_by_onnx_check(bytes, needle);
        let manifest = include_str!("../models/default/lipsync.json");
        assert!(ModelLipSync::new(bytes, manifest).is_err());
        let classifier = TextClassifier::new(
            bytes,
            include_str!("fixtures/text_classifier.json"),
            include_str!("fixtures/text_classifier.vocab.txt"),
        );
        let err = classifier.unwrap_err().to_string();
        assert!(err.contains(needle), "{err}");
    }
    // A model that names its outputs properly still loads.
    assert!(OnnxModel::from_bytes(include_bytes!("fixtures/tiny_mlp.onnx")).is_ok());
}
