//! Renders a scenario into 30 fps frames of the 52 weights: per-turn VAD (damped across a
//! monologue's turns), a per-frame VAD track (Gaussian-smoothed offline), the expression compiled
//! per frame, crossfades between turns (brows passing through neutral on large changes), lip sync
//! and the speech gate from each turn's audio, the merge, and the eyes. The same code renders
//! training targets offline and (with `causal`) what a live stream would show.
//!
//! A lip-sync model with an emotion input reads, for each frame, the VAD point that frame's
//! expression is compiled at (`Rendered::vad`): the turn's damped point, Gaussian-smoothed across
//! the boundaries offline. Causal rendering holds each turn's point over its frames, as the
//! streaming engine does.

use serde::Serialize;

use crate::audio::gate::{frame_energies_db, SpeechGate};
use crate::audio::Pcm;
use crate::base::channels::{ChannelTable, Weights};
use crate::base::emotion::{EmotionTaxonomy, Vad};
use crate::base::error::{FaceError, Result};
use crate::base::time::{frame_start, FPS};
use crate::expression::presets::PresetLibrary;
use crate::expression::{CompileMode, ExpressionCompiler, Intensity};
use crate::lipsync::LipSync;
use crate::pipeline::merge::merge;
use crate::pipeline::scenario::{Regime, Scenario};
use crate::temporal::eyes::{EyeChannels, EyeMotion};
use crate::temporal::smoothing::{
    brow_through_neutral, damp_turns, fade_weight, fade_window, gaussian_smooth,
    needs_brow_pass_through, FadePlacement,
};
use crate::temporal::{SmoothingParams, SmoothingSet, TemporalParams};

/// Energy of a silent frame (what the gate sees where a turn has no audio).
const SILENCE_DB: f32 = -200.0;

#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    pub smoothing: SmoothingParams,
    /// Seed of the eye motion.
    pub seed: u64,
    /// Streaming behaviour: crossfades start at the boundary and there is no Gaussian smoothing,
    /// so no frame depends on a later turn. Offline (false) centres the fades and smooths.
    pub causal: bool,
    /// Blinks and iris motion (off only for analysis).
    pub eye_motion: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            smoothing: TemporalParams::builtin().smoothing(SmoothingSet::Current),
            seed: 0,
            causal: false,
            eye_motion: true,
        }
    }
}

/// Frames `[start_frame, end_frame)` of one turn, its gap included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TurnSpan {
    pub start_frame: usize,
    pub end_frame: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub regime: Regime,
    pub turns: Vec<TurnSpan>,
    /// One frame of 52 weights per 1/30 s.
    pub frames: Vec<Weights>,
    /// The VAD point each frame was compiled at (after damping and smoothing).
    pub vad: Vec<Vad>,
    /// The speech gate's weight per frame.
    pub speech: Vec<f32>,
    /// Name of the lip sync that produced the mouth.
    pub lipsync: String,
}

/// Renders `scenario`. `audio[i]` is turn `i`'s decoded audio (`None` for a silent turn); a
/// turn that names an audio file must have it.
pub fn render(
    scenario: &Scenario,
    audio: &[Option<Pcm>],
    library: &PresetLibrary,
    options: &RenderOptions,
    params: &TemporalParams,
    lipsync: &mut dyn LipSync,
) -> Result<Rendered> {
    options.smoothing.validate("smoothing")?;
    let turns = &scenario.turns;
    if audio.len() != turns.len() {
        return Err(FaceError::InvalidData {
            place: "render".into(),
            message: format!("{} turns but audio for {}", turns.len(), audio.len()),
        });
    }
    let taxonomy = EmotionTaxonomy::builtin();
    let table = ChannelTable::builtin();

    // Turn spans.
    let mut spans = Vec::with_capacity(turns.len());
    let mut start = 0;
    for (i, (turn, pcm)) in turns.iter().zip(audio).enumerate() {
        if turn.audio.is_some() && pcm.is_none() {
            return Err(FaceError::Audio(format!(
                "scenario.turns[{i}] names audio \"{}\" but none was given",
                turn.audio.as_deref().unwrap_or_default()
            )));
        }
        let audio_frames = pcm.as_ref().map_or(0, Pcm::frame_count);
        let duration_frames = turn
            .duration_s
            .map_or(0, |d| (d * f64::from(FPS)).ceil() as usize);
        let gap_frames = (turn.gap_s * f64::from(FPS)).round() as usize;
        let end = start + audio_frames.max(duration_frames).max(1) + gap_frames;
        spans.push(TurnSpan {
            start_frame: start,
            end_frame: end,
        });
        start = end;
    }
    let frame_count = start;

    // Per-turn VAD, damped across a monologue; per-frame track, smoothed offline.
    let monologue = scenario.regime == Regime::Monologue;
    let raw = turns
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (_, emotion) =
                taxonomy.require(&format!("scenario.turns[{i}].emotion"), &t.emotion)?;
            t.intensity.resolve(emotion)
        })
        .collect::<Result<Vec<Vad>>>()?;
    let s = &options.smoothing;
    let turn_vad = if monologue {
        damp_turns(&raw, s.gamma, s.beta)
    } else {
        raw
    };
    let mut track = Vec::with_capacity(frame_count);
    for (span, vad) in spans.iter().zip(&turn_vad) {
        track.extend(std::iter::repeat_n(*vad, span.end_frame - span.start_frame));
    }
    if monologue && !options.causal {
        track = gaussian_smooth(&track, s.sigma_frames);
    }

    // Expression per frame, then crossfades at a monologue's boundaries.
    let compiler = ExpressionCompiler::new(library);
    let compile = |turn: usize, f: usize| -> Result<Weights> {
        compiler.compile(
            &turns[turn].emotion,
            Intensity::Vad(track[f]),
            CompileMode::Expressive,
        )
    };
    let mut expression = Vec::with_capacity(frame_count);
    for (i, span) in spans.iter().enumerate() {
        for f in span.start_frame..span.end_frame {
            expression.push(compile(i, f)?);
        }
    }
    if monologue && s.fade_frames > 0 {
        let placement = if options.causal {
            FadePlacement::Causal
        } else {
            FadePlacement::Centred
        };
        for i in 1..spans.len() {
            let boundary = spans[i].start_frame;
            let window = fade_window(
                boundary,
                s.fade_frames,
                spans[i - 1].start_frame,
                spans[i].end_frame,
                placement,
            );
            if window.0 == window.1 {
                continue;
            }
            let brows = &params.brow_channels;
            let before = compile(i - 1, boundary - 1)?;
            let after = compile(i, boundary)?;
            let pass_through = needs_brow_pass_through(
                &brows.iter().map(|&c| before[c]).collect::<Vec<_>>(),
                &brows.iter().map(|&c| after[c]).collect::<Vec<_>>(),
                params.brow_threshold,
            );
            for (f, slot) in expression
                .iter_mut()
                .enumerate()
                .take(window.1)
                .skip(window.0)
            {
                // The frame already holds its own turn's face; compile only the other side.
                let (prev, next) = if f < boundary {
                    (*slot, compile(i, f)?)
                } else {
                    (compile(i - 1, f)?, *slot)
                };
                let w = fade_weight(f, window);
                let mut frame: Weights = std::array::from_fn(|c| (1.0 - w) * prev[c] + w * next[c]);
                if pass_through {
                    let t = (f as f32 + 0.5 - window.0 as f32) / (window.1 - window.0) as f32;
                    for &c in brows {
                        frame[c] = brow_through_neutral(prev[c], next[c], t);
                    }
                }
                *slot = frame;
            }
        }
    }

    // Lip sync and speech energy from each turn's audio; silence elsewhere.
    let mut lip = vec![[0.0f32; crate::base::channels::CHANNEL_COUNT]; frame_count];
    let mut energy = vec![SILENCE_DB; frame_count];
    for (span, pcm) in spans.iter().zip(audio) {
        let Some(pcm) = pcm else { continue };
        for (k, frame) in clip_with_vad(lipsync, pcm, &track[span.start_frame..span.end_frame])?
            .into_iter()
            .enumerate()
            .take(span.end_frame - span.start_frame)
        {
            lip[span.start_frame + k] = frame;
        }
        for (k, db) in frame_energies_db(pcm.samples(), pcm.sample_rate())
            .into_iter()
            .enumerate()
        {
            energy[span.start_frame + k] = db;
        }
    }
    let mut gate = SpeechGate::new(&params.gate);
    let speech: Vec<f32> = energy.iter().map(|db| gate.push(*db)).collect();

    // Merge, then the eyes on top.
    let mut eyes = EyeMotion::new(options.seed, &params.eyes);
    let eye_channels = EyeChannels::new(table);
    let frames = (0..frame_count)
        .map(|f| {
            let mut frame = merge(&expression[f], &lip[f], speech[f], table);
            if options.eye_motion {
                eye_channels.apply(&eyes.next_frame(), &mut frame);
            }
            frame
        })
        .collect();
    Ok(Rendered {
        regime: scenario.regime,
        turns: spans,
        frames,
        vad: track,
        speech,
        lipsync: lipsync.name().to_string(),
    })
}

/// A clip's lip-sync frames, frame `k` with the emotion `vad[k]` (the clip's frames never
/// outnumber its span's): the audio goes in up to each frame where the point changes, and the
/// new point is set before it, so it holds from that frame on.
fn clip_with_vad(lipsync: &mut dyn LipSync, pcm: &Pcm, vad: &[Vad]) -> Result<Vec<Weights>> {
    let (samples, rate) = (pcm.samples(), pcm.sample_rate());
    let frames = pcm.frame_count();
    debug_assert!(vad.len() >= frames, "a turn's span holds its audio");
    let mut out = Vec::with_capacity(pcm.frame_count());
    lipsync.start(rate)?;
    let mut k = 0;
    while k < frames {
        let end = (k + 1..frames)
            .find(|&j| vad[j] != vad[k])
            .unwrap_or(frames);
        lipsync.set_vad(vad[k]);
        let to = if end == frames {
            samples.len()
        } else {
            frame_start(end as u64, rate)
        };
        lipsync.push(&samples[frame_start(k as u64, rate)..to], &mut out)?;
        k = end;
    }
    lipsync.finish(&mut out)?;
    Ok(out)
}
