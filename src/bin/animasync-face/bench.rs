//! `animasync-face bench`: times the offline renderer on a synthetic monologue of a given length
//! (8 s turns with 0.5 s gaps cycling through all 16 emotions, each with a syllable-rate
//! amplitude-modulated tone as its audio, so lip sync, gate, merge and eyes all run).

use std::time::Instant;

use animasync_face::{
    render, EmotionTaxonomy, Pcm, PresetLibrary, RenderOptions, Scenario, SignalMouth,
    TemporalParams,
};
use serde_json::json;

use crate::render_cmd::Lips;

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

/// `bench-model`: per-inference time of a manifest's model (the built-in network on our own
/// code, an ONNX model in tract), and the whole per-frame pipeline (resample from 48 kHz +
/// features + model + expression + gate + merge + eyes) of the streaming engine on `seconds` of
/// synthetic speech pushed in 10 ms chunks.
pub fn run_model(lips: &Lips, seconds: f64, runs: usize) -> Result<String, String> {
    use animasync_face::lipsync::model::open_model;
    use animasync_face::{Engine, EngineOptions, Intensity, Latency, ModelManifest};
    if !(seconds > 0.0 && seconds <= 600.0) || runs == 0 {
        return Err("--seconds must be in (0, 600] and --runs at least 1".into());
    }
    let source = lips.source();
    let (bytes, text) = source
        .model()
        .ok_or("bench-model times a model, not the fallback")?;
    let parsed = ModelManifest::from_json(text).map_err(|e| e.to_string())?;

    let load_start = Instant::now();
    let mut model = open_model(bytes).map_err(|e| e.to_string())?;
    let load_ms = load_start.elapsed().as_secs_f64() * 1000.0;
    parsed
        .check_model(model.as_ref())
        .map_err(|e| e.to_string())?;
    let input: Vec<f32> = (0..parsed.input_shape().iter().product::<usize>())
        .map(|i| ((i % 97) as f32 * 0.1).sin() - 6.0)
        .collect();
    // The emotion input and any recurrent state: zeros (the cost of a run is the same).
    let others: Vec<Vec<f32>> = model.input_shapes()[1..]
        .iter()
        .map(|shape| vec![0.0; shape.iter().product()])
        .collect();
    let inputs: Vec<&[f32]> = std::iter::once(&input[..])
        .chain(others.iter().map(Vec::as_slice))
        .collect();
    let inferences = 200;
    let mut per_inference = Vec::with_capacity(runs);
    for run in 0..=runs {
        let start = Instant::now();
        for _ in 0..inferences {
            model.infer(&inputs).map_err(|e| e.to_string())?;
        }
        if run > 0 {
            per_inference.push(start.elapsed().as_secs_f64() * 1000.0 / f64::from(inferences));
        }
    }

    let rate = 48_000;
    let speech = synthetic_speech(seconds);
    let at_48k = animasync_face::audio::resample::resample_clip(speech.samples(), RATE, rate)
        .map_err(|e| e.to_string())?;
    let mut per_frame = Vec::with_capacity(runs);
    let mut frames = 0;
    let mut latency_ms = 0.0;
    for run in 0..=runs {
        let options = EngineOptions {
            sample_rate: rate,
            ..EngineOptions::default()
        };
        let mut engine = Engine::with_lipsync(options, PresetLibrary::builtin().clone(), source)
            .map_err(|e| e.to_string())?;
        engine
            .set_emotion("joy", Intensity::Level(3.0))
            .map_err(|e| e.to_string())?;
        latency_ms = engine.latency_s() * 1000.0;
        let start = Instant::now();
        let mut count = 0;
        for chunk in at_48k.chunks(rate as usize / 100) {
            engine.push(chunk).map_err(|e| e.to_string())?;
            count += engine.take_frames().len() / 52;
        }
        count += engine.finish().map_err(|e| e.to_string())?.len() / 52;
        if run > 0 {
            per_frame.push(start.elapsed().as_secs_f64() * 1000.0 / count as f64);
        }
        frames = count;
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2] * 1000.0).round() / 1000.0
    };
    Ok(json!({
        "bench": "model",
        "model": parsed.name,
        "latency": source.latency().map(Latency::as_str),
        "load_ms": (load_ms * 10.0).round() / 10.0,
        "inference_ms": median(&mut per_inference),
        "pipeline_ms_per_frame": median(&mut per_frame),
        "frames": frames,
        "runs": runs,
        "algorithmic_latency_ms": (latency_ms * 10.0).round() / 10.0,
    })
    .to_string()
        + "\n")
}
