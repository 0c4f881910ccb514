//! Lip sync: audio -> the mouth's weights at 30 fps. [`LipSync`] is the seam the renderer and
//! the engine call. Behind it: a model described by a manifest ([`manifest`], [`model`]): a
//! user's ONNX model or the built-in network ([`net`], run by our own code), the built-in models
//! compiled in ([`builtin`]) and the model-free fallback ([`signal`]);
//! [`source`] holds the one rule that picks among them.

pub mod builtin;
pub mod manifest;
pub mod model;
pub mod net;
pub mod signal;
pub mod source;

pub use builtin::Latency;
pub use manifest::ModelManifest;
pub use model::ModelLipSync;
pub use signal::{SignalMouth, SignalMouthParams, SignalMouthTuning};
pub use source::{LipSyncSource, OwnedLipSyncSource, SourceKind};

use crate::audio::Pcm;
use crate::base::channels::Weights;
use crate::base::emotion::Vad;
use crate::base::error::Result;

/// Audio -> lip-sync frames at 30 fps, streaming. Frame `f` of a stream covers input samples
/// `[f * rate / 30, (f + 1) * rate / 30)`; a stream of `n` samples gives exactly
/// [`frames_covering`](crate::base::time::frames_covering)`(n, rate)` frames once finished, however it was chunked.
pub trait LipSync {
    /// A short name for outputs and the status line.
    fn name(&self) -> &str;
    /// Starts a stream of mono audio at `sample_rate`, forgetting any previous one.
    fn start(&mut self, sample_rate: u32) -> Result<()>;
    /// Pushes finite samples; appends every frame now complete. Only lip-sync and shared
    /// channels may be non-zero.
    fn push(&mut self, samples: &[f32], out: &mut Vec<Weights>) -> Result<()>;
    /// Ends the stream, appending the frames still owed.
    fn finish(&mut self, out: &mut Vec<Weights>) -> Result<()>;
    /// Audio beyond a frame's own span this lip sync waits for before emitting the frame
    /// (look-ahead, analysis windows, resampling), in seconds.
    fn latency_s(&self) -> f64;

    /// The emotion's VAD point for frames from the one the next pushed sample belongs to
    /// ([`frame_of_sample`](crate::base::time::frame_of_sample)) on; frames owed for audio
    /// already pushed keep the VAD they were given, however late the look-ahead lets them out,
    /// so the frames stay independent of the chunking. Kept across [`start`](Self::start) (the
    /// latest point set holds for the new stream). Only a model with an emotion input reads it
    /// (`emotion_input` in its manifest); the default does nothing, as for the signal fallback.
    fn set_vad(&mut self, vad: Vad) {
        let _ = vad;
    }

    /// A whole clip: the same frames as any streaming of it.
    fn clip(&mut self, pcm: &Pcm) -> Result<Vec<Weights>> {
        self.start(pcm.sample_rate())?;
        let mut out = Vec::with_capacity(pcm.frame_count());
        self.push(pcm.samples(), &mut out)?;
        self.finish(&mut out)?;
        Ok(out)
    }
}
