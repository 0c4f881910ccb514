//! Lip sync: audio -> the mouth's weights at 30 fps. [`LipSync`] is the seam the renderer and
//! the engine call; [`SignalMouth`] here is the model-free fallback, and ONNX models plug in
//! behind the same trait (`lipsync_model.rs`).

use crate::channels::{Weights, CHANNEL_COUNT};
use crate::emotion::Vad;
use crate::error::{FaceError, Result};
use crate::gate::energy_db;
use crate::temporal::{frame_start, frames_covering, TemporalParams};

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

/// Audio -> lip-sync frames at 30 fps, streaming. Frame `f` of a stream covers input samples
/// `[f * rate / 30, (f + 1) * rate / 30)`; a stream of `n` samples gives exactly
/// [`frames_covering`]`(n, rate)` frames once finished, however it was chunked.
pub trait LipSync {
    /// A short name for outputs and the status line.
    fn name(&self) -> &str;
    /// Starts a stream of mono audio at `sample_rate`, forgetting any previous one.
    fn start(&mut self, sample_rate: u32) -> Result<()>;
    /// Pushes finite samples; appends every frame now complete. Only lip-sync and shared
    /// channels may be non-zero.
    fn push(&mut self, samples: &[f32], out: &mut Vec<Weights>) -> Result<()>;
    /// Ends the stream, appending the frames still owed.
    fn finish(&mut self, out: &mut Vec<Weights>) -> Result<()>;
    /// Audio beyond a frame's own span this lip sync waits for before emitting the frame
    /// (look-ahead, analysis windows, resampling), in seconds.
    fn latency_s(&self) -> f64;

    /// The emotion's VAD point for frames from the one the next pushed sample belongs to
    /// ([`frame_of_sample`](crate::temporal::frame_of_sample)) on; frames owed for audio
    /// already pushed keep the VAD they were given, however late the look-ahead lets them out,
    /// so the frames stay independent of the chunking. Kept across [`start`](Self::start) (the
    /// latest point set holds for the new stream). Only a model with an emotion input reads it
    /// (`emotion_input` in its manifest); the default does nothing, as for the signal fallback.
    fn set_vad(&mut self, vad: Vad) {
        let _ = vad;
    }

    /// A whole clip: the same frames as any streaming of it.
    fn clip(&mut self, pcm: &Pcm) -> Result<Vec<Weights>> {
        self.start(pcm.sample_rate())?;
        let mut out = Vec::with_capacity(pcm.frame_count());
        self.push(pcm.samples(), &mut out)?;
        self.finish(&mut out)?;
        Ok(out)
    }
}

/// The signal-processing fallback (no model): per 30 fps frame, the energy opens the jaw and
/// lips (faster attack than release: mouths open quickly and close more slowly) and the
/// zero-crossing rate shapes them, dark sounds (low rate: o, u, w) rounding the lips and bright
/// ones (high rate: i, e, s) spreading them. Tuned in `data/temporal.json` (`signal_mouth`).
#[derive(Debug, Clone)]
pub struct SignalMouth<'a> {
    params: &'a TemporalParams,
    rate: u32,
    frame: u64,
    pending: Vec<f32>,
    openness: f32,
    brightness: f32,
}

impl<'a> SignalMouth<'a> {
    pub fn new(params: &'a TemporalParams) -> Self {
        SignalMouth {
            params,
            rate: 16_000,
            frame: 0,
            pending: Vec::new(),
            openness: 0.0,
            brightness: 0.0,
        }
    }

    fn frame_length(&self) -> usize {
        frame_start(self.frame + 1, self.rate) - frame_start(self.frame, self.rate)
    }

    fn analyse(&mut self, samples: &[f32]) -> Weights {
        let m = &self.params.signal_mouth;
        let db = energy_db(samples);
        let crossings = samples
            .windows(2)
            .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
            .count();
        let zcr_hz = crossings as f32 * self.rate as f32 / (2.0 * samples.len().max(1) as f32);
        let open_target = ((db - m.floor_db) / (m.ceiling_db - m.floor_db)).clamp(0.0, 1.0);
        let bright_target =
            ((zcr_hz - m.bright_hz[0]) / (m.bright_hz[1] - m.bright_hz[0])).clamp(0.0, 1.0);
        let rate = if open_target > self.openness {
            m.attack
        } else {
            m.release
        };
        self.openness += (open_target - self.openness) * rate;
        // Brightness only means something while sound is there; follow it at the attack rate.
        if open_target > 0.0 {
            self.brightness += (bright_target - self.brightness) * m.attack;
        }
        let (o, b) = (self.openness, self.brightness);
        let mut frame = [0.0; CHANNEL_COUNT];
        for (w, [open, round, spread]) in frame.iter_mut().zip(&self.params.signal_mouth_channels) {
            *w = (o * (open * (1.0 - 0.4 * b) + round * (1.0 - b) + spread * b)).clamp(0.0, 1.0);
        }
        frame
    }
}

impl LipSync for SignalMouth<'_> {
    fn name(&self) -> &str {
        "signal"
    }

    fn start(&mut self, sample_rate: u32) -> Result<()> {
        if !SAMPLE_RATES.contains(&sample_rate) {
            return Err(FaceError::Audio(format!(
                "sample rate {sample_rate} Hz is not in [8000, 96000]"
            )));
        }
        *self = SignalMouth {
            rate: sample_rate,
            ..SignalMouth::new(self.params)
        };
        Ok(())
    }

    fn push(&mut self, samples: &[f32], out: &mut Vec<Weights>) -> Result<()> {
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (self.frame_length() - self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() == self.frame_length() {
                let pending = std::mem::take(&mut self.pending);
                out.push(self.analyse(&pending));
                self.pending = pending;
                self.pending.clear();
                self.frame += 1;
            }
        }
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<Weights>) -> Result<()> {
        if !self.pending.is_empty() {
            let pending = std::mem::take(&mut self.pending);
            out.push(self.analyse(&pending));
            self.frame += 1;
        }
        Ok(())
    }

    fn latency_s(&self) -> f64 {
        // A frame is emitted when its last sample arrives: nothing beyond its own span.
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vowel(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| 0.3 * (std::f32::consts::TAU * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn dark_sounds_round_and_bright_sounds_spread_the_lips() {
        let params = TemporalParams::builtin();
        let c = |n: &str| crate::ChannelTable::builtin().index_of(n).unwrap();
        let mut mouth = SignalMouth::new(params);
        let dark = mouth
            .clip(&Pcm::new(vowel(250.0, 16_000, 0.5), 16_000).unwrap())
            .unwrap();
        let bright = mouth
            .clip(&Pcm::new(vowel(3_500.0, 16_000, 0.5), 16_000).unwrap())
            .unwrap();
        let (d, b) = (dark[10], bright[10]);
        assert!(
            d[c("jawOpen")] > 0.5 && d[c("mouthFunnel")] > 0.2 && d[c("mouthStretchLeft")] < 0.01
        );
        assert!(
            b[c("mouthStretchLeft")] > 0.2
                && b[c("mouthFunnel")] < 0.01
                && b[c("jawOpen")] < d[c("jawOpen")]
        );
        let silence = mouth
            .clip(&Pcm::new(vec![0.0; 8_000], 16_000).unwrap())
            .unwrap();
        assert!(silence.iter().all(|f| f.iter().all(|w| *w == 0.0)));
    }

    #[test]
    fn any_chunking_gives_the_same_frames() {
        let params = TemporalParams::builtin();
        let samples: Vec<f32> = (0..22_051)
            .map(|i| 0.4 * ((i as f32 * 0.05).sin() * (i as f32 * 0.0007).sin()))
            .collect();
        let pcm = Pcm::new(samples.clone(), 22_050).unwrap();
        let whole = SignalMouth::new(params).clip(&pcm).unwrap();
        assert_eq!(whole.len(), pcm.frame_count());
        for chunk in [1, 17, 735, 736, 4000] {
            let mut mouth = SignalMouth::new(params);
            mouth.start(22_050).unwrap();
            let mut out = Vec::new();
            for piece in samples.chunks(chunk) {
                mouth.push(piece, &mut out).unwrap();
            }
            mouth.finish(&mut out).unwrap();
            assert_eq!(out, whole, "chunk {chunk}");
        }
    }
}
