//! `animasync-face bench`: times the offline renderer on a synthetic monologue of a given length
//! (8 s turns with 0.5 s gaps cycling through all 16 emotions, each with a syllable-rate
//! amplitude-modulated tone as its audio, so lip sync, gate, merge and eyes all run).

use std::time::Instant;

use animasync_face::{
    render, EmotionTaxonomy, Pcm, PresetLibrary, RenderOptions, Scenario, SignalMouth,
    TemporalParams,
};
use serde_json::json;

const TURN_S: f64 = 8.0;
const GAP_S: f64 = 0.5;
const RATE: u32 = 16_000;

/// Speech-like audio: a 150 Hz tone, amplitude-modulated at 4 syllables a second, with a short
/// pause every fifth syllable.
fn synthetic_speech(seconds: f64) -> Pcm {
    let n = (seconds * f64::from(RATE)) as usize;
    let samples = (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(RATE);
            let syllable = (t * 4.0).fract();
            let envelope = if (t * 4.0) as usize % 5 == 4 {
                0.0
            } else {
                (std::f64::consts::PI * syllable).sin()
            };
            (0.3 * envelope * (std::f64::consts::TAU * 150.0 * t).sin()) as f32
        })
        .collect();
    Pcm::new(samples, RATE).expect("synthetic audio is valid")
}

pub fn run(minutes: f64, runs: usize) -> Result<String, String> {
    if !(minutes > 0.0 && minutes <= 120.0) || runs == 0 {
        return Err("--minutes must be in (0, 120] and --runs at least 1".into());
    }
    let emotions = EmotionTaxonomy::builtin().emotions();
    let count = (minutes * 60.0 / (TURN_S + GAP_S)).ceil() as usize;
    let turns: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"emotion": "{}", "level": {}, "audio": "synthetic.wav", "gap": {GAP_S}}}"#,
                emotions[i % emotions.len()].id,
                1 + (i * 7) % 5
            )
        })
        .collect();
    let scenario = Scenario::from_json(&format!(
        r#"{{"id": "bench", "regime": "monologue", "turns": [{}]}}"#,
        turns.join(",")
    ))
    .map_err(|e| e.to_string())?;
    let speech = synthetic_speech(TURN_S);
    let audio = vec![Some(speech); count];
    let params = TemporalParams::builtin();
    let options = RenderOptions::default();
    let mut times = Vec::with_capacity(runs);
    let mut frames = 0;
    // One untimed run warms caches and the allocator.
    for run in 0..=runs {
        let start = Instant::now();
        let r = render(
            &scenario,
            &audio,
            PresetLibrary::builtin(),
            &options,
            params,
            &mut SignalMouth::new(params),
        )
        .map_err(|e| e.to_string())?;
        if run > 0 {
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        frames = r.frames.len();
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    Ok(json!({
        "bench": "render",
        "minutes": minutes,
        "turns": count,
        "frames": frames,
        "runs": runs,
        "median_ms": (median * 10.0).round() / 10.0,
        "min_ms": (times[0] * 10.0).round() / 10.0,
        "frames_per_second": (frames as f64 / (median / 1000.0)).round(),
        "realtime_factor": ((frames as f64 / 30.0) / (median / 1000.0)).round(),
    })
    .to_string()
        + "\n")
}
