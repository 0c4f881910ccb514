//! Expression: an emotion at an intensity (a level or a VAD point) -> 52 weights, from the
//! authored preset library ([`presets`]) through one of four compile modes ([`compile`]).
//! Knows nothing of audio or time.

pub mod compile;
pub mod presets;

pub use compile::{CompileMode, CompileRequest, CompilerParams, ExpressionCompiler, Intensity};
pub use presets::{PresetLibrary, AUTHORED_LEVELS};
