//! The temporal layer: how faces change over time. Its parameters ([`params`], read from
//! `data/temporal.json`), VAD damping and smoothing across turns, crossfades and the brow
//! pass-through ([`smoothing`]), and living eyes ([`eyes`]).

pub mod eyes;
pub mod params;
pub mod smoothing;

pub use eyes::EyeParams;
pub use params::{SmoothingChoice, SmoothingParams, SmoothingSet, TemporalParams};
