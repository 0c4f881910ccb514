//! The native CLI, run as a user runs it.
#![cfg(not(target_arch = "wasm32"))]

use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_animasync-face"))
        .args(args)
        .output()
        .expect("the CLI runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Exit code 2, exactly one line on stderr that contains `needle`, nothing on stdout.
fn assert_fails(args: &[&str], needle: &str) {
    let out = cli(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{args:?}: {stderr:?} lacks {needle:?}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn presets_prints_the_builtin_library() {
    let out = cli(&["presets"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        include_str!("../data/presets.json")
    );
}

#[test]
fn compile_prints_names_and_weights() {
    let out = json(&cli(&["compile", "--emotion", "joy", "--level", "5"]));
    let names = out["names"].as_array().unwrap();
    let weights = out["weights"].as_array().unwrap();
    assert_eq!(names.len(), 52);
    assert_eq!(weights.len(), 52);
    let smile = names.iter().position(|n| n == "mouthSmileLeft").unwrap();
    assert!((weights[smile].as_f64().unwrap() - 0.9).abs() < 1e-6);
    // Negative VAD components parse with or without `=`.
    for args in [
        ["compile", "--emotion", "sadness", "--vad", "-0.6,-0.3,-0.4"],
        [
            "compile",
            "--emotion",
            "sadness",
            "--vad=-0.6,-0.3,-0.4",
            "--mode=archetype",
        ],
    ] {
        assert_eq!(json(&cli(&args))["weights"].as_array().unwrap().len(), 52);
    }
}

#[test]
fn compile_reads_a_preset_file() {
    let dir = std::env::temp_dir().join(format!("animasync-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("presets.json");
    let edited = include_str!("../data/presets.json").replacen(
        "\"mouthSmileLeft\": 0.3,",
        "\"mouthSmileLeft\": 0.123,",
        1,
    );
    std::fs::write(&path, edited).unwrap();
    let out = json(&cli(&[
        "compile",
        "--emotion",
        "joy",
        "--level",
        "1",
        "--presets",
        path.to_str().unwrap(),
    ]));
    let names = out["names"].as_array().unwrap();
    let smile = names.iter().position(|n| n == "mouthSmileLeft").unwrap();
    assert!((out["weights"][smile].as_f64().unwrap() - 0.123).abs() < 1e-6);

    std::fs::write(&path, "{\"schema\": ").unwrap();
    assert_fails(
        &[
            "compile",
            "--emotion",
            "joy",
            "--level",
            "1",
            "--presets",
            path.to_str().unwrap(),
        ],
        "presets.json: presets: at schema: EOF while parsing a value at line 1 column 11",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_arguments_fail_with_one_line_and_exit_code_2() {
    assert_fails(
        &["compile", "--emotion", "joyy", "--level", "3"],
        "unknown emotion \"joyy\" (did you mean \"joy\"?)",
    );
    assert_fails(
        &["compile", "--emotion", "joy", "--level", "9"],
        "level 9 is not a number in [1, 5]",
    );
    assert_fails(
        &["compile", "--emotion", "joy", "--level", "NaN"],
        "level NaN",
    );
    assert_fails(
        &["compile", "--emotion", "joy", "--vad", "1,2"],
        "is not three comma-separated numbers",
    );
    assert_fails(
        &["compile", "--emotion", "joy", "--vad", "0,2,0"],
        "arousal 2 is not a number in [-1, 1]",
    );
    assert_fails(&["compile", "--emotion", "joy"], "required");
    assert_fails(
        &[
            "compile",
            "--emotion",
            "joy",
            "--level",
            "3",
            "--vad",
            "0,0,0",
        ],
        "cannot be used with",
    );
    assert_fails(
        &[
            "compile",
            "--emotion",
            "joy",
            "--level",
            "3",
            "--mode",
            "fancy",
        ],
        "unknown compile mode \"fancy\"",
    );
    assert_fails(
        &[
            "compile",
            "--emotion",
            "joy",
            "--level",
            "3",
            "--presets",
            "/nonexistent/p.json",
        ],
        "cannot read /nonexistent/p.json",
    );
    assert_fails(&["frobnicate"], "unrecognized subcommand");
    assert_fails(&[], "a subcommand is required");
}

#[test]
fn channels_and_emotions_print_their_tables() {
    let channels = json(&cli(&["channels"]));
    assert_eq!(channels["channels"].as_array().unwrap().len(), 52);
    let emotions = json(&cli(&["emotions"]));
    assert_eq!(emotions["emotions"].as_array().unwrap().len(), 16);
}

/// A fresh scratch directory for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("animasync-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const ARC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/www/scenarios/arc-monologue.json"
);

#[test]
fn render_writes_json_csv_and_npy() {
    let dir = scratch("render");
    let out = |ext: &str| dir.join(format!("arc.{ext}")).to_str().unwrap().to_string();
    let run = cli(&["render", ARC, "--out", &out("json")]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out("json")).unwrap()).unwrap();
    assert_eq!(doc["fps"], 30);
    assert_eq!(doc["regime"], "monologue");
    assert_eq!(doc["names"].as_array().unwrap().len(), 52);
    let frames = doc["frames"].as_array().unwrap();
    let turns = doc["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 3);
    assert_eq!(
        turns[2]["end_frame"].as_u64().unwrap() as usize,
        frames.len()
    );
    assert!(frames.iter().all(|f| f
        .as_array()
        .unwrap()
        .iter()
        .all(|w| (0.0..=1.0).contains(&w.as_f64().unwrap()))));
    assert_eq!(doc["smoothing"]["name"], "current");

    assert!(cli(&[
        "render",
        ARC,
        "--out",
        &out("csv"),
        "--smoothing",
        "middle",
        "--seed",
        "4"
    ])
    .status
    .success());
    let csv = std::fs::read_to_string(out("csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(header.len(), 53);
    assert_eq!(
        (header[0], header[1], header[52]),
        ("time", "browDownLeft", "tongueOut")
    );
    assert_eq!(csv.lines().count(), frames.len() + 1);
    assert!(csv.lines().nth(2).unwrap().starts_with("0.0333,"));
    let csv_meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("arc.csv.json")).unwrap()).unwrap();
    assert_eq!(
        (csv_meta["regime"].as_str(), csv_meta["seed"].as_u64()),
        (Some("monologue"), Some(4))
    );

    assert!(
        cli(&["render", ARC, "--out", &out("npy"), "--smoothing", "none"])
            .status
            .success()
    );
    let npy = std::fs::read(out("npy")).unwrap();
    assert_eq!(&npy[..6], b"\x93NUMPY");
    let header = String::from_utf8_lossy(&npy[..128]);
    assert!(
        header.contains("'descr': '<f4'")
            && header.contains(&format!("'shape': ({}, 52", frames.len())),
        "{header}"
    );
    let header_len = usize::from(u16::from_le_bytes([npy[8], npy[9]]));
    assert_eq!(npy.len(), 10 + header_len + frames.len() * 52 * 4);
    let sidecar: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("arc.npy.json")).unwrap()).unwrap();
    assert_eq!(sidecar["smoothing"]["name"], "none");
    assert!(sidecar.get("frames").is_none());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn render_a_directory_in_parallel() {
    let dir = scratch("render-dir");
    let scenarios = concat!(env!("CARGO_MANIFEST_DIR"), "/www/scenarios");
    let out = cli(&[
        "render",
        scenarios,
        "--out",
        dir.to_str().unwrap(),
        "--format",
        "npy",
        "--gamma",
        "0.5",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for id in ["arc-monologue", "dialogue-reactions", "korean-monologue"] {
        assert!(dir.join(format!("{id}.npy")).exists(), "{id}");
        let meta: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join(format!("{id}.npy.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(meta["smoothing"]["name"], "custom");
        assert_eq!(meta["smoothing"]["gamma"], 0.5);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_scenarios_fail_with_one_line_and_exit_code_2() {
    let dir = scratch("bad");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    };
    let out = dir.join("out.json");
    let out = out.to_str().unwrap();
    let turn = |t: &str| format!(r#"{{"id": "x", "regime": "monologue", "turns": [{t}]}}"#);
    let cases = [
        (
            write("missing.json", &turn(r#"{"emotion": "joy", "level": 3}"#)),
            "scenario.turns[0]: missing \"duration\"",
        ),
        (
            write(
                "emotion.json",
                &turn(r#"{"emotion": "glee", "level": 3, "duration": 1}"#),
            ),
            "unknown emotion \"glee\"",
        ),
        (
            write(
                "negative.json",
                &turn(r#"{"emotion": "joy", "level": 3, "duration": -2}"#),
            ),
            "scenario.turns[0].duration: -2 is not a number",
        ),
        (
            write(
                "nan.json",
                &turn(r#"{"emotion": "joy", "level": NaN, "duration": 1}"#),
            ),
            "expected value at line 1",
        ),
        (
            write(
                "badwav.json",
                &turn(r#"{"emotion": "joy", "level": 3, "audio": "bad.wav"}"#),
            ),
            "cannot read WAV",
        ),
        (
            write(
                "nowav.json",
                &turn(r#"{"emotion": "joy", "level": 3, "audio": "missing.wav"}"#),
            ),
            "cannot read WAV",
        ),
    ];
    write("bad.wav", "RIFF this is not a wave file");
    for (path, needle) in &cases {
        assert_fails(&["render", path, "--out", out], needle);
    }
    let good = write(
        "good.json",
        &turn(r#"{"emotion": "joy", "level": 3, "duration": 1}"#),
    );
    assert_fails(
        &["render", &good, "--out", out, "--smoothing", "smooth"],
        "unknown set \"smooth\"",
    );
    assert_fails(
        &["render", &good, "--out", out, "--gamma", "0"],
        "gamma 0 is not in (0, 1]",
    );
    assert_fails(
        &["render", &good, "--out", &format!("{out}.txt")],
        "must end in .json, .csv or .npy",
    );
    assert_fails(
        &["render", "/nonexistent.json", "--out", out],
        "cannot read /nonexistent.json",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bench_reports_its_figures() {
    let out = json(&cli(&["bench", "--minutes", "0.2", "--runs", "1"]));
    assert_eq!(out["bench"], "render");
    assert!(out["frames"].as_u64().unwrap() >= 360);
    assert!(out["median_ms"].as_f64().unwrap() > 0.0);
}

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

#[test]
fn features_are_the_runtime_features_byte_for_byte() {
    let dir = scratch("features");
    let out = dir.join("f.npy");
    let (wav, manifest) = (
        format!("{FIXTURES}/speech16k.wav"),
        format!("{FIXTURES}/energy_lipsync.json"),
    );
    let run = cli(&[
        "features",
        &wav,
        "--manifest",
        &manifest,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let npy = std::fs::read(&out).unwrap();
    let header_len = usize::from(u16::from_le_bytes([npy[8], npy[9]]));
    assert!(String::from_utf8_lossy(&npy[10..10 + header_len]).contains("'shape': (249, 80"));
    let values: Vec<f32> = npy[10 + header_len..]
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let samples: Vec<f32> = hound::WavReader::open(&wav)
        .unwrap()
        .into_samples::<i16>()
        .map(|s| f32::from(s.unwrap()) / 32768.0)
        .collect();
    let spec =
        animasync_face::ModelManifest::from_json(&std::fs::read_to_string(&manifest).unwrap())
            .unwrap()
            .input;
    assert_eq!(
        values,
        animasync_face::audio::features::extract_clip(&spec, &samples).unwrap()
    );
    assert_fails(
        &["features", &wav, "--manifest", &manifest, "--out", "x.json"],
        "features are written as .npy",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lipsync_runs_a_model_or_the_fallback() {
    let dir = scratch("lipsync");
    let out = dir.join("l.json");
    let out = out.to_str().unwrap();
    let wav = format!("{FIXTURES}/speech16k.wav");
    let (model, manifest) = (
        format!("{FIXTURES}/energy_lipsync.onnx"),
        format!("{FIXTURES}/energy_lipsync.json"),
    );
    // A model with recurrent state in and out.
    let (leaky, leaky_manifest) = (
        format!("{FIXTURES}/leaky_lipsync.onnx"),
        format!("{FIXTURES}/leaky_lipsync.json"),
    );
    let playback = builtin_name(Latency::Playback);
    for (extra, name, latency) in [
        (
            vec!["--model", model.as_str(), "--manifest", manifest.as_str()],
            "energy-lipsync (test)",
            None,
        ),
        (
            vec![
                "--model",
                leaky.as_str(),
                "--manifest",
                leaky_manifest.as_str(),
            ],
            "leaky-lipsync (test)",
            None,
        ),
        (vec!["--fallback"], "signal", None),
        // Without a model: the built-in one for playback (a file can wait for its look-ahead).
        (vec![], playback.as_str(), Some("playback")),
    ] {
        let mut args = vec![
            "lipsync",
            wav.as_str(),
            "--out",
            out,
            "--emotion",
            "joy",
            "--level",
            "3",
        ];
        args.extend(extra);
        let run = cli(&args);
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
        assert_eq!(doc["lipsync"], name);
        assert_eq!(doc["latency"].as_str(), latency);
        assert_eq!(doc["frame_count"], 76); // ceil(40,262 samples * 30 / 16,000)
        assert_eq!(doc["names"].as_array().unwrap().len(), 52);
    }
    assert_fails(
        &["lipsync", &wav, "--out", out, "--model", &model],
        "--model and --manifest go together",
    );
    let tiny = format!("{FIXTURES}/tiny_mlp.onnx");
    assert_fails(
        &[
            "lipsync",
            &wav,
            "--out",
            out,
            "--model",
            &tiny,
            "--manifest",
            &manifest,
        ],
        "the model's input 0 has shape [1, 16]",
    );
    assert_fails(
        &["lipsync", &wav, "--out", out, "--emotion", "glee"],
        "unknown emotion \"glee\"",
    );
    let nan_state = format!("{FIXTURES}/leaky_nan_state.onnx");
    assert_fails(
        &[
            "lipsync",
            &wav,
            "--out",
            out,
            "--model",
            &nan_state,
            "--manifest",
            &leaky_manifest,
        ],
        "\"leaky-lipsync (test)\" returned NaN in its state output 1",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

use animasync_face::Latency;

/// A built-in model's name, from its manifest.
fn builtin_name(latency: Latency) -> String {
    animasync_face::ModelManifest::from_json(latency.model().1)
        .unwrap()
        .name
}

#[test]
fn lipsync_and_render_take_a_latency_and_default_to_playback() {
    let dir = scratch("latency");
    let out = dir.join("l.json");
    let out = out.to_str().unwrap();
    let wav = format!("{FIXTURES}/speech16k.wav");
    let doc = |args: &[&str]| -> serde_json::Value {
        let run = cli(args);
        assert!(
            run.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap()
    };
    let mut frames = Vec::new();
    for (extra, latency) in [
        (vec![], Latency::Playback),
        (vec!["--latency", "playback"], Latency::Playback),
        (vec!["--latency", "live"], Latency::Live),
        (vec!["--latency=live"], Latency::Live),
    ] {
        let mut lipsync = vec!["lipsync", wav.as_str(), "--out", out];
        lipsync.extend(&extra);
        let d = doc(&lipsync);
        assert_eq!(d["latency"], latency.as_str(), "{extra:?}");
        assert_eq!(d["lipsync"], builtin_name(latency));
        assert_eq!(d["frame_count"], 76);
        assert_eq!(d["frames"].as_array().unwrap().len(), 76);
        frames.push((latency, d["frames"].clone()));
        let mut render = vec!["render", ARC, "--out", out];
        render.extend(&extra);
        let d = doc(&render);
        assert_eq!(d["latency"], latency.as_str(), "{extra:?}");
        assert_eq!(d["lipsync"], builtin_name(latency));
    }
    // The same latency, the same frames; the stderr summary names it.
    assert_eq!(frames[0].1, frames[1].1);
    assert_eq!(frames[2].1, frames[3].1);
    let run = cli(&["lipsync", &wav, "--out", out, "--latency", "live"]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("(live)"));

    assert_fails(
        &["lipsync", &wav, "--out", out, "--latency", "fast"],
        "unknown latency \"fast\" (expected \"live\" or \"playback\")",
    );
    assert_fails(
        &["render", ARC, "--out", out, "--latency", "Live"],
        "unknown latency \"Live\"",
    );
    let (model, manifest) = (
        format!("{FIXTURES}/energy_lipsync.onnx"),
        format!("{FIXTURES}/energy_lipsync.json"),
    );
    for latency in ["live", "playback"] {
        assert_fails(
            &[
                "lipsync",
                &wav,
                "--out",
                out,
                "--model",
                &model,
                "--manifest",
                &manifest,
                "--latency",
                latency,
            ],
            &format!("a latency (\"{latency}\") picks one of the built-in models"),
        );
    }
    assert_fails(
        &[
            "render",
            ARC,
            "--out",
            out,
            "--fallback",
            "--latency",
            "live",
        ],
        "cannot go with the fallback",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bench_model_times_a_built_in_model_by_latency() {
    let live = json(&cli(&["bench-model", "--seconds", "1", "--runs", "1"]));
    assert_eq!(live["latency"], "live");
    assert_eq!(live["model"], builtin_name(Latency::Live));
    let playback = json(&cli(&[
        "bench-model",
        "--latency",
        "playback",
        "--seconds",
        "1",
        "--runs",
        "1",
    ]));
    assert_eq!(playback["latency"], "playback");
    assert!(
        playback["algorithmic_latency_ms"].as_f64().unwrap()
            >= live["algorithmic_latency_ms"].as_f64().unwrap()
    );
    assert_fails(
        &[
            "bench-model",
            "--model",
            &format!("{FIXTURES}/energy_lipsync.onnx"),
            "--manifest",
            &format!("{FIXTURES}/energy_lipsync.json"),
            "--latency",
            "live",
        ],
        "picks one of the built-in models",
    );
}

#[test]
fn emotion_prints_the_guess_as_json() {
    // The default: the built-in trained classifier (models/text-emotion).
    let guess = json(&cli(&["emotion", "I'm so happy to see you!!"]));
    assert_eq!(guess["emotion"], "joy", "{guess}");
    let level = guess["level"].as_u64().unwrap();
    assert!((1..=5).contains(&level), "{guess}");
    assert!(guess["vad"][0].as_f64().unwrap() > 0.0, "{guess}");
    let scores = guess["scores"].as_object().unwrap();
    assert_eq!(scores.len(), 16);
    assert_eq!(scores["joy"], guess["confidence"]);
    let keys: Vec<&str> = guess
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.len(), 5);
    assert_eq!(json(&cli(&["emotion", "너무 무서워요"]))["emotion"], "fear");
    // Bad input: the same answers as the lexicon's, from either classifier.
    let long = "ha ".repeat(4000);
    for method in [&[][..], &["--lexicon"][..]] {
        for (args, expected) in [
            (&["emotion", ""][..], "text: is empty"),
            (
                &["emotion", "fine", "--previous", " "][..],
                "previous: is empty",
            ),
            (&["emotion", &long][..], "sentence by sentence"),
        ] {
            assert_fails(&[args, method].concat(), expected);
        }
    }
    assert_fails(
        &[
            "emotion",
            "hi",
            "--lexicon",
            "--classifier",
            "tests/fixtures/text_classifier.json",
        ],
        "cannot be used with",
    );

    // --lexicon: the rules.
    let lexicon = |args: &[&str]| json(&cli(&[&["emotion", "--lexicon"][..], args].concat()));
    assert_eq!(lexicon(&["I'm so happy to see you!!"])["emotion"], "joy");
    let line = "The seat was empty the whole time.";
    assert_eq!(lexicon(&[line])["emotion"], "neutral");
    let with = lexicon(&[line, "--previous", "I miss her so much, since the funeral."]);
    assert_ne!(with["emotion"], "neutral", "{with}");
    assert_eq!(lexicon(&["이거 진짜 짜증나"])["emotion"], "frustration");
}

#[test]
fn emotion_runs_an_onnx_classifier_from_its_manifest() {
    // tests/fixtures/text_classifier.*: the bag-of-pieces model of tests/support/text_classifier.rs.
    let manifest = "tests/fixtures/text_classifier.json";
    let guess = json(&cli(&[
        "emotion",
        "I am so happy!",
        "--classifier",
        manifest,
    ]));
    assert_eq!(guess["emotion"], "joy", "{guess}");
    assert!(guess["vad"][0].as_f64().unwrap() > 0.5, "{guess}");
    assert_eq!(guess["scores"].as_object().unwrap().len(), 16);
    assert_eq!(guess["scores"]["awe"], 0.0);
    let korean = json(&cli(&["emotion", "정말 무서워", "--classifier", manifest]));
    assert_eq!(korean["emotion"], "fear", "{korean}");
    let with = json(&cli(&[
        "emotion",
        "the",
        "--previous",
        "I am so happy",
        "--classifier",
        manifest,
    ]));
    assert_eq!(with["emotion"], "joy", "{with}");

    let report = cli(&[
        "emotion-eval",
        "data/text/eval/en.jsonl",
        "--classifier",
        manifest,
    ]);
    let report = String::from_utf8(report.stdout).unwrap();
    assert!(
        report.contains("(176 lines, ONNX classifier \"test-bag-of-pieces\", previous line used)"),
        "{report}"
    );

    assert_fails(
        &[
            "emotion",
            "hi",
            "--classifier",
            "tests/fixtures/leaky_lipsync.json",
        ],
        "expected schema \"animasync-face/text-classifier-manifest\"",
    );
    let dir = scratch("emotion-classifier");
    let mut bad: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    bad["model"] = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/text_classifier.onnx"
    )
    .into();
    bad["vocab"] = "missing-vocab.txt".into();
    let bad_path = dir.join("bad.json");
    std::fs::write(&bad_path, bad.to_string()).unwrap();
    assert_fails(
        &["emotion", "hi", "--classifier", bad_path.to_str().unwrap()],
        "missing-vocab.txt",
    );
}

#[test]
fn emotion_eval_reports_accuracy_and_a_confusion_table() {
    let files = ["data/text/eval/en.jsonl", "data/text/eval/ko.jsonl"];
    let eval = |extra: &[&str]| {
        let out = cli(&[&["emotion-eval"][..], &files, extra].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let exact = |report: &str| -> Vec<f64> {
        report
            .lines()
            .filter_map(|l| l.strip_prefix("exact "))
            .map(|l| l.split('%').next().unwrap().parse().unwrap())
            .collect()
    };
    let lexicon = eval(&["--lexicon"]);
    assert_eq!(
        lexicon.matches("### data/text/eval/").count(),
        2,
        "{lexicon}"
    );
    assert!(
        lexicon.contains("(176 lines, lexicon and rules, previous line used)"),
        "{lexicon}"
    );
    assert!(!lexicon.contains("the lexicon on the same lines"));
    // 16 rows per table, each ending in its recall.
    assert_eq!(
        lexicon.lines().filter(|l| l.starts_with("| joy |")).count(),
        2
    );
    let rules = exact(&lexicon);
    assert_eq!(rules.len(), 2);
    // Far above chance (6.25%) on lines written without seeing the lexicon.
    assert!(rules.iter().all(|&e| e > 25.0), "{rules:?}");

    // The default, the trained classifier, is compared with the lexicon on the same lines.
    let model = eval(&[]);
    assert!(
        model.contains(
            "(176 lines, ONNX classifier \"animasync-face text-emotion\", previous line used)"
        ),
        "{model}"
    );
    assert_eq!(
        model
            .matches("the lexicon on the same lines: exact ")
            .count(),
        2
    );
    for (lexicon_line, model_line) in lexicon.lines().filter(|l| l.starts_with("exact ")).zip(
        model
            .lines()
            .filter(|l| l.starts_with("the lexicon on the same lines")),
    ) {
        let figure = |l: &str| {
            l.split('%')
                .next()
                .unwrap()
                .rsplit(' ')
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(figure(lexicon_line), figure(model_line));
    }
    assert!(
        exact(&model).iter().zip(&rules).all(|(m, r)| m > r),
        "{model}"
    );

    // --require: the report, then the targets missed.
    let out = cli(&[
        &["emotion-eval"][..],
        &files,
        &["--lexicon", "--require", "exact=99,above-lexicon"],
    ]
    .concat());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("targets not met: data/text/eval/en.jsonl: exact"),
        "{stderr}"
    );
    assert!(stderr.contains("is below 99%"), "{stderr}");
    assert!(
        stderr.contains("above-lexicon asks for a trained classifier"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("### data/text/eval/ko.jsonl"));
    assert_fails(
        &["emotion-eval", files[0], "--require", "exact=55,recall=3"],
        "\"recall\": the figures are exact, family and valence",
    );

    let dir = scratch("emotion-eval");
    let bad = dir.join("bad.jsonl");
    std::fs::write(
        &bad,
        "{\"text\": \"hi\", \"emotion\": \"happyness\", \"level\": 3}\n",
    )
    .unwrap();
    assert_fails(
        &["emotion-eval", bad.to_str().unwrap()],
        "bad.jsonl:1: unknown emotion \"happyness\"",
    );
}
