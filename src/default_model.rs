//! The built-in lip-sync models, compiled in so the library works the moment it is installed,
//! with nothing to fetch: one per [`Latency`]. Each is an ordinary manifest model (the same path
//! as any user's), trained here by `make model` (training/) and described by the model card
//! beside it (models/default/MODEL_CARD.md for the live one).
//!
//! A latency is a trade: a model that waits for more of the audio after a frame's time hears
//! more of the phone it belongs to, but the face then lags the voice by that much. A microphone
//! cannot wait (a face more than about 45 ms behind a voice shows); a file, a whole clip, an
//! offline render or TTS can, since its playback can be delayed by the same amount.
//!
//! [`LipSyncSource::choose`] is the one rule every entry point (the `Engine`, `renderScenario`,
//! the CLI) follows to decide what drives the lips, and [`Latency::model`] the one place a
//! latency maps to its built-in model.

use std::fmt;
use std::str::FromStr;

use crate::error::{FaceError, Result};
use crate::lipsync::{LipSync, SignalMouth};
use crate::lipsync_model::ModelLipSync;
use crate::temporal::TemporalParams;

/// The live model (the microphone's): at most 40 ms of look-ahead. ONNX, opset 17, weights inline.
const LIVE_ONNX: &[u8] = include_bytes!("../models/default/lipsync.onnx");
const LIVE_MANIFEST: &str = include_str!("../models/default/lipsync.json");
/// The playback model (files, whole clips, offline rendering): its manifest's `window.lookahead`
/// says how much it waits for, up to about 250 ms.
const PLAYBACK_ONNX: &[u8] = include_bytes!("../models/playback/lipsync.onnx");
const PLAYBACK_MANIFEST: &str = include_str!("../models/playback/lipsync.json");

/// Which built-in model drives the lips: how long a frame may wait for the audio after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Latency {
    /// For live audio (the microphone): at most 40 ms of look-ahead.
    Live,
    /// For audio whose playback can be delayed (files, whole clips, offline rendering, TTS): up
    /// to about 250 ms of look-ahead, for better lips.
    Playback,
}

impl Latency {
    /// Both, in the order their names are listed in messages.
    pub const ALL: [Latency; 2] = [Latency::Live, Latency::Playback];
    /// The default of a stream (`Engine`, the microphone): it cannot wait.
    pub const STREAMING: Latency = Latency::Live;
    /// The default of whole clips and offline rendering (`processClip`, `renderScenario`, the
    /// CLI's `lipsync` and `render`): the audio is all there, so waiting costs nothing.
    pub const OFFLINE: Latency = Latency::Playback;

    /// `"live"` or `"playback"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Latency::Live => "live",
            Latency::Playback => "playback",
        }
    }

    /// The built-in model for this latency: `(ONNX bytes, manifest JSON)`, as
    /// [`Engine::new`](crate::Engine::new) and [`ModelLipSync::new`] take a model. Its manifest
    /// says how much look-ahead it has (`window.lookahead`).
    pub fn model(self) -> (&'static [u8], &'static str) {
        match self {
            Latency::Live => (LIVE_ONNX, LIVE_MANIFEST),
            Latency::Playback => (PLAYBACK_ONNX, PLAYBACK_MANIFEST),
        }
    }
}

impl fmt::Display for Latency {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Latency {
    type Err = FaceError;

    fn from_str(text: &str) -> Result<Self> {
        Latency::ALL
            .into_iter()
            .find(|l| l.as_str() == text)
            .ok_or_else(|| FaceError::UnknownLatency(text.to_string()))
    }
}

/// What drives the lips.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LipSyncSource<'a> {
    /// The built-in model for a latency.
    Builtin(Latency),
    /// A caller's model: ONNX bytes and its manifest (JSON text), which states its own look-ahead.
    Model(&'a [u8], &'a str),
    /// The signal-processing fallback (no model).
    Fallback,
}

impl<'a> LipSyncSource<'a> {
    /// The rule: the caller's `model` if given, else the fallback if asked for, else the built-in
    /// model for `latency` (`default` when none is given; see [`Latency::STREAMING`] and
    /// [`Latency::OFFLINE`]). A latency only picks a built-in model, so with a model of one's own
    /// (whose manifest states its look-ahead) or with the fallback it is an error, as is a model
    /// with the fallback.
    pub fn choose(
        model: Option<(&'a [u8], &'a str)>,
        fallback: bool,
        latency: Option<Latency>,
        default: Latency,
    ) -> Result<Self> {
        let conflict = |message: String| Err(FaceError::LipSyncChoice(message));
        match (model, fallback, latency) {
            (Some(_), true, _) => conflict("a model and the fallback exclude each other".into()),
            (Some(_), false, Some(latency)) => conflict(format!(
                "a latency (\"{latency}\") picks one of the built-in models and cannot go with a \
                 model of your own, whose manifest states its look-ahead (window.lookahead): \
                 leave out the latency"
            )),
            (None, true, Some(latency)) => conflict(format!(
                "a latency (\"{latency}\") picks one of the built-in models and cannot go with \
                 the fallback, which has no model: leave out one of them"
            )),
            (Some((bytes, manifest)), false, None) => Ok(LipSyncSource::Model(bytes, manifest)),
            (None, true, None) => Ok(LipSyncSource::Fallback),
            (None, false, latency) => Ok(LipSyncSource::Builtin(latency.unwrap_or(default))),
        }
    }

    /// The model's bytes and manifest, or `None` for the fallback.
    pub fn model(self) -> Option<(&'a [u8], &'a str)> {
        match self {
            LipSyncSource::Builtin(latency) => Some(latency.model()),
            LipSyncSource::Model(bytes, manifest) => Some((bytes, manifest)),
            LipSyncSource::Fallback => None,
        }
    }

    /// The built-in model's latency, or `None` for a caller's model and the fallback.
    pub fn latency(self) -> Option<Latency> {
        match self {
            LipSyncSource::Builtin(latency) => Some(latency),
            _ => None,
        }
    }

    /// A fresh lip sync: the model (loaded and checked against its manifest) or the fallback.
    pub fn build(self) -> Result<Box<dyn LipSync>> {
        Ok(match self.model() {
            Some((bytes, manifest)) => Box::new(ModelLipSync::new(bytes, manifest)?),
            None => Box::new(SignalMouth::new(TemporalParams::builtin())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_parse_by_name_and_others_are_a_typed_error() {
        for latency in Latency::ALL {
            assert_eq!(latency.as_str().parse::<Latency>(), Ok(latency));
        }
        let err = "playbak".parse::<Latency>().unwrap_err();
        assert_eq!(err, FaceError::UnknownLatency("playbak".into()));
        assert_eq!(
            err.to_string(),
            "unknown latency \"playbak\" (expected \"live\" or \"playback\")"
        );
        // Names are exact: no case folding, no trimming.
        for bad in ["", "Live", " live"] {
            assert!(matches!(
                bad.parse::<Latency>(),
                Err(FaceError::UnknownLatency(_))
            ));
        }
    }

    #[test]
    fn each_built_in_model_is_at_most_1_mb() {
        for latency in Latency::ALL {
            let (onnx, _) = latency.model();
            assert!(
                onnx.len() <= 1 << 20,
                "{latency}: {} bytes (a built-in model ships inside the package: at most 1 MiB)",
                onnx.len()
            );
        }
    }

    #[test]
    fn the_rule_picks_one_source_and_refuses_conflicts() {
        let own = (&b"onnx"[..], "{}");
        let choose = LipSyncSource::choose;
        assert_eq!(
            choose(None, false, None, Latency::Live),
            Ok(LipSyncSource::Builtin(Latency::Live))
        );
        assert_eq!(
            choose(None, false, None, Latency::Playback),
            Ok(LipSyncSource::Builtin(Latency::Playback))
        );
        assert_eq!(
            choose(None, false, Some(Latency::Live), Latency::Playback),
            Ok(LipSyncSource::Builtin(Latency::Live))
        );
        assert_eq!(
            choose(Some(own), false, None, Latency::Live),
            Ok(LipSyncSource::Model(own.0, own.1))
        );
        assert_eq!(
            choose(None, true, None, Latency::Live),
            Ok(LipSyncSource::Fallback)
        );
        for (model, fallback, latency) in [
            (Some(own), false, Some(Latency::Playback)),
            (None, true, Some(Latency::Live)),
            (Some(own), true, None),
        ] {
            let err = choose(model, fallback, latency, Latency::Live).unwrap_err();
            assert!(matches!(err, FaceError::LipSyncChoice(_)), "{err}");
        }
        assert_eq!(
            LipSyncSource::Builtin(Latency::Playback).model(),
            Some(Latency::Playback.model())
        );
        assert_eq!(LipSyncSource::Fallback.model(), None);
        assert_eq!(LipSyncSource::Model(own.0, own.1).latency(), None);
    }
}
