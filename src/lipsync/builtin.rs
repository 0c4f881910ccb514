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
//! [`Latency::model`] is the one place a latency maps to its built-in model;
//! [`LipSyncSource`](crate::lipsync::LipSyncSource) decides when one runs.

use std::fmt;
use std::str::FromStr;

use crate::base::error::{FaceError, Result};

/// The live model (the microphone's): at most 40 ms of look-ahead. The network's weights
/// ([`net`](crate::lipsync::net)), run by our own code; the ONNX export beside them is the same
/// model.
const LIVE_NET: &[u8] = include_bytes!("../../models/default/lipsync.safetensors");
const LIVE_MANIFEST: &str = include_str!("../../models/default/lipsync.json");
/// The playback model (files, whole clips, offline rendering): its manifest's `window.lookahead`
/// says how much it waits for, up to about 250 ms.
const PLAYBACK_NET: &[u8] = include_bytes!("../../models/playback/lipsync.safetensors");
const PLAYBACK_MANIFEST: &str = include_str!("../../models/playback/lipsync.json");

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

    /// The built-in model for this latency: `(network bytes, manifest JSON)`, as
    /// [`Engine::new`](crate::pipeline::Engine::new) and
    /// [`ModelLipSync::new`](crate::lipsync::ModelLipSync::new) take a model. Its manifest
    /// says how much look-ahead it has (`window.lookahead`).
    pub fn model(self) -> (&'static [u8], &'static str) {
        match self {
            Latency::Live => (LIVE_NET, LIVE_MANIFEST),
            Latency::Playback => (PLAYBACK_NET, PLAYBACK_MANIFEST),
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
            let (net, _) = latency.model();
            assert!(
                net.len() <= 1 << 20,
                "{latency}: {} bytes (a built-in model ships inside the package: at most 1 MiB)",
                net.len()
            );
        }
    }
}
