//! animasync-face: speech audio + emotion -> 52 ARKit blendshape weights at 30 fps.
//!
//! The core is pure Rust and knows nothing of JavaScript; `wasm` (wasm32 only) is the one
//! module that holds every `#[wasm_bindgen]`. The module tree is the pipeline, each stage
//! importing only the ones above it in this list:
//!
//! - [`base`]: channels, emotions, the error type, strict JSON, time on the 30 fps grid, the
//!   ONNX runner.
//! - [`audio`]: PCM and its sample rates, resampling, model features, the speech gate.
//! - [`lipsync`]: audio -> mouth, streaming ([`LipSync`]): manifest models, the built-in
//!   models, the signal fallback and the one rule that picks among them ([`LipSyncSource`]).
//! - [`expression`]: emotion + intensity -> 52 weights, from the preset library.
//! - [`temporal`]: parameters, smoothing across turns, eyes.
//! - [`pipeline`]: scenarios, merge, the offline renderer and the streaming engine.
//! - [`text`]: the line about to be spoken -> emotion (lexicon and rules, or an ONNX
//!   classifier); beside the pipeline, on [`base`] only.

pub mod audio;
pub mod base;
pub mod expression;
pub mod lipsync;
pub mod pipeline;
pub mod temporal;
pub mod text;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use audio::{Pcm, SAMPLE_RATES};
pub use base::channels::{ChannelClass, ChannelGroup, ChannelTable, Weights, CHANNEL_COUNT};
pub use base::emotion::{Emotion, EmotionTaxonomy, Vad, LEVEL_COUNT};
pub use base::error::{FaceError, Result};
#[cfg(feature = "onnx")]
pub use base::onnx::OnnxModel;
#[cfg(feature = "onnx")]
pub use base::onnx_guard::OPERATORS as ONNX_OPERATORS;
pub use base::time::FPS;
pub use expression::{
    CompileMode, CompilerParams, ExpressionCompiler, Intensity, PresetLibrary, AUTHORED_LEVELS,
};
pub use lipsync::{Latency, LipSync, LipSyncSource, ModelLipSync, ModelManifest, SignalMouth};
pub use pipeline::{
    render, Clip, Engine, EngineOptions, Regime, RenderOptions, Rendered, Scenario, Turn, TurnSpan,
};
pub use temporal::{SmoothingChoice, SmoothingParams, SmoothingSet, TemporalParams};
#[cfg(feature = "onnx")]
pub use text::TextClassifier;
pub use text::{EmotionGuess, Lexicon, LexiconClassifier, TextClassifierManifest};
