//! Property tests of the numeric rules, over random intensities and random preset libraries.
//! Native only (proptest's RNG is not wired for wasm32; tests/core.rs covers the wasm targets).
#![cfg(not(target_arch = "wasm32"))]

use animasync_face::{
    render, CompileMode, EmotionTaxonomy, ExpressionCompiler, Intensity, Pcm, PresetLibrary,
    RenderOptions, Scenario, SignalMouth, SmoothingSet, TemporalParams, Vad, AUTHORED_LEVELS,
    CHANNEL_COUNT,
};
use proptest::prelude::*;

fn emotion_id() -> impl Strategy<Value = String> {
    let ids: Vec<String> = EmotionTaxonomy::builtin()
        .emotions()
        .iter()
        .map(|e| e.id.clone())
        .collect();
    proptest::sample::select(ids)
}

fn mode() -> impl Strategy<Value = CompileMode> {
    proptest::sample::select(CompileMode::ALL.to_vec())
}

fn intensity() -> impl Strategy<Value = Intensity> {
    prop_oneof![
        (1.0f32..=5.0).prop_map(Intensity::Level),
        (-1.0f32..=1.0, -1.0f32..=1.0, -1.0f32..=1.0)
            .prop_map(|(v, a, d)| Intensity::Vad(Vad::new(v, a, d).unwrap())),
    ]
}

/// A weight that is often exactly zero (sparse faces, like authored ones).
fn weight() -> impl Strategy<Value = f32> {
    prop_oneof![3 => Just(0.0f32), 1 => Just(1.0f32), 6 => 0.0f32..=1.0]
}

/// A library with random presets for one emotion at a random non-empty subset of L1, L3, L5.
fn library_for(emotion: String) -> impl Strategy<Value = (String, PresetLibrary)> {
    let preset = proptest::collection::vec(weight(), CHANNEL_COUNT);
    (
        proptest::collection::vec(proptest::option::of(preset), 3),
        Just(emotion),
    )
        .prop_filter("at least one level", |(ps, _)| {
            ps.iter().any(Option::is_some)
        })
        .prop_map(|(presets, emotion)| {
            let mut lib = PresetLibrary::default();
            for (level, p) in AUTHORED_LEVELS.iter().zip(presets) {
                if let Some(p) = p {
                    lib.set(&emotion, *level, &p).unwrap();
                }
            }
            (emotion, lib)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn builtin_outputs_are_finite_and_in_range(e in emotion_id(), m in mode(), i in intensity()) {
        let out = ExpressionCompiler::new(PresetLibrary::builtin()).compile(&e, i, m).unwrap();
        for w in out {
            prop_assert!(w.is_finite() && (0.0..=1.0).contains(&w));
        }
    }

    #[test]
    fn compile_is_deterministic(e in emotion_id(), m in mode(), i in intensity()) {
        let lib = PresetLibrary::builtin();
        let a = ExpressionCompiler::new(lib).compile(&e, i, m).unwrap();
        let b = ExpressionCompiler::new(&lib.clone()).compile(&e, i, m).unwrap();
        prop_assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits));
    }

    #[test]
    fn any_library_is_exact_at_its_anchors_and_never_invents_channels(
        (emotion, lib) in emotion_id().prop_flat_map(library_for),
        i in intensity(),
    ) {
        let taxonomy = EmotionTaxonomy::builtin();
        let e = taxonomy.index_of(&emotion).unwrap();
        let compiler = ExpressionCompiler::new(&lib);
        for (level, preset) in lib.levels_of(e) {
            let out = compiler.compile(&emotion, Intensity::Level(f32::from(level)), CompileMode::Expressive).unwrap();
            for c in 0..CHANNEL_COUNT {
                prop_assert!((out[c] - preset[c]).abs() <= 1e-5, "L{} channel {}: {} vs {}", level, c, out[c], preset[c]);
            }
        }
        let out = compiler.compile(&emotion, i, CompileMode::Expressive).unwrap();
        for c in 0..CHANNEL_COUNT {
            prop_assert!(out[c].is_finite() && (0.0..=1.0).contains(&out[c]));
            if lib.levels_of(e).all(|(_, p)| p[c] == 0.0) {
                prop_assert_eq!(out[c], 0.0);
            }
        }
    }

    #[test]
    fn any_library_round_trips_bit_for_bit((_, lib) in emotion_id().prop_flat_map(library_for)) {
        let text = lib.to_json();
        let back = PresetLibrary::from_json(&text).unwrap();
        prop_assert_eq!(&back, &lib);
        prop_assert_eq!(back.to_json(), text);
    }

    #[test]
    fn continuous_levels_move_smoothly(e in emotion_id(), level in 1.0f32..4.99) {
        // A 0.01 step in level never moves any channel by more than 0.05.
        let c = ExpressionCompiler::new(PresetLibrary::builtin());
        let a = c.compile(&e, Intensity::Level(level), CompileMode::Expressive).unwrap();
        let b = c.compile(&e, Intensity::Level(level + 0.01), CompileMode::Expressive).unwrap();
        for (x, y) in a.iter().zip(&b) {
            prop_assert!((x - y).abs() <= 0.05, "{} -> {}", x, y);
        }
    }
}

/// A random turn: emotion, intensity, duration, gap, and maybe noisy "speech" at a random rate.
fn turn() -> impl Strategy<Value = (String, Option<Pcm>)> {
    (emotion_id(), intensity(), 0.05f64..3.0, 0.0f64..1.0, proptest::option::of((8_000u32..=96_000, 0.0f32..1.0)))
        .prop_map(|(emotion, intensity, duration, gap, audio)| {
            let strength = match intensity {
                Intensity::Level(l) => format!(r#""level": {l}"#),
                Intensity::Vad(v) => format!(r#""vad": [{}, {}, {}]"#, v.valence, v.arousal, v.dominance),
            };
            let audio_field = if audio.is_some() { r#", "audio": "x.wav""# } else { "" };
            let json = format!(r#"{{"emotion": "{emotion}", {strength}, "duration": {duration}, "gap": {gap}{audio_field}}}"#);
            let pcm = audio.map(|(rate, loudness)| {
                let n = (duration * f64::from(rate)) as usize + 1;
                // Deterministic pseudo-noise bursts: loud and quiet stretches.
                let samples = (0..n)
                    .map(|i| loudness * ((i as f32 * 0.37).sin() * (i as f32 * 0.0011).sin()).clamp(-1.0, 1.0))
                    .collect();
                Pcm::new(samples, rate).unwrap()
            });
            (json, pcm)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_scenario_renders_finite_weights_in_range(
        turns in proptest::collection::vec(turn(), 1..5),
        monologue in any::<bool>(),
        set in proptest::sample::select(SmoothingSet::ALL.to_vec()),
        seed in any::<u64>(),
        causal in any::<bool>(),
    ) {
        let regime = if monologue { "monologue" } else { "dialogue" };
        let texts: Vec<&str> = turns.iter().map(|(t, _)| t.as_str()).collect();
        let scenario = Scenario::from_json(&format!(r#"{{"id": "p", "regime": "{regime}", "turns": [{}]}}"#, texts.join(","))).unwrap();
        let audio: Vec<Option<Pcm>> = turns.into_iter().map(|(_, a)| a).collect();
        let params = TemporalParams::builtin();
        let options = RenderOptions { smoothing: params.smoothing(set), seed, causal, eye_motion: true };
        let r = render(&scenario, &audio, PresetLibrary::builtin(), &options, params, &mut SignalMouth::new(params)).unwrap();
        prop_assert_eq!(r.frames.len(), r.turns.last().unwrap().end_frame);
        prop_assert_eq!(r.vad.len(), r.frames.len());
        for frame in &r.frames {
            for w in frame {
                prop_assert!(w.is_finite() && (0.0..=1.0).contains(w), "{}", w);
            }
        }
        for g in &r.speech {
            prop_assert!((0.0..=1.0).contains(g));
        }
    }
}
