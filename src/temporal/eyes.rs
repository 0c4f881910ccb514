//! Living eyes: blinks at natural, randomised intervals (occasional double blinks, lids closing
//! faster than they open) and small iris motion (slow drift plus saccades), all from a seed and
//! deterministic: the same seed gives the same eyes on every platform.

use rand_core::SeedableRng;
use rand_distr::{Distribution, Gamma, StandardNormal, Uniform};
use rand_pcg::Pcg64Mcg;

use serde::{Deserialize, Serialize};

use crate::base::channels::{ChannelTable, Weights};
use crate::base::error::{FaceError, Result};
use crate::base::time::{cosine_ease, FPS};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EyeParams {
    /// Mean time between blink onsets (a double blink counts once).
    pub blink_interval_mean_s: f32,
    /// No blink follows another sooner than this.
    pub blink_interval_min_s: f32,
    /// Gamma shape of the interval beyond the minimum (larger: more regular).
    pub blink_interval_shape: f32,
    pub double_blink_probability: f32,
    /// Open frames between the two blinks of a double blink.
    pub double_blink_gap_frames: u32,
    /// Lids close faster than they open (about 100 ms down, 200 ms up).
    pub blink_close_frames: u32,
    pub blink_hold_frames: u32,
    pub blink_open_frames: u32,
    pub saccade_interval_mean_s: f32,
    pub saccade_interval_min_s: f32,
    /// Largest saccade target offset, in eyeLook weight.
    pub saccade_amplitude: f32,
    pub saccade_frames: u32,
    /// Standard deviation of the slow iris drift, in eyeLook weight.
    pub drift_amplitude: f32,
    pub drift_time_constant_s: f32,
}

impl EyeParams {
    /// Checks the values (`eyes.*` in errors).
    pub fn validate(&self) -> Result<()> {
        let invalid = |place: &str, message: String| FaceError::InvalidData {
            place: place.to_string(),
            message,
        };
        let e = self;
        let positive = [
            ("eyes.blink_interval_mean_s", e.blink_interval_mean_s),
            ("eyes.blink_interval_shape", e.blink_interval_shape),
            ("eyes.saccade_interval_mean_s", e.saccade_interval_mean_s),
            ("eyes.drift_time_constant_s", e.drift_time_constant_s),
        ];
        for (place, x) in positive {
            if !(x.is_finite() && x > 0.0) {
                return Err(invalid(place, format!("{x} must be a positive number")));
            }
        }
        if !(e.blink_interval_min_s >= 0.0 && e.blink_interval_min_s < e.blink_interval_mean_s) {
            return Err(invalid(
                "eyes.blink_interval_min_s",
                "must be in [0, blink_interval_mean_s)".into(),
            ));
        }
        if !(e.saccade_interval_min_s >= 0.0
            && e.saccade_interval_min_s < e.saccade_interval_mean_s)
        {
            return Err(invalid(
                "eyes.saccade_interval_min_s",
                "must be in [0, saccade_interval_mean_s)".into(),
            ));
        }
        for (place, x) in [
            ("eyes.double_blink_probability", e.double_blink_probability),
            ("eyes.saccade_amplitude", e.saccade_amplitude),
            ("eyes.drift_amplitude", e.drift_amplitude),
        ] {
            if !(0.0..=1.0).contains(&x) {
                return Err(invalid(place, format!("{x} is not in [0, 1]")));
            }
        }
        if e.blink_close_frames == 0 || e.blink_open_frames == 0 || e.saccade_frames == 0 {
            return Err(invalid(
                "eyes",
                "blink and saccade frame counts must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// One frame of eye motion.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EyeFrame {
    /// Lid closure from blinking, 0 (open) to 1 (closed), both eyes.
    pub blink: f32,
    /// Gaze offset: +x toward the subject's right, +y up, in eyeLook weight.
    pub gaze: [f32; 2],
}

/// Generates [`EyeFrame`]s one frame at a time (streaming and offline alike).
#[derive(Debug, Clone)]
pub struct EyeMotion {
    params: EyeParams,
    rng: Pcg64Mcg,
    frame: u64,
    next_blink: u64,
    /// Frames of the current blink (or double blink) still to play, as lid values.
    blink_curve: Vec<f32>,
    next_saccade: u64,
    saccade_from: [f32; 2],
    saccade_to: [f32; 2],
    saccade_start: u64,
    drift: [f32; 2],
}

impl EyeMotion {
    pub fn new(seed: u64, params: &EyeParams) -> Self {
        let mut eyes = EyeMotion {
            params: params.clone(),
            rng: Pcg64Mcg::seed_from_u64(seed),
            frame: 0,
            next_blink: 0,
            blink_curve: Vec::new(),
            next_saccade: 0,
            saccade_from: [0.0; 2],
            saccade_to: [0.0; 2],
            saccade_start: 0,
            drift: [0.0; 2],
        };
        // Start part-way into an interval, so that renders do not all blink at the same moment.
        let (blink, saccade) = (eyes.blink_interval(), eyes.saccade_interval());
        eyes.next_blink = seconds_to_frames(blink * eyes.uniform());
        eyes.next_saccade = seconds_to_frames(saccade * eyes.uniform());
        eyes
    }

    fn uniform(&mut self) -> f32 {
        Uniform::new(0.0f32, 1.0)
            .expect("0 < 1")
            .sample(&mut self.rng)
    }

    /// Minimum plus a Gamma-distributed excess with the configured mean and shape.
    fn gamma_interval(&mut self, min: f32, mean: f32, shape: f32) -> f32 {
        let scale = (mean - min) / shape;
        let excess = Gamma::new(shape, scale)
            .map(|g| g.sample(&mut self.rng))
            .unwrap_or(mean - min);
        min + excess
    }

    fn blink_interval(&mut self) -> f32 {
        let p = &self.params;
        let (min, mean, shape) = (
            p.blink_interval_min_s,
            p.blink_interval_mean_s,
            p.blink_interval_shape,
        );
        self.gamma_interval(min, mean, shape)
    }

    fn saccade_interval(&mut self) -> f32 {
        let p = &self.params;
        let (min, mean) = (p.saccade_interval_min_s, p.saccade_interval_mean_s);
        self.gamma_interval(min, mean, 2.0)
    }

    /// Lid values of one blink: a fast ease down, a hold, a slower ease up.
    fn single_blink(&self) -> Vec<f32> {
        let p = &self.params;
        let close =
            (1..=p.blink_close_frames).map(|k| cosine_ease(k as f32 / p.blink_close_frames as f32));
        let hold = (0..p.blink_hold_frames).map(|_| 1.0);
        let open = (1..=p.blink_open_frames)
            .map(|k| 1.0 - cosine_ease(k as f32 / p.blink_open_frames as f32));
        close.chain(hold).chain(open).collect()
    }

    /// The next frame.
    pub fn next_frame(&mut self) -> EyeFrame {
        if self.frame >= self.next_blink && self.blink_curve.is_empty() {
            let mut curve = self.single_blink();
            if self.uniform() < self.params.double_blink_probability {
                curve.extend(std::iter::repeat_n(
                    0.0,
                    self.params.double_blink_gap_frames as usize,
                ));
                curve.extend(self.single_blink());
            }
            curve.reverse(); // played by pop()
            self.blink_curve = curve;
            let interval = self.blink_interval();
            self.next_blink = self.frame + seconds_to_frames(interval);
        }
        let blink = self.blink_curve.pop().unwrap_or(0.0);

        if self.frame >= self.next_saccade {
            // A new fixation: uniform over a disk of the configured radius.
            let radius = self.params.saccade_amplitude * self.uniform().sqrt();
            let angle = std::f32::consts::TAU * self.uniform();
            self.saccade_from = self.saccade_position();
            self.saccade_to = [radius * angle.cos(), radius * angle.sin()];
            self.saccade_start = self.frame;
            let interval = self.saccade_interval();
            self.next_saccade = self.frame + seconds_to_frames(interval);
        }
        // Ornstein-Uhlenbeck drift: mean-reverting, stationary deviation `drift_amplitude`.
        let dt = 1.0 / FPS as f32;
        let tau = self.params.drift_time_constant_s;
        let noise = self.params.drift_amplitude * (2.0 * dt / tau).sqrt();
        for d in self.drift.iter_mut() {
            let n: f32 = StandardNormal.sample(&mut self.rng);
            *d += -*d * dt / tau + noise * n;
        }
        let s = self.saccade_position();
        self.frame += 1;
        EyeFrame {
            blink,
            gaze: [s[0] + self.drift[0], s[1] + self.drift[1]],
        }
    }

    fn saccade_position(&self) -> [f32; 2] {
        let t = (self.frame.saturating_sub(self.saccade_start)) as f32
            / self.params.saccade_frames as f32;
        let e = cosine_ease(t);
        std::array::from_fn(|k| {
            self.saccade_from[k] + (self.saccade_to[k] - self.saccade_from[k]) * e
        })
    }
}

fn seconds_to_frames(seconds: f32) -> u64 {
    (seconds * FPS as f32).round().max(1.0) as u64
}

/// Channel indices the eye motion writes, resolved once.
#[derive(Debug, Clone, Copy)]
pub struct EyeChannels {
    blink: [usize; 2],
    wide: [usize; 2],
    /// Looking toward the subject's right: right eye out, left eye in.
    right: [usize; 2],
    /// Looking toward the subject's left: left eye out, right eye in.
    left: [usize; 2],
    up: [usize; 2],
    down: [usize; 2],
}

impl EyeChannels {
    pub fn new(table: &ChannelTable) -> Self {
        let c = |n: &str| table.index_of(n).expect("ARKit eye channel");
        EyeChannels {
            blink: [c("eyeBlinkLeft"), c("eyeBlinkRight")],
            wide: [c("eyeWideLeft"), c("eyeWideRight")],
            right: [c("eyeLookOutRight"), c("eyeLookInLeft")],
            left: [c("eyeLookOutLeft"), c("eyeLookInRight")],
            up: [c("eyeLookUpLeft"), c("eyeLookUpRight")],
            down: [c("eyeLookDownLeft"), c("eyeLookDownRight")],
        }
    }

    /// Layers an eye frame over a face: blinks close the lids on top of the expression's own
    /// lid position (a soft union) and relax any widening; the gaze offset adds to the
    /// expression's own gaze. Every weight stays in [0, 1].
    pub fn apply(&self, eye: &EyeFrame, face: &mut Weights) {
        for (&b, &w) in self.blink.iter().zip(&self.wide) {
            face[b] = 1.0 - (1.0 - face[b]) * (1.0 - eye.blink);
            face[w] *= 1.0 - eye.blink;
        }
        let [x, y] = eye.gaze;
        let add = |face: &mut Weights, channels: [usize; 2], amount: f32| {
            for c in channels {
                face[c] = (face[c] + amount).clamp(0.0, 1.0);
            }
        };
        add(face, if x >= 0.0 { self.right } else { self.left }, x.abs());
        add(face, if y >= 0.0 { self.up } else { self.down }, y.abs());
    }
}
