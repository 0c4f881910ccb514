//! Lip sync from a model described by a manifest: audio at any rate is resampled to the model's
//! rate, turned into the manifest's features, and the model is run on a sliding window once per
//! 30 fps output frame. The model is a user's ONNX graph (run by tract, [`open_onnx`]) or the
//! built-in network's weights ([`GruNet`], our own code), told apart by their bytes.
//!
//! Frame `k` (centred at `(k + 0.5) / 30` s) targets the feature frame whose centre is nearest
//! that time; the window ends `lookahead` feature frames later and reaches back `frames - 1`
//! frames (before the stream's start: silence features). A frame is emitted once its whole
//! span of audio and its window's features exist, so any chunking gives the same frames.
//!
//! A model with recurrent state (the manifest's `state`) also takes its previous state and
//! returns the new one: zeros at [`LipSync::start`], then each run's returned state. One run per
//! output frame, in order, keeps the frames independent of the chunking.
//!
//! A model with an emotion input (the manifest's `emotion_input`) reads the VAD point set with
//! [`LipSync::set_vad`] for its frame: a point set when the input reaches sample `n` holds from
//! frame [`frame_of_sample`]`(n)` on. Frames before it may still be waiting for their look-ahead
//! when the point arrives; they run with the point they were due, so a new emotion starts on the
//! same frame however the audio was chunked and however long the look-ahead is.

use crate::audio::check_sample_rate;
use crate::audio::features::{FeatureExtractor, FeatureSpec, LogKind};
use crate::audio::resample::StreamResampler;
use crate::base::channels::{Weights, CHANNEL_COUNT};
use crate::base::emotion::Vad;
use crate::base::error::{FaceError, Result};
use crate::base::graph::{open_onnx, Graph};
use crate::base::time::{frame_of_sample, frames_covering, FPS};
use crate::lipsync::manifest::{Layout, ModelManifest, OutputMap};
use crate::lipsync::net::{is_safetensors, GruNet};
use crate::lipsync::LipSync;
use std::collections::VecDeque;

pub struct ModelLipSync {
    manifest: ModelManifest,
    model: Box<dyn Graph>,
    map: OutputMap,
    /// The model answers for every window frame (`[1, frames, C]`), not just the target.
    all_frames: bool,
    silence: f32,
    resampler: Option<StreamResampler>,
    extractor: FeatureExtractor,
    /// Feature frames `[base, base + len / width)` still needed.
    features: Vec<f32>,
    base: i64,
    resampled: Vec<f32>,
    rate_in: u32,
    input_samples: u64,
    next_frame: u64,
    window: Vec<f32>,
    /// The emotion input of the next run, and later points with the frame each starts at.
    vad: [f32; 3],
    vad_changes: VecDeque<(u64, [f32; 3])>,
    /// The recurrent state for the next run, one flat tensor per manifest `state` entry.
    state: Vec<Vec<f32>>,
}

impl std::fmt::Debug for ModelLipSync {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.debug_struct("ModelLipSync")
            .field("model", &self.manifest.name)
            .finish_non_exhaustive()
    }
}

impl ModelLipSync {
    /// Loads `model_bytes` (ONNX, or the built-in network's safetensors), checks them against
    /// `manifest_json` and prepares the front-end.
    pub fn new(model_bytes: &[u8], manifest_json: &str) -> Result<Self> {
        let manifest = ModelManifest::from_json(manifest_json)?;
        let model = open_model(model_bytes)?;
        manifest.check_model(model.as_ref())?;
        let map = manifest.output_map()?;
        let all_frames = model.output_shapes()[0].len() == 3;
        let silence = match manifest.input {
            FeatureSpec::LogMel {
                log: LogKind::Ln,
                floor,
                ..
            } => floor.ln(),
            FeatureSpec::LogMel {
                log: LogKind::Log10,
                floor,
                ..
            } => floor.log10(),
            FeatureSpec::Pcm { .. } => 0.0,
        };
        let extractor = FeatureExtractor::new(&manifest.input)?;
        let window = vec![0.0; manifest.window.frames * manifest.input.width()];
        let rate = manifest.input.sample_rate();
        let state = manifest
            .state_shapes()?
            .iter()
            .map(|shape| vec![0.0; shape.iter().product()])
            .collect();
        Ok(ModelLipSync {
            manifest,
            model,
            map,
            all_frames,
            silence,
            resampler: None,
            extractor,
            features: Vec::new(),
            base: 0,
            resampled: Vec::new(),
            rate_in: rate,
            input_samples: 0,
            next_frame: 0,
            window,
            vad: [0.0; 3],
            vad_changes: VecDeque::new(),
            state,
        })
    }

    pub fn manifest(&self) -> &ModelManifest {
        &self.manifest
    }

    fn spec(&self) -> &FeatureSpec {
        &self.manifest.input
    }

    /// The feature frame output frame `k` targets (may be negative near the start).
    fn target(&self, k: u64) -> i64 {
        let spec = self.spec();
        let centre = (k as f64 + 0.5) / f64::from(FPS) * f64::from(spec.sample_rate());
        ((centre - spec.frame_length() as f64 / 2.0) / spec.hop() as f64).round() as i64
    }

    /// Emits every owed frame whose window is complete.
    fn emit_ready(&mut self, owed: u64, out: &mut Vec<Weights>) -> Result<()> {
        let width = self.spec().width();
        let (frames, lookahead) = (
            self.manifest.window.frames as i64,
            self.manifest.window.lookahead as i64,
        );
        while self.next_frame < owed {
            let last = self.target(self.next_frame) + lookahead;
            if last >= self.extractor.frames_emitted() as i64 {
                break;
            }
            let first = last - frames + 1;
            for (slot, j) in (first..=last).enumerate() {
                let source = (j >= self.base).then(|| {
                    let at = (j - self.base) as usize * width;
                    &self.features[at..at + width]
                });
                for m in 0..width {
                    let value = source.map_or(self.silence, |f| f[m]);
                    let index = match self.manifest.window.layout {
                        Layout::TimeMajor => slot * width + m,
                        Layout::FeatureMajor => m * frames as usize + slot,
                    };
                    self.window[index] = value;
                }
            }
            while let Some(&(_, vad)) = self
                .vad_changes
                .front()
                .filter(|(from, _)| *from <= self.next_frame)
            {
                self.vad = vad;
                self.vad_changes.pop_front();
            }
            let vad = self.manifest.emotion_input.then_some(&self.vad[..]);
            let inputs: Vec<&[f32]> = std::iter::once(&self.window[..])
                .chain(vad)
                .chain(self.state.iter().map(Vec::as_slice))
                .collect();
            self.model.infer(&inputs)?;
            let c = self.map.matrix.len();
            let output = self.model.output(0)?;
            let row = if self.all_frames {
                let at = (frames - 1 - lookahead) as usize * c;
                &output[at..at + c]
            } else {
                &output[..c]
            };
            let weights = to_weights(&self.manifest.name, &self.map, row)?;
            // Check every returned state before keeping any: a failed frame changes nothing.
            for k in 0..self.state.len() {
                let state = self.model.output(1 + k)?;
                if state.len() != self.state[k].len() {
                    return Err(FaceError::Model(format!(
                        "\"{}\" returned {} values in its state output {} (manifest.state[{k}] holds {})",
                        self.manifest.name,
                        state.len(),
                        1 + k,
                        self.state[k].len()
                    )));
                }
                if let Some(i) = state.iter().position(|v| !v.is_finite()) {
                    return Err(FaceError::Model(format!(
                        "\"{}\" returned {} in its state output {} (manifest.state[{k}], value {i})",
                        self.manifest.name,
                        state[i],
                        1 + k
                    )));
                }
            }
            for (k, state) in self.state.iter_mut().enumerate() {
                state.copy_from_slice(self.model.output(1 + k)?);
            }
            out.push(weights);
            self.next_frame += 1;
            // Forget features no later window needs.
            let keep_from = self.target(self.next_frame) + lookahead - frames + 1;
            if keep_from > self.base {
                let drop = ((keep_from - self.base) as usize).min(self.features.len() / width);
                self.features.drain(..drop * width);
                self.base += drop as i64;
            }
        }
        Ok(())
    }

    fn feed_features(&mut self, samples_at_model_rate: &[f32]) {
        let start_frames = self.extractor.frames_emitted();
        self.extractor
            .push(samples_at_model_rate, &mut self.features);
        if start_frames == 0 && self.features.is_empty() {
            self.base = 0;
        }
    }

    /// Frames whose whole span has arrived.
    fn complete_frames(&self) -> u64 {
        self.input_samples * u64::from(FPS) / u64::from(self.rate_in)
    }
}

impl LipSync for ModelLipSync {
    fn name(&self) -> &str {
        &self.manifest.name
    }

    fn start(&mut self, sample_rate: u32) -> Result<()> {
        check_sample_rate(sample_rate)?;
        let model_rate = self.spec().sample_rate();
        self.resampler = if sample_rate == model_rate {
            None
        } else {
            Some(StreamResampler::new(sample_rate, model_rate)?)
        };
        self.extractor.reset();
        self.features.clear();
        self.base = 0;
        self.rate_in = sample_rate;
        self.input_samples = 0;
        self.next_frame = 0;
        self.state.iter_mut().for_each(|s| s.fill(0.0));
        // The latest point set holds for the new stream.
        if let Some(&(_, vad)) = self.vad_changes.back() {
            self.vad = vad;
        }
        self.vad_changes.clear();
        Ok(())
    }

    fn push(&mut self, samples: &[f32], out: &mut Vec<Weights>) -> Result<()> {
        let mut resampled = std::mem::take(&mut self.resampled);
        resampled.clear();
        let fed = match &mut self.resampler {
            Some(r) => {
                r.push(samples, &mut resampled)?;
                &resampled[..]
            }
            None => samples,
        };
        self.feed_features(fed);
        self.resampled = resampled;
        self.input_samples += samples.len() as u64;
        self.emit_ready(self.complete_frames(), out)
    }

    fn finish(&mut self, out: &mut Vec<Weights>) -> Result<()> {
        let owed = frames_covering(self.input_samples as usize, self.rate_in) as u64;
        if let Some(r) = &mut self.resampler {
            let mut tail = Vec::new();
            r.finish(&mut tail)?;
            self.feed_features(&tail);
        }
        // Silence after the end completes the last windows.
        let hop = vec![0.0; self.spec().hop()];
        while self.next_frame < owed {
            let needed = self.target(owed - 1) + self.manifest.window.lookahead as i64;
            while (self.extractor.frames_emitted() as i64) <= needed {
                self.feed_features(&hop);
            }
            self.emit_ready(owed, out)?;
        }
        Ok(())
    }

    fn set_vad(&mut self, vad: Vad) {
        let from = frame_of_sample(self.input_samples, self.rate_in);
        // A later point set for the same frame replaces the earlier one.
        if self.vad_changes.back().is_some_and(|(f, _)| *f == from) {
            self.vad_changes.pop_back();
        }
        self.vad_changes.push_back((from, vad.as_array()));
    }

    fn latency_s(&self) -> f64 {
        let spec = self.spec();
        let rate = f64::from(spec.sample_rate());
        let ahead =
            (self.manifest.window.lookahead * spec.hop()) as f64 + spec.frame_length() as f64 / 2.0;
        ahead / rate
            + self
                .resampler
                .as_ref()
                .map_or(0.0, StreamResampler::latency_s)
    }
}

/// A lip-sync model's bytes as a [`Graph`]: the built-in network's safetensors weights run by
/// [`GruNet`], anything else as ONNX ([`open_onnx`]).
pub fn open_model(bytes: &[u8]) -> Result<Box<dyn Graph>> {
    if is_safetensors(bytes) {
        Ok(Box::new(GruNet::from_bytes(bytes)?))
    } else {
        open_onnx(bytes)
    }
}

/// One output row -> the 52 weights through the manifest's mapping (softmax first for
/// visemes), without allocating; non-finite outputs are an error naming the model.
fn to_weights(name: &str, map: &OutputMap, row: &[f32]) -> Result<Weights> {
    if let Some(i) = row.iter().position(|v| !v.is_finite()) {
        return Err(FaceError::Model(format!(
            "\"{name}\" produced {} at output {i}",
            row[i]
        )));
    }
    let mut frame = [0.0f32; CHANNEL_COUNT];
    // Softmax is linear after the exponentials: sum the exp-weighted rows, divide once.
    let max = if map.softmax {
        row.iter().copied().fold(f32::MIN, f32::max)
    } else {
        0.0
    };
    let mut total = 0.0f32;
    for (&score, weights) in row.iter().zip(&map.matrix) {
        let s = if map.softmax {
            (score - max).exp()
        } else {
            score
        };
        total += s;
        for (f, w) in frame.iter_mut().zip(weights) {
            *f += s * w;
        }
    }
    if map.softmax {
        frame.iter_mut().for_each(|f| *f /= total);
    }
    Ok(frame.map(|w| w.clamp(0.0, 1.0)))
}
