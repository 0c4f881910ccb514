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

/// Found by `fuzz/fuzz_targets/onnx_model.rs` (a 617-byte mutation of a fixture model): a graph
/// output that no input, initializer or node names made tract-onnx panic ("no entry found for
/// key", `model.rs:187`), which in the browser kills the module for the page's life. The bytes
/// are now checked before tract translates them, subgraphs included.
#[test]
fn an_onnx_output_that_nothing_produces_is_a_typed_error() {
    let top = model_with_output("ghost", vec![]);
    let sub = model_with_output(
        "y",
        vec![pb::NodeProto {
            name: "branch".into(),
            op_type: "If".into(),
            input: vec!["cond".into()],
            output: vec!["y".into()],
            attribute: vec![pb::AttributeProto {
                name: "then_branch".into(),
                g: Some(pb::GraphProto {
                    name: "then".into(),
                    output: vec![pb::ValueInfoProto {
                        name: "phantom".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            }],
            ..Default::default()
        }],
    );
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
        let err = OnnxModel::from_bytes(bytes).unwrap_err().to_string();
        assert!(
            err.contains("cannot read the ONNX model") && err.contains(needle),
            "{err}"
        );
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
