//! The signal-processing fallback: lip sync without a model, from each frame's energy and
//! zero-crossing rate. Tuned in `data/temporal.json` (`signal_mouth`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audio::check_sample_rate;
use crate::audio::gate::energy_db;
use crate::base::channels::{ChannelTable, Weights, CHANNEL_COUNT};
use crate::base::error::{FaceError, Result};
use crate::base::time::frame_start;
use crate::lipsync::LipSync;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignalMouthParams {
    /// Frame energy (dBFS) at which the mouth starts to open.
    pub floor_db: f32,
    /// Frame energy at which the mouth is fully open.
    pub ceiling_db: f32,
    /// Per-frame smoothing factor while opening (1: instant).
    pub attack: f32,
    /// Per-frame smoothing factor while closing.
    pub release: f32,
    /// Zero-crossing rate (Hz) mapped to brightness 0 (dark, rounded vowels) and 1 (bright,
    /// spread vowels and sibilants).
    pub bright_hz: [f32; 2],
    /// Weights at full opening, scaled down a little as the sound brightens.
    pub open: BTreeMap<String, f32>,
    /// Weights of rounded (dark) sounds: o, u, w.
    pub round: BTreeMap<String, f32>,
    /// Weights of spread (bright) sounds: i, e, s.
    pub spread: BTreeMap<String, f32>,
}

impl SignalMouthParams {
    /// Checks the values and resolves, per channel, its `[open, round, spread]` weights.
    pub fn resolve(&self, channels: &ChannelTable) -> Result<Vec<[f32; 3]>> {
        let invalid = |place: &str, message: String| FaceError::InvalidData {
            place: place.to_string(),
            message,
        };
        let m = self;
        let unit = |x: f32| 0.0 < x && x <= 1.0;
        let ordered = m.floor_db < m.ceiling_db && m.ceiling_db <= 0.0;
        let bright = 0.0 <= m.bright_hz[0] && m.bright_hz[0] < m.bright_hz[1];
        if !(ordered && unit(m.attack) && unit(m.release) && bright) {
            return Err(invalid(
                "signal_mouth",
                "needs floor_db < ceiling_db <= 0, attack/release in (0, 1] and 0 <= bright_hz[0] < bright_hz[1]".into(),
            ));
        }
        let mut signal_mouth_channels = vec![[0.0f32; 3]; CHANNEL_COUNT];
        for (k, (group, table)) in [
            ("open", &m.open),
            ("round", &m.round),
            ("spread", &m.spread),
        ]
        .into_iter()
        .enumerate()
        {
            for (name, &w) in table {
                let place = format!("signal_mouth.{group}.{name}");
                let c = channels.require(&format!("signal_mouth.{group}"), name)?;
                if !(0.0..=1.0).contains(&w) {
                    return Err(invalid(&place, format!("{w} is not in [0, 1]")));
                }
                signal_mouth_channels[c][k] = w;
            }
        }
        Ok(signal_mouth_channels)
    }
}

/// What tunes a [`SignalMouth`]: its parameters and their per-channel weights, resolved once
/// (see [`SignalMouthParams::resolve`]).
#[derive(Debug, Clone, Copy)]
pub struct SignalMouthTuning<'a> {
    pub params: &'a SignalMouthParams,
    /// Per channel, its `[open, round, spread]` weights.
    pub channels: &'a [[f32; 3]],
}

/// The signal-processing fallback (no model): per 30 fps frame, the energy opens the jaw and
/// lips (faster attack than release: mouths open quickly and close more slowly) and the
/// zero-crossing rate shapes them, dark sounds (low rate: o, u, w) rounding the lips and bright
/// ones (high rate: i, e, s) spreading them. Tuned in `data/temporal.json` (`signal_mouth`).
#[derive(Debug, Clone)]
pub struct SignalMouth<'a> {
    params: SignalMouthTuning<'a>,
    rate: u32,
    frame: u64,
    pending: Vec<f32>,
    openness: f32,
    brightness: f32,
}

impl<'a> SignalMouth<'a> {
    /// A fallback tuned by `params` (the built-in tuning is
    /// [`TemporalParams::builtin`](crate::temporal::TemporalParams::builtin)).
    pub fn new(params: impl Into<SignalMouthTuning<'a>>) -> Self {
        SignalMouth {
            params: params.into(),
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
        let m = self.params.params;
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
        for (w, [open, round, spread]) in frame.iter_mut().zip(self.params.channels) {
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
        check_sample_rate(sample_rate)?;
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
    use crate::audio::Pcm;
    use crate::temporal::TemporalParams;

    fn vowel(freq: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(rate as f32 * seconds) as usize)
            .map(|i| 0.3 * (std::f32::consts::TAU * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn dark_sounds_round_and_bright_sounds_spread_the_lips() {
        let params = TemporalParams::builtin();
        let c = |n: &str| ChannelTable::builtin().index_of(n).unwrap();
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
