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
