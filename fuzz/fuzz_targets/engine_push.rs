//! `Engine::push` (the worker's hot path) with arbitrary sample arrays and chunkings: the input
//! is a little program. Byte 0 picks the engine (built-in live model or the fallback, at one of
//! four rates); then each op byte pushes a chunk (raw f32 bits, values from a table of
//! hostile ones: NaN, infinities, denormals, huge, signed zero; a tone of up to 4096 samples;
//! an empty chunk), changes the emotion (valid or not, any level or VAD), takes frames,
//! finishes or resets, up to two seconds of audio per input. Checks: a chunk is refused
//! exactly when it holds a non-finite sample or one beyond `MAX_SAMPLE` (before that rule a
//! finite 3e38 overflowed the features and every later push failed; the JS hostile sweep found
//! it); every frame is 52 finite weights in [0, 1]; a stream yields exactly the frames its
//! audio covers.
#![no_main]
use std::cell::RefCell;

use animasync_face::audio::MAX_SAMPLE;
use animasync_face::base::time::frames_covering;
use animasync_face::lipsync::LipSyncSource;
use animasync_face::{
    Engine, EngineOptions, Intensity, Latency, PresetLibrary, Vad, CHANNEL_COUNT,
};
use libfuzzer_sys::fuzz_target;

const RATES: [u32; 4] = [16_000, 48_000, 44_100, 8_000];
const HOSTILE: [f32; 16] = [
    0.0,
    -0.0,
    f32::NAN,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::MIN_POSITIVE / 4.0,
    -f32::MIN_POSITIVE / 1024.0,
    f32::MAX,
    f32::MIN,
    1e30,
    -1e-30,
    1.0,
    -1.0,
    0.5,
    3.5,
    f32::EPSILON,
];
const EMOTIONS: [&str; 8] = [
    "neutral", "joy", "sadness", "anger", "surprise", "contempt", "Joy", "",
];

thread_local! {
    /// Built once per (source, rate): a model load per input would make the fuzzer crawl.
    /// Leaked, never dropped: tract's plan state panics when dropped by a thread-local
    /// destructor at exit (its own scratch-space thread local is gone by then).
    static ENGINES: &'static RefCell<Vec<Option<Engine>>> =
        Box::leak(Box::new(RefCell::new((0..8).map(|_| None).collect())));
}

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes([self.byte()?, self.byte()?]))
    }
    fn f32(&mut self) -> Option<f32> {
        Some(f32::from_le_bytes([
            self.byte()?,
            self.byte()?,
            self.byte()?,
            self.byte()?,
        ]))
    }
}

struct Stream {
    samples: usize,
    frames: usize,
}

fn check_frames(frames: &[f32]) {
    assert_eq!(frames.len() % CHANNEL_COUNT, 0);
    assert!(
        frames.iter().all(|w| (0.0..=1.0).contains(w)),
        "a weight outside [0, 1]"
    );
}

fn push(engine: &mut Engine, stream: &mut Stream, chunk: &[f32]) {
    let audio = chunk.iter().all(|x| x.is_finite() && x.abs() <= MAX_SAMPLE);
    match engine.push(chunk) {
        Ok(_) => {
            assert!(
                audio,
                "a chunk with a non-finite or huge sample was accepted"
            );
            stream.samples += chunk.len();
        }
        Err(e) => assert!(!audio, "a chunk of audio was refused: {e}"),
    }
}

fn run(engine: &mut Engine, rate: u32, mut input: Bytes) {
    let mut stream = Stream {
        samples: 0,
        frames: 0,
    };
    let take = |engine: &mut Engine, stream: &mut Stream| {
        let frames = engine.take_frames();
        check_frames(&frames);
        stream.frames += frames.len() / CHANNEL_COUNT;
    };
    let finish = |engine: &mut Engine, stream: &mut Stream| {
        let frames = engine.finish().expect("finish after good chunks");
        check_frames(&frames);
        stream.frames += frames.len() / CHANNEL_COUNT;
        assert_eq!(
            stream.frames,
            frames_covering(stream.samples, rate),
            "{} samples at {rate} Hz",
            stream.samples
        );
        *stream = Stream {
            samples: 0,
            frames: 0,
        };
    };
    // At most two seconds of audio per input: a few bytes can ask for a long tone, and a
    // fuzzer spending seconds per input finds little.
    let mut budget = 2 * rate as usize;
    while let Some(op) = input.byte() {
        if stream.samples > budget {
            break;
        }
        match op % 10 {
            // Raw bits: anything an f32 can hold.
            0 | 1 => {
                let n = usize::from(input.byte().unwrap_or(0));
                let chunk: Vec<f32> = (0..n).map_while(|_| input.f32()).collect();
                push(engine, &mut stream, &chunk);
            }
            // Hostile values, one table entry per byte.
            2 | 3 => {
                let n = usize::from(input.byte().unwrap_or(0));
                let chunk: Vec<f32> = (0..n)
                    .map_while(|_| input.byte())
                    .map(|b| HOSTILE[usize::from(b) % HOSTILE.len()])
                    .collect();
                push(engine, &mut stream, &chunk);
            }
            // A tone of any length up to 4096 samples, at any amplitude (loud clips).
            4 => {
                let n = usize::from(input.u16().unwrap_or(0) % 4_096);
                let amplitude = f32::from(input.byte().unwrap_or(1)) / 16.0;
                let chunk: Vec<f32> = (0..n)
                    .map(|i| amplitude * (i as f32 * 0.07).sin())
                    .collect();
                push(engine, &mut stream, &chunk);
            }
            5 => push(engine, &mut stream, &[]),
            // An emotion change: a name (valid or not) with a level or a VAD point of any value.
            6 => {
                let emotion = EMOTIONS[usize::from(input.byte().unwrap_or(0)) % EMOTIONS.len()];
                let intensity = if input.byte().unwrap_or(0) % 2 == 0 {
                    Intensity::Level(input.f32().unwrap_or(3.0))
                } else {
                    let (v, a, d) = (
                        input.f32().unwrap_or(0.0),
                        input.f32().unwrap_or(0.0),
                        input.f32().unwrap_or(0.0),
                    );
                    match Vad::new(v, a, d) {
                        Ok(vad) => Intensity::Vad(vad),
                        Err(_) => continue,
                    }
                };
                let _ = engine.set_emotion(emotion, intensity);
            }
            7 => take(engine, &mut stream),
            8 => {
                budget = budget.saturating_sub(stream.samples);
                finish(engine, &mut stream)
            }
            _ => {
                budget = budget.saturating_sub(stream.samples);
                engine.reset().expect("reset");
                stream = Stream {
                    samples: 0,
                    frames: 0,
                };
            }
        }
    }
    take(engine, &mut stream);
    finish(engine, &mut stream);
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let Some(pick) = input.byte() else {
        return;
    };
    let slot = usize::from(pick % 8);
    let rate = RATES[slot % 4];
    ENGINES.with(|engines| {
        let mut engines = engines.borrow_mut();
        let engine = engines[slot].get_or_insert_with(|| {
            let source = if slot < 4 {
                LipSyncSource::Builtin(Latency::Live)
            } else {
                LipSyncSource::Fallback
            };
            let options = EngineOptions {
                sample_rate: rate,
                ..EngineOptions::default()
            };
            Engine::with_lipsync(options, PresetLibrary::builtin().clone(), source).expect("engine")
        });
        // Every input starts a fresh stream in neutral, whatever the previous one left.
        engine.reset().expect("reset");
        engine
            .set_emotion("neutral", Intensity::Level(1.0))
            .expect("neutral");
        run(engine, rate, input);
    });
});
