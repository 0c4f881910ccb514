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
//!   "emotion_input": false }
//! ```
//!
//! `window.frames` feature frames go in (`time_major`: `[1, frames, width]`; `feature_major`:
//! `[1, width, frames]`); the model answers for the frame `lookahead` frames before the window's
//! end, either as `[1, C]` or as `[1, frames, C]` (the runner picks that frame). The runner
//! evaluates the model once per 30 fps output frame, so the output rate is 30 fps by
//! construction. `output` is either `blendshapes` (C named ARKit channels, a subset of the 52) or
//! `visemes` (C viseme scores, optionally softmaxed, mixed through a viseme -> channel table).
//! With `emotion_input`, a second input `[1, 3]` receives the current valence/arousal/dominance.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::channels::{ChannelTable, CHANNEL_COUNT};
use crate::error::{FaceError, Result};
use crate::features::FeatureSpec;
use crate::json;
use crate::model::OnnxModel;

const SCHEMA: &str = "animasync-face/model-manifest";
const VERSION: u32 = 1;

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
        Ok(manifest)
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
                            row[c] = crate::presets::check_weight(
                                || format!("{place}.{name}"),
                                f64::from(w),
                            )?;
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
    pub fn check_model(&self, model: &OnnxModel) -> Result<()> {
        let mismatch = |place: &str, message: String| FaceError::InvalidData {
            place: place.into(),
            message,
        };
        let inputs = model.input_shapes();
        let expected_inputs = 1 + usize::from(self.emotion_input);
        if inputs.len() != expected_inputs {
            return Err(mismatch(
                "manifest.emotion_input",
                format!(
                    "the model has {} input(s); the manifest describes {expected_inputs}",
                    inputs.len()
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
        Ok(())
    }
}
