//! ONNX model bytes as a page or a user hands them over: through the lip-sync manifest check
//! (`new Engine({model, manifest})`, the CLI's `--model`) against every manifest in the
//! repository, and through the text classifier's checks. Bytes that pass a check then run:
//! half a second of audio through the lip sync, one line through the classifier. Every outcome
//! is a value or a typed error; frames stay finite and in [0, 1].
#![no_main]
use animasync_face::lipsync::LipSync;
use animasync_face::{ModelLipSync, ModelManifest, OnnxModel, TextClassifier};
use libfuzzer_sys::fuzz_target;

const MANIFESTS: [&str; 6] = [
    include_str!("../../models/default/lipsync.json"),
    include_str!("../../models/playback/lipsync.json"),
    include_str!("../../tests/fixtures/emotion_lipsync.json"),
    include_str!("../../tests/fixtures/energy_lipsync.json"),
    include_str!("../../tests/fixtures/energy_visemes.json"),
    include_str!("../../tests/fixtures/leaky_lipsync.json"),
];
const TEXT_MANIFEST: &str = include_str!("../../tests/fixtures/text_classifier.json");
const TEXT_VOCAB: &str = include_str!("../../tests/fixtures/text_classifier.vocab.txt");

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = OnnxModel::from_bytes(data) {
        for text in MANIFESTS {
            let manifest = ModelManifest::from_json(text).expect("repository manifests parse");
            if manifest.check_model(&model).is_err() {
                continue;
            }
            let Ok(mut lipsync) = ModelLipSync::new(data, text) else {
                continue;
            };
            let rate = manifest.input.sample_rate() as usize;
            if lipsync.start(rate as u32).is_err() {
                continue;
            }
            let audio: Vec<f32> = (0..rate / 2)
                .map(|i| 0.3 * (i as f32 * 0.05).sin())
                .collect();
            let mut frames = Vec::new();
            if lipsync.push(&audio, &mut frames).is_ok() && lipsync.finish(&mut frames).is_ok() {
                for frame in &frames {
                    assert!(frame.iter().all(|w| (0.0..=1.0).contains(w)), "{frame:?}");
                }
            }
        }
    }
    if let Ok(classifier) = TextClassifier::new(data, TEXT_MANIFEST, TEXT_VOCAB) {
        let _ = classifier.classify("I can't believe you did this!", Some("hello"));
    }
});
