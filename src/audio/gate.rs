//! The speech gate: says when speech is active, from the audio's frame energy, with hysteresis
//! (a louder level and a few frames to open, a quieter level and more frames to close), and
//! gives the merge a weight that ramps instead of snapping.

use serde::{Deserialize, Serialize};

use crate::base::error::{FaceError, Result};
use crate::base::time::{frame_start, frames_covering};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GateParams {
    /// Frame energy (RMS, dBFS) above which speech may start.
    pub open_db: f32,
    /// Frame energy below which speech may stop (lower than `open_db`: hysteresis).
    pub close_db: f32,
    /// Consecutive loud frames needed to open.
    pub attack_frames: u32,
    /// Consecutive quiet frames needed to close.
    pub release_frames: u32,
    /// Frames over which the merge weight ramps between expression and lip sync.
    pub ramp_frames: u32,
}

impl GateParams {
    /// Checks the values (`gate` in errors).
    pub fn validate(&self) -> Result<()> {
        let invalid = |place: &str, message: String| FaceError::InvalidData {
            place: place.to_string(),
            message,
        };
        let g = self;
        if !(g.close_db < g.open_db && g.open_db <= 0.0)
            || g.attack_frames == 0
            || g.release_frames == 0
        {
            return Err(invalid(
                "gate",
                "needs close_db < open_db <= 0 and attack/release of at least one frame".into(),
            ));
        }
        Ok(())
    }
}

/// RMS energy of `samples` in dBFS (silence is about -200): the speech gate's input.
pub fn energy_db(samples: &[f32]) -> f32 {
    let energy =
        samples.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>() / samples.len().max(1) as f64;
    (10.0 * (energy + 1e-20).log10()) as f32
}

/// [`energy_db`] of each 30 fps frame of mono `samples` (see [`frame_start`]).
pub fn frame_energies_db(samples: &[f32], sample_rate: u32) -> Vec<f32> {
    (0..frames_covering(samples.len(), sample_rate) as u64)
        .map(|f| {
            let bound = |f: u64| frame_start(f, sample_rate).min(samples.len());
            energy_db(&samples[bound(f)..bound(f + 1)])
        })
        .collect()
}

/// Hysteresis gate over frame energies; push one frame at a time.
#[derive(Debug, Clone)]
pub struct SpeechGate {
    params: GateParams,
    open: bool,
    /// Consecutive frames arguing for a switch.
    streak: u32,
    weight: f32,
}

impl SpeechGate {
    pub fn new(params: &GateParams) -> Self {
        SpeechGate {
            params: params.clone(),
            open: false,
            streak: 0,
            weight: 0.0,
        }
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Takes one frame's energy (dBFS) and returns the merge weight of lip sync, in [0, 1].
    pub fn push(&mut self, energy_db: f32) -> f32 {
        let p = &self.params;
        let argues_for_switch = if self.open {
            energy_db < p.close_db
        } else {
            energy_db > p.open_db
        };
        self.streak = if argues_for_switch {
            self.streak + 1
        } else {
            0
        };
        let needed = if self.open {
            p.release_frames
        } else {
            p.attack_frames
        };
        if self.streak >= needed {
            self.open = !self.open;
            self.streak = 0;
        }
        let step = 1.0 / p.ramp_frames.max(1) as f32;
        let target = if self.open { 1.0 } else { 0.0 };
        self.weight = if self.weight < target {
            (self.weight + step).min(target)
        } else {
            (self.weight - step).max(target)
        };
        self.weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temporal::TemporalParams;

    #[test]
    fn gate_opens_after_attack_and_closes_after_release_with_hysteresis() {
        let p = &TemporalParams::builtin().gate; // open -40, close -48, attack 2, release 8, ramp 3
        let mut gate = SpeechGate::new(p);
        let mut states = Vec::new();
        // 5 silent frames, 10 loud, 4 in between the thresholds (stays open), 10 silent.
        let track: Vec<f32> = [
            vec![-90.0; 5],
            vec![-20.0; 10],
            vec![-44.0; 4],
            vec![-90.0; 10],
        ]
        .concat();
        for e in &track {
            gate.push(*e);
            states.push(gate.is_open());
        }
        let first_open = states.iter().position(|s| *s).unwrap();
        assert_eq!(first_open, 5 + 1, "opens on the second loud frame");
        // Between the thresholds the gate holds; it closes on the 8th silent frame.
        let closed_again = states.iter().rposition(|s| *s).unwrap() + 1;
        assert_eq!(closed_again, 5 + 10 + 4 + 7);
        // A single loud frame in silence does not open it.
        let mut gate = SpeechGate::new(p);
        for e in [-90.0, -20.0, -90.0, -90.0] {
            gate.push(e);
            assert!(!gate.is_open());
        }
    }

    #[test]
    fn frame_energy_handles_odd_rates_and_partial_frames() {
        let rate = 11_025; // 367.5 samples per frame
        let tone: Vec<f32> = (0..rate).map(|i| 0.5 * (i as f32 * 0.1).sin()).collect();
        let e = frame_energies_db(&tone, rate as u32);
        assert_eq!(e.len(), 30);
        // RMS of a 0.5 sine is 0.354: -9.0 dBFS.
        assert!(e.iter().all(|db| (db + 9.03).abs() < 0.3), "{e:?}");
        assert!(frame_energies_db(&[0.0; 100], 16_000)[0] < -150.0);
    }
}
