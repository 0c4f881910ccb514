//! The audio front-end against references: resampling, and log-mel features against librosa.
//! Runs natively and as WebAssembly under Node (`cargo test --target wasm32-unknown-unknown --test audio`).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use animasync_face::audio::features::{extract_clip, FeatureExtractor, FeatureSpec};
use animasync_face::audio::resample::{resample_clip, StreamResampler};

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
/// The stateful fixture (`make_lipsync_models.py`): jawOpen = h' = 0.5 h + 0.5 x with state h,
/// mouthLowerDownLeft = x, the loudness energy_lipsync puts on jawOpen.
const LEAKY_ONNX: &[u8] = include_bytes!("fixtures/leaky_lipsync.onnx");
const LEAKY_MANIFEST: &str = include_str!("fixtures/leaky_lipsync.json");

fn jaw() -> usize {
    ChannelTable::builtin().index_of("jawOpen").unwrap()
}

fn lower() -> usize {
    ChannelTable::builtin()
        .index_of("mouthLowerDownLeft")
        .unwrap()
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

/// The shipped models (live and playback), through the same manifest path as any user's model.
/// Re-included in Chromium (tests/browser_audio.rs), so both run there too.
#[test]
fn the_built_in_models_open_the_mouth_in_speech_and_rest_in_silence() {
    use animasync_face::Latency;
    let close = ChannelTable::builtin().index_of("mouthClose").unwrap();
    let mut live_latency = 0.0;
    // Live at two rates; playback once (at 48 kHz: through the resampler).
    for (latency, rates) in [
        (Latency::Live, &[16_000, 48_000][..]),
        (Latency::Playback, &[48_000][..]),
    ] {
        let (onnx, manifest) = latency.model();
        let mut lipsync = ModelLipSync::new(onnx, manifest).unwrap();
        let name = animasync_face::ModelManifest::from_json(manifest)
            .unwrap()
            .name;
        assert_eq!(lipsync.name(), name);
        for &rate in rates {
            let pcm = padded_speech(rate);
            let frames = lipsync.clip(&pcm).unwrap();
            assert_eq!(frames.len(), pcm.frame_count(), "{latency} {rate}");
            let seconds = lipsync.latency_s();
            match latency {
                Latency::Live => {
                    assert!(seconds <= 0.045, "{seconds}");
                    live_latency = seconds;
                }
                Latency::Playback => assert!(seconds >= live_latency, "{seconds}"),
            }
            let aperture: Vec<f32> = frames
                .iter()
                .map(|f| (f[jaw()] - f[close]).max(0.0) + 0.5 * f[lower()])
                .collect();
            // Silence: the frames whose look-ahead ends before the speech (0.5 s of padding
            // each side) at the start, and the last 12.
            let quiet = ((0.5 - seconds) * 30.0).floor().min(12.0) as usize;
            assert!(quiet >= 4, "{latency}: look-ahead {seconds} s");
            let silent = aperture[..quiet]
                .iter()
                .chain(&aperture[aperture.len() - 12..])
                .fold(0.0f32, |m, x| m.max(*x));
            let speech = &aperture[15..aperture.len() - 15];
            let open = speech.iter().filter(|a| **a > 0.2).count();
            let peak = speech.iter().fold(0.0f32, |m, x| m.max(*x));
            eprintln!(
                "{latency} {rate}: silent max {silent}, speech peak {peak}, open {open}/{}",
                speech.len()
            );
            assert!(silent < 0.05, "{latency} {rate}: mouth in silence {silent}");
            assert!(
                peak > 0.4,
                "{latency} {rate}: the mouth never opens wide ({peak})"
            );
            assert!(
                open > speech.len() / 4,
                "{latency} {rate}: open in only {open} of {} speech frames",
                speech.len()
            );
        }
    }
}

#[test]
fn model_frames_do_not_depend_on_chunk_sizes() {
    let pcm = padded_speech(44_100);
    // A stateless and a stateful (recurrent) model.
    for (onnx, manifest) in [
        (LIPSYNC_ONNX, LIPSYNC_MANIFEST),
        (LEAKY_ONNX, LEAKY_MANIFEST),
    ] {
        let mut lipsync = ModelLipSync::new(onnx, manifest).unwrap();
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
            assert_eq!(out, whole, "{}", lipsync.name());
        }
    }
}

/// The emotion fixture (`make_lipsync_models.py`): jawOpen = the loudness, mouthPucker =
/// 0.5 + 0.25 v + 0.125 a + 0.0625 d from its emotion input, whatever the audio.
const EMOTION_ONNX: &[u8] = include_bytes!("fixtures/emotion_lipsync.onnx");
const EMOTION_MANIFEST: &str = include_str!("fixtures/emotion_lipsync.json");

fn pucker_for(vad: animasync_face::Vad) -> f32 {
    0.5 + 0.25 * vad.valence + 0.125 * vad.arousal + 0.0625 * vad.dominance
}

#[test]
fn an_emotion_input_reads_the_vad_set_for_its_frame_whatever_the_chunking() {
    use animasync_face::base::time::frame_start;
    use animasync_face::Vad;
    let pucker = ChannelTable::builtin().index_of("mouthPucker").unwrap();
    let pcm = padded_speech(16_000);
    let mut lipsync = ModelLipSync::new(EMOTION_ONNX, EMOTION_MANIFEST).unwrap();
    let plain = lipsync.clip(&pcm).unwrap();
    assert!(
        plain.iter().all(|f| f[pucker] == 0.5),
        "zeros before any VAD is set"
    );
    let (calm, tense) = (Vad::from([0.5, -0.25, 0.25]), Vad::from([-0.75, 0.5, -0.5]));
    lipsync.set_vad(calm);
    let held = lipsync.clip(&pcm).unwrap();
    assert!(held
        .iter()
        .all(|f| (f[pucker] - pucker_for(calm)).abs() < 1e-6));
    // The emotion never touches the audio's channels.
    assert!(held.iter().zip(&plain).all(|(a, b)| a[jaw()] == b[jaw()]));

    // A new point after sample 16_533, the first of frame 31 (16_533.3 samples in; 16_533 * 30 /
    // 16_000 rounds down to 30): frames up to 30, still waiting for their look-ahead when it
    // arrives, keep the old one.
    let switch = frame_start(31, 16_000);
    assert_eq!(switch, 16_533);
    let mut state = 777u32;
    let mut reference: Option<Vec<_>> = None;
    for max_chunk in [1_600, 300, 4_410] {
        lipsync.start(16_000).unwrap();
        lipsync.set_vad(calm);
        let mut out = Vec::new();
        let (before, after) = pcm.samples().split_at(switch);
        for (k, part) in [before, after].into_iter().enumerate() {
            if k == 1 {
                lipsync.set_vad(tense);
            }
            let mut rest = part;
            while !rest.is_empty() {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let n = (1 + (state >> 8) as usize % max_chunk).min(rest.len());
                lipsync.push(&rest[..n], &mut out).unwrap();
                rest = &rest[n..];
            }
        }
        lipsync.finish(&mut out).unwrap();
        assert_eq!(out.len(), held.len());
        for (f, frame) in out.iter().enumerate() {
            let vad = if f < 31 { calm } else { tense };
            assert!(
                (frame[pucker] - pucker_for(vad)).abs() < 1e-6,
                "frame {f}: {}",
                frame[pucker]
            );
        }
        assert_eq!(*reference.get_or_insert_with(|| out.clone()), out);
    }
    // The latest point holds for the next stream.
    assert!(lipsync
        .clip(&pcm)
        .unwrap()
        .iter()
        .all(|f| (f[pucker] - pucker_for(tense)).abs() < 1e-6));
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

// ---------------------------------------------------------------- recurrent state

use animasync_face::base::onnx::{Held, Input};
use animasync_face::{ModelManifest, OnnxModel};

/// `LEAKY_MANIFEST` with its `state` replaced (`None`: removed).
fn leaky_manifest(state: Option<serde_json::Value>) -> String {
    let mut manifest: serde_json::Value = serde_json::from_str(LEAKY_MANIFEST).unwrap();
    match state {
        Some(state) => manifest["state"] = state,
        None => {
            manifest.as_object_mut().unwrap().remove("state");
        }
    }
    manifest.to_string()
}

#[test]
fn a_stateful_model_carries_its_state_from_frame_to_frame() {
    // x_k, the loudness of frame k's target feature frame, computed by the stateless model
    // (its jawOpen); the stateful model must give h_k = 0.5 h_(k-1) + 0.5 x_k from h = 0.
    let mut stateless = ModelLipSync::new(LIPSYNC_ONNX, LIPSYNC_MANIFEST).unwrap();
    let mut leaky = ModelLipSync::new(LEAKY_ONNX, LEAKY_MANIFEST).unwrap();
    assert_eq!(leaky.name(), "leaky-lipsync (test)");
    for rate in [16_000, 48_000] {
        let pcm = padded_speech(rate);
        let loudness = stateless.clip(&pcm).unwrap();
        let frames = leaky.clip(&pcm).unwrap();
        assert_eq!(frames.len(), pcm.frame_count(), "{rate}");
        let (mut h, mut lag) = (0.0f32, 0.0f32);
        for (k, (frame, reference)) in frames.iter().zip(&loudness).enumerate() {
            let x = reference[jaw()];
            assert!(
                (frame[lower()] - x).abs() <= 1e-6,
                "{rate} Hz, frame {k}: x {} vs {x}",
                frame[lower()]
            );
            h = 0.5 * h + 0.5 * x;
            assert!(
                (frame[jaw()] - h).abs() <= 1e-6,
                "{rate} Hz, frame {k}: h {} vs {h}",
                frame[jaw()]
            );
            lag = lag.max((h - x).abs());
        }
        // The state really shapes the output: the smoothed mouth trails the loudness.
        assert!(lag > 0.2, "{rate} Hz: h never trails x by more than {lag}");
    }
}

#[test]
fn start_resets_the_state_to_zeros() {
    let pcm = padded_speech(16_000);
    let speech = Pcm::new(pcm.samples()[8_000 + 4_000..].to_vec(), 16_000).unwrap();
    let mut leaky = ModelLipSync::new(LEAKY_ONNX, LEAKY_MANIFEST).unwrap();
    let fresh = leaky.clip(&speech).unwrap();
    // Frame 0 from zero state: h = 0.5 x.
    assert!((fresh[0][jaw()] - 0.5 * fresh[0][lower()]).abs() <= 1e-6);
    // Stop in the middle of speech, where the state is far from zero, then start again.
    for _ in 0..2 {
        leaky.start(16_000).unwrap();
        let mut out = Vec::new();
        leaky.push(&pcm.samples()[..16_000], &mut out).unwrap();
        let h = out.last().unwrap()[jaw()];
        assert!(h > 0.3, "state before the restart {h}");
        assert_eq!(leaky.clip(&speech).unwrap(), fresh);
    }
}

#[test]
fn state_declarations_are_checked_against_the_model() {
    use serde_json::json;
    let err =
        |model: &[u8], manifest: &str| ModelLipSync::new(model, manifest).unwrap_err().to_string();
    let leaky = |state| err(LEAKY_ONNX, &leaky_manifest(Some(state)));
    // The number of inputs.
    assert_eq!(
        err(LEAKY_ONNX, &leaky_manifest(None)),
        "manifest: the model has 2 input(s); the manifest describes 1 (the features window; no emotion_input, no state)"
    );
    assert_eq!(
        leaky(json!([{"shape": [1, 1]}, {"shape": [1, 1]}])),
        "manifest.state: the model has 2 input(s); the manifest describes 3 (the features window, 2 state input(s))"
    );
    let mut with_emotion: serde_json::Value = serde_json::from_str(LEAKY_MANIFEST).unwrap();
    with_emotion["emotion_input"] = true.into();
    assert_eq!(
        err(LEAKY_ONNX, &with_emotion.to_string()),
        "manifest.state: the model has 2 input(s); the manifest describes 3 (the features window, the emotion input, 1 state input(s))"
    );
    assert!(err(
        LIPSYNC_ONNX,
        &leaky_manifest(Some(json!([{"shape": [1, 1]}])))
    )
    .contains("the model has 1 input(s); the manifest describes 2"));
    // A state input or output of another shape.
    assert_eq!(
        leaky(json!([{"shape": [1, 2]}])),
        "manifest.state[0].shape: the model's input 1 has shape [1, 1]; the manifest describes [1, 2]"
    );
    assert_eq!(
        leaky(json!([{"shape": [1024, 1024]}])),
        "manifest.state[0].shape: the model's input 1 has shape [1, 1]; the manifest describes [1024, 1024]"
    );
    assert_eq!(
        err(include_bytes!("fixtures/leaky_wide_state.onnx"), LEAKY_MANIFEST),
        "manifest.state[0].shape: the model's output 1 has shape [1, 2]; the manifest describes [1, 1] (a state output has its input's shape)"
    );
    // The number of outputs.
    assert_eq!(
        err(include_bytes!("fixtures/leaky_no_state_output.onnx"), LEAKY_MANIFEST),
        "manifest.state: the model has 1 output(s); the manifest describes 2 (the frame output, 1 state output(s))"
    );
    // Shapes that are no shapes, checked before the model.
    assert_eq!(
        leaky(json!([{"shape": []}])),
        "manifest.state[0].shape: is empty; a state tensor has at least one dimension"
    );
    assert_eq!(
        leaky(json!([{"shape": [1, 1]}, {"shape": [1, 0]}])),
        "manifest.state[1].shape: dimension 1 is 0; every dimension must be positive"
    );
    assert_eq!(
        leaky(json!([{"shape": [-1, 96]}])),
        "manifest.state[0].shape: dimension 0 is -1; every dimension must be positive"
    );
    // Too large: alone, with a product that overflows a 32-bit usize (wasm32), with a
    // dimension beyond it, and together.
    for shape in [
        json!([1, 1_048_577]),
        json!([65_536, 65_536]),
        json!([1, 4_294_967_297u64]),
        json!([9_223_372_036_854_775_807i64, 2]),
    ] {
        let e = leaky(json!([{ "shape": shape }]));
        assert!(
            e.starts_with("manifest.state[0].shape: [")
                && e.ends_with(
                    "holds more than 1048576 values (the most a model's state may hold)"
                ),
            "{e}"
        );
    }
    assert_eq!(
        leaky(json!([{"shape": [1, 1_048_576]}, {"shape": [1, 1]}])),
        "manifest.state: entries 0-1 hold 1048577 values together; at most 1048576"
    );
    // Strict fields and numbers.
    assert!(leaky(json!([{"shape": [1, 1], "name": "h"}])).contains("unknown field `name`"));
    assert!(leaky(json!([{"shape": [1, 1.5]}])).contains("state[0].shape[1]"));
    assert!(leaky(json!({"shape": [1, 1]})).contains("state"));
    // Without state, a model's extra outputs stay allowed and ignored (as before); the
    // manifest round-trips, writing "state" only when there is one.
    let parsed = ModelManifest::from_json(LEAKY_MANIFEST).unwrap();
    assert_eq!(parsed.state_shapes().unwrap(), vec![vec![1, 1]]);
    let written = serde_json::to_string(&parsed).unwrap();
    assert!(
        written.contains("\"state\":[{\"shape\":[1,1]}]"),
        "{written}"
    );
    assert_eq!(ModelManifest::from_json(&written).unwrap(), parsed);
    let stateless = serde_json::to_string(&ModelManifest::from_json(LIPSYNC_MANIFEST).unwrap());
    assert!(!stateless.unwrap().contains("state"));
}

#[test]
fn a_non_finite_returned_state_is_an_error_naming_the_model() {
    let mut lipsync = ModelLipSync::new(
        include_bytes!("fixtures/leaky_nan_state.onnx"),
        LEAKY_MANIFEST,
    )
    .unwrap();
    let pcm = padded_speech(16_000);
    let expected = "model: \"leaky-lipsync (test)\" returned NaN in its state output 1 (manifest.state[0], value 0)";
    assert_eq!(lipsync.clip(&pcm).unwrap_err().to_string(), expected);
    // Streaming: no frame is emitted, the same frame fails again, nothing panics.
    lipsync.start(16_000).unwrap();
    let mut out = Vec::new();
    for _ in 0..2 {
        let e = lipsync.push(&pcm.samples()[..4_000], &mut out).unwrap_err();
        assert_eq!(e.to_string(), expected);
        assert!(out.is_empty());
    }
    let mut engine = animasync_face::Engine::new(
        animasync_face::EngineOptions::default(),
        animasync_face::PresetLibrary::builtin().clone(),
        Some((
            include_bytes!("fixtures/leaky_nan_state.onnx"),
            LEAKY_MANIFEST,
        )),
    )
    .unwrap();
    assert_eq!(
        engine
            .push(&pcm.samples()[..4_000])
            .unwrap_err()
            .to_string(),
        expected
    );
}

#[test]
fn the_onnx_runner_passes_held_state_without_copies_and_checks_it() {
    let mut model = OnnxModel::from_bytes(LEAKY_ONNX).unwrap();
    assert_eq!(model.input_shapes(), [vec![1, 4, 80], vec![1, 1]]);
    assert_eq!(model.output_shapes(), [vec![1, 2], vec![1, 1]]);
    // Loud features (mean -8 nats): x = sigmoid(5) = 0.9933.
    let loud = vec![-8.0f32; 320];
    let x = 1.0 / (1.0 + (-5.0f32).exp());
    let mut state = Held::zeros(&[1, 1]).unwrap();
    let mut h = 0.0f32;
    for _ in 0..4 {
        model
            .run_with([Input::Values(&loud), Input::Held(&state)])
            .unwrap();
        h = 0.5 * h + 0.5 * x;
        let mouth = model.output(0).unwrap();
        assert!((mouth[0] - h).abs() < 1e-6 && (mouth[1] - x).abs() < 1e-6);
        state = model.held_output(1).unwrap();
        assert_eq!(state.values().unwrap(), model.output(1).unwrap());
        assert_eq!(state.shape(), [1, 1]);
    }
    // The copying API gives the same numbers for the same inputs.
    let copied = model.run(&[&loud, state.values().unwrap()]).unwrap();
    assert!((copied[0][0] - (0.5 * h + 0.5 * x)).abs() < 1e-6);
    // Wrong inputs are errors, not panics.
    let wide = Held::zeros(&[1, 2]).unwrap();
    let e = model
        .run_with([Input::Values(&loud), Input::Held(&wide)])
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "model: input 1 has shape [1, 1]; a held tensor of shape [1, 2] given"
    );
    assert!(model
        .output(0)
        .unwrap_err()
        .to_string()
        .contains("no output 0: the model has 2 output(s) and the last run gave 0"));
    let e = model.run_with([Input::Values(&loud)]).unwrap_err();
    assert_eq!(e.to_string(), "model: the model takes 2 input(s), 1 given");
    let e = model
        .run_with([
            Input::Values(&loud),
            Input::Held(&state),
            Input::Held(&state),
        ])
        .unwrap_err();
    assert_eq!(e.to_string(), "model: the model takes 2 input(s), 3 given");
    let e = model
        .run_with([Input::Values(&loud), Input::Values(&[f32::NAN])])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "model: input 1 contains NaN or infinite values"
    );
    assert!(Held::zeros(&[1, 2]).unwrap().values().unwrap() == [0.0, 0.0]);
}

// ---------------------------------------------------------------- the built-in network

use animasync_face::base::graph::Graph;
use animasync_face::lipsync::net::GruNet;
use animasync_face::Latency;

/// The package runs the built-in models on our own network (src/lipsync/net.rs) from their
/// safetensors weights; training exports the same model as ONNX. Both must give the same frames
/// on real speech, state carried across the whole clip, for each built-in model.
#[test]
fn the_built_in_network_matches_its_onnx_export_on_real_speech() {
    let models = [
        (
            "live",
            &include_bytes!("../models/default/lipsync.onnx")[..],
            include_str!("../models/default/lipsync.json"),
        ),
        (
            "playback",
            &include_bytes!("../models/playback/lipsync.onnx")[..],
            include_str!("../models/playback/lipsync.json"),
        ),
    ];
    let pcm = Pcm::new(speech16k(), 16_000).unwrap();
    for ((name, onnx, manifest), latency) in models.into_iter().zip(Latency::ALL) {
        let (net, built_in_manifest) = latency.model();
        assert_eq!(manifest, built_in_manifest);
        let reference = ModelLipSync::new(onnx, manifest)
            .unwrap()
            .clip(&pcm)
            .unwrap();
        let ours = ModelLipSync::new(net, manifest)
            .unwrap()
            .clip(&pcm)
            .unwrap();
        assert_eq!(ours.len(), reference.len(), "{name}");
        let worst = ours
            .iter()
            .zip(&reference)
            .flat_map(|(a, b)| a.iter().zip(b).map(|(x, y)| (x - y).abs()))
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "{name}: frames differ by up to {worst}");
        // Not all still: the comparison covers a moving mouth.
        let peak = ours.iter().flatten().fold(0.0f32, |a, &b| a.max(b));
        assert!(peak > 0.2, "{name}: the mouth's weights peak at {peak}");
    }
}

#[test]
fn a_wrong_network_file_is_a_typed_error_naming_what_is_wrong() {
    let net = Latency::Live.model().0;
    // Not safetensors at all, but starting like one.
    let e = GruNet::from_bytes(b"\x02\0\0\0\0\0\0\0{}")
        .unwrap_err()
        .to_string();
    assert!(e.contains("has no tensor \"mean\""), "{e}");
    let e = GruNet::from_bytes(b"\xff\xff\0\0\0\0\0\0{garbage")
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot be read as safetensors"), "{e}");
    // Cut short: the header promises data that is not there.
    let e = GruNet::from_bytes(&net[..net.len() / 2])
        .unwrap_err()
        .to_string();
    assert!(e.contains("cannot be read as safetensors"), "{e}");
    // The live network with the playback manifest: its window does not fit.
    let playback_manifest = Latency::Playback.model().1;
    let e = ModelLipSync::new(net, playback_manifest)
        .unwrap_err()
        .to_string();
    assert!(e.contains("manifest.window"), "{e}");
    // Runs check their inputs like any model.
    let mut graph = GruNet::from_bytes(net).unwrap();
    let shapes = graph.input_shapes().to_vec();
    let window = vec![0.0; shapes[0].iter().product()];
    let state = vec![0.0; shapes[1].iter().product()];
    let e = graph.infer(&[&window, &state]).unwrap_err().to_string();
    assert!(e.contains("takes 3 input(s), 2 given"), "{e}");
    let e = graph
        .infer(&[&window, &state, &[f32::NAN]])
        .unwrap_err()
        .to_string();
    assert!(e.contains("input 2 contains NaN"), "{e}");
    assert!(graph.output(0).is_err(), "a failed run leaves no output");
    graph.infer(&[&window, &state, &[0.0]]).unwrap();
    assert_eq!(graph.output(0).unwrap().len(), 15);
}

#[test]
fn a_network_file_cannot_ask_for_more_memory_than_a_network_needs() {
    // A layer of one output and 2^21 inputs: 2 MB of int8 in the file, 128 MB once padded to
    // blocks of 16 floats. Refused by name before anything is allocated.
    let inputs = 1usize << 21;
    let mut tensors = std::collections::BTreeMap::new();
    let header = |dtype: &str, shape: Vec<usize>, start: usize, end: usize| serde_json::json!({ "dtype": dtype, "shape": shape, "data_offsets": [start, end] });
    tensors.insert("mean", header("F32", vec![1, 1, 1], 0, 4));
    tensors.insert("inv_std", header("F32", vec![1, 1, 1], 4, 8));
    tensors.insert("enc_w_scale", header("F32", vec![1], 8, 12));
    tensors.insert("enc_w_q", header("I8", vec![inputs, 1], 12, 12 + inputs));
    let mut json = serde_json::to_vec(&tensors).unwrap();
    while json.len() % 8 != 0 {
        json.push(b' ');
    }
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend(&json);
    bytes.extend(vec![0u8; 12 + inputs]);
    assert!(animasync_face::lipsync::net::is_safetensors(&bytes));
    let e = GruNet::from_bytes(&bytes).unwrap_err().to_string();
    assert!(
        e.contains(
            "layer \"enc_w\" is 2097152 x 1: more than the 1048576 weights a layer may hold"
        ),
        "{e}"
    );
}
