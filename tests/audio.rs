//! The audio front-end against references: resampling, and log-mel features against librosa.
//! Runs natively and as WebAssembly under Node (`cargo test --target wasm32-unknown-unknown --test audio`).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use animasync_face::features::{extract_clip, FeatureExtractor, FeatureSpec};
use animasync_face::resample::{resample_clip, StreamResampler};

fn speech16k() -> Vec<f32> {
    let reader = hound::WavReader::new(std::io::Cursor::new(
        &include_bytes!("fixtures/speech16k.wav")[..],
    ))
    .unwrap();
    assert_eq!(reader.spec().sample_rate, 16_000);
    reader
        .into_samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect()
}

fn reference() -> (FeatureSpec, usize, Vec<f32>) {
    let meta: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/speech16k.logmel.json")).unwrap();
    let mut params = meta["params"].clone();
    params["kind"] = "log_mel".into();
    let spec: FeatureSpec = serde_json::from_value(params).unwrap();
    let values = include_bytes!("fixtures/speech16k.logmel.f32")
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    (spec, meta["frames"].as_u64().unwrap() as usize, values)
}

/// Log-mel parity with librosa (stated tolerance): every bin within 60 dB of the clip's loudest
/// bin matches to 0.01 nats (about 0.04 dB); quieter bins, where float32 FFT round-off dominates,
/// to 0.5 nats.
#[test]
fn log_mel_matches_librosa() {
    let (spec, frames, expected) = reference();
    let ours = extract_clip(&spec, &speech16k()).unwrap();
    assert_eq!(ours.len(), expected.len());
    assert_eq!(ours.len() / 80, frames);
    let peak = expected.iter().copied().fold(f32::MIN, f32::max);
    let threshold = peak - 6.0 * 10f32.ln() * 1.0; // 60 dB of power = 6 decades = 13.8 nats
    let (mut loud_worst, mut quiet_worst, mut loud_bins) = (0.0f32, 0.0f32, 0);
    for (o, e) in ours.iter().zip(&expected) {
        let d = (o - e).abs();
        if *e >= threshold {
            loud_worst = loud_worst.max(d);
            loud_bins += 1;
        } else {
            quiet_worst = quiet_worst.max(d);
        }
    }
    assert!(
        loud_bins > ours.len() / 2,
        "the clip is mostly loud bins: {loud_bins}"
    );
    assert!(
        loud_worst <= 0.01,
        "loud bins differ by up to {loud_worst} nats"
    );
    assert!(
        quiet_worst <= 0.5,
        "quiet bins differ by up to {quiet_worst} nats"
    );
}

#[test]
fn streaming_features_after_resampling_do_not_depend_on_chunks() {
    // 16 kHz speech up to 44.1 kHz and back down in arbitrary chunks, then features: identical
    // to the whole-clip path.
    let (spec, _, _) = reference();
    let speech = speech16k();
    let at_44k = resample_clip(&speech, 16_000, 44_100).unwrap();
    let whole = extract_clip(&spec, &resample_clip(&at_44k, 44_100, 16_000).unwrap()).unwrap();
    let sizes = [1usize, 3, 127, 128, 441, 1024, 5000];
    let mut resampler = StreamResampler::new(44_100, 16_000).unwrap();
    let mut extractor = FeatureExtractor::new(&spec).unwrap();
    let (mut resampled, mut features) = (Vec::new(), Vec::new());
    let mut rest = &at_44k[..];
    let mut k = 0;
    while !rest.is_empty() {
        let n = sizes[k % sizes.len()].min(rest.len());
        let start = resampled.len();
        resampler.push(&rest[..n], &mut resampled).unwrap();
        extractor.push(&resampled[start..], &mut features);
        rest = &rest[n..];
        k += 1;
    }
    let start = resampled.len();
    resampler.finish(&mut resampled).unwrap();
    extractor.push(&resampled[start..], &mut features);
    assert_eq!(features, whole);
    // The round trip keeps speech's log-mel close to the original: loud bins of the filters
    // below about 6 kHz (the top filters sit in the resampler's anti-aliasing roll-off) within
    // 0.5 nats.
    let original = extract_clip(&spec, &speech).unwrap();
    let peak = original.iter().copied().fold(f32::MIN, f32::max);
    let worst = original
        .iter()
        .zip(&features)
        .enumerate()
        .filter(|(i, (o, _))| i % 80 < 72 && **o > peak - 9.0)
        .map(|(_, (o, f))| (o - f).abs())
        .fold(0.0, f32::max);
    assert!(worst < 0.5, "{worst}");
}

// ---------------------------------------------------------------- model lip sync

use animasync_face::{ChannelTable, LipSync, ModelLipSync, Pcm};

const LIPSYNC_ONNX: &[u8] = include_bytes!("fixtures/energy_lipsync.onnx");
const LIPSYNC_MANIFEST: &str = include_str!("fixtures/energy_lipsync.json");

fn jaw() -> usize {
    ChannelTable::builtin().index_of("jawOpen").unwrap()
}

/// Half a second of silence, the speech clip, half a second of silence, at `rate`.
fn padded_speech(rate: u32) -> Pcm {
    let speech = resample_clip(&speech16k(), 16_000, rate).unwrap();
    let pad = vec![0.0; rate as usize / 2];
    Pcm::new([pad.clone(), speech, pad].concat(), rate).unwrap()
}

#[test]
fn a_model_opens_the_mouth_in_speech_and_rests_in_silence() {
    let mut lipsync = ModelLipSync::new(LIPSYNC_ONNX, LIPSYNC_MANIFEST).unwrap();
    assert_eq!(lipsync.name(), "energy-lipsync (test)");
    for rate in [16_000, 44_100, 48_000] {
        let pcm = padded_speech(rate);
        let frames = lipsync.clip(&pcm).unwrap();
        assert_eq!(frames.len(), pcm.frame_count(), "{rate}");
        let opening: Vec<f32> = frames.iter().map(|f| f[jaw()]).collect();
        let silent = opening[..12]
            .iter()
            .chain(&opening[opening.len() - 12..])
            .fold(0.0f32, |m, x| m.max(*x));
        let speaking = opening[15..opening.len() - 15]
            .iter()
            .filter(|j| **j > 0.5)
            .count();
        assert!(silent < 0.01, "{rate}: mouth in silence {silent}");
        assert!(
            speaking > (opening.len() - 30) / 2,
            "{rate}: open in only {speaking} speech frames"
        );
        // Only the manifest's channels move.
        let lower = ChannelTable::builtin()
            .index_of("mouthLowerDownLeft")
            .unwrap();
        assert!(frames.iter().all(|f| f
            .iter()
            .enumerate()
            .all(|(c, w)| c == jaw() || c == lower || *w == 0.0)));
    }
}

#[test]
fn model_frames_do_not_depend_on_chunk_sizes() {
    let pcm = padded_speech(44_100);
    let mut lipsync = ModelLipSync::new(LIPSYNC_ONNX, LIPSYNC_MANIFEST).unwrap();
    let whole = lipsync.clip(&pcm).unwrap();
    // Pseudo-random chunk sizes from 1 sample to 100 ms.
    let mut state = 12_345u32;
    for _ in 0..3 {
        lipsync.start(44_100).unwrap();
        let mut out = Vec::new();
        let mut rest = pcm.samples();
        while !rest.is_empty() {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = (1 + (state >> 8) as usize % 4410).min(rest.len());
            lipsync.push(&rest[..n], &mut out).unwrap();
            rest = &rest[n..];
        }
        lipsync.finish(&mut out).unwrap();
        assert_eq!(out, whole);
    }
}

#[test]
fn a_viseme_model_maps_through_its_table() {
    let mut lipsync = ModelLipSync::new(
        include_bytes!("fixtures/energy_visemes.onnx"),
        include_str!("fixtures/energy_visemes.json"),
    )
    .unwrap();
    let frames = lipsync.clip(&padded_speech(16_000)).unwrap();
    let funnel = ChannelTable::builtin().index_of("mouthFunnel").unwrap();
    // Silence is "sil" (an empty shape); loud speech is mostly "aa" (jaw 0.7) with a little "oo".
    assert!(frames[..10]
        .iter()
        .all(|f| f[jaw()] < 0.03 && f[funnel] < 0.02));
    let loudest = frames.iter().map(|f| f[jaw()]).fold(0.0f32, f32::max);
    assert!(loudest > 0.6 && loudest <= 0.7 + 1e-6, "{loudest}");
}

#[test]
fn the_latency_is_the_look_ahead_plus_half_a_window_plus_resampling() {
    let mut lipsync = ModelLipSync::new(LIPSYNC_ONNX, LIPSYNC_MANIFEST).unwrap();
    lipsync.start(16_000).unwrap();
    // look-ahead 2 x 10 ms + half of a 512-sample window (16 ms).
    assert!(
        (lipsync.latency_s() - 0.036).abs() < 1e-9,
        "{}",
        lipsync.latency_s()
    );
    lipsync.start(48_000).unwrap();
    let with_resampler = lipsync.latency_s();
    assert!(
        with_resampler > 0.036 && with_resampler < 0.05,
        "{with_resampler}"
    );
}

#[test]
fn manifests_are_checked_against_the_model() {
    let err =
        |model: &[u8], manifest: &str| ModelLipSync::new(model, manifest).unwrap_err().to_string();
    let edited = |from: &str, to: &str| {
        assert!(LIPSYNC_MANIFEST.contains(from), "{from}");
        LIPSYNC_MANIFEST.replacen(from, to, 1)
    };
    assert!(err(include_bytes!("fixtures/tiny_mlp.onnx"), LIPSYNC_MANIFEST)
        .contains("manifest.window: the model's input 0 has shape [1, 16]; the manifest describes [1, 8, 80]"));
    assert!(
        err(LIPSYNC_ONNX, &edited("\"frames\": 8", "\"frames\": 16"))
            .contains("describes [1, 16, 80]")
    );
    assert!(err(
        LIPSYNC_ONNX,
        &edited(
            "\"layout\": \"time_major\"",
            "\"layout\": \"feature_major\""
        )
    )
    .contains("describes [1, 80, 8]"));
    assert!(
        err(LIPSYNC_ONNX, &edited("\"n_mels\": 80", "\"n_mels\": 40"))
            .contains("describes [1, 8, 40]")
    );
    assert!(err(
        LIPSYNC_ONNX,
        &edited(
            "\"mouthLowerDownLeft\"",
            "\"mouthLowerDownLeft\", \"mouthFunnel\""
        )
    )
    .contains("output 0 has shape Some([1, 2]); the manifest describes [1, 3]"));
    assert_eq!(
        err(LIPSYNC_ONNX, &edited("\"jawOpen\"", "\"jawOpn\"")),
        "manifest.output.channels[0]: unknown channel \"jawOpn\" (did you mean \"jawOpen\"?)"
    );
    assert!(err(
        LIPSYNC_ONNX,
        &edited("\"lookahead\": 2", "\"lookahead\": 8")
    )
    .contains("need 0 <= lookahead (8) < frames (8)"));
    assert!(err(
        LIPSYNC_ONNX,
        &edited("\"hop_length\": 160", "\"hop_length\": 0")
    )
    .contains("hop_length 0"));
    assert!(
        err(LIPSYNC_ONNX, &edited("\"version\": 1", "\"version\": 3")).contains("expected schema")
    );
    assert!(err(LIPSYNC_ONNX, &edited("\"name\"", "\"nmae\"")).contains("unknown field `nmae`"));
    assert!(err(
        LIPSYNC_ONNX,
        &edited("\"name\"", "\"emotion_input\": true, \"name\"")
    )
    .contains("the model has 1 input(s); the manifest describes 2"));
    assert!(err(&LIPSYNC_ONNX[..100], LIPSYNC_MANIFEST).starts_with("model:"));
    assert!(
        err(b"not onnx at all", LIPSYNC_MANIFEST).starts_with("model: cannot read the ONNX model")
    );
    let visemes = include_str!("fixtures/energy_visemes.json");
    let e = err(
        include_bytes!("fixtures/energy_visemes.onnx"),
        &visemes.replacen("\"sil\": {},", "", 1),
    );
    assert!(e.contains("viseme \"sil\" has no entry"), "{e}");
    let e = err(
        include_bytes!("fixtures/energy_visemes.onnx"),
        &visemes.replacen("\"jawOpen\": 0.7", "\"jawOpen\": 1.7", 1),
    );
    assert!(
        e.contains("manifest.output.table.aa.jawOpen: value 1.7"),
        "{e}"
    );
}
