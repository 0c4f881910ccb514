//! The audio front end: mono PCM at any supported rate, streamed to the rate and the features
//! a lip-sync model reads ([`resample`], [`features`]), and the speech gate that says when
//! someone speaks ([`gate`]). Knows nothing of lip sync or faces.

pub mod features;
pub mod gate;
pub mod resample;

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

/// Mono audio, validated: a supported rate, at least one sample, every sample finite.
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
