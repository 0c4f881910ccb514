//! Lip sync: audio -> the mouth's weights at 30 fps. [`LipSync`] is the seam the renderer and
//! the engine call; the energy mouth here is the model-free baseline (the audio runtime adds
//! ONNX models behind the same trait, so the renderer does not change when they arrive).

use crate::channels::{Weights, CHANNEL_COUNT};
use crate::error::{FaceError, Result};
use crate::gate::frame_energies_db;
use crate::temporal::{frames_covering, TemporalParams};

/// Accepted input sample rates, inclusive.
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=96_000;

/// Mono audio, validated: a supported rate, at least one sample, every sample finite.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    samples: Vec<f32>,
    sample_rate: u32,
}

impl Pcm {
    pub fn new(samples: Vec<f32>, sample_rate: u32) -> Result<Pcm> {
        if !SAMPLE_RATES.contains(&sample_rate) {
            return Err(FaceError::Audio(format!(
                "sample rate {sample_rate} Hz is not in [8000, 96000]"
            )));
        }
        if samples.is_empty() {
            return Err(FaceError::Audio("the audio is empty (0 samples)".into()));
        }
        if let Some(i) = samples.iter().position(|x| !x.is_finite()) {
            return Err(FaceError::Audio(format!(
                "sample {i} is {} (audio must be finite numbers)",
                samples[i]
            )));
        }
        Ok(Pcm {
            samples,
            sample_rate,
        })
    }

    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Number of 30 fps frames the audio covers (a partial last frame counts).
    pub fn frame_count(&self) -> usize {
        frames_covering(self.samples.len(), self.sample_rate)
    }
}

/// Audio -> lip-sync frames.
pub trait LipSync {
    /// A short name for outputs and the status line.
    fn name(&self) -> &str;
    /// One frame of 52 weights per 30 fps frame of `pcm` ([`Pcm::frame_count`] of them); only
    /// lip-sync and shared channels may be non-zero.
    fn clip(&mut self, pcm: &Pcm) -> Result<Vec<Weights>>;
}

/// The model-free baseline: the frame energy opens the jaw and lips, with a faster attack than
/// release (mouths open quickly and close more slowly), tuned in `data/temporal.json`.
#[derive(Debug, Clone)]
pub struct EnergyMouth<'a> {
    params: &'a TemporalParams,
}

impl<'a> EnergyMouth<'a> {
    pub fn new(params: &'a TemporalParams) -> Self {
        EnergyMouth { params }
    }
}

impl LipSync for EnergyMouth<'_> {
    fn name(&self) -> &str {
        "energy"
    }

    fn clip(&mut self, pcm: &Pcm) -> Result<Vec<Weights>> {
        let m = &self.params.energy_mouth;
        let mut openness = 0.0f32;
        Ok(frame_energies_db(pcm.samples(), pcm.sample_rate())
            .into_iter()
            .map(|db| {
                let target = ((db - m.floor_db) / (m.ceiling_db - m.floor_db)).clamp(0.0, 1.0);
                let rate = if target > openness {
                    m.attack
                } else {
                    m.release
                };
                openness += (target - openness) * rate;
                let mut frame = [0.0; CHANNEL_COUNT];
                for &(c, w) in &self.params.energy_mouth_channels {
                    frame[c] = w * openness;
                }
                frame
            })
            .collect())
    }
}
