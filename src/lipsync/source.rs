//! What drives the lips: a built-in model (by its [`Latency`]), a caller's model, or the
//! signal-processing fallback. [`LipSyncSource::choose`] is the one rule every entry point (the
//! `Engine`, `renderScenario`, the CLI's `render` and `lipsync`) follows, and
//! [`LipSyncSource::build`] the one place a source becomes a [`LipSync`].

use crate::base::error::{FaceError, Result};
use crate::lipsync::builtin::Latency;
use crate::lipsync::model::ModelLipSync;
use crate::lipsync::signal::{SignalMouth, SignalMouthTuning};
use crate::lipsync::LipSync;

/// What drives the lips.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LipSyncSource<'a> {
    /// The built-in model for a latency.
    Builtin(Latency),
    /// A caller's model: its bytes (ONNX, or the built-in network's weights) and its manifest
    /// (JSON text), which states its own look-ahead.
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

    /// What kind of source this is, without the model's bytes.
    pub fn kind(self) -> SourceKind {
        match self {
            LipSyncSource::Builtin(latency) => SourceKind::Builtin(latency),
            LipSyncSource::Model(..) => SourceKind::Model,
            LipSyncSource::Fallback => SourceKind::Fallback,
        }
    }

    /// A fresh lip sync: the model (loaded and checked against its manifest) or the fallback,
    /// tuned by `fallback` (the built-in tuning is
    /// [`TemporalParams::builtin`](crate::temporal::TemporalParams::builtin)).
    pub fn build(
        self,
        fallback: impl Into<SignalMouthTuning<'static>>,
    ) -> Result<Box<dyn LipSync>> {
        Ok(match self.model() {
            Some((bytes, manifest)) => Box::new(ModelLipSync::new(bytes, manifest)?),
            None => Box::new(SignalMouth::new(fallback)),
        })
    }
}

/// A [`LipSyncSource`] without the model's bytes: what an engine keeps to apply the rule again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Builtin(Latency),
    Model,
    Fallback,
}

impl SourceKind {
    /// The built-in model a whole clip is read with, by the same rule as [`LipSyncSource::choose`]
    /// asked as if this source's model or fallback were given again: for a built-in source the
    /// model for `latency` (`default` when `None`), for a model of one's own or the fallback
    /// `None` (they read the clip themselves), and a `latency` with those is an error.
    pub fn clip_latency(
        self,
        latency: Option<Latency>,
        default: Latency,
    ) -> Result<Option<Latency>> {
        let (model, fallback) = match self {
            SourceKind::Builtin(_) => (None, false),
            SourceKind::Model => (Some((&[][..], "")), false),
            SourceKind::Fallback => (None, true),
        };
        Ok(LipSyncSource::choose(model, fallback, latency, default)?.latency())
    }
}

/// A [`LipSyncSource`] that owns its model (read from a file or copied from JS), chosen by the
/// same rule.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedLipSyncSource {
    Builtin(Latency),
    /// The model's bytes (ONNX, or the built-in network's weights) and the manifest's JSON text.
    Model(Vec<u8>, String),
    Fallback,
}

impl OwnedLipSyncSource {
    /// [`LipSyncSource::choose`], keeping the model.
    pub fn choose(
        model: Option<(Vec<u8>, String)>,
        fallback: bool,
        latency: Option<Latency>,
        default: Latency,
    ) -> Result<Self> {
        let borrowed = model.as_ref().map(|(b, m)| (b.as_slice(), m.as_str()));
        Ok(
            match LipSyncSource::choose(borrowed, fallback, latency, default)?.kind() {
                SourceKind::Builtin(latency) => OwnedLipSyncSource::Builtin(latency),
                SourceKind::Fallback => OwnedLipSyncSource::Fallback,
                SourceKind::Model => {
                    let (bytes, manifest) =
                        model.expect("the rule picks a model only when given one");
                    OwnedLipSyncSource::Model(bytes, manifest)
                }
            },
        )
    }

    /// The borrowed form, to build or ask.
    pub fn source(&self) -> LipSyncSource<'_> {
        match self {
            OwnedLipSyncSource::Builtin(latency) => LipSyncSource::Builtin(*latency),
            OwnedLipSyncSource::Model(bytes, manifest) => LipSyncSource::Model(bytes, manifest),
            OwnedLipSyncSource::Fallback => LipSyncSource::Fallback,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn an_owned_source_keeps_the_model_the_rule_picks() {
        let own = (b"onnx".to_vec(), "{}".to_string());
        let choose = OwnedLipSyncSource::choose;
        assert_eq!(
            choose(Some(own.clone()), false, None, Latency::Live),
            Ok(OwnedLipSyncSource::Model(own.0.clone(), own.1.clone()))
        );
        assert_eq!(
            choose(None, false, None, Latency::Playback).map(|s| s.source().kind()),
            Ok(SourceKind::Builtin(Latency::Playback))
        );
        assert!(choose(Some(own), true, None, Latency::Live).is_err());
        assert_eq!(
            SourceKind::Model.clip_latency(None, Latency::OFFLINE),
            Ok(None)
        );
        assert_eq!(
            SourceKind::Builtin(Latency::Live).clip_latency(None, Latency::OFFLINE),
            Ok(Some(Latency::Playback))
        );
        assert!(SourceKind::Fallback
            .clip_latency(Some(Latency::Live), Latency::OFFLINE)
            .is_err());
    }
}
