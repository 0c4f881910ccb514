//! `animasync-face soak`: streams a long stretch of real speech (WAV files, looped in random
//! order, at random gains, with random pauses) through the streaming engine in random chunk
//! sizes, changing the emotion at random moments, as a page's worker would for an hour. It
//! reports, per minute of audio, the process's resident memory and the time spent per frame,
//! and at the end the frame count against the frames the audio covers (any drift), every frame
//! checked to be 52 weights in [0, 1]. The same seed must give the same frames: the whole run
//! is repeated and the two runs' frame hashes compared. `make soak` runs it (docs/robustness.md).

use std::path::PathBuf;
use std::time::Instant;

use animasync_face::audio::resample::resample_clip;
use animasync_face::audio::wav::read_wav;
use animasync_face::base::time::frames_covering;
use animasync_face::{
    EmotionTaxonomy, Engine, EngineOptions, Intensity, PresetLibrary, CHANNEL_COUNT,
};
use rand_core::SeedableRng;
use rand_distr::{Distribution, Uniform};
use rand_pcg::Pcg64Mcg;
use serde_json::json;

use crate::render_cmd::Lips;

/// What one pass of the soak saw.
struct Pass {
    frames: usize,
    expected_frames: usize,
    chunks: usize,
    emotion_changes: usize,
    hash: u64,
    /// Per minute of audio: (resident MB after it, ms of engine time per frame in it).
    minutes: Vec<(f64, f64)>,
    max_push_ms: f64,
    wall_s: f64,
}

/// Resident memory of this process in MB (Linux: /proc/self/statm), or 0 where unknown.
fn resident_mb() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map_or(0.0, |pages| pages * 4096.0 / 1e6)
}

fn fnv(hash: &mut u64, frames: &[f32]) {
    for w in frames {
        for b in w.to_bits().to_le_bytes() {
            *hash = (*hash ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
}

fn uniform(lo: f64, hi: f64) -> Uniform<f64> {
    Uniform::new(lo, hi).expect("a valid range")
}

fn pass(
    lips: &Lips,
    clips: &[Vec<f32>],
    rate: u32,
    minutes: f64,
    seed: u64,
) -> Result<Pass, String> {
    let err = |e: animasync_face::FaceError| e.to_string();
    let options = EngineOptions {
        sample_rate: rate,
        seed,
        ..EngineOptions::default()
    };
    let mut engine = Engine::with_lipsync(options, PresetLibrary::builtin().clone(), lips.source())
        .map_err(err)?;
    let emotions = EmotionTaxonomy::builtin().emotions();
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let total = (minutes * 60.0 * f64::from(rate)) as usize;
    let minute = 60 * rate as usize;
    let (mut pushed, mut frames, mut chunks, mut changes) = (0usize, 0usize, 0usize, 0usize);
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let mut stats = Vec::new();
    let (mut window_ms, mut window_frames, mut max_push_ms) = (0.0, 0usize, 0.0f64);
    // The stream: a clip at a random gain, then a pause, and so on; emotion changes at random.
    let mut segment: Vec<f32> = Vec::new();
    let mut at = 0;
    let mut next_change = 0usize;
    let take = |engine: &mut Engine, hash: &mut u64| -> Result<usize, String> {
        let out = engine.take_frames();
        if out.iter().any(|w| !(0.0..=1.0).contains(w)) {
            return Err("a frame has a weight outside [0, 1]".into());
        }
        fnv(hash, &out);
        Ok(out.len() / CHANNEL_COUNT)
    };
    let wall = Instant::now();
    while pushed < total {
        if at == segment.len() {
            let clip = &clips[Uniform::new(0, clips.len())
                .expect("clips")
                .sample(&mut rng)];
            let gain = uniform(0.1, 1.5).sample(&mut rng) as f32;
            let pause = (uniform(0.0, 3.0).sample(&mut rng) * f64::from(rate)) as usize;
            segment = clip.iter().map(|x| x * gain).collect();
            segment.resize(segment.len() + pause, 0.0);
            at = 0;
        }
        if pushed >= next_change {
            let emotion = &emotions[Uniform::new(0, emotions.len())
                .expect("emotions")
                .sample(&mut rng)];
            let level = uniform(1.0, 5.0).sample(&mut rng) as f32;
            engine
                .set_emotion(&emotion.id, Intensity::Level(level))
                .map_err(err)?;
            changes += 1;
            next_change = pushed + (uniform(0.5, 12.0).sample(&mut rng) * f64::from(rate)) as usize;
        }
        // Chunk sizes as pages send them (128-sample worklet quanta to 100 ms), sometimes a
        // whole second, sometimes nothing.
        let size = match Uniform::new(0, 20).expect("choice").sample(&mut rng) {
            0 => 0,
            1 => rate as usize,
            _ => Uniform::new_inclusive(1, rate as usize / 10)
                .expect("size")
                .sample(&mut rng),
        };
        let size = size.min(segment.len() - at).min(total - pushed);
        let start = Instant::now();
        engine.push(&segment[at..at + size]).map_err(err)?;
        let got = take(&mut engine, &mut hash)?;
        let ms = start.elapsed().as_secs_f64() * 1000.0;
        max_push_ms = max_push_ms.max(ms);
        window_ms += ms;
        window_frames += got;
        frames += got;
        chunks += 1;
        at += size;
        let before = pushed / minute;
        pushed += size;
        if pushed / minute != before || pushed == total {
            stats.push((resident_mb(), window_ms / window_frames.max(1) as f64));
            (window_ms, window_frames) = (0.0, 0);
        }
    }
    let rest = engine.finish().map_err(err)?;
    if rest.iter().any(|w| !(0.0..=1.0).contains(w)) {
        return Err("a frame has a weight outside [0, 1]".into());
    }
    fnv(&mut hash, &rest);
    frames += rest.len() / CHANNEL_COUNT;
    Ok(Pass {
        frames,
        expected_frames: frames_covering(pushed, rate),
        chunks,
        emotion_changes: changes,
        hash,
        minutes: stats,
        max_push_ms,
        wall_s: wall.elapsed().as_secs_f64(),
    })
}

pub fn run(
    lips: &Lips,
    wavs: &[PathBuf],
    minutes: f64,
    seed: u64,
    rate: u32,
) -> Result<String, String> {
    if !(minutes > 0.0 && minutes <= 600.0) {
        return Err("--minutes must be in (0, 600]".into());
    }
    if wavs.is_empty() {
        return Err("give at least one --wav file of speech".into());
    }
    let clips = wavs
        .iter()
        .map(|path| {
            let pcm = read_wav(path).map_err(|e| e.to_string())?;
            resample_clip(pcm.samples(), pcm.sample_rate(), rate).map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    let first = pass(lips, &clips, rate, minutes, seed)?;
    let again = pass(lips, &clips, rate, minutes, seed)?;
    let round = |x: f64, digits: i32| (x * 10f64.powi(digits)).round() / 10f64.powi(digits);
    let m = &first.minutes;
    // The first minute warms the allocator and the model's buffers; flat means from there on.
    let settled = m.get(1).or(m.first()).copied().unwrap_or_default();
    let last = m.last().copied().unwrap_or_default();
    let max_rss = m.iter().map(|s| s.0).fold(0.0, f64::max);
    let slowest_minute = m.iter().map(|s| s.1).fold(0.0, f64::max);
    Ok(json!({
        "soak": "native",
        "minutes": minutes,
        "seed": seed,
        "sample_rate": rate,
        "lipsync": lips.source().latency().map_or("model or fallback", |l| l.as_str()),
        "chunks": first.chunks,
        "emotion_changes": first.emotion_changes,
        "frames": first.frames,
        "expected_frames": first.expected_frames,
        "drift_frames": first.frames as i64 - first.expected_frames as i64,
        "rss_mb_after_first_minute": round(m.first().copied().unwrap_or_default().0, 1),
        "rss_mb_after_second_minute": round(settled.0, 1),
        "rss_mb_end": round(last.0, 1),
        "rss_mb_max": round(max_rss, 1),
        "ms_per_frame_second_minute": round(settled.1, 4),
        "ms_per_frame_last_minute": round(last.1, 4),
        "ms_per_frame_slowest_minute": round(slowest_minute, 4),
        "max_push_ms": round(first.max_push_ms, 2),
        "rss_mb_every_10_minutes": m.iter().step_by(10).map(|s| round(s.0, 1)).collect::<Vec<_>>(),
        "ms_per_frame_every_10_minutes": m.iter().step_by(10).map(|s| round(s.1, 4)).collect::<Vec<_>>(),
        "realtime_factor": round(minutes * 60.0 / first.wall_s, 0),
        "frames_hash": format!("{:016x}", first.hash),
        "same_seed_same_frames": first.hash == again.hash && first.frames == again.frames,
    })
    .to_string()
        + "\n")
}
