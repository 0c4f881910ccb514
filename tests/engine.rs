//! The streaming engine: chunk-size invariance, whole clips, emotion turns, bad input. Runs
//! natively and as WebAssembly under Node.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use animasync_face::audio::resample::resample_clip;
use animasync_face::temporal::smoothing::damp_turns;
use animasync_face::{
    render, ChannelTable, CompileMode, EmotionTaxonomy, Engine, EngineOptions, ExpressionCompiler,
    FaceError, Intensity, Latency, LipSyncSource, ModelLipSync, ModelManifest, Pcm, PresetLibrary,
    RenderOptions, Rendered, Scenario, SignalMouth, TemporalParams, Vad, CHANNEL_COUNT,
};

const ONNX: &[u8] = include_bytes!("fixtures/energy_lipsync.onnx");
const MANIFEST: &str = include_str!("fixtures/energy_lipsync.json");
/// A stateful model (recurrent state in and out, one step per frame).
const LEAKY: (&[u8], &str) = (
    include_bytes!("fixtures/leaky_lipsync.onnx"),
    include_str!("fixtures/leaky_lipsync.json"),
);
/// A model with an emotion input: jawOpen = the loudness, mouthPucker = 0.5 + 0.25 v + 0.125 a +
/// 0.0625 d from the VAD point it is given, whatever the audio.
const EMOTION: (&[u8], &str) = (
    include_bytes!("fixtures/emotion_lipsync.onnx"),
    include_str!("fixtures/emotion_lipsync.json"),
);

fn pucker_for(vad: Vad) -> f32 {
    0.5 + 0.25 * vad.valence + 0.125 * vad.arousal + 0.0625 * vad.dominance
}

fn vad_of(emotion: &str, level: f32) -> Vad {
    let (_, entry) = EmotionTaxonomy::builtin()
        .require("emotion", emotion)
        .unwrap();
    Intensity::Level(level).resolve(entry).unwrap()
}

fn speech16k() -> Vec<f32> {
    let reader = hound::WavReader::new(std::io::Cursor::new(
        &include_bytes!("fixtures/speech16k.wav")[..],
    ))
    .unwrap();
    reader
        .into_samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect()
}

/// Silence, speech, silence at `rate`.
fn padded_speech(rate: u32) -> Vec<f32> {
    let pad = vec![0.0; rate as usize / 2];
    [
        pad.clone(),
        resample_clip(&speech16k(), 16_000, rate).unwrap(),
        pad,
    ]
    .concat()
}

fn engine(rate: u32, model: bool, eye_motion: bool) -> Engine {
    engine_with(rate, model.then_some((ONNX, MANIFEST)), eye_motion)
}

fn engine_with(rate: u32, model: Option<(&[u8], &str)>, eye_motion: bool) -> Engine {
    let options = EngineOptions {
        sample_rate: rate,
        eye_motion,
        ..EngineOptions::default()
    };
    Engine::new(options, PresetLibrary::builtin().clone(), model).unwrap()
}

fn c(name: &str) -> usize {
    ChannelTable::builtin().index_of(name).unwrap()
}

fn preset(emotion: &str, level: f32) -> [f32; 52] {
    ExpressionCompiler::new(PresetLibrary::builtin())
        .compile(emotion, Intensity::Level(level), CompileMode::Expressive)
        .unwrap()
}

/// Pushes `samples` in pseudo-random chunks (1 sample to 100 ms), switching to `emotion` when
/// the input reaches sample `switch_at`; returns all frames.
fn stream(
    engine: &mut Engine,
    samples: &[f32],
    seed: u32,
    switch_at: usize,
    emotion: (&str, f32),
) -> Vec<f32> {
    let mut state = seed;
    let mut frames = Vec::new();
    let mut at = 0;
    while at < samples.len() {
        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let mut n = (1 + (state >> 8) as usize % 4_800).min(samples.len() - at);
        if at < switch_at && at + n > switch_at {
            n = switch_at - at; // stop at the switch so it lands on the same sample every time
        }
        if at == switch_at {
            engine
                .set_emotion(emotion.0, Intensity::Level(emotion.1))
                .unwrap();
        }
        engine.push(&samples[at..at + n]).unwrap();
        frames.extend(engine.take_frames());
        at += n;
    }
    frames.extend(engine.finish().unwrap());
    frames
}

#[test]
fn chunk_sizes_never_change_the_frames() {
    let samples = padded_speech(48_000);
    // A stateless model, a stateful one, one with an emotion input, and the fallback.
    for (name, model) in [
        ("energy", Some((ONNX, MANIFEST))),
        ("leaky", Some(LEAKY)),
        ("emotion", Some(EMOTION)),
        ("signal", None),
    ] {
        let reference = stream(
            &mut engine_with(48_000, model, true),
            &samples,
            1,
            48_000,
            ("joy", 4.0),
        );
        assert_eq!(
            reference.len() / CHANNEL_COUNT,
            Pcm::new(samples.clone(), 48_000).unwrap().frame_count()
        );
        for seed in [2, 3, 4] {
            let frames = stream(
                &mut engine_with(48_000, model, true),
                &samples,
                seed,
                48_000,
                ("joy", 4.0),
            );
            assert_eq!(frames, reference, "model {name}, seed {seed}");
        }
    }
}

#[test]
fn reset_finish_and_clips_start_a_stateful_model_from_zero_state() {
    let samples = padded_speech(16_000);
    // Starts inside the speech, so leftover state would show at once.
    let speech = &samples[8_000 + 4_000..];
    let fresh = engine_with(16_000, Some(LEAKY), true)
        .process_clip(speech, 16_000, None)
        .unwrap()
        .frames;
    let mut e = engine_with(16_000, Some(LEAKY), true);
    // Into the speech (the model's state is far from zero), then reset.
    e.push(&samples[..16_000]).unwrap();
    e.reset().unwrap();
    assert_eq!(stream(&mut e, speech, 7, usize::MAX, ("joy", 1.0)), fresh);
    // Ending a stream mid-speech with finish().
    e.push(&samples[..16_000]).unwrap();
    e.finish().unwrap();
    assert_eq!(stream(&mut e, speech, 8, usize::MAX, ("joy", 1.0)), fresh);
    // process_clip leaves no state behind either.
    e.process_clip(&samples[..16_000], 16_000, None).unwrap();
    assert_eq!(e.process_clip(speech, 16_000, None).unwrap().frames, fresh);
    // The model's state matters to these frames: the stateless model moves the jaw otherwise.
    let stateless = engine(16_000, true, true)
        .process_clip(speech, 16_000, None)
        .unwrap()
        .frames;
    assert_ne!(stateless, fresh);
}

#[test]
fn a_clip_is_the_same_as_its_stream_and_the_engine_is_reusable() {
    let samples = padded_speech(22_050);
    let mut e = engine(16_000, true, true);
    e.set_emotion("sadness", Intensity::Level(3.0)).unwrap();
    let clip = e.process_clip(&samples, 22_050, None).unwrap().frames;
    let again = e.process_clip(&samples, 22_050, None).unwrap().frames;
    assert_eq!(clip, again, "process_clip leaves no state behind");
    let mut streamed = engine(22_050, true, true);
    streamed
        .set_emotion("sadness", Intensity::Level(3.0))
        .unwrap();
    assert_eq!(
        stream(&mut streamed, &samples, 9, usize::MAX, ("joy", 1.0)),
        clip
    );
}

#[test]
fn the_model_opens_the_mouth_in_speech_and_the_expression_holds_it_in_silence() {
    let samples = padded_speech(44_100);
    let mut e = engine(44_100, true, false);
    e.set_emotion("surprise", Intensity::Level(5.0)).unwrap();
    let frames = e.process_clip(&samples, 44_100, None).unwrap().frames;
    let jaw: Vec<f32> = frames
        .chunks(CHANNEL_COUNT)
        .map(|f| f[c("jawOpen")])
        .collect();
    let n = jaw.len();
    // Silence: surprise's own dropped jaw (0.6), untouched by lip sync.
    assert!(
        (jaw[3] - 0.6).abs() < 1e-5 && (jaw[n - 1] - 0.6).abs() < 1e-5,
        "{} {}",
        jaw[3],
        jaw[n - 1]
    );
    // Speech: the model drives it, open in most frames (0.99 when loud) and closing in pauses.
    let open = jaw[20..n - 20].iter().filter(|j| **j > 0.9).count();
    let closed = jaw[20..n - 20].iter().filter(|j| **j < 0.3).count();
    assert!(
        open > (n - 40) / 3 && closed > 0,
        "open {open}, closed {closed} of {}",
        n - 40
    );
    // The brows are the expression's in speech too.
    assert!(frames
        .chunks(CHANNEL_COUNT)
        .all(|f| (f[c("browOuterUpLeft")] - 0.9).abs() < 1e-5));
}

#[test]
fn a_single_turn_keeps_the_authored_face() {
    let mut e = engine(16_000, false, false);
    e.set_emotion("contempt", Intensity::Level(5.0)).unwrap();
    let frames = e
        .process_clip(&vec![0.0; 16_000], 16_000, None)
        .unwrap()
        .frames;
    for frame in frames.chunks(CHANNEL_COUNT) {
        assert_eq!(frame, preset("contempt", 5.0));
    }
}

#[test]
fn a_new_turn_crossfades_causally_with_brows_through_neutral() {
    let mut e = engine(16_000, false, false);
    e.set_emotion("surprise", Intensity::Level(4.0)).unwrap();
    e.push(&vec![0.0; 16_000]).unwrap(); // 30 frames of surprise
    e.set_emotion("sadness", Intensity::Level(4.0)).unwrap();
    e.push(&vec![0.0; 64_000]).unwrap(); // 120 frames
    let frames: Vec<Vec<f32>> = e
        .take_frames()
        .chunks(CHANNEL_COUNT)
        .map(<[f32]>::to_vec)
        .collect();
    assert_eq!(frames.len(), 150);
    let surprise = preset("surprise", 4.0);
    assert_eq!(
        frames[29], surprise,
        "nothing changes before the boundary (causal)"
    );
    // The fade runs 96 frames from the boundary; the brows hold neutral in its middle third.
    for (f, frame) in frames.iter().enumerate().take(30 + 63).skip(30 + 33) {
        assert_eq!(frame[c("browOuterUpLeft")], 0.0, "frame {f}");
    }
    // After the fade: sadness, its VAD damped toward the running mean (second turn). Damping
    // pulled the point toward surprise's, away from sadness's anchors; the face stays at least
    // as strong as sadness's mildest authored level (L1: browInnerUp 0.25, frown 0.15).
    let settled = &frames[30 + 96];
    assert!(
        settled[c("browInnerUp")] >= 0.25 && settled[c("mouthFrownLeft")] >= 0.15,
        "{settled:?}"
    );
    assert_ne!(
        settled.as_slice(),
        preset("sadness", 4.0),
        "damping moved the second turn's intensity"
    );
    assert_eq!(frames[149], frames[30 + 96]);
}

#[test]
fn the_engine_matches_the_causal_renderer_on_one_turn() {
    let samples = padded_speech(16_000);
    let mut e = engine(16_000, false, true);
    e.set_emotion("joy", Intensity::Level(3.0)).unwrap();
    let frames = e.process_clip(&samples, 16_000, None).unwrap().frames;
    let scenario = Scenario::from_json(r#"{"id": "x", "regime": "monologue", "turns": [{"emotion": "joy", "level": 3, "audio": "x.wav"}]}"#).unwrap();
    let params = TemporalParams::builtin();
    let options = RenderOptions {
        causal: true,
        ..RenderOptions::default()
    };
    let audio = [Some(Pcm::new(samples, 16_000).unwrap())];
    let rendered = render(
        &scenario,
        &audio,
        PresetLibrary::builtin(),
        &options,
        params,
        &mut SignalMouth::new(params),
    )
    .unwrap();
    let flat: Vec<f32> = rendered.frames.iter().flatten().copied().collect();
    assert_eq!(frames, flat);
}

/// A causal render of one turn over `samples` at 16 kHz, with the emotion model.
fn render_one_turn(emotion: &str, level: f32, samples: &[f32]) -> Rendered {
    let scenario = Scenario::from_json(&format!(
        r#"{{"id": "x", "regime": "monologue", "turns": [{{"emotion": "{emotion}", "level": {level}, "audio": "x.wav"}}]}}"#
    ))
    .unwrap();
    let options = RenderOptions {
        causal: true,
        ..RenderOptions::default()
    };
    let audio = [Some(Pcm::new(samples.to_vec(), 16_000).unwrap())];
    render_with_emotion_model(&scenario, &audio, &options)
}

/// A render of `scenario` whose lips come from the emotion model.
fn render_with_emotion_model(
    scenario: &Scenario,
    audio: &[Option<Pcm>],
    options: &RenderOptions,
) -> Rendered {
    let mut model = ModelLipSync::new(EMOTION.0, EMOTION.1).unwrap();
    render(
        scenario,
        audio,
        PresetLibrary::builtin(),
        options,
        TemporalParams::builtin(),
        &mut model,
    )
    .unwrap()
}

/// Where the speech gate is fully open, a lip-sync channel is the model's own output.
fn open_gate_frames(speech: &[f32]) -> Vec<usize> {
    (0..speech.len()).filter(|&f| speech[f] == 1.0).collect()
}

#[test]
fn the_model_hears_the_emotion_the_engine_shows() {
    let samples = padded_speech(16_000);
    let mut puckers = Vec::new();
    // The engine starts in neutral at level 1, VAD (0.05, 0.05, 0): pucker 0.51875.
    for (emotion, level) in [("neutral", 1.0), ("joy", 4.0), ("sadness", 4.0)] {
        let mut e = engine_with(16_000, Some(EMOTION), true);
        if emotion != "neutral" {
            e.set_emotion(emotion, Intensity::Level(level)).unwrap();
        }
        let frames = e.process_clip(&samples, 16_000, None).unwrap().frames;
        // The same frames as the causal renderer, which gives the model the same VAD point.
        let rendered = render_one_turn(emotion, level, &samples);
        let flat: Vec<f32> = rendered.frames.iter().flatten().copied().collect();
        assert_eq!(frames, flat, "{emotion}");
        let vad = vad_of(emotion, level);
        assert!(rendered.vad.iter().all(|v| *v == vad));
        let open = open_gate_frames(&rendered.speech);
        assert!(open.len() > 40, "{emotion}: {} open frames", open.len());
        for f in open {
            let pucker = frames[f * CHANNEL_COUNT + c("mouthPucker")];
            assert!(
                (pucker - pucker_for(vad)).abs() < 1e-6,
                "{emotion}, frame {f}: {pucker}"
            );
        }
        puckers.push(pucker_for(vad));
    }
    assert!((puckers[0] - 0.51875).abs() < 1e-6, "{}", puckers[0]);
    assert!(puckers[1] > puckers[0] + 0.1 && puckers[2] < puckers[0] - 0.1);
}

#[test]
fn a_new_turn_reaches_the_model_from_its_first_frame() {
    let samples = padded_speech(16_000);
    // Sample 24_533 is the first of frame 46 (46 / 30 s = 24_533.3 samples), in speech.
    let switch = 24_533;
    let boundary = 46;
    let speech = render_one_turn("joy", 4.0, &samples).speech;
    assert!(
        (boundary - 3..boundary + 3).all(|f| speech[f] == 1.0),
        "the gate is open around the boundary"
    );
    let s = EngineOptions::default().smoothing;
    let joy = vad_of("joy", 4.0);
    // The engine damps the second turn toward the running mean, as the renderer's damp_turns.
    let damped = damp_turns(&[joy, vad_of("sadness", 4.0)], s.gamma, s.beta)[1];
    let mut reference = None;
    for seed in [1, 2, 3] {
        let mut e = engine_with(16_000, Some(EMOTION), true);
        e.set_emotion("joy", Intensity::Level(4.0)).unwrap();
        let frames = stream(&mut e, &samples, seed, switch, ("sadness", 4.0));
        for f in open_gate_frames(&speech) {
            let vad = if f < boundary { joy } else { damped };
            let pucker = frames[f * CHANNEL_COUNT + c("mouthPucker")];
            assert!(
                (pucker - pucker_for(vad)).abs() < 1e-6,
                "seed {seed}, frame {f}: {pucker}"
            );
        }
        // The face changes on the same frame: joy's cheeks hold up to the boundary, where the
        // crossfade starts.
        let squint = |f: usize| frames[f * CHANNEL_COUNT + c("cheekSquintLeft")];
        let joy_squint = preset("joy", 4.0)[c("cheekSquintLeft")];
        assert!(joy_squint > 0.1);
        assert_eq!(
            (squint(boundary - 2), squint(boundary - 1)),
            (joy_squint, joy_squint)
        );
        assert!(squint(boundary) < joy_squint);
        assert_eq!(*reference.get_or_insert_with(|| frames.clone()), frames);
    }
    // After the stream, the latest emotion is the next stream's first turn, damped point kept.
    let mut e = engine_with(16_000, Some(EMOTION), true);
    e.set_emotion("joy", Intensity::Level(4.0)).unwrap();
    e.push(&samples[..switch]).unwrap();
    e.set_emotion("sadness", Intensity::Level(4.0)).unwrap();
    e.reset().unwrap();
    let frames = e.process_clip(&samples, 16_000, None).unwrap().frames;
    for f in open_gate_frames(&speech) {
        let pucker = frames[f * CHANNEL_COUNT + c("mouthPucker")];
        assert!((pucker - pucker_for(damped)).abs() < 1e-6, "frame {f}");
    }
}

#[test]
fn a_scenario_tells_the_model_each_frame_s_emotion() {
    // Two turns of speech back to back, joy then sadness: the gate is open near the boundary,
    // where offline smoothing moves the VAD from frame to frame.
    let speech = speech16k();
    let scenario = Scenario::from_json(
        r#"{"id": "x", "regime": "monologue", "turns": [
            {"emotion": "joy", "level": 4, "audio": "a.wav"},
            {"emotion": "sadness", "level": 4, "audio": "b.wav"}]}"#,
    )
    .unwrap();
    let audio = [
        Some(Pcm::new(speech.clone(), 16_000).unwrap()),
        Some(Pcm::new(speech, 16_000).unwrap()),
    ];
    let s = RenderOptions::default().smoothing;
    let turns = damp_turns(
        &[vad_of("joy", 4.0), vad_of("sadness", 4.0)],
        s.gamma,
        s.beta,
    );
    for causal in [false, true] {
        let options = RenderOptions {
            causal,
            ..RenderOptions::default()
        };
        let rendered = render_with_emotion_model(&scenario, &audio, &options);
        let boundary = rendered.turns[1].start_frame;
        let open = open_gate_frames(&rendered.speech);
        assert!(open.iter().any(|&f| f < boundary) && open.iter().any(|&f| f >= boundary));
        let mut seen = Vec::new();
        for f in open {
            // The point the frame's expression is compiled at.
            let vad = rendered.vad[f];
            if causal {
                assert_eq!(vad, turns[usize::from(f >= boundary)], "frame {f}");
            }
            let pucker = rendered.frames[f][c("mouthPucker")];
            assert!(
                (pucker - pucker_for(vad)).abs() < 1e-6,
                "causal {causal}, frame {f}: {pucker}"
            );
            if !seen.contains(&pucker) {
                seen.push(pucker);
            }
        }
        if causal {
            assert_eq!(seen.len(), 2, "one point per turn: {seen:?}");
        } else {
            assert!(
                seen.len() > 20,
                "a point per frame near the boundary: {seen:?}"
            );
        }
    }
}

#[test]
fn bad_input_is_rejected_and_loses_nothing() {
    let samples = padded_speech(16_000);
    let mut clean = engine(16_000, true, true);
    let mut dirty = engine(16_000, true, true);
    let (a, b) = samples.split_at(12_000);
    clean.push(a).unwrap();
    dirty.push(a).unwrap();
    let mut poisoned = b[..500].to_vec();
    poisoned[17] = f32::NAN;
    let err = dirty.push(&poisoned).unwrap_err().to_string();
    assert!(
        err.contains("sample 17 of the chunk is NaN") && err.contains("dropped"),
        "{err}"
    );
    assert!(dirty
        .set_emotion("glee", Intensity::Level(3.0))
        .unwrap_err()
        .to_string()
        .contains("unknown emotion \"glee\""));
    assert!(dirty.set_emotion("joy", Intensity::Level(7.0)).is_err());
    clean.push(b).unwrap();
    dirty.push(b).unwrap();
    assert_eq!(clean.finish().unwrap(), dirty.finish().unwrap());
    let options = EngineOptions {
        sample_rate: 4_000,
        ..EngineOptions::default()
    };
    assert!(Engine::new(options, PresetLibrary::builtin().clone(), None)
        .unwrap_err()
        .to_string()
        .contains("4000 Hz"));
    assert!(Engine::new(
        EngineOptions::default(),
        PresetLibrary::builtin().clone(),
        Some((b"junk", MANIFEST))
    )
    .is_err());
    let mut e = engine(16_000, false, true);
    assert!(e
        .process_clip(&[], 16_000, None)
        .unwrap_err()
        .to_string()
        .contains("empty"));
    assert!(e
        .process_clip(&[0.0; 10], 3_000, None)
        .unwrap_err()
        .to_string()
        .contains("3000 Hz"));
}

/// A built-in model's algorithmic latency at its own rate, from its manifest alone:
/// `(lookahead * hop + frame / 2) / rate` (docs/lip-sync.md).
fn manifest_latency(latency: Latency) -> (u32, f64) {
    let manifest: serde_json::Value = serde_json::from_str(latency.model().1).unwrap();
    let input = &manifest["input"];
    let number = |v: &serde_json::Value| v.as_f64().unwrap();
    let (frame, hop) = match input["kind"].as_str().unwrap() {
        "log_mel" => (number(&input["n_fft"]), number(&input["hop_length"])),
        _ => (number(&input["window"]), number(&input["hop"])),
    };
    let rate = number(&input["sample_rate"]);
    let lookahead = number(&manifest["window"]["lookahead"]);
    (rate as u32, (lookahead * hop + frame / 2.0) / rate)
}

fn builtin_engine(rate: u32, latency: Latency) -> Engine {
    let options = EngineOptions {
        sample_rate: rate,
        ..EngineOptions::default()
    };
    Engine::with_lipsync(
        options,
        PresetLibrary::builtin().clone(),
        LipSyncSource::Builtin(latency),
    )
    .unwrap()
}

/// The two built-in models (live, playback), read through the manifest path like any model:
/// each reports its manifest's latency; a stream defaults to live and a whole clip to playback.
#[test]
fn the_built_in_models_report_their_latency_and_clips_default_to_playback() {
    for latency in Latency::ALL {
        let (rate, expected) = manifest_latency(latency);
        let e = builtin_engine(rate, latency);
        assert!(
            (e.latency_s() - expected).abs() < 1e-9,
            "{latency}: {} s, the manifest says {expected} s",
            e.latency_s()
        );
        assert_eq!(e.builtin_latency(), Some(latency));
        let name = ModelManifest::from_json(latency.model().1).unwrap().name;
        assert_eq!(e.lipsync_name(), name);
    }
    // Playback waits at least as long as live; live is the microphone's (at most 40 ms).
    let (live, playback) = (
        manifest_latency(Latency::Live).1,
        manifest_latency(Latency::Playback).1,
    );
    assert!(live <= 0.040 && playback >= live, "{live} {playback}");
    // The defaults: a stream is live, clips and offline rendering play back.
    assert_eq!(
        LipSyncSource::choose(None, false, None, Latency::STREAMING),
        Ok(LipSyncSource::Builtin(Latency::Live))
    );
    assert_eq!(
        LipSyncSource::choose(None, false, None, Latency::OFFLINE),
        Ok(LipSyncSource::Builtin(Latency::Playback))
    );

    // A clip on a live engine reads with the playback model: the frames of a playback engine
    // streaming it in chunks, and of the right count.
    let speech = speech16k();
    let frames = Pcm::new(speech.clone(), 16_000).unwrap().frame_count();
    let mut live_engine = builtin_engine(16_000, Latency::Live);
    let mut playback_engine = builtin_engine(16_000, Latency::Playback);
    for e in [&mut live_engine, &mut playback_engine] {
        e.set_emotion("joy", Intensity::Level(3.0)).unwrap();
    }
    let clip = live_engine.process_clip(&speech, 16_000, None).unwrap();
    assert_eq!(clip.frames.len(), frames * CHANNEL_COUNT);
    assert_eq!(clip.lipsync, playback_engine.lipsync_name());
    assert_eq!(clip.latency_s, playback_engine.latency_s());
    let streamed = stream(&mut playback_engine, &speech, 3, usize::MAX, ("joy", 3.0));
    assert_eq!(clip.frames, streamed);
    // Asked for live, the clip is the live engine's own stream; the engine still streams live.
    let live_clip = live_engine
        .process_clip(&speech, 16_000, Some(Latency::Live))
        .unwrap();
    assert_eq!(live_clip.latency_s, live_engine.latency_s());
    assert_eq!(live_clip.frames.len(), frames * CHANNEL_COUNT);
    assert_eq!(
        stream(&mut live_engine, &speech, 4, usize::MAX, ("joy", 3.0)),
        live_clip.frames
    );
    assert_eq!(
        live_engine
            .process_clip(&speech, 16_000, Some(Latency::Playback))
            .unwrap(),
        clip,
        "the playback model kept for clips starts each one afresh"
    );
    // The mouth moves in speech with both.
    for frames in [&clip.frames, &live_clip.frames] {
        let peak = frames
            .chunks(CHANNEL_COUNT)
            .map(|f| f[c("jawOpen")])
            .fold(0.0f32, f32::max);
        assert!(peak > 0.2, "jawOpen peaks at {peak}");
    }
}

/// A latency only picks a built-in model: with a model of one's own (whose manifest states its
/// look-ahead) or the fallback it is an error, for an engine and for a clip.
#[test]
fn a_latency_with_a_model_of_one_s_own_or_the_fallback_is_an_error() {
    for (model, fallback) in [(Some((ONNX, MANIFEST)), false), (None, true)] {
        let err = LipSyncSource::choose(model, fallback, Some(Latency::Playback), Latency::Live)
            .unwrap_err();
        assert!(matches!(err, FaceError::LipSyncChoice(_)), "{err}");
        assert!(err.to_string().contains("\"playback\""), "{err}");
    }
    let speech = &speech16k()[..8_000];
    for mut e in [engine(16_000, true, false), engine(16_000, false, false)] {
        for latency in Latency::ALL {
            let err = e.process_clip(speech, 16_000, Some(latency)).unwrap_err();
            assert!(matches!(err, FaceError::LipSyncChoice(_)), "{err}");
        }
        // Without one, the engine's own lip sync reads the clip.
        let clip = e.process_clip(speech, 16_000, None).unwrap();
        assert_eq!(clip.lipsync, e.lipsync_name());
    }
    assert_eq!(
        "fast".parse::<Latency>(),
        Err(FaceError::UnknownLatency("fast".into()))
    );
}
