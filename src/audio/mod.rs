//! The audio front end: mono PCM at any supported rate, streamed to the rate and the features
//! a lip-sync model reads ([`resample`], [`features`]), and the speech gate that says when
//! someone speaks ([`gate`]). Knows nothing of lip sync or faces.

pub mod features;
pub mod gate;
pub mod resample;
#[cfg(not(target_arch = "wasm32"))]
pub mod wav;

use crate::base::error::{FaceError, Result};
use crate::base::time::frames_covering;

/// Accepted input sample rates, inclusive.
pub const SAMPLE_RATES: std::ops::RangeInclusive<u32> = 8_000..=96_000;

/// The one check of an input rate: [`SAMPLE_RATES`] or a typed error naming the rate.
pub fn check_sample_rate(sample_rate: u32) -> Result<()> {
    if SAMPLE_RATES.contains(&sample_rate) {
        Ok(())
    } else {
        Err(FaceError::Audio(format!(
            "sample rate {sample_rate} Hz is not in [8000, 96000]"
        )))
    }
}

/// The largest sample magnitude accepted. Audio is nominally in [-1, 1]; louder clips (and
/// integer PCM passed unscaled, up to 32768) still work, but beyond this a sample is not audio,
/// and its square would overflow the `f32` features (a NaN in the model's input, found by
/// fuzzing `Engine::push`).
pub const MAX_SAMPLE: f32 = 1e6;

/// The one check of input samples: finite and within [`MAX_SAMPLE`]. The error names the first
/// bad sample; `of` says where it sits ("" or " of the chunk").
pub fn check_samples(samples: &[f32], of: &str) -> Result<()> {
    match samples.iter().position(|x| !x.is_finite() || x.abs() > MAX_SAMPLE) {
        None => Ok(()),
        Some(i) if samples[i].is_finite() => Err(FaceError::Audio(format!(
            "sample {i}{of} is {} (beyond +-{MAX_SAMPLE}: audio is expected in [-1, 1]; scale integer PCM by 1/32768)",
            samples[i]
        ))),
        Some(i) => Err(FaceError::Audio(format!(
            "sample {i}{of} is {} (audio must be finite numbers)",
            samples[i]
        ))),
    }
}

/// Mono audio, validated: a supported rate, at least one sample, every sample finite and within
/// [`MAX_SAMPLE`].
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    samples: Vec<f32>,
    sample_rate: u32,
}

impl Pcm {
    pub fn new(samples: Vec<f32>, sample_rate: u32) -> Result<Pcm> {
        check_sample_rate(sample_rate)?;
        if samples.is_empty() {
            return Err(FaceError::Audio("the audio is empty (0 samples)".into()));
        }
        check_samples(&samples, "")?;
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
