//! The built-in network's weights as a page or a user may hand them over (safetensors bytes as a
//! lip-sync model: `new Engine({model, manifest})`, `new LipSyncGraph(bytes)`, the CLI's
//! `--model`): a loaded network or a typed error. A network that loads is checked against the
//! built-in manifests and, where one fits, runs half a second of audio: frames stay finite and
//! in [0, 1].
#![no_main]
use animasync_face::base::graph::Graph;
use animasync_face::lipsync::net::GruNet;
use animasync_face::lipsync::LipSync;
use animasync_face::{ModelLipSync, ModelManifest};
use libfuzzer_sys::fuzz_target;

const MANIFESTS: [&str; 2] = [
    include_str!("../../models/default/lipsync.json"),
    include_str!("../../models/playback/lipsync.json"),
];

fuzz_target!(|data: &[u8]| {
    let Ok(mut net) = GruNet::from_bytes(data) else {
        return;
    };
    let zeros: Vec<Vec<f32>> = net
        .input_shapes()
        .iter()
        .map(|shape| vec![0.0; shape.iter().product()])
        .collect();
    let inputs: Vec<&[f32]> = zeros.iter().map(Vec::as_slice).collect();
    if net.infer(&inputs).is_ok() {
        for (i, shape) in net.output_shapes().to_vec().iter().enumerate() {
            assert_eq!(net.output(i).unwrap().len(), shape.iter().product::<usize>());
        }
    }
    for text in MANIFESTS {
        let manifest = ModelManifest::from_json(text).expect("repository manifests parse");
        if manifest.check_model(&net).is_err() {
            continue;
        }
        let Ok(mut lipsync) = ModelLipSync::new(data, text) else {
            continue;
        };
        let rate = manifest.input.sample_rate();
        if lipsync.start(rate).is_err() {
            continue;
        }
        let audio: Vec<f32> = (0..rate / 2).map(|i| 0.3 * (i as f32 * 0.05).sin()).collect();
        let mut frames = Vec::new();
        if lipsync.push(&audio, &mut frames).is_ok() && lipsync.finish(&mut frames).is_ok() {
            for frame in &frames {
                assert!(frame.iter().all(|w| (0.0..=1.0).contains(w)), "{frame:?}");
            }
        }
    }
});
