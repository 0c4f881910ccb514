//! The stages composed: a scenario's turns ([`scenario`]) rendered offline into frames
//! ([`render`](mod@render)), or audio chunks turned into frames as they come ([`engine`]), both merging lip
//! sync and expression by channel class ([`merge`]).

pub mod engine;
pub mod merge;
pub mod render;
pub mod scenario;

pub use engine::{Clip, Engine, EngineOptions};
pub use render::{render, RenderOptions, Rendered, TurnSpan};
pub use scenario::{Regime, Scenario, Turn};
