//! The model manifest: the small JSON beside an ONNX lip-sync model that says what it reads and
//! what it writes, so a user's own model plugs in without code. Checked against the loaded
//! graph's real shapes.
//!
//! ```json
//! { "schema": "animasync-face/model-manifest", "version": 1, "name": "my-model", "model": "my.onnx",
//!   "input": { "kind": "log_mel", "sample_rate": 16000, "n_fft": 512, "win_length": 400,
//!              "hop_length": 160, "n_mels": 80, "f_min": 0, "f_max": 8000 },
//!   "window": { "frames": 32, "lookahead": 3, "layout": "time_major" },
//!   "output": { "kind": "blendshapes", "channels": ["jawOpen", "mouthFunnel", ...] },
//!   "emotion_input": false, "state": [] }
//! ```
//!
//! `window.frames` feature frames go in (`time_major`: `[1, frames, width]`; `feature_major`:
//! `[1, width, frames]`); the model answers for the frame `lookahead` frames before the window's
//! end, either as `[1, C]` or as `[1, frames, C]` (the runner picks that frame). The runner
//! evaluates the model once per 30 fps output frame, so the output rate is 30 fps by
//! construction. `output` is either `blendshapes` (C named ARKit channels, a subset of the 52) or
//! `visemes` (C viseme scores, optionally softmaxed, mixed through a viseme -> channel table).
//! With `emotion_input`, a second input `[1, 3]` receives the current valence/arousal/dominance:
//! the point set with [`LipSync::set_vad`](crate::lipsync::LipSync::set_vad) for the frame, which the
//! engine and the renderer keep at the point the frame's expression is compiled at.
//!
//! # Recurrent state
//!
//! A recurrent model need not re-read a long window every frame: it can take a short window
//! (context for its convolutions) plus its previous state and return its new state, one step
//! per 30 fps frame. `state` (optional, default empty) lists the state tensors:
//!
//! ```json
//! "state": [ { "shape": [1, 96] } ]
//! ```
//!
//! - Model inputs, in order: the features window, then the emotion input `[1, 3]` if
//!   `emotion_input`, then one input per `state` entry, in manifest order, each with exactly
//!   that shape.
//! - Model outputs, in order: the frame output (`[1, C]` or `[1, frames, C]`), then one output
//!   per `state` entry with the same shape as the matching input. A model with state has
//!   exactly these outputs (without state, further outputs are ignored).
//! - The state is all zeros when a stream starts (`LipSync::start`, so also after the engine's
//!   `reset`, `finish` and `processClip`); after each inference the runner keeps the returned
//!   state for the next frame, passing it on without a copy. The runner calls the model exactly
//!   once per 30 fps output frame, in order, so the frames still do not depend on how the audio
//!   was chunked.
//! - Checked when the model loads: every dimension positive, at least one dimension, at most
//!   [`MAX_STATE_VALUES`] values over all entries, and the graph's inputs and outputs (their
//!   number and each state tensor's shape, errors naming the input or output index and both
//!   shapes). A returned state with NaN or infinite values is an error naming the model; that
//!   frame is not emitted and the state stays as it was.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::audio::features::FeatureSpec;
use crate::base::channels::{check_weight, ChannelTable, CHANNEL_COUNT};
use crate::base::error::{FaceError, Result};
use crate::base::graph::Graph;
use crate::base::json;

const SCHEMA: &str = "animasync-face/model-manifest";
const VERSION: u32 = 1;

/// The most values the `state` entries of a manifest may hold together.
pub const MAX_STATE_VALUES: usize = 1 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// `[1, frames, width]`.
    #[default]
    TimeMajor,
    /// `[1, width, frames]`.
    FeatureMajor,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    /// Feature frames per inference (context + target + look-ahead).
    pub frames: usize,
    /// Feature frames after the target frame (future audio the model sees).
    pub lookahead: usize,
    #[serde(default)]
    pub layout: Layout,
}

/// One recurrent state tensor the model takes and returns (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateSpec {
    /// The tensor's shape; every dimension positive (checked by [`ModelManifest::state_shapes`]).
    pub shape: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum OutputSpec {
    Blendshapes {
        channels: Vec<String>,
    },
    Visemes {
        visemes: Vec<String>,
        table: BTreeMap<String, BTreeMap<String, f32>>,
        #[serde(default)]
        softmax: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelManifest {
    pub schema: String,
    pub version: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The ONNX file's name, for tools (the runtime is handed the bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    pub input: FeatureSpec,
    pub window: WindowSpec,
    pub output: OutputSpec,
    #[serde(default)]
    pub emotion_input: bool,
    /// Recurrent state tensors, in the order of the model's state inputs and outputs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub state: Vec<StateSpec>,
}

/// How model outputs become the 52 weights: `out[c] = sum_k value_k * matrix[k][c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputMap {
    pub matrix: Vec<[f32; CHANNEL_COUNT]>,
    pub softmax: bool,
}

impl ModelManifest {
    pub fn from_json(text: &str) -> Result<Self> {
        let manifest: ModelManifest = json::parse("manifest", text)?;
        json::check_schema(
            "manifest",
            (SCHEMA, VERSION),
            (&manifest.schema, manifest.version),
        )?;
        manifest.input.validate("manifest.input")?;
        let w = &manifest.window;
        if w.frames == 0 || w.lookahead >= w.frames || w.frames > 4096 {
            return Err(FaceError::InvalidData {
                place: "manifest.window".into(),
                message: format!(
                    "need 0 <= lookahead ({}) < frames ({}) <= 4096",
                    w.lookahead, w.frames
                ),
            });
        }
        manifest.output_map()?;
        manifest.state_shapes()?;
        Ok(manifest)
    }

    /// The validated shapes of the `state` entries: each non-empty with positive dimensions,
    /// at most [`MAX_STATE_VALUES`] values over all of them.
    pub fn state_shapes(&self) -> Result<Vec<Vec<usize>>> {
        let mut total = 0usize;
        self.state
            .iter()
            .enumerate()
            .map(|(k, entry)| {
                let invalid = |message: String| FaceError::InvalidData {
                    place: format!("manifest.state[{k}].shape"),
                    message,
                };
                if entry.shape.is_empty() {
                    return Err(invalid(
                        "is empty; a state tensor has at least one dimension".into(),
                    ));
                }
                if let Some(d) = entry.shape.iter().position(|&d| d <= 0) {
                    return Err(invalid(format!(
                        "dimension {d} is {}; every dimension must be positive",
                        entry.shape[d]
                    )));
                }
                let too_large = || {
                    invalid(format!(
                        "{:?} holds more than {MAX_STATE_VALUES} values (the most a model's state may hold)",
                        entry.shape
                    ))
                };
                let shape = entry
                    .shape
                    .iter()
                    .map(|&d| usize::try_from(d).map_err(|_| too_large()))
                    .collect::<Result<Vec<usize>>>()?;
                let values = shape
                    .iter()
                    .try_fold(1usize, |n, &d| n.checked_mul(d))
                    .filter(|&n| n <= MAX_STATE_VALUES)
                    .ok_or_else(too_large)?;
                total += values;
                if total > MAX_STATE_VALUES {
                    return Err(FaceError::InvalidData {
                        place: "manifest.state".into(),
                        message: format!(
                            "entries 0-{k} hold {total} values together; at most {MAX_STATE_VALUES}"
                        ),
                    });
                }
                Ok(shape)
            })
            .collect()
    }

    /// Number of values the model writes per frame.
    pub fn output_width(&self) -> usize {
        match &self.output {
            OutputSpec::Blendshapes { channels } => channels.len(),
            OutputSpec::Visemes { visemes, .. } => visemes.len(),
        }
    }

    /// The validated output mapping.
    pub fn output_map(&self) -> Result<OutputMap> {
        let table = ChannelTable::builtin();
        match &self.output {
            OutputSpec::Blendshapes { channels } => {
                if channels.is_empty() {
                    return Err(FaceError::InvalidData {
                        place: "manifest.output.channels".into(),
                        message: "names no channel".into(),
                    });
                }
                let mut seen = [false; CHANNEL_COUNT];
                let matrix = channels
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        let c = table.require(&format!("manifest.output.channels[{i}]"), name)?;
                        if std::mem::replace(&mut seen[c], true) {
                            return Err(FaceError::DuplicateKey {
                                place: "manifest.output.channels".into(),
                                key: name.clone(),
                            });
                        }
                        let mut row = [0.0; CHANNEL_COUNT];
                        row[c] = 1.0;
                        Ok(row)
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(OutputMap {
                    matrix,
                    softmax: false,
                })
            }
            OutputSpec::Visemes {
                visemes,
                table: mapping,
                softmax,
            } => {
                if visemes.is_empty() {
                    return Err(FaceError::InvalidData {
                        place: "manifest.output.visemes".into(),
                        message: "names no viseme".into(),
                    });
                }
                if let Some(extra) = mapping.keys().find(|k| !visemes.contains(k)) {
                    return Err(FaceError::InvalidData {
                        place: format!("manifest.output.table.{extra}"),
                        message: "is not one of the listed visemes".into(),
                    });
                }
                let matrix = visemes
                    .iter()
                    .map(|v| {
                        let weights = mapping.get(v).ok_or_else(|| FaceError::InvalidData {
                            place: "manifest.output.table".into(),
                            message: format!(
                                "viseme \"{v}\" has no entry (use {{}} for a rest shape)"
                            ),
                        })?;
                        let mut row = [0.0; CHANNEL_COUNT];
                        for (name, &w) in weights {
                            let place = format!("manifest.output.table.{v}");
                            let c = table.require(&place, name)?;
                            row[c] = check_weight(|| format!("{place}.{name}"), f64::from(w))?;
                        }
                        Ok(row)
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(OutputMap {
                    matrix,
                    softmax: *softmax,
                })
            }
        }
    }

    /// The input shape the manifest describes.
    pub fn input_shape(&self) -> Vec<usize> {
        let (frames, width) = (self.window.frames, self.input.width());
        match self.window.layout {
            Layout::TimeMajor => vec![1, frames, width],
            Layout::FeatureMajor => vec![1, width, frames],
        }
    }

    /// Checks the manifest against a loaded model's real input and output shapes.
    pub fn check_model(&self, model: &dyn Graph) -> Result<()> {
        let mismatch = |place: &str, message: String| FaceError::InvalidData {
            place: place.into(),
            message,
        };
        let states = self.state_shapes()?;
        let n = states.len();
        let inputs = model.input_shapes();
        let first_state = 1 + usize::from(self.emotion_input);
        let expected_inputs = first_state + n;
        if inputs.len() != expected_inputs {
            let mut described = vec!["the features window".to_string()];
            if self.emotion_input {
                described.push("the emotion input".into());
            }
            if n > 0 {
                described.push(format!("{n} state input(s)"));
            }
            let (place, neither) = match (n > 0, self.emotion_input) {
                (true, _) => ("manifest.state", ""),
                (false, true) => ("manifest.emotion_input", ""),
                (false, false) => ("manifest", "; no emotion_input, no state"),
            };
            return Err(mismatch(
                place,
                format!(
                    "the model has {} input(s); the manifest describes {expected_inputs} ({}{neither})",
                    inputs.len(),
                    described.join(", ")
                ),
            ));
        }
        let want = self.input_shape();
        if inputs[0] != want {
            return Err(mismatch(
                "manifest.window",
                format!("the model's input 0 has shape {:?}; the manifest describes {want:?} (window.frames, input width, window.layout)", inputs[0]),
            ));
        }
        if self.emotion_input && inputs[1] != [1, 3] {
            return Err(mismatch(
                "manifest.emotion_input",
                format!(
                    "the model's input 1 has shape {:?}; expected [1, 3]",
                    inputs[1]
                ),
            ));
        }
        for (k, shape) in states.iter().enumerate() {
            let i = first_state + k;
            if inputs[i] != *shape {
                return Err(mismatch(
                    &format!("manifest.state[{k}].shape"),
                    format!(
                        "the model's input {i} has shape {:?}; the manifest describes {shape:?}",
                        inputs[i]
                    ),
                ));
            }
        }
        let outputs = model.output_shapes();
        let c = self.output_width();
        let ok = outputs
            .first()
            .is_some_and(|s| *s == [1, c] || *s == [1, self.window.frames, c]);
        if !ok {
            return Err(mismatch(
                "manifest.output",
                format!(
                    "the model's output 0 has shape {:?}; the manifest describes [1, {c}] or [1, {}, {c}]",
                    outputs.first(),
                    self.window.frames
                ),
            ));
        }
        if n > 0 && outputs.len() != 1 + n {
            return Err(mismatch(
                "manifest.state",
                format!(
                    "the model has {} output(s); the manifest describes {} (the frame output, {n} state output(s))",
                    outputs.len(),
                    1 + n
                ),
            ));
        }
        for (k, shape) in states.iter().enumerate() {
            if outputs[1 + k] != *shape {
                return Err(mismatch(
                    &format!("manifest.state[{k}].shape"),
                    format!(
                        "the model's output {} has shape {:?}; the manifest describes {shape:?} (a state output has its input's shape)",
                        1 + k,
                        outputs[1 + k]
                    ),
                ));
            }
        }
        Ok(())
    }
}
