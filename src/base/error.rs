//! One error type for the whole core. Every variant carries enough context (a "place" such as
//! `presets.joy.L3.mouthSmileLeft`) for a user to find and fix the problem; the wasm binding layer
//! turns these into JS exceptions with the same message.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum FaceError {
    /// The text is not JSON, or does not have the shape of the expected document.
    #[error("{document}: {message}")]
    Json { document: String, message: String },

    /// A document names a schema or version this build does not read.
    #[error("{document}: expected schema \"{expected}\" version {expected_version}, found \"{found}\" version {found_version}")]
    Schema {
        document: String,
        expected: String,
        expected_version: u32,
        found: String,
        found_version: u32,
    },

    #[error("{place}: duplicate key \"{key}\"")]
    DuplicateKey { place: String, key: String },

    #[error("{place}: unknown channel \"{name}\"{hint}")]
    UnknownChannel {
        place: String,
        name: String,
        hint: String,
    },

    #[error("{place}: missing channel(s) {missing} (a preset names all 52 channels)")]
    MissingChannels { place: String, missing: String },

    #[error("{place}: unknown emotion \"{name}\"{hint}")]
    UnknownEmotion {
        place: String,
        name: String,
        hint: String,
    },

    #[error("{place}: unknown level \"{name}\" (authored presets are at L1, L3 and L5)")]
    UnknownLevel { place: String, name: String },

    #[error("{place}: value {value} is outside [0, 1]")]
    OutOfRange { place: String, value: f64 },

    #[error("{place}: value is not a finite number")]
    NotFinite { place: String },

    #[error("invalid intensity: {0}")]
    InvalidIntensity(String),

    #[error(
        "unknown compile mode \"{0}\" (expected expressive, archetype, parametric or overlay-e)"
    )]
    UnknownMode(String),

    #[error("the preset library has no presets for emotion \"{0}\"")]
    NoPresets(String),

    /// Built-in or user data that parses but breaks a rule (for example a family that is not a base emotion).
    #[error("{place}: {message}")]
    InvalidData { place: String, message: String },

    #[error("model: {0}")]
    Model(String),

    /// A latency that names neither built-in model.
    #[error("unknown latency \"{0}\" (expected \"live\" or \"playback\")")]
    UnknownLatency(String),

    /// Lip-sync options that exclude each other (a latency with a model of one's own or with the
    /// fallback; a model with the fallback).
    #[error("lip sync: {0}")]
    LipSyncChoice(String),

    /// Audio that cannot be used: unreadable files, unsupported rates, NaN samples, no samples.
    #[error("audio: {0}")]
    Audio(String),
}

pub type Result<T> = std::result::Result<T, FaceError>;

/// ` (did you mean "x"?)` when one of `known` is close to `name`, else an empty string.
pub(crate) fn did_you_mean<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> String {
    let lower = name.to_ascii_lowercase();
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(&lower, &k.to_ascii_lowercase()), k))
        .filter(|(score, _)| *score > 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| format!(" (did you mean \"{k}\"?)"))
        .unwrap_or_default()
}
