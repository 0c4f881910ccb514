//! Parameters of the temporal layer, read from `data/temporal.json`: the named smoothing sets
//! (CURRENT, MIDDLE, none) and brow pass-through, which are this stage's own, and the tuning of
//! eye motion, the speech gate and the signal mouth, which each stage defines and checks
//! ([`EyeParams`], [`GateParams`], [`SignalMouthParams`]); this module reads the one document.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::audio::gate::GateParams;
use crate::base::channels::ChannelTable;
use crate::base::error::{FaceError, Result};
use crate::base::json;
use crate::lipsync::signal::{SignalMouthParams, SignalMouthTuning};
use crate::temporal::eyes::EyeParams;

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

/// What smoothing to use: a named set, with any of its values overridden. The one rule for
/// every entry point: each value given replaces the set's own, the others stay the set's (the
/// CLI's `--smoothing` with `--gamma`, `--beta`, `--sigma`, `--fade`; the JS option's
/// `{set?, gamma?, beta?, sigmaFrames?, fadeFrames?}`, `set` "current" unless given).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SmoothingChoice {
    pub set: SmoothingSet,
    pub gamma: Option<f32>,
    pub beta: Option<f32>,
    pub sigma_frames: Option<f32>,
    pub fade_frames: Option<u32>,
}

impl SmoothingChoice {
    /// Whether any value is overridden.
    pub fn is_custom(&self) -> bool {
        self.gamma.is_some()
            || self.beta.is_some()
            || self.sigma_frames.is_some()
            || self.fade_frames.is_some()
    }

    /// The set's name, or "custom" when a value is overridden (what outputs report).
    pub fn name(&self) -> &'static str {
        if self.is_custom() {
            "custom"
        } else {
            self.set.as_str()
        }
    }

    /// The values: the set's in `params`, each given one overriding its own; checked.
    pub fn resolve(&self, params: &TemporalParams) -> Result<SmoothingParams> {
        let set = params.smoothing(self.set);
        let values = SmoothingParams {
            gamma: self.gamma.unwrap_or(set.gamma),
            beta: self.beta.unwrap_or(set.beta),
            sigma_frames: self.sigma_frames.unwrap_or(set.sigma_frames),
            fade_frames: self.fade_frames.unwrap_or(set.fade_frames),
        };
        values.validate("smoothing")?;
        Ok(values)
    }
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
            TemporalParams::from_json(include_str!("../../data/temporal.json"))
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
        doc.eyes.validate()?;
        doc.gate.validate()?;
        let signal_mouth_channels = doc.signal_mouth.resolve(channels)?;
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

impl<'a> From<&'a TemporalParams> for SignalMouthTuning<'a> {
    fn from(params: &'a TemporalParams) -> Self {
        SignalMouthTuning {
            params: &params.signal_mouth,
            channels: &params.signal_mouth_channels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_values_override_the_chosen_set() {
        let params = TemporalParams::builtin();
        let middle = params.smoothing(SmoothingSet::Middle);
        let plain = SmoothingChoice {
            set: SmoothingSet::Middle,
            ..SmoothingChoice::default()
        };
        assert_eq!(plain.resolve(params), Ok(middle));
        assert_eq!(plain.name(), "middle");
        let faded = SmoothingChoice {
            fade_frames: Some(12),
            ..plain
        };
        assert_eq!(
            faded.resolve(params),
            Ok(SmoothingParams {
                fade_frames: 12,
                ..middle
            })
        );
        assert_eq!(faded.name(), "custom");
        let bad = SmoothingChoice {
            gamma: Some(0.0),
            ..plain
        };
        assert!(bad.resolve(params).is_err());
    }
}
