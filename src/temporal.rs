//! Parameters of the temporal layer, read from `data/temporal.json`: the named smoothing sets
//! (CURRENT, MIDDLE, none), brow pass-through, eye motion, the speech gate and the signal mouth.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::channels::ChannelTable;
use crate::error::{FaceError, Result};
use crate::json;

/// Output frame rate of everything the crate renders.
pub const FPS: u32 = 30;

/// The first sample of 30 fps frame `frame` at `sample_rate`: frame `f` covers samples
/// `[frame_start(f), frame_start(f + 1))`, so any rate works and frames never drift.
pub fn frame_start(frame: u64, sample_rate: u32) -> usize {
    (frame * u64::from(sample_rate) / u64::from(FPS)) as usize
}

/// The 30 fps frame sample `sample` belongs to: the last `f` with `frame_start(f) <= sample`.
/// (`sample * 30 / rate`, rounded down, is one short when `sample` is exactly the first sample of
/// a frame that starts at a fractional position, e.g. sample 533 at 16 kHz starts frame 1.)
pub fn frame_of_sample(sample: u64, sample_rate: u32) -> u64 {
    ((sample + 1) * u64::from(FPS)).div_ceil(u64::from(sample_rate)) - 1
}

/// Number of 30 fps frames that `samples` at `sample_rate` cover (a partial last frame counts).
pub fn frames_covering(samples: usize, sample_rate: u32) -> usize {
    (samples as u64 * u64::from(FPS)).div_ceil(u64::from(sample_rate)) as usize
}

/// How a monologue is smoothed across turns.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmoothingParams {
    /// Weight of the turn's own VAD in causal damping, in (0, 1]; 1 turns damping off.
    pub gamma: f32,
    /// Memory of the running VAD mean, in [0, 1).
    pub beta: f32,
    /// Sigma of the symmetric Gaussian VAD smoothing over frames (offline only); 0 turns it off.
    pub sigma_frames: f32,
    /// Length of the cosine crossfade between turns; 0 snaps.
    pub fade_frames: u32,
}

impl SmoothingParams {
    /// Checks every value; `place` names the set in the error.
    pub fn validate(&self, place: &str) -> Result<()> {
        let invalid = |message: String| FaceError::InvalidData {
            place: place.to_string(),
            message,
        };
        if !(self.gamma > 0.0 && self.gamma <= 1.0) {
            return Err(invalid(format!("gamma {} is not in (0, 1]", self.gamma)));
        }
        if !(self.beta >= 0.0 && self.beta < 1.0) {
            return Err(invalid(format!("beta {} is not in [0, 1)", self.beta)));
        }
        if !(self.sigma_frames >= 0.0 && self.sigma_frames <= 600.0) {
            return Err(invalid(format!(
                "sigma_frames {} is not in [0, 600]",
                self.sigma_frames
            )));
        }
        if self.fade_frames > 600 {
            return Err(invalid(format!(
                "fade_frames {} is not in [0, 600]",
                self.fade_frames
            )));
        }
        Ok(())
    }
}

/// The named smoothing sets, selectable everywhere (CLI, JS, viewer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmoothingSet {
    #[default]
    Current,
    Middle,
    None,
}

impl SmoothingSet {
    pub const ALL: [SmoothingSet; 3] = [
        SmoothingSet::Current,
        SmoothingSet::Middle,
        SmoothingSet::None,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            SmoothingSet::Current => "current",
            SmoothingSet::Middle => "middle",
            SmoothingSet::None => "none",
        }
    }
}

impl fmt::Display for SmoothingSet {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SmoothingSet {
    type Err = FaceError;
    fn from_str(s: &str) -> Result<Self> {
        SmoothingSet::ALL
            .into_iter()
            .find(|m| m.as_str() == s.to_ascii_lowercase())
            .ok_or_else(|| FaceError::InvalidData {
                place: "smoothing".into(),
                message: format!("unknown set \"{s}\" (expected current, middle or none)"),
            })
    }
}

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrowDocument {
    channels: Vec<String>,
    threshold: f32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemporalDocument {
    schema: String,
    version: u32,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    smoothing: BTreeMap<String, SmoothingParams>,
    brow_pass_through: BrowDocument,
    eyes: EyeParams,
    gate: GateParams,
    signal_mouth: SignalMouthParams,
}

const SCHEMA: &str = "animasync-face/temporal";
const VERSION: u32 = 1;

/// The validated temporal parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct TemporalParams {
    current: SmoothingParams,
    middle: SmoothingParams,
    none: SmoothingParams,
    /// Channel indices that pass through neutral (the five brows).
    pub brow_channels: Vec<usize>,
    /// A brow change across a boundary larger than this triggers the pass-through.
    pub brow_threshold: f32,
    pub eyes: EyeParams,
    pub gate: GateParams,
    pub signal_mouth: SignalMouthParams,
    /// Per channel, its `[open, round, spread]` weights from `signal_mouth`, resolved once.
    pub signal_mouth_channels: Vec<[f32; 3]>,
}

impl TemporalParams {
    pub fn builtin() -> &'static TemporalParams {
        static PARAMS: OnceLock<TemporalParams> = OnceLock::new();
        PARAMS.get_or_init(|| {
            TemporalParams::from_json(include_str!("../data/temporal.json"))
                .expect("data/temporal.json is valid (checked by the tests)")
        })
    }

    pub fn from_json(text: &str) -> Result<Self> {
        const DOC: &str = "temporal";
        let doc: TemporalDocument = json::parse(DOC, text)?;
        json::check_schema(DOC, (SCHEMA, VERSION), (&doc.schema, doc.version))?;
        let invalid = |place: &str, message: String| FaceError::InvalidData {
            place: place.to_string(),
            message,
        };
        let set = |name: &str| -> Result<SmoothingParams> {
            let params = *doc
                .smoothing
                .get(name)
                .ok_or_else(|| invalid("smoothing", format!("the \"{name}\" set is missing")))?;
            params.validate(&format!("smoothing.{name}"))?;
            Ok(params)
        };
        let (current, middle, none) = (set("current")?, set("middle")?, set("none")?);
        if let Some(extra) = doc
            .smoothing
            .keys()
            .find(|k| k.parse::<SmoothingSet>().is_err())
        {
            return Err(invalid("smoothing", format!("unknown set \"{extra}\"")));
        }
        let channels = ChannelTable::builtin();
        let brow_channels = doc
            .brow_pass_through
            .channels
            .iter()
            .enumerate()
            .map(|(i, n)| channels.require(&format!("brow_pass_through.channels[{i}]"), n))
            .collect::<Result<Vec<_>>>()?;
        let threshold = doc.brow_pass_through.threshold;
        if !(threshold > 0.0 && threshold <= 1.0) {
            return Err(invalid(
                "brow_pass_through.threshold",
                "must be in (0, 1]".into(),
            ));
        }
        let e = &doc.eyes;
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
        let g = &doc.gate;
        if !(g.close_db < g.open_db && g.open_db <= 0.0)
            || g.attack_frames == 0
            || g.release_frames == 0
        {
            return Err(invalid(
                "gate",
                "needs close_db < open_db <= 0 and attack/release of at least one frame".into(),
            ));
        }
        let m = &doc.signal_mouth;
        let unit = |x: f32| 0.0 < x && x <= 1.0;
        let ordered = m.floor_db < m.ceiling_db && m.ceiling_db <= 0.0;
        let bright = 0.0 <= m.bright_hz[0] && m.bright_hz[0] < m.bright_hz[1];
        if !(ordered && unit(m.attack) && unit(m.release) && bright) {
            return Err(invalid(
                "signal_mouth",
                "needs floor_db < ceiling_db <= 0, attack/release in (0, 1] and 0 <= bright_hz[0] < bright_hz[1]".into(),
            ));
        }
        let mut signal_mouth_channels = vec![[0.0f32; 3]; crate::CHANNEL_COUNT];
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
        Ok(TemporalParams {
            current,
            middle,
            none,
            brow_channels,
            brow_threshold: threshold,
            eyes: doc.eyes,
            gate: doc.gate,
            signal_mouth: doc.signal_mouth,
            signal_mouth_channels,
        })
    }

    /// The values of a named smoothing set.
    pub fn smoothing(&self, set: SmoothingSet) -> SmoothingParams {
        match set {
            SmoothingSet::Current => self.current,
            SmoothingSet::Middle => self.middle,
            SmoothingSet::None => self.none,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_belongs_to_the_frame_whose_span_holds_it() {
        for rate in [8_000, 11_025, 16_000, 22_050, 44_100, 48_000, 96_000] {
            for sample in 0..(rate as u64 / 5) {
                let f = frame_of_sample(sample, rate);
                assert!(
                    frame_start(f, rate) as u64 <= sample
                        && sample < frame_start(f + 1, rate) as u64,
                    "sample {sample} at {rate} Hz: frame {f}"
                );
            }
        }
        assert_eq!(frame_of_sample(533, 16_000), 1);
    }
}
