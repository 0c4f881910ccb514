//! The temporal layer end to end: scenarios rendered into frames, checked against the SPEC's
//! rules with numbers. Runs natively and as WebAssembly (tests/browser.rs includes core.rs only;
//! this suite runs under Node through `cargo test --target wasm32-unknown-unknown --test temporal`).

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use animasync_face::temporal::eyes::EyeMotion;
use animasync_face::{
    render, ChannelTable, CompileMode, ExpressionCompiler, Intensity, Pcm, PresetLibrary,
    RenderOptions, Rendered, Scenario, SignalMouth, SmoothingParams, SmoothingSet, TemporalParams,
    FPS,
};

fn params() -> &'static TemporalParams {
    TemporalParams::builtin()
}

fn set(name: SmoothingSet) -> SmoothingParams {
    params().smoothing(name)
}

fn channel(name: &str) -> usize {
    ChannelTable::builtin().index_of(name).unwrap()
}

fn scenario(regime: &str, turns: &[(&str, f32, f64)]) -> Scenario {
    let turns: Vec<String> = turns
        .iter()
        .map(|(e, level, duration)| {
            format!(r#"{{"emotion": "{e}", "level": {level}, "duration": {duration}}}"#)
        })
        .collect();
    Scenario::from_json(&format!(
        r#"{{"id": "t", "regime": "{regime}", "turns": [{}]}}"#,
        turns.join(",")
    ))
    .unwrap()
}

fn run(s: &Scenario, options: &RenderOptions) -> Rendered {
    let audio = vec![None; s.turns.len()];
    render(
        s,
        &audio,
        PresetLibrary::builtin(),
        options,
        params(),
        &mut SignalMouth::new(params()),
    )
    .unwrap()
}

fn opts(smoothing: SmoothingParams, eye_motion: bool) -> RenderOptions {
    RenderOptions {
        smoothing,
        seed: 7,
        causal: false,
        eye_motion,
    }
}

fn preset(emotion: &str, level: f32) -> [f32; 52] {
    ExpressionCompiler::new(PresetLibrary::builtin())
        .compile(emotion, Intensity::Level(level), CompileMode::Expressive)
        .unwrap()
}

/// Largest frame-to-frame change of any channel.
fn max_jump(frames: &[[f32; 52]]) -> f32 {
    frames
        .windows(2)
        .flat_map(|p| p[0].iter().zip(&p[1]).map(|(a, b)| (a - b).abs()))
        .fold(0.0, f32::max)
}

/// Documented bound on a monologue's frame-to-frame change: the steepest part of a brow pass-
/// through, a cosine ease over a third of the fade, moving a weight of at most 1:
/// 3 * pi / (2 * fade_frames) (0.049 for CURRENT's 96 frames, 0.065 for MIDDLE's 72).
fn monologue_jump_bound(s: &SmoothingParams) -> f32 {
    3.0 * std::f32::consts::PI / (2.0 * s.fade_frames as f32)
}

#[test]
fn frames_are_30_fps_and_turn_spans_tile_the_timeline() {
    let s = scenario("monologue", &[("joy", 3.0, 2.0), ("sadness", 4.0, 1.5)]);
    let r = run(&s, &RenderOptions::default());
    assert_eq!(FPS, 30);
    assert_eq!(r.frames.len(), 105);
    assert_eq!((r.turns[0].start_frame, r.turns[0].end_frame), (0, 60));
    assert_eq!((r.turns[1].start_frame, r.turns[1].end_frame), (60, 105));
    assert_eq!(r.vad.len(), 105);
}

#[test]
fn a_single_turn_keeps_its_full_expressiveness() {
    for set_name in SmoothingSet::ALL {
        let s = scenario("monologue", &[("surprise", 5.0, 4.0)]);
        let r = run(&s, &opts(set(set_name), false));
        let target = preset("surprise", 5.0);
        for frame in &r.frames {
            for c in 0..52 {
                assert!(
                    (frame[c] - target[c]).abs() < 1e-5,
                    "{set_name}: channel {c} {} vs {}",
                    frame[c],
                    target[c]
                );
            }
        }
    }
}

#[test]
fn the_first_turn_is_the_same_with_or_without_damping() {
    let s = scenario(
        "monologue",
        &[("joy", 5.0, 10.0), ("anger", 5.0, 6.0), ("fear", 4.0, 6.0)],
    );
    let current = set(SmoothingSet::Current);
    let damped = run(&s, &opts(current, false));
    let undamped = run(
        &s,
        &opts(
            SmoothingParams {
                gamma: 1.0,
                ..current
            },
            false,
        ),
    );
    // Damping moves turns 2 and 3 only; the first turn's frames differ only where the Gaussian
    // (3 sigma) or the fade (half of it) reaches back from the first boundary.
    let reach = (3.0 * current.sigma_frames) as usize + current.fade_frames as usize / 2;
    let untouched = damped.turns[0].end_frame - reach;
    assert!(untouched > 100);
    assert_eq!(damped.frames[..untouched], undamped.frames[..untouched]);
    assert_ne!(
        damped.frames[untouched + reach..],
        undamped.frames[untouched + reach..]
    );
}

#[test]
fn the_crossfade_follows_the_cosine_between_the_two_faces() {
    // No damping, no Gaussian. Inside the 96-frame window both turns' faces are compiled at the
    // frame's VAD point and mixed with the cosine weight; outside it each turn is its preset.
    let fade = SmoothingParams {
        gamma: 1.0,
        beta: 0.7,
        sigma_frames: 0.0,
        fade_frames: 96,
    };
    let s = scenario("monologue", &[("joy", 3.0, 6.0), ("contentment", 3.0, 6.0)]);
    let r = run(&s, &opts(fade, false));
    let compile = |emotion: &str, f: usize| {
        ExpressionCompiler::new(PresetLibrary::builtin())
            .compile(emotion, Intensity::Vad(r.vad[f]), CompileMode::Expressive)
            .unwrap()
    };
    let boundary = 180;
    assert_eq!(r.frames[boundary - 49], preset("joy", 3.0));
    assert_eq!(r.frames[boundary + 48], preset("contentment", 3.0));
    let c = channel("cheekSquintLeft"); // no brow involved
    for f in boundary - 48..boundary + 48 {
        let t = (f as f32 + 0.5 - (boundary - 48) as f32) / 96.0;
        let w = 0.5 - 0.5 * (std::f32::consts::PI * t).cos();
        let expected = (1.0 - w) * compile("joy", f)[c] + w * compile("contentment", f)[c];
        assert!((r.frames[f][c] - expected).abs() < 1e-5, "frame {f}");
    }
}

#[test]
fn brows_pass_through_neutral_on_a_large_change_only() {
    let fade = SmoothingParams {
        gamma: 1.0,
        beta: 0.7,
        sigma_frames: 0.0,
        fade_frames: 96,
    };
    // Surprise L4 -> sadness L4: browOuterUp falls by more than 0.40, so the brows go to 0 and hold.
    let s = scenario(
        "monologue",
        &[("surprise", 4.0, 6.0), ("sadness", 4.0, 6.0)],
    );
    let r = run(&s, &opts(fade, false));
    let outer = channel("browOuterUpLeft");
    let inner = channel("browInnerUp");
    for f in 180 - 16..180 + 16 {
        assert_eq!(r.frames[f][outer], 0.0, "frame {f} holds neutral");
        assert_eq!(r.frames[f][inner], 0.0, "all brows pass through together");
    }
    // Two equally high brows (surprise L5 -> awe... both raise the inner brow) without a large
    // delta: a straight blend that never dips to neutral.
    let s = scenario(
        "monologue",
        &[("surprise", 5.0, 6.0), ("surprise", 4.5, 6.0)],
    );
    let r = run(&s, &opts(fade, false));
    let lowest = r.frames.iter().map(|f| f[inner]).fold(1.0, f32::min);
    assert!(
        lowest > 0.7,
        "no pass-through between similar high brows: {lowest}"
    );
}

#[test]
fn a_monologue_moves_smoothly_at_its_boundaries_while_a_dialogue_snaps() {
    let turns = [
        ("joy", 5.0, 4.0),
        ("grief", 5.0, 4.0),
        ("surprise", 5.0, 3.0),
        ("anger", 4.0, 4.0),
    ];
    for name in [SmoothingSet::Current, SmoothingSet::Middle] {
        let r = run(&scenario("monologue", &turns), &opts(set(name), false));
        let jump = max_jump(&r.frames);
        assert!(jump <= monologue_jump_bound(&set(name)), "{name}: {jump}");
    }
    let r = run(
        &scenario("dialogue", &turns),
        &opts(set(SmoothingSet::Current), false),
    );
    assert!(max_jump(&r.frames) > 0.5, "a dialogue snaps between turns");
    assert_eq!(r.frames[119], preset("joy", 5.0));
    assert_eq!(r.frames[120], preset("grief", 5.0));
}

#[test]
fn streaming_frames_never_depend_on_later_turns() {
    let causal = RenderOptions {
        causal: true,
        ..RenderOptions::default()
    };
    let two = scenario("monologue", &[("joy", 4.0, 3.0), ("fear", 4.0, 3.0)]);
    let three = scenario(
        "monologue",
        &[("joy", 4.0, 3.0), ("fear", 4.0, 3.0), ("anger", 5.0, 3.0)],
    );
    let (a, b) = (run(&two, &causal), run(&three, &causal));
    assert_eq!(a.frames[..], b.frames[..a.frames.len()]);
    // Offline, the centred fade and the Gaussian do look ahead.
    let (a, b) = (
        run(&two, &RenderOptions::default()),
        run(&three, &RenderOptions::default()),
    );
    assert_ne!(a.frames[..], b.frames[..a.frames.len()]);
}

#[test]
fn output_is_in_range_and_the_same_seed_gives_the_same_frames() {
    let s = scenario(
        "monologue",
        &[
            ("amusement", 5.0, 5.0),
            ("contempt", 5.0, 4.0),
            ("thinking", 2.0, 4.0),
        ],
    );
    let a = run(&s, &RenderOptions::default());
    let b = run(&s, &RenderOptions::default());
    assert_eq!(a, b);
    for frame in &a.frames {
        assert!(frame
            .iter()
            .all(|w| w.is_finite() && (0.0..=1.0).contains(w)));
    }
    let other = run(
        &s,
        &RenderOptions {
            seed: 8,
            ..RenderOptions::default()
        },
    );
    assert_ne!(a.frames, other.frames, "the seed drives the eyes");
}

/// Blink events (a double blink counts once) found in the lid track, and how many were double.
fn blink_events(lids: &[f32]) -> (Vec<usize>, usize) {
    let closures: Vec<usize> = (1..lids.len())
        .filter(|&f| lids[f] >= 0.5 && lids[f - 1] < 0.5)
        .collect();
    let mut onsets = Vec::new();
    let mut doubles = 0;
    for (i, &f) in closures.iter().enumerate() {
        if i > 0 && f - closures[i - 1] <= 15 {
            doubles += 1; // a second closure within half a second: part of a double blink
        } else {
            onsets.push(f);
        }
    }
    (onsets, doubles)
}

#[test]
fn ten_minutes_of_blinks_have_natural_statistics() {
    // Documented ranges (data/temporal.json eyes; docs/parameters.md): mean interval between blink onsets
    // 3.0 to 4.2 s (configured 3.6 s), 7% to 18% of blinks double (configured 12%), no two
    // onsets closer than the configured minimum of 1.2 s.
    for seed in [1, 2, 3] {
        let mut eyes = EyeMotion::new(seed, &params().eyes);
        let lids: Vec<f32> = (0..10 * 60 * FPS)
            .map(|_| eyes.next_frame().blink)
            .collect();
        let (onsets, doubles) = blink_events(&lids);
        let intervals: Vec<f32> = onsets
            .windows(2)
            .map(|p| (p[1] - p[0]) as f32 / FPS as f32)
            .collect();
        let mean = intervals.iter().sum::<f32>() / intervals.len() as f32;
        let share = doubles as f32 / onsets.len() as f32;
        assert!(
            (3.0..=4.2).contains(&mean),
            "seed {seed}: mean interval {mean}"
        );
        assert!(
            (0.07..=0.18).contains(&share),
            "seed {seed}: double share {share}"
        );
        assert!(
            intervals.iter().all(|i| *i >= 1.15),
            "seed {seed}: {intervals:?}"
        );
        // Lids close faster than they open.
        let p = &params().eyes;
        assert!(p.blink_close_frames < p.blink_open_frames);
    }
}

#[test]
fn gaze_stays_small_and_moves() {
    let mut eyes = EyeMotion::new(5, &params().eyes);
    let gaze: Vec<[f32; 2]> = (0..60 * FPS).map(|_| eyes.next_frame().gaze).collect();
    let largest = gaze.iter().map(|g| g[0].hypot(g[1])).fold(0.0, f32::max);
    assert!(largest < 0.3, "{largest}");
    let distinct_targets = gaze
        .windows(2)
        .filter(|p| (p[1][0] - p[0][0]).abs() > 0.01)
        .count();
    assert!(distinct_targets > 10, "saccades happen: {distinct_targets}");
}

/// One second of a 220 Hz tone at `amplitude`, then one second of silence, at `rate`.
fn tone_then_silence(rate: u32, amplitude: f32) -> Pcm {
    let n = rate as usize;
    let samples = (0..2 * n)
        .map(|i| {
            if i < n {
                amplitude * (i as f32 * 220.0 * std::f32::consts::TAU / rate as f32).sin()
            } else {
                0.0
            }
        })
        .collect();
    Pcm::new(samples, rate).unwrap()
}

#[test]
fn audio_drives_the_mouth_during_speech_and_the_expression_holds_it_in_silence() {
    let s = Scenario::from_json(
        r#"{"id": "a", "regime": "monologue", "turns": [{"emotion": "surprise", "level": 5, "audio": "x.wav"}]}"#,
    )
    .unwrap();
    for rate in [8_000, 22_050, 44_100, 96_000] {
        let audio = vec![Some(tone_then_silence(rate, 0.3))];
        let r = render(
            &s,
            &audio,
            PresetLibrary::builtin(),
            &opts(set(SmoothingSet::Current), false),
            params(),
            &mut SignalMouth::new(params()),
        )
        .unwrap();
        assert_eq!(r.frames.len(), 60, "{rate}");
        assert_eq!(r.lipsync, "signal");
        let jaw = channel("jawOpen");
        // Speaking: the gate is open and the signal mouth drives the jaw.
        assert!(r.speech[20] == 1.0, "{rate}: gate {}", r.speech[20]);
        let energy_jaw = params().signal_mouth.open["jawOpen"];
        assert!(
            (r.frames[20][jaw] - energy_jaw).abs() < 0.05,
            "{rate}: {}",
            r.frames[20][jaw]
        );
        // Silence: the gate closes and surprise's dropped jaw (0.6) returns.
        assert_eq!(r.speech[59], 0.0);
        assert!((r.frames[59][jaw] - 0.6).abs() < 1e-5);
    }
}

#[test]
fn a_turn_naming_audio_needs_its_audio() {
    let s = Scenario::from_json(
        r#"{"id": "a", "regime": "monologue", "turns": [{"emotion": "joy", "level": 3, "audio": "x.wav"}]}"#,
    )
    .unwrap();
    let err = render(
        &s,
        &[None],
        PresetLibrary::builtin(),
        &RenderOptions::default(),
        params(),
        &mut SignalMouth::new(params()),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "audio: scenario.turns[0] names audio \"x.wav\" but none was given"
    );
    assert!(Pcm::new(vec![0.0, f32::NAN], 16_000)
        .unwrap_err()
        .to_string()
        .contains("sample 1 is NaN"));
    assert!(Pcm::new(vec![], 16_000)
        .unwrap_err()
        .to_string()
        .contains("empty"));
    assert!(Pcm::new(vec![0.0], 4_000)
        .unwrap_err()
        .to_string()
        .contains("4000 Hz"));
    let bad = SmoothingParams {
        gamma: 0.0,
        ..set(SmoothingSet::Current)
    };
    let err = render(
        &scenario("monologue", &[("joy", 3.0, 1.0)]),
        &[None],
        PresetLibrary::builtin(),
        &opts(bad, true),
        params(),
        &mut SignalMouth::new(params()),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("gamma 0 is not in (0, 1]"),
        "{err}"
    );
}

#[test]
fn the_named_sets_have_the_spec_values() {
    let c = set(SmoothingSet::Current);
    assert_eq!(
        (c.gamma, c.beta, c.sigma_frames, c.fade_frames),
        (0.3, 0.7, 30.0, 96)
    );
    let m = set(SmoothingSet::Middle);
    assert_eq!((m.gamma, m.sigma_frames, m.fade_frames), (0.45, 25.0, 72));
    let n = set(SmoothingSet::None);
    assert_eq!((n.gamma, n.sigma_frames, n.fade_frames), (1.0, 0.0, 0));
    assert_eq!(
        "MIDDLE".parse::<SmoothingSet>().unwrap(),
        SmoothingSet::Middle
    );
    assert!("smooth".parse::<SmoothingSet>().is_err());
}
