//! Streaming sample-rate conversion to a model's rate, with rubato's sinc resampler.
//!
//! The resampler consumes input in fixed 5 ms blocks, whatever chunk sizes the caller pushes, so
//! the output depends only on the concatenated input (chunking invariance). Its startup delay is
//! trimmed, so output sample `n` lines up with input time `n / rate_out`; `finish` pads the tail
//! with silence so every input sample is accounted for.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

use crate::audio::check_sample_rate;
use crate::base::error::{FaceError, Result};

/// Sinc length: 128 taps keep the stop band well below speech features at under 2 ms of delay.
const SINC_LEN: usize = 128;

pub struct StreamResampler {
    rate_in: u32,
    rate_out: u32,
    /// `None` when the rates are equal (a copy).
    inner: Option<Async<f32>>,
    block: usize,
    pending: Vec<f32>,
    /// Output samples of startup delay still to drop.
    to_skip: usize,
    scratch: Vec<f32>,
    /// Input samples consumed and output samples emitted, for `finish`.
    consumed: u64,
    emitted: u64,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("rate_in", &self.rate_in)
            .field("rate_out", &self.rate_out)
            .finish_non_exhaustive()
    }
}

fn resample_error(e: impl std::fmt::Display) -> FaceError {
    FaceError::Audio(format!("resampler: {e}"))
}

impl StreamResampler {
    pub fn new(rate_in: u32, rate_out: u32) -> Result<Self> {
        for rate in [rate_in, rate_out] {
            check_sample_rate(rate)?;
        }
        // 5 ms blocks: what a live stream waits for before resampling (latency), small enough
        // for a 50 ms voice-to-face budget, large enough to keep the per-call overhead low.
        let block = (rate_in / 200) as usize;
        let inner = if rate_in == rate_out {
            None
        } else {
            let params = SincInterpolationParameters {
                sinc_len: SINC_LEN,
                f_cutoff: None,
                oversampling_factor: 128,
                interpolation: SincInterpolationType::Cubic,
                window: WindowFunction::BlackmanHarris2,
            };
            let ratio = f64::from(rate_out) / f64::from(rate_in);
            Some(
                Async::<f32>::new_sinc(ratio, 1.0, &params, block, 1, FixedAsync::Input)
                    .map_err(resample_error)?,
            )
        };
        let to_skip = inner.as_ref().map_or(0, |r| r.output_delay());
        let scratch = vec![0.0; inner.as_ref().map_or(0, |r| r.output_frames_max())];
        Ok(StreamResampler {
            rate_in,
            rate_out,
            inner,
            block,
            pending: Vec::with_capacity(block),
            to_skip,
            scratch,
            consumed: 0,
            emitted: 0,
        })
    }

    pub fn rate_in(&self) -> u32 {
        self.rate_in
    }

    pub fn rate_out(&self) -> u32 {
        self.rate_out
    }

    /// Latency the resampler adds in a live stream: the block it waits for plus its filter delay.
    pub fn latency_s(&self) -> f64 {
        match &self.inner {
            None => 0.0,
            Some(r) => {
                self.block as f64 / f64::from(self.rate_in)
                    + r.output_delay() as f64 / f64::from(self.rate_out)
            }
        }
    }

    /// Resamples `input` (already validated as finite), appending what is ready to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<()> {
        let Some(inner) = self.inner.as_mut() else {
            out.extend_from_slice(input);
            self.consumed += input.len() as u64;
            self.emitted += input.len() as u64;
            return Ok(());
        };
        let mut rest = input;
        while !rest.is_empty() {
            let take = (self.block - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == self.block {
                let n = Self::run(inner, &self.pending, &mut self.scratch)?;
                self.consumed += self.block as u64;
                Self::emit(
                    &self.scratch[..n],
                    &mut self.to_skip,
                    &mut self.emitted,
                    out,
                );
                self.pending.clear();
            }
        }
        Ok(())
    }

    /// Flushes the tail: after this, the output holds `ceil(input * rate_out / rate_in)` samples
    /// in all. The resampler is then ready for a new stream.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<()> {
        let Some(inner) = self.inner.as_mut() else {
            return Ok(());
        };
        let total_in = self.consumed + self.pending.len() as u64;
        let wanted = (total_in * u64::from(self.rate_out)).div_ceil(u64::from(self.rate_in));
        // Feed the partial block padded with silence, then silence, until the delayed output
        // has caught up with the input.
        while self.emitted < wanted {
            self.pending.resize(self.block, 0.0);
            let n = Self::run(inner, &self.pending, &mut self.scratch)?;
            self.pending.clear();
            let skip = self.to_skip.min(n);
            let take = (n - skip).min((wanted - self.emitted) as usize);
            Self::emit(
                &self.scratch[..skip + take],
                &mut self.to_skip,
                &mut self.emitted,
                out,
            );
        }
        inner.reset();
        self.to_skip = inner.output_delay();
        self.pending.clear();
        self.consumed = 0;
        self.emitted = 0;
        Ok(())
    }

    fn run(inner: &mut Async<f32>, block: &[f32], scratch: &mut [f32]) -> Result<usize> {
        let frames_out = scratch.len();
        let input = InterleavedSlice::new(block, 1, block.len()).map_err(resample_error)?;
        let mut output =
            InterleavedSlice::new_mut(scratch, 1, frames_out).map_err(resample_error)?;
        let (_, written) = inner
            .process_into_buffer(&input, &mut output, None)
            .map_err(resample_error)?;
        Ok(written)
    }

    fn emit(samples: &[f32], to_skip: &mut usize, emitted: &mut u64, out: &mut Vec<f32>) {
        let skip = (*to_skip).min(samples.len());
        *to_skip -= skip;
        out.extend_from_slice(&samples[skip..]);
        *emitted += (samples.len() - skip) as u64;
    }
}

/// Resamples a whole clip (the same blocks as streaming, so the same samples).
pub fn resample_clip(samples: &[f32], rate_in: u32, rate_out: u32) -> Result<Vec<f32>> {
    let mut resampler = StreamResampler::new(rate_in, rate_out)?;
    let mut out = Vec::with_capacity(samples.len() * rate_out as usize / rate_in as usize + 16);
    resampler.push(samples, &mut out)?;
    resampler.finish(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| (std::f32::consts::TAU * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    /// Frequency estimate from zero crossings (upward), over the middle of the signal.
    fn frequency(samples: &[f32], rate: u32) -> f32 {
        let mid = &samples[samples.len() / 4..samples.len() * 3 / 4];
        let ups: Vec<f32> = mid
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
            .map(|(i, w)| i as f32 + w[0] / (w[0] - w[1]))
            .collect();
        (ups.len() - 1) as f32 * rate as f32 / (ups[ups.len() - 1] - ups[0])
    }

    #[test]
    fn a_sine_keeps_its_frequency_and_level() {
        for rate_in in [8_000, 11_025, 22_050, 44_100, 48_000, 96_000, 12_345] {
            let input = sine(440.0, rate_in, 1.0);
            let out = resample_clip(&input, rate_in, 16_000).unwrap();
            assert_eq!(
                out.len() as u64,
                (input.len() as u64 * 16_000).div_ceil(u64::from(rate_in)),
                "{rate_in}"
            );
            let f = frequency(&out, 16_000);
            assert!((f - 440.0).abs() < 0.5, "{rate_in}: {f} Hz");
            let peak = out[4000..12000].iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!((peak - 1.0).abs() < 0.02, "{rate_in}: peak {peak}");
        }
    }

    #[test]
    fn output_is_aligned_with_input() {
        // A click at 0.5 s comes out at 0.5 s: the startup delay is trimmed.
        let mut input = vec![0.0f32; 48_000];
        input[24_000] = 1.0;
        let out = resample_clip(&input, 48_000, 16_000).unwrap();
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap()
            .0;
        assert!((peak as i64 - 8_000).abs() <= 1, "{peak}");
    }

    #[test]
    fn chunk_sizes_do_not_change_the_output() {
        let input = sine(300.0, 44_100, 0.7);
        let whole = resample_clip(&input, 44_100, 16_000).unwrap();
        for chunk in [1, 7, 128, 441, 1000, 4096] {
            let mut r = StreamResampler::new(44_100, 16_000).unwrap();
            let mut out = Vec::new();
            for piece in input.chunks(chunk) {
                r.push(piece, &mut out).unwrap();
            }
            r.finish(&mut out).unwrap();
            assert_eq!(out, whole, "chunk {chunk}");
        }
    }

    #[test]
    fn equal_rates_copy_and_bad_rates_fail() {
        let input = sine(100.0, 16_000, 0.1);
        assert_eq!(resample_clip(&input, 16_000, 16_000).unwrap(), input);
        assert!(StreamResampler::new(4_000, 16_000)
            .unwrap_err()
            .to_string()
            .contains("4000 Hz"));
        assert!(StreamResampler::new(16_000, 200_000).is_err());
    }
}
