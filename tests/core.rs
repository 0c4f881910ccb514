//! The core's behaviour, run natively (`cargo test`) and as WebAssembly under Node and headless
//! Chromium (`tests/browser.rs` includes this file): the same assertions on every target.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use animasync_face::{
    ChannelClass, ChannelTable, CompileMode, EmotionTaxonomy, ExpressionCompiler, FaceError,
    Intensity, OnnxModel, PresetLibrary, Vad, Weights, AUTHORED_LEVELS, CHANNEL_COUNT,
};

/// Outputs at an anchor must equal the preset to within f32 rounding of the f64 solve.
const ANCHOR_TOLERANCE: f32 = 1e-6;
/// Signature channels may not decrease by more than this between neighbouring levels.
const MONOTONE_TOLERANCE: f32 = 1e-6;

fn builtin() -> &'static PresetLibrary {
    PresetLibrary::builtin()
}

fn channel(name: &str) -> usize {
    ChannelTable::builtin().index_of(name).unwrap()
}

fn compile(emotion: &str, intensity: Intensity, mode: CompileMode) -> Weights {
    ExpressionCompiler::new(builtin())
        .compile(emotion, intensity, mode)
        .unwrap_or_else(|e| panic!("{emotion} {intensity:?} {mode}: {e}"))
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A coarse VAD grid over the whole cube, corners included.
fn vad_grid() -> Vec<Vad> {
    let steps = [-1.0, -0.5, 0.0, 0.5, 1.0];
    let mut grid = Vec::new();
    for v in steps {
        for a in steps {
            for d in steps {
                grid.push(Vad::new(v, a, d).unwrap());
            }
        }
    }
    grid
}

fn levels() -> impl Iterator<Item = f32> {
    (0..=80).map(|i| 1.0 + i as f32 * 0.05)
}

// ---------------------------------------------------------------- built-in data

#[test]
fn channel_table_is_the_52_arkit_channels_in_alphabetical_order() {
    let table = ChannelTable::builtin();
    assert_eq!(table.len(), CHANNEL_COUNT);
    let names: Vec<&str> = table.names().collect();
    assert_eq!(
        names[0..5],
        [
            "browDownLeft",
            "browDownRight",
            "browInnerUp",
            "browOuterUpLeft",
            "browOuterUpRight"
        ]
    );
    assert_eq!(names[51], "tongueOut");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    for (i, c) in table.channels().iter().enumerate() {
        if let Some(m) = table.mirror_of(i) {
            assert_eq!(table.mirror_of(m), Some(i), "{}", c.name);
        }
    }
}

#[test]
fn channel_classes_follow_the_spec() {
    let table = ChannelTable::builtin();
    let class = |n: &str| table.class(channel(n));
    for n in [
        "browInnerUp",
        "eyeBlinkLeft",
        "eyeLookUpRight",
        "cheekSquintLeft",
        "noseSneerRight",
    ] {
        assert_eq!(class(n), ChannelClass::Expression, "{n}");
    }
    for n in [
        "jawOpen",
        "mouthFunnel",
        "mouthPucker",
        "mouthClose",
        "tongueOut",
    ] {
        assert_eq!(class(n), ChannelClass::Lipsync, "{n}");
    }
    for n in [
        "mouthSmileLeft",
        "mouthFrownRight",
        "mouthStretchLeft",
        "mouthDimpleRight",
        "mouthPressLeft",
    ] {
        assert_eq!(class(n), ChannelClass::Shared, "{n}");
    }
}

#[test]
fn taxonomy_has_5_base_and_11_sub_emotions() {
    let taxonomy = EmotionTaxonomy::builtin();
    let emotions = taxonomy.emotions();
    assert_eq!(emotions.len(), 16);
    let base: Vec<&str> = emotions
        .iter()
        .filter(|e| e.is_base())
        .map(|e| e.id.as_str())
        .collect();
    assert_eq!(base, ["neutral", "joy", "sadness", "anger", "surprise"]);
    for e in emotions {
        assert!(taxonomy.get(&e.family).unwrap().is_base(), "{}", e.id);
        assert!(!e.signature.is_empty(), "{}", e.id);
        // docs/EMOTIONS.md: L1..L5 span at least 0.55 VAD units, wide against sigma = 0.35.
        let span = e.vad[0].distance_sq(&e.vad[4]).sqrt();
        assert!(span >= 0.55, "{} spans only {span}", e.id);
    }
}

#[test]
fn builtin_library_has_every_emotion_at_l1_l3_l5() {
    let lib = builtin();
    assert_eq!(lib.len(), 16 * 3);
    for (e, _) in EmotionTaxonomy::builtin().emotions().iter().enumerate() {
        let levels: Vec<u8> = lib.levels_of(e).map(|(l, _)| l).collect();
        assert_eq!(levels, AUTHORED_LEVELS);
    }
}

#[test]
fn builtin_faces_are_distinct() {
    // Any two emotions' L5 faces differ by at least 0.15 on some channel.
    let lib = builtin();
    let emotions = EmotionTaxonomy::builtin().emotions();
    for a in 0..emotions.len() {
        for b in a + 1..emotions.len() {
            let d = max_abs_diff(lib.get(a, 5).unwrap(), lib.get(b, 5).unwrap());
            assert!(
                d >= 0.15,
                "{} and {} differ by only {d}",
                emotions[a].id,
                emotions[b].id
            );
        }
    }
}

// ---------------------------------------------------------------- expressive compile

#[test]
fn at_each_authored_anchor_the_output_is_that_preset() {
    let taxonomy = EmotionTaxonomy::builtin();
    for (e, emotion) in taxonomy.emotions().iter().enumerate() {
        for (level, preset) in builtin().levels_of(e) {
            let by_level = compile(
                &emotion.id,
                Intensity::Level(f32::from(level)),
                CompileMode::Expressive,
            );
            let by_vad = compile(
                &emotion.id,
                Intensity::Vad(emotion.anchor(level).unwrap()),
                CompileMode::Expressive,
            );
            assert!(
                max_abs_diff(&by_level, preset) <= ANCHOR_TOLERANCE,
                "{} L{level} by level",
                emotion.id
            );
            assert!(
                max_abs_diff(&by_vad, preset) <= ANCHOR_TOLERANCE,
                "{} L{level} by VAD",
                emotion.id
            );
        }
    }
}

#[test]
fn integer_levels_map_exactly_onto_their_anchors() {
    for emotion in EmotionTaxonomy::builtin().emotions() {
        for level in 1..=5u8 {
            assert_eq!(
                emotion.vad_at_level(f32::from(level)).unwrap(),
                emotion.anchor(level).unwrap(),
                "{} L{level}",
                emotion.id
            );
        }
    }
}

#[test]
fn signature_channels_grow_monotonically_from_l1_to_l5() {
    for emotion in EmotionTaxonomy::builtin().emotions() {
        let frames: Vec<Weights> = levels()
            .map(|l| compile(&emotion.id, Intensity::Level(l), CompileMode::Expressive))
            .collect();
        for name in &emotion.signature {
            let c = channel(name);
            for pair in frames.windows(2) {
                assert!(
                    pair[1][c] >= pair[0][c] - MONOTONE_TOLERANCE,
                    "{} {name} decreases: {} -> {}",
                    emotion.id,
                    pair[0][c],
                    pair[1][c]
                );
            }
            let growth = frames.last().unwrap()[c] - frames[0][c];
            assert!(
                growth >= 0.1,
                "{} {name} grows by only {growth}",
                emotion.id
            );
        }
    }
}

#[test]
fn expressive_output_only_uses_channels_of_the_emotions_own_presets() {
    let grid = vad_grid();
    for (e, emotion) in EmotionTaxonomy::builtin().emotions().iter().enumerate() {
        let used: Vec<bool> = (0..CHANNEL_COUNT)
            .map(|c| builtin().levels_of(e).any(|(_, p)| p[c] != 0.0))
            .collect();
        let intensities = levels()
            .map(Intensity::Level)
            .chain(grid.iter().copied().map(Intensity::Vad));
        for intensity in intensities {
            let out = compile(&emotion.id, intensity, CompileMode::Expressive);
            for c in 0..CHANNEL_COUNT {
                if !used[c] {
                    assert_eq!(out[c], 0.0, "{} {intensity:?} channel {c}", emotion.id);
                }
            }
        }
    }
}

#[test]
fn every_mode_stays_finite_and_in_unit_range() {
    let grid = vad_grid();
    for emotion in EmotionTaxonomy::builtin().emotions() {
        for mode in CompileMode::ALL {
            let intensities = (0..=16)
                .map(|i| Intensity::Level(1.0 + i as f32 * 0.25))
                .chain(grid.iter().copied().map(Intensity::Vad));
            for intensity in intensities {
                for w in compile(&emotion.id, intensity, mode) {
                    assert!(
                        w.is_finite() && (0.0..=1.0).contains(&w),
                        "{} {mode} {intensity:?}: {w}",
                        emotion.id
                    );
                }
            }
        }
    }
}

#[test]
fn compile_is_deterministic() {
    for mode in CompileMode::ALL {
        let intensity = Intensity::Vad(Vad::new(0.3, -0.2, 0.6).unwrap());
        let a = compile("amusement", intensity, mode);
        let b = ExpressionCompiler::new(&builtin().clone())
            .compile("amusement", intensity, mode)
            .unwrap();
        assert_eq!(a.map(f32::to_bits), b.map(f32::to_bits), "{mode}");
    }
}

#[test]
fn golden_outputs_match_on_every_target() {
    // tests/golden/compile.json was written by the native CLI; the same numbers must come out of
    // the WebAssembly build under Node and in the browser.
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("golden/compile.json")).unwrap();
    let cases = golden["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let emotion = case["emotion"].as_str().unwrap();
        let mode: CompileMode = case["mode"].as_str().unwrap().parse().unwrap();
        let intensity = match (case.get("level"), case.get("vad")) {
            (Some(l), _) => Intensity::Level(l.as_f64().unwrap() as f32),
            (_, Some(v)) => {
                let v: Vec<f32> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap() as f32)
                    .collect();
                Intensity::Vad(Vad::new(v[0], v[1], v[2]).unwrap())
            }
            _ => unreachable!(),
        };
        let expected: Vec<f32> = case["weights"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let out = compile(emotion, intensity, mode);
        assert!(max_abs_diff(&out, &expected) <= 1e-5, "{case}");
    }
}

#[test]
fn modes_differ_in_the_documented_ways() {
    let joy = Intensity::Vad(Vad::new(0.6, 0.5, 0.2).unwrap());
    let expressive = compile("joy", joy, CompileMode::Expressive);
    let overlay = compile("joy", joy, CompileMode::OverlayE);
    let mask = [
        "mouthSmileLeft",
        "mouthSmileRight",
        "mouthStretchLeft",
        "mouthStretchRight",
        "mouthDimpleLeft",
        "mouthDimpleRight",
        "mouthFrownLeft",
        "mouthFrownRight",
    ];
    for c in 0..CHANNEL_COUNT {
        let name = ChannelTable::builtin().channels()[c].name.as_str();
        if !mask.contains(&name) {
            assert_eq!(overlay[c], expressive[c], "overlay-e changed {name}");
        }
    }
    assert!(
        max_abs_diff(&overlay, &expressive) > 0.01,
        "overlay-e must change the joy mouth"
    );
    // Overlay E only applies to the listed families.
    let sad = Intensity::Level(3.0);
    assert_eq!(
        compile("sadness", sad, CompileMode::OverlayE),
        compile("sadness", sad, CompileMode::Expressive)
    );
    // Parametric reads the VAD point alone: the emotion label does not matter.
    let p = Intensity::Vad(Vad::new(-0.7, 0.8, 0.7).unwrap());
    assert_eq!(
        compile("anger", p, CompileMode::Parametric),
        compile("joy", p, CompileMode::Parametric)
    );
    let angry = compile("anger", p, CompileMode::Parametric);
    assert!(angry[channel("browDownLeft")] > 0.4 && angry[channel("mouthSmileLeft")] == 0.0);
    // Archetype blends across presets, boosting the family: fear's archetype face keeps wide eyes.
    let fear = compile("fear", Intensity::Level(5.0), CompileMode::Archetype);
    assert!(fear[channel("eyeWideLeft")] > 0.3);
    assert!(
        max_abs_diff(
            &fear,
            &compile("fear", Intensity::Level(5.0), CompileMode::Expressive)
        ) > 0.01
    );
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_intensities_are_rejected_with_their_reason() {
    let c = ExpressionCompiler::new(builtin());
    let err = |intensity, emotion: &str| {
        c.compile(emotion, intensity, CompileMode::Expressive)
            .unwrap_err()
            .to_string()
    };
    assert!(err(Intensity::Level(0.5), "joy").contains("level 0.5 is not a number in [1, 5]"));
    assert!(err(Intensity::Level(5.5), "joy").contains("[1, 5]"));
    assert!(err(Intensity::Level(f32::NAN), "joy").contains("level NaN"));
    let vad = |v, a, d| {
        Intensity::Vad(Vad {
            valence: v,
            arousal: a,
            dominance: d,
        })
    };
    assert!(err(vad(1.5, 0.0, 0.0), "joy").contains("valence 1.5"));
    assert!(err(vad(0.0, f32::NAN, 0.0), "joy").contains("arousal NaN"));
    assert!(err(vad(0.0, 0.0, f32::INFINITY), "joy").contains("dominance inf"));
    assert_eq!(
        err(Intensity::Level(3.0), "joyy"),
        "compile: unknown emotion \"joyy\" (did you mean \"joy\"?)"
    );
    assert_eq!(
        "overlay".parse::<CompileMode>().unwrap_err(),
        FaceError::UnknownMode("overlay".into())
    );
}

#[test]
fn an_emotion_without_presets_is_an_error_not_zeros() {
    let mut lib = builtin().clone();
    for level in AUTHORED_LEVELS {
        assert!(lib.remove("awe", level).unwrap());
    }
    let err = ExpressionCompiler::new(&lib)
        .compile("awe", Intensity::Level(3.0), CompileMode::Expressive)
        .unwrap_err();
    assert_eq!(err, FaceError::NoPresets("awe".into()));
    // With a single authored level that preset is the answer at every intensity.
    let mut single = builtin().clone();
    single.remove("awe", 1).unwrap();
    single.remove("awe", 5).unwrap();
    let l3 = *single
        .get(EmotionTaxonomy::builtin().index_of("awe").unwrap(), 3)
        .unwrap();
    let out = ExpressionCompiler::new(&single)
        .compile("awe", Intensity::Level(1.0), CompileMode::Expressive)
        .unwrap();
    assert!(max_abs_diff(&out, &l3) <= ANCHOR_TOLERANCE);
}

/// The built-in JSON with one substitution applied (the first occurrence).
fn edited(from: &str, to: &str) -> String {
    let text = PresetLibrary::builtin_json();
    assert!(text.contains(from), "fixture edit {from:?} not found");
    text.replacen(from, to, 1)
}

fn load_err(text: &str) -> FaceError {
    PresetLibrary::from_json(text).unwrap_err()
}

#[test]
fn malformed_preset_files_are_rejected_naming_the_place() {
    let joy_l1 = "\"joy\": {\n      \"L1\": {\n        \"browDownLeft\": 0.0,";
    // Unknown channel, with a spelling hint.
    let e = load_err(&edited(
        joy_l1,
        "\"joy\": {\n      \"L1\": {\n        \"browDownLeff\": 0.0,",
    ));
    assert_eq!(
        e.to_string(),
        "presets.joy.L1: unknown channel \"browDownLeff\" (did you mean \"browDownLeft\"?)"
    );
    // Out of range.
    let e = load_err(&edited(
        joy_l1,
        "\"joy\": {\n      \"L1\": {\n        \"browDownLeft\": 1.5,",
    ));
    assert_eq!(
        e.to_string(),
        "presets.joy.L1.browDownLeft: value 1.5 is outside [0, 1]"
    );
    let e = load_err(&edited(
        joy_l1,
        "\"joy\": {\n      \"L1\": {\n        \"browDownLeft\": -0.01,",
    ));
    assert!(matches!(e, FaceError::OutOfRange { .. }), "{e}");
    // NaN is not JSON: the parser's error names line and column.
    let e = load_err(&edited(
        joy_l1,
        "\"joy\": {\n      \"L1\": {\n        \"browDownLeft\": NaN,",
    ));
    assert!(
        matches!(&e, FaceError::Json { message, .. } if message.contains("line")),
        "{e}"
    );
    // Unknown emotion.
    let e = load_err(&edited("\"joy\": {", "\"joyful\": {"));
    assert_eq!(
        e.to_string(),
        "presets: unknown emotion \"joyful\" (did you mean \"joy\"?)"
    );
    // Unknown level.
    let e = load_err(&edited(
        "\"joy\": {\n      \"L1\"",
        "\"joy\": {\n      \"L2\"",
    ));
    assert_eq!(
        e.to_string(),
        "presets.joy: unknown level \"L2\" (authored presets are at L1, L3 and L5)"
    );
    // Duplicate keys at each depth.
    let e = load_err(&edited(joy_l1, "\"joy\": {\n      \"L1\": {\n        \"browDownLeft\": 0.0,\n        \"browDownLeft\": 0.0,"));
    assert_eq!(
        e,
        FaceError::DuplicateKey {
            place: "presets.joy.L1".into(),
            key: "browDownLeft".into()
        }
    );
    let e = load_err(&edited("\"L3\": {", "\"L1\": {"));
    assert_eq!(
        e,
        FaceError::DuplicateKey {
            place: "presets.neutral".into(),
            key: "L1".into()
        }
    );
    let e = load_err(&edited("\"joy\": {", "\"sadness\": {"));
    assert_eq!(
        e,
        FaceError::DuplicateKey {
            place: "presets".into(),
            key: "sadness".into()
        }
    );
    // Missing channel.
    let e = load_err(&edited(joy_l1, "\"joy\": {\n      \"L1\": {"));
    assert_eq!(
        e.to_string(),
        "presets.joy.L1: missing channel(s) \"browDownLeft\" (a preset names all 52 channels)"
    );
    // Wrong type, with its JSON path.
    let e = load_err(&edited(
        joy_l1,
        "\"joy\": {\n      \"L1\": {\n        \"browDownLeft\": \"0\",",
    ));
    assert!(
        e.to_string()
            .starts_with("presets: at presets.joy.L1.browDownLeft: invalid type: string"),
        "{e}"
    );
    // Truncated text, wrong schema, unknown top-level field.
    let text = PresetLibrary::builtin_json();
    assert!(matches!(
        load_err(&text[..text.len() / 2]),
        FaceError::Json { .. }
    ));
    let e = load_err(&edited("\"version\": 1", "\"version\": 2"));
    assert!(e.to_string().contains("expected schema \"animasync-face/presets\" version 1, found \"animasync-face/presets\" version 2"), "{e}");
    let e = load_err(&edited("\"version\": 1,", "\"version\": 1, \"colour\": 3,"));
    assert!(e.to_string().contains("unknown field `colour`"), "{e}");
    assert!(matches!(load_err(""), FaceError::Json { .. }));
    assert!(matches!(load_err("[]"), FaceError::Json { .. }));
}

#[test]
fn preset_library_round_trips_exactly() {
    let lib = builtin();
    assert_eq!(
        lib.to_json(),
        PresetLibrary::builtin_json(),
        "data/presets.json is not canonical"
    );
    let again = PresetLibrary::from_json(&lib.to_json()).unwrap();
    assert_eq!(&again, lib);
    // Awkward floats survive bit for bit.
    let mut custom = PresetLibrary::default();
    custom.name = Some("ünïcode \"quoted\"".into());
    let mut w = [0.0f32; CHANNEL_COUNT];
    w[0] = 0.1 + 0.2;
    w[1] = f32::MIN_POSITIVE;
    w[2] = 1.0 - f32::EPSILON;
    w[3] = 1.0 / 3.0;
    custom.set("grief", 5, &w).unwrap();
    let back = PresetLibrary::from_json(&custom.to_json()).unwrap();
    assert_eq!(back, custom);
    assert_eq!(
        back.get(EmotionTaxonomy::builtin().index_of("grief").unwrap(), 5)
            .unwrap()
            .map(f32::to_bits),
        w.map(f32::to_bits)
    );
}

#[test]
fn a_rejected_edit_leaves_the_library_untouched() {
    let mut lib = builtin().clone();
    let mut w = *lib.get(1, 3).unwrap();
    w[7] = f32::NAN;
    assert_eq!(
        lib.set("joy", 3, &w).unwrap_err().to_string(),
        "presets.joy.L3.cheekSquintRight: value is not a finite number"
    );
    w[7] = 2.0;
    assert!(matches!(
        lib.set("joy", 3, &w),
        Err(FaceError::OutOfRange { .. })
    ));
    assert!(lib
        .set("joy", 3, &w[..51])
        .unwrap_err()
        .to_string()
        .contains("expected 52 weights, found 51"));
    assert!(matches!(
        lib.set("joy", 2, &w),
        Err(FaceError::UnknownLevel { .. })
    ));
    assert!(matches!(
        lib.set("happy", 3, &w),
        Err(FaceError::UnknownEmotion { .. })
    ));
    assert_eq!(&lib, builtin());
}

// ---------------------------------------------------------------- tract model runner

#[test]
fn tract_runs_an_onnx_model_and_matches_numpy() {
    let mut model = OnnxModel::from_bytes(include_bytes!("fixtures/tiny_mlp.onnx")).unwrap();
    assert_eq!(model.input_shapes(), [vec![1, 16]]);
    assert_eq!(model.output_shapes(), [vec![1, 8]]);
    let golden: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/tiny_mlp.json")).unwrap();
    let to_vec = |v: &serde_json::Value| -> Vec<f32> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect()
    };
    let out = model.run(&[&to_vec(&golden["input"])]).unwrap();
    assert!(
        max_abs_diff(&out[0], &to_vec(&golden["output"])) <= 1e-5,
        "{out:?}"
    );
}

#[test]
fn a_model_loaded_again_reuses_its_plan_with_its_own_state() {
    // The second load of the same bytes comes from the thread's kept plans: it must compute the
    // same, keep its outputs apart from the first's, and a failed run of one must not touch the other.
    let bytes = include_bytes!("fixtures/tiny_mlp.onnx");
    let mut first = OnnxModel::from_bytes(bytes).unwrap();
    let input: Vec<f32> = (0..16).map(|i| i as f32 / 16.0).collect();
    let want = first.run(&[&input]).unwrap();
    let mut second = OnnxModel::from_bytes(bytes).unwrap();
    assert!(second.run(&[&[0.0; 15]]).is_err());
    assert_eq!(second.run(&[&input]).unwrap(), want);
    assert_eq!(first.run(&[&input]).unwrap(), want);
    // Other bytes still load their own model, however many came before.
    for _ in 0..6 {
        assert!(OnnxModel::from_bytes(include_bytes!("fixtures/energy_lipsync.onnx")).is_ok());
    }
    assert!(OnnxModel::from_bytes(&bytes[..300]).is_err());
    assert_eq!(
        OnnxModel::from_bytes(bytes)
            .unwrap()
            .run(&[&input])
            .unwrap(),
        want
    );
}

#[test]
fn unusable_models_and_inputs_are_errors() {
    let message = |r: Result<OnnxModel, FaceError>| r.unwrap_err().to_string();
    assert!(message(OnnxModel::from_bytes(&[])).contains("empty"));
    assert!(message(OnnxModel::from_bytes(b"definitely not protobuf"))
        .starts_with("model: cannot read the ONNX model"));
    let truncated = &include_bytes!("fixtures/tiny_mlp.onnx")[..300];
    assert!(message(OnnxModel::from_bytes(truncated)).starts_with("model:"));
    assert!(message(OnnxModel::from_bytes(include_bytes!(
        "fixtures/symbolic_batch.onnx"
    )))
    .contains("symbolic shape"));
    let mut model = OnnxModel::from_bytes(include_bytes!("fixtures/tiny_mlp.onnx")).unwrap();
    assert!(model
        .run(&[&[0.0; 15]])
        .unwrap_err()
        .to_string()
        .contains("needs 16 values"));
    let mut nan = [0.0f32; 16];
    nan[3] = f32::NAN;
    assert!(model.run(&[&nan]).unwrap_err().to_string().contains("NaN"));
    assert!(model
        .run(&[])
        .unwrap_err()
        .to_string()
        .contains("takes 1 input"));
}
