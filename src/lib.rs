//! animasync-face: speech audio + emotion -> 52 ARKit blendshape weights at 30 fps.
//!
//! The core is pure Rust and knows nothing of JavaScript; `bindings` (wasm32 only) is the one
//! module that holds every `#[wasm_bindgen]`. The pipeline reads in module order:
//!
//! - [`channels`]: the 52 channels, their display groups and run-time classes (data).
//! - [`emotion`]: the 16 emotions, their families and VAD anchors per level (data).
//! - [`presets`]: the authored preset library and its JSON format.
//! - [`expression`]: emotion + intensity -> 52 weights.
//! - [`model`]: ONNX models run by tract (the audio runtime's model runner).
//! - [`temporal`]: parameters of the temporal layer (smoothing sets, eyes, gate, signal mouth).
//! - [`scenario`]: turns and regimes, the input of offline rendering.
//! - [`smoothing`]: VAD damping and smoothing, turn crossfades, brow pass-through.
//! - [`eyes`]: blinks, drift and saccades.
//! - [`lipsync`]: audio -> mouth, streaming ([`LipSync`], the signal-processing fallback).
//! - [`manifest`] and [`lipsync_model`]: an ONNX model described by a manifest, as a [`LipSync`].
//! - [`default_model`]: the built-in models, one per [`Latency`] (live, playback), compiled in,
//!   and the rule that picks what drives the lips ([`LipSyncSource`]).
//! - [`resample`]: any input rate -> the model's rate, streaming.
//! - [`features`]: log-mel or PCM frames for a model, streaming.
//! - [`gate`]: the speech gate.
//! - [`merge`]: lip sync + expression by channel class.
//! - [`render`]: a scenario -> frames, composing all of the above (offline).
//! - [`engine`]: audio chunks -> frames, composing the same pieces causally (streaming).
//! - [`text_emotion`]: the line about to be spoken -> emotion, level and VAD (lexicon and rules).
//! - [`text_model`]: the slot for an ONNX text classifier (manifest, tokenizer, tract).
//! - [`wordpiece`]: WordPiece tokenization (Korean-aware) for that classifier.

pub mod channels;
pub mod default_model;
pub mod emotion;
pub mod engine;
pub mod error;
pub mod expression;
pub mod eyes;
pub mod features;
pub mod gate;
mod json;
pub mod lipsync;
pub mod lipsync_model;
pub mod manifest;
pub mod merge;
pub mod model;
pub mod presets;
pub mod render;
pub mod resample;
pub mod scenario;
pub mod smoothing;
pub mod temporal;
pub mod text_emotion;
pub mod text_model;
pub mod wordpiece;

#[cfg(target_arch = "wasm32")]
mod bindings;

pub use channels::{ChannelClass, ChannelGroup, ChannelTable, Weights, CHANNEL_COUNT};
pub use default_model::{Latency, LipSyncSource};
pub use emotion::{Emotion, EmotionTaxonomy, Vad, LEVEL_COUNT};
pub use engine::{Clip, Engine, EngineOptions};
pub use error::{FaceError, Result};
pub use expression::{CompileMode, CompilerParams, ExpressionCompiler, Intensity};
pub use lipsync::{LipSync, Pcm, SignalMouth};
pub use lipsync_model::ModelLipSync;
pub use manifest::ModelManifest;
pub use model::OnnxModel;
pub use presets::{PresetLibrary, AUTHORED_LEVELS};
pub use render::{render, RenderOptions, Rendered, TurnSpan};
pub use scenario::{Regime, Scenario, Turn};
pub use temporal::{SmoothingParams, SmoothingSet, TemporalParams, FPS};
pub use text_emotion::{EmotionGuess, Lexicon, LexiconClassifier};
pub use text_model::{TextClassifier, TextClassifierManifest};
