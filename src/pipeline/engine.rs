//! The streaming engine: audio pushed in chunks of any size -> 30 fps frames of the 52 weights,
//! with the emotion set per turn. Lip sync (a model or the fallback), the speech gate, the causal
//! temporal rules (VAD damping across turns, a crossfade that starts at the turn boundary, brows
//! through neutral), the merge and the eyes run frame by frame, so the same audio and the same
//! emotion changes (at the same sample positions) give the same frames however they were chunked.
//!
//! A lip-sync model with an emotion input is told each turn's VAD point: the one its face is
//! compiled at, after causal damping, from the turn's first frame on (see [`Engine::set_emotion`]).
//!
//! The audio thread never runs this: it belongs in a Web Worker (see `pkg/worker.js`).

use crate::audio::gate::{energy_db, SpeechGate};
use crate::audio::{check_sample_rate, check_samples};
use crate::base::channels::{ChannelTable, Weights, CHANNEL_COUNT};
use crate::base::emotion::{EmotionTaxonomy, Vad};
use crate::base::error::{FaceError, Result};
use crate::base::time::cosine_ease;
use crate::expression::presets::PresetLibrary;
use crate::expression::{CompileMode, ExpressionCompiler, Intensity};
use crate::lipsync::LipSync;
use crate::lipsync::{Latency, LipSyncSource, SourceKind};
use crate::pipeline::merge::merge;
use crate::temporal::eyes::{EyeChannels, EyeMotion};
use std::collections::VecDeque;

use crate::base::time::{frame_of_sample, frame_start};
use crate::temporal::smoothing::{brow_through_neutral, needs_brow_pass_through};
use crate::temporal::{SmoothingParams, SmoothingSet, TemporalParams};

#[derive(Debug, Clone, PartialEq)]
pub struct EngineOptions {
    /// Rate of the audio pushed, 8 to 96 kHz.
    pub sample_rate: u32,
    pub smoothing: SmoothingParams,
    /// Seed of the eye motion.
    pub seed: u64,
    pub eye_motion: bool,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            sample_rate: 16_000,
            smoothing: TemporalParams::builtin().smoothing(SmoothingSet::Current),
            seed: 0,
            eye_motion: true,
        }
    }
}

/// A whole clip's frames ([`Engine::process_clip`]) and what read them.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// `frames x 52`, row-major, in canonical channel order.
    pub frames: Vec<f32>,
    /// The lip sync that read the clip: the model's manifest name, or "signal".
    pub lipsync: String,
    /// Its latency at the clip's rate, in seconds (as [`Engine::latency_s`]).
    pub latency_s: f64,
}

/// A turn: an emotion's face at a VAD point, from `start` (an output frame index) on.
#[derive(Debug, Clone)]
struct Turn {
    vad: Vad,
    start: u64,
    face: Weights,
}

/// A crossfade in progress: from the face shown when the turn changed to the new turn's face.
#[derive(Debug, Clone)]
struct Fade {
    from: Weights,
    start: u64,
    length: u64,
    brows_through_neutral: bool,
}

pub struct Engine {
    options: EngineOptions,
    params: &'static TemporalParams,
    library: PresetLibrary,
    lipsync: Box<dyn LipSync>,
    /// What drives the lips (without the model's bytes).
    driver: SourceKind,
    /// The other built-in model, once a clip asked for it (see `process_clip`), kept for the next.
    clip_lipsync: Option<(Latency, Box<dyn LipSync>)>,
    /// Rate of the stream being pushed (a clip may use another).
    rate: u32,
    /// The turn showing, and turns set for input positions not yet output.
    turn: Turn,
    pending_turns: VecDeque<Turn>,
    /// The running VAD mean of causal damping.
    vad_mean: [f32; 3],
    fade: Option<Fade>,
    /// The expression face of the last frame emitted (what a new fade starts from).
    last_face: Weights,
    gate: SpeechGate,
    eyes: EyeMotion,
    eye_channels: EyeChannels,
    /// Per-frame energies and lip frames computed but not yet emitted.
    energies: VecDeque<f32>,
    lip_frames: VecDeque<Weights>,
    /// Samples of the frame whose energy is being accumulated.
    energy_pending: Vec<f32>,
    energy_frame: u64,
    input_samples: u64,
    next_frame: u64,
    /// Frames ready for `take_frames`, flat, the first being frame `ready_start`.
    ready: Vec<f32>,
    ready_start: u64,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("options", &self.options)
            .field("lipsync", &self.lipsync.name())
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// An engine over `library`; with `model` = (model bytes, manifest JSON) the model drives the
    /// lips, otherwise the signal-processing fallback does. Starts in neutral at level 1.
    pub fn new(
        options: EngineOptions,
        library: PresetLibrary,
        model: Option<(&[u8], &str)>,
    ) -> Result<Self> {
        let source = match model {
            Some((bytes, manifest)) => LipSyncSource::Model(bytes, manifest),
            None => LipSyncSource::Fallback,
        };
        Self::with_lipsync(options, library, source)
    }

    /// An engine over `library` whose lips are driven by `source`: a built-in model (by its
    /// latency; [`LipSyncSource::choose`] applies the defaults), a model of one's own or the
    /// fallback. Starts in neutral at level 1.
    pub fn with_lipsync(
        options: EngineOptions,
        library: PresetLibrary,
        source: LipSyncSource,
    ) -> Result<Self> {
        options.smoothing.validate("smoothing")?;
        check_sample_rate(options.sample_rate)?;
        let params = TemporalParams::builtin();
        let lipsync = source.build(params)?;
        let turn = Self::make_turn(&library, "neutral", Intensity::Level(1.0), 0)?;
        let mut engine = Engine {
            rate: options.sample_rate,
            gate: SpeechGate::new(&params.gate),
            eyes: EyeMotion::new(options.seed, &params.eyes),
            eye_channels: EyeChannels::new(ChannelTable::builtin()),
            last_face: turn.face,
            vad_mean: turn.vad.as_array(),
            turn,
            pending_turns: VecDeque::new(),
            fade: None,
            options,
            params,
            library,
            lipsync,
            driver: source.kind(),
            clip_lipsync: None,
            energies: VecDeque::new(),
            lip_frames: VecDeque::new(),
            energy_pending: Vec::new(),
            energy_frame: 0,
            input_samples: 0,
            next_frame: 0,
            ready: Vec::new(),
            ready_start: 0,
        };
        engine.restart(engine.options.sample_rate)?;
        Ok(engine)
    }

    fn make_turn(
        library: &PresetLibrary,
        emotion: &str,
        intensity: Intensity,
        start: u64,
    ) -> Result<Turn> {
        let (_, entry) = EmotionTaxonomy::builtin().require("emotion", emotion)?;
        let vad = intensity.resolve(entry)?;
        let face = ExpressionCompiler::new(library).compile(
            emotion,
            Intensity::Vad(vad),
            CompileMode::Expressive,
        )?;
        Ok(Turn { vad, start, face })
    }

    /// Name of the lip sync in use (the model's manifest name, or "signal").
    pub fn lipsync_name(&self) -> &str {
        self.lipsync.name()
    }

    /// Audio a frame waits for beyond its own 33 ms span before it can be emitted, in seconds
    /// (the lip sync's look-ahead, analysis window and resampling).
    pub fn latency_s(&self) -> f64 {
        self.lipsync.latency_s()
    }

    /// The built-in model's latency when one drives the lips; `None` for a model of one's own
    /// and for the fallback.
    pub fn builtin_latency(&self) -> Option<Latency> {
        match self.driver {
            SourceKind::Builtin(latency) => Some(latency),
            SourceKind::Model | SourceKind::Fallback => None,
        }
    }

    /// Starts a new turn with `emotion` at `intensity` at the current input position (the frame
    /// the next pushed sample belongs to). Before any audio this sets the stream's first turn as
    /// is; later turns have their VAD damped toward the running mean (causal damping) and
    /// crossfade from the face showing. Nothing changes if the emotion or intensity is invalid.
    ///
    /// The lip sync is told the turn's VAD point for the same frames: the damped point the
    /// turn's face is compiled at, from the turn's first frame on (frames of the previous turn
    /// still waiting for the model's look-ahead keep the previous point). Not the crossfade: it
    /// blends two faces in weight space and has no VAD point of its own, and the emotion of the
    /// speech changes at the boundary, where the causal renderer's VAD track steps too; so the
    /// model's frames match the renderer's, and depend neither on the chunking nor on the
    /// look-ahead.
    pub fn set_emotion(&mut self, emotion: &str, intensity: Intensity) -> Result<()> {
        let start = frame_of_sample(self.input_samples, self.rate);
        let mut turn = Self::make_turn(&self.library, emotion, intensity, start)?;
        if self.input_samples == 0 && self.pending_turns.is_empty() {
            // The first turn of the stream: never damped, never faded.
            self.vad_mean = turn.vad.as_array();
            self.last_face = turn.face;
            self.lipsync.set_vad(turn.vad);
            self.turn = turn;
            return Ok(());
        }
        let s = self.options.smoothing;
        let raw = turn.vad.as_array();
        let damped: [f32; 3] =
            std::array::from_fn(|k| s.gamma * raw[k] + (1.0 - s.gamma) * self.vad_mean[k]);
        self.vad_mean =
            std::array::from_fn(|k| s.beta * self.vad_mean[k] + (1.0 - s.beta) * raw[k]);
        if damped != raw {
            turn.vad = damped.into();
            turn.face = ExpressionCompiler::new(&self.library).compile(
                emotion,
                Intensity::Vad(turn.vad),
                CompileMode::Expressive,
            )?;
        }
        self.lipsync.set_vad(turn.vad);
        self.pending_turns.push_back(turn);
        Ok(())
    }

    /// Pushes mono samples at the engine's rate; returns how many frames are ready to take.
    /// A chunk with a NaN, infinite or absurdly large sample ([`MAX_SAMPLE`](crate::audio::MAX_SAMPLE)) is rejected whole (an error naming it) and nothing
    /// of it is consumed, so the stream can continue with the next chunk.
    pub fn push(&mut self, samples: &[f32]) -> Result<usize> {
        check_samples(samples, " of the chunk").map_err(|e| match e {
            FaceError::Audio(m) => FaceError::Audio(format!("{m}; the chunk was dropped")),
            e => e,
        })?;
        let mut lips = Vec::new();
        self.lipsync.push(samples, &mut lips)?;
        self.lip_frames.extend(lips);
        self.accumulate_energy(samples);
        self.input_samples += samples.len() as u64;
        self.emit_ready();
        Ok(self.ready.len() / CHANNEL_COUNT)
    }

    /// Ends the stream: returns every frame not yet taken, through the last one the audio
    /// covers (a partial last frame counts). The engine is then ready for a new stream at its
    /// rate, keeping the current emotion.
    pub fn finish(&mut self) -> Result<Vec<f32>> {
        let mut lips = Vec::new();
        self.lipsync.finish(&mut lips)?;
        self.lip_frames.extend(lips);
        if !self.energy_pending.is_empty() {
            self.energies.push_back(energy_db(&self.energy_pending));
            self.energy_pending.clear();
        }
        self.emit_ready();
        let frames = std::mem::take(&mut self.ready);
        let rate = self.options.sample_rate;
        self.restart(rate)?;
        Ok(frames)
    }

    /// Takes the frames ready so far: `frames x 52`, row-major, in canonical channel order.
    /// Frame `i` of all frames taken since the stream began is at audio time `i / 30` s
    /// ([`first_ready_frame`](Self::first_ready_frame) says which index the first one has).
    pub fn take_frames(&mut self) -> Vec<f32> {
        self.ready_start += (self.ready.len() / CHANNEL_COUNT) as u64;
        std::mem::take(&mut self.ready)
    }

    /// The stream index of the first frame `take_frames` would return.
    pub fn first_ready_frame(&self) -> u64 {
        self.ready_start
    }

    /// Forgets the audio stream (buffers, gate, turns after the current one) and starts anew
    /// at the engine's rate, keeping the current emotion as the new stream's first turn.
    pub fn reset(&mut self) -> Result<()> {
        let rate = self.options.sample_rate;
        self.restart(rate)
    }

    /// Processes a whole clip at `sample_rate` as a fresh stream with the current emotion: its
    /// frames and what read them. The engine is reset after.
    ///
    /// A whole clip can wait for its look-ahead, so an engine running a built-in model reads it
    /// with the built-in model for `latency`, [`Latency::OFFLINE`] (playback) when `None`,
    /// whatever the stream's latency: the frames are those of pushing the clip in any chunks
    /// into an engine of that latency. An engine with a model of one's own or the fallback reads
    /// it with that, and a `latency` is then an error (it only picks a built-in model).
    pub fn process_clip(
        &mut self,
        samples: &[f32],
        sample_rate: u32,
        latency: Option<Latency>,
    ) -> Result<Clip> {
        check_samples(samples, "")?;
        if samples.is_empty() {
            return Err(FaceError::Audio("the audio is empty (0 samples)".into()));
        }
        // The same rule as for building an engine (a latency only picks a built-in model).
        match self.driver.clip_latency(latency, Latency::OFFLINE)? {
            Some(latency) if self.driver != SourceKind::Builtin(latency) => {
                let mut other = match self.clip_lipsync.take() {
                    Some((kept, lipsync)) if kept == latency => lipsync,
                    _ => LipSyncSource::Builtin(latency).build(self.params)?,
                };
                std::mem::swap(&mut self.lipsync, &mut other);
                let clip = self.run_clip(samples, sample_rate);
                std::mem::swap(&mut self.lipsync, &mut other);
                self.clip_lipsync = Some((latency, other));
                // The stream's own lip sync starts anew too.
                let rate = self.options.sample_rate;
                self.restart(rate)?;
                clip
            }
            _ => self.run_clip(samples, sample_rate),
        }
    }

    fn run_clip(&mut self, samples: &[f32], sample_rate: u32) -> Result<Clip> {
        self.restart(sample_rate)?;
        // Its latency at the clip's rate (the resampler's share depends on it).
        let (lipsync, latency_s) = (self.lipsync.name().to_string(), self.lipsync.latency_s());
        self.push(samples)?;
        Ok(Clip {
            frames: self.finish()?,
            lipsync,
            latency_s,
        })
    }

    fn restart(&mut self, rate: u32) -> Result<()> {
        self.lipsync.start(rate)?;
        self.rate = rate;
        // The showing emotion (or the latest one set) becomes the new stream's first turn.
        if let Some(last) = self.pending_turns.pop_back() {
            self.turn = last;
        }
        self.pending_turns.clear();
        self.turn.start = 0;
        self.lipsync.set_vad(self.turn.vad);
        self.vad_mean = self.turn.vad.as_array();
        self.fade = None;
        self.last_face = self.turn.face;
        self.gate = SpeechGate::new(&self.params.gate);
        self.eyes = EyeMotion::new(self.options.seed, &self.params.eyes);
        self.energies.clear();
        self.lip_frames.clear();
        self.energy_pending.clear();
        self.energy_frame = 0;
        self.input_samples = 0;
        self.next_frame = 0;
        self.ready.clear();
        self.ready_start = 0;
        Ok(())
    }

    /// Frame energies on the same frame grid as the lip sync: frame `f` covers samples
    /// `[f * rate / 30, (f + 1) * rate / 30)`.
    fn accumulate_energy(&mut self, samples: &[f32]) {
        let mut rest = samples;
        while !rest.is_empty() {
            let length = frame_start(self.energy_frame + 1, self.rate)
                - frame_start(self.energy_frame, self.rate);
            let take = (length - self.energy_pending.len()).min(rest.len());
            self.energy_pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.energy_pending.len() == length {
                self.energies.push_back(energy_db(&self.energy_pending));
                self.energy_pending.clear();
                self.energy_frame += 1;
            }
        }
    }

    /// Emits every frame whose lip frame and energy both exist.
    fn emit_ready(&mut self) {
        while !self.lip_frames.is_empty() && !self.energies.is_empty() {
            let (lip, energy) = (
                self.lip_frames.pop_front().unwrap_or([0.0; CHANNEL_COUNT]),
                self.energies.pop_front().unwrap_or(-200.0),
            );
            let f = self.next_frame;
            let expression = self.expression(f);
            self.last_face = expression;
            let g = self.gate.push(energy);
            let mut frame = merge(&expression, &lip, g, ChannelTable::builtin());
            if self.options.eye_motion {
                self.eye_channels.apply(&self.eyes.next_frame(), &mut frame);
            }
            self.ready.extend_from_slice(&frame);
            self.next_frame += 1;
        }
    }

    /// The expression of output frame `f`: the turn's face, or a causal crossfade into it.
    fn expression(&mut self, f: u64) -> Weights {
        while self.pending_turns.front().is_some_and(|t| t.start <= f) {
            let next = self.pending_turns.pop_front().expect("checked");
            let brows = &self.params.brow_channels;
            let from = self.last_face;
            let length = u64::from(self.options.smoothing.fade_frames);
            let through = needs_brow_pass_through(
                &brows.iter().map(|&c| from[c]).collect::<Vec<_>>(),
                &brows.iter().map(|&c| next.face[c]).collect::<Vec<_>>(),
                self.params.brow_threshold,
            );
            self.fade = (length > 0).then_some(Fade {
                from,
                start: next.start.max(f),
                length,
                brows_through_neutral: through,
            });
            self.turn = next;
        }
        let Some(fade) = &self.fade else {
            return self.turn.face;
        };
        let t = (f.saturating_sub(fade.start) as f32 + 0.5) / fade.length as f32;
        if t >= 1.0 {
            self.fade = None;
            return self.turn.face;
        }
        let w = cosine_ease(t);
        let to = self.turn.face;
        let mut frame: Weights = std::array::from_fn(|c| (1.0 - w) * fade.from[c] + w * to[c]);
        if fade.brows_through_neutral {
            for &c in &self.params.brow_channels {
                frame[c] = brow_through_neutral(fade.from[c], to[c], t);
            }
        }
        frame
    }
}
