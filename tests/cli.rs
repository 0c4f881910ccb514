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
