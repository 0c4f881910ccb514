//! The text classifier slot: a user's ONNX text classifier (emotion scores, optionally a
//! valence/arousal/dominance head) run by tract, with its WordPiece vocabulary, described by a
//! manifest so that a model plugs in without code.
//!
//! ```json
//! { "schema": "animasync-face/text-classifier-manifest", "version": 1,
//!   "name": "my-classifier", "model": "classifier.onnx", "vocab": "vocab.txt",
//!   "tokenizer": { "kind": "wordpiece", "max_length": 64, "lowercase": true },
//!   "inputs": ["input_ids", "attention_mask", "token_type_ids"],
//!   "outputs": {
//!     "emotion": { "index": 0, "labels": ["neutral", "joy", ...], "scores": "logits" },
//!     "vad": { "index": 1 } },
//!   "context": "scores", "min_confidence": 0.0 }
//! ```
//!
//! - `tokenizer`: `max_length` (2..=512) tokens per line including `[CLS]`/`[SEP]`;
//!   `lowercase` (default true), `strip_accents` (default: as `lowercase`, BERT's rule; Hangul
//!   is never decomposed, see [`crate::wordpiece`]); `special_tokens` names `unknown`,
//!   `classify`, `separator` and `padding` when a vocabulary spells them other than `[UNK]`,
//!   `[CLS]`, `[SEP]`, `[PAD]`.
//! - `inputs`: the graph's inputs in order, each `input_ids`, `attention_mask` or
//!   `token_type_ids`, `[1, max_length]` of int64 or int32 (read from the graph). A graph whose
//!   inputs have a free batch or sequence dimension is pinned to `[1, max_length]` when it
//!   loads.
//! - `outputs.emotion`: the output (by index) with one score per label, `labels` its label
//!   names in order: taxonomy emotion ids, or any names `map` sends to an emotion id or to null
//!   (`"map": {"admiration": "awe", "caring": null}`), so a model with its own label set plugs
//!   in. Labels mapped to one emotion add up; labels mapped to null are left out and the rest
//!   renormalised; at least two emotions must be scored; an emotion no label names scores 0.
//!   `scores` is `logits` (softmaxed here) or `probabilities` (checked to sum to 1).
//! - `outputs.vad` (optional): an output of 3 values, valence/arousal/dominance in [-1, 1]
//!   (clamped: a regression head may overshoot a little). With it the level is that of the
//!   chosen emotion's anchor nearest the predicted point; without it the level is 3 and the VAD
//!   point is that anchor.
//! - `context`: how the same speaker's previous line is used: `scores` (default: the model also
//!   reads the previous line and its scores and VAD count half, as in the lexicon classifier), `pair`
//!   (the model reads `[CLS] previous [SEP] line [SEP]`, for a model trained on pairs) or
//!   `none`.
//! - `min_confidence` (default 0): when the best score is below it the answer is "neutral".

use serde::Deserialize;
use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::{Factoid, InferenceFact};

use crate::emotion::EmotionTaxonomy;
use crate::error::{FaceError, Result};
use crate::json;
use crate::text_emotion::{check_text, EmotionGuess, CONTEXT_WEIGHT};
use crate::wordpiece::{Encoding, SpecialTokens, WordPiece};

const SCHEMA: &str = "animasync-face/text-classifier-manifest";
const VERSION: u32 = 1;
/// BERT-family models are trained with at most 512 positions.
pub const MAX_LENGTH: usize = 512;
/// How far a probability output may sum from 1 and still be read as probabilities.
const PROBABILITY_TOLERANCE: f32 = 1e-3;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextClassifierManifest {
    pub schema: String,
    pub version: u32,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The ONNX file's name, for tools (the runtime is handed the bytes).
    #[serde(default)]
    pub model: Option<String>,
    /// The vocabulary file's name, for tools.
    #[serde(default)]
    pub vocab: Option<String>,
    pub tokenizer: TokenizerSpec,
    pub inputs: Vec<InputRole>,
    pub outputs: OutputsSpec,
    #[serde(default)]
    pub context: ContextMode,
    #[serde(default)]
    pub min_confidence: f32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenizerKind {
    Wordpiece,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenizerSpec {
    pub kind: TokenizerKind,
    pub max_length: usize,
    #[serde(default = "yes")]
    pub lowercase: bool,
    #[serde(default)]
    pub strip_accents: Option<bool>,
    #[serde(default)]
    pub special_tokens: SpecialTokenNames,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpecialTokenNames {
    pub unknown: String,
    pub classify: String,
    pub separator: String,
    pub padding: String,
}

impl Default for SpecialTokenNames {
    fn default() -> Self {
        let d = SpecialTokens::default();
        SpecialTokenNames {
            unknown: d.unknown,
            classify: d.classify,
            separator: d.separator,
            padding: d.padding,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InputRole {
    InputIds,
    AttentionMask,
    TokenTypeIds,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputsSpec {
    pub emotion: EmotionOutput,
    #[serde(default)]
    pub vad: Option<VadOutput>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmotionOutput {
    pub index: usize,
    /// The model's own label names, in output order.
    pub labels: Vec<String>,
    pub scores: ScoreKind,
    /// Labels that are not taxonomy ids: each to an emotion id, or to null to leave it out.
    #[serde(default)]
    pub(crate) map: Option<json::Entries<Option<String>>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreKind {
    Logits,
    Probabilities,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VadOutput {
    pub index: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextMode {
    #[default]
    Scores,
    Pair,
    None,
}

impl TextClassifierManifest {
    /// Parses and validates a manifest (everything that can be checked without the model).
    pub fn from_json(text: &str) -> Result<Self> {
        // A manifest of another kind (a lip-sync model's, say) is named as such, before its
        // fields are read.
        if let Ok(serde_json::Value::Object(fields)) = serde_json::from_str(text) {
            if let (Some(schema), version) = (
                fields.get("schema").and_then(|s| s.as_str()),
                fields.get("version").and_then(|v| v.as_u64()),
            ) {
                let version = version.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
                json::check_schema(
                    "text classifier manifest",
                    (SCHEMA, VERSION),
                    (schema, version),
                )?;
            }
        }
        let m: TextClassifierManifest = json::parse("text classifier manifest", text)?;
        json::check_schema(
            "text classifier manifest",
            (SCHEMA, VERSION),
            (&m.schema, m.version),
        )?;
        let invalid = |place: &str, message: String| FaceError::InvalidData {
            place: format!("text classifier manifest.{place}"),
            message,
        };
        let max = m.tokenizer.max_length;
        let least = if m.context == ContextMode::Pair { 3 } else { 2 };
        if !(least..=MAX_LENGTH).contains(&max) {
            return Err(invalid(
                "tokenizer.max_length",
                format!("is {max}; it must be {least}..={MAX_LENGTH} ([CLS], [SEP] and the line's pieces)"),
            ));
        }
        if !m.inputs.contains(&InputRole::InputIds) {
            return Err(invalid(
                "inputs",
                "has no \"input_ids\": the model must read the token ids".into(),
            ));
        }
        for (k, role) in m.inputs.iter().enumerate() {
            if m.inputs[..k].contains(role) {
                return Err(invalid(
                    &format!("inputs[{k}]"),
                    format!("{role:?} is listed twice"),
                ));
            }
        }
        m.label_emotions()?;
        if let Some(vad) = &m.outputs.vad {
            if vad.index == m.outputs.emotion.index {
                return Err(invalid(
                    "outputs.vad.index",
                    format!(
                        "is {}, the emotion output's index; the VAD head is another output",
                        vad.index
                    ),
                ));
            }
        }
        if !(0.0..1.0).contains(&m.min_confidence) {
            return Err(invalid(
                "min_confidence",
                format!("is {}; it must be in [0, 1)", m.min_confidence),
            ));
        }
        Ok(m)
    }

    /// For each label, the taxonomy emotion it scores for, or `None` for a label mapped to null;
    /// checks the labels and the map (every label resolves, every map key is a label, at least
    /// two emotions are scored).
    pub fn label_emotions(&self) -> Result<Vec<Option<usize>>> {
        let place = "text classifier manifest.outputs.emotion";
        let invalid = |field: &str, message: String| FaceError::InvalidData {
            place: format!("{place}.{field}"),
            message,
        };
        let taxonomy = EmotionTaxonomy::builtin();
        let labels = &self.outputs.emotion.labels;
        let empty = json::Entries(Vec::new());
        let map = self.outputs.emotion.map.as_ref().unwrap_or(&empty);
        if let Some(key) = map.first_duplicate() {
            return Err(FaceError::DuplicateKey {
                place: format!("{place}.map"),
                key: key.to_string(),
            });
        }
        for (key, target) in &map.0 {
            if !labels.contains(key) {
                return Err(invalid(
                    &format!("map.{key}"),
                    "is not one of the labels (keys of the map are the model's label names)".into(),
                ));
            }
            if let Some(id) = target {
                taxonomy.require(&format!("{place}.map.{key}"), id)?;
            }
        }
        let mut resolved = Vec::with_capacity(labels.len());
        for (k, label) in labels.iter().enumerate() {
            if labels[..k].contains(label) {
                return Err(FaceError::DuplicateKey {
                    place: format!("{place}.labels"),
                    key: label.clone(),
                });
            }
            let target = match map.0.iter().find(|(key, _)| key == label) {
                Some((_, target)) => target.as_deref(),
                None => Some(label.as_str()),
            };
            resolved.push(match target {
                None => None,
                Some(id) => Some(
                    taxonomy
                        .require(&format!("{place}.labels[{k}]"), id)
                        .map_err(|e| match e {
                            FaceError::UnknownEmotion { place, name, hint } => FaceError::UnknownEmotion {
                                place,
                                name,
                                hint: format!("{hint}; map a label of the model's own to an emotion, or to null, in outputs.emotion.map"),
                            },
                            other => other,
                        })?
                        .0,
                ),
            });
        }
        let mut scored: Vec<usize> = resolved.iter().flatten().copied().collect();
        scored.sort_unstable();
        scored.dedup();
        if scored.len() < 2 {
            return Err(invalid(
                "labels",
                format!(
                    "score {} emotion(s); a classifier chooses between at least two",
                    scored.len()
                ),
            ));
        }
        Ok(resolved)
    }

    fn special_tokens(&self) -> SpecialTokens {
        let names = &self.tokenizer.special_tokens;
        SpecialTokens {
            unknown: names.unknown.clone(),
            classify: names.classify.clone(),
            separator: names.separator.clone(),
            padding: names.padding.clone(),
        }
    }
}

/// The integer type of the graph's token inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenType {
    I64,
    I32,
}

/// A loaded text classifier: manifest, tokenizer and the optimised graph.
#[derive(Debug, Clone)]
pub struct TextClassifier {
    manifest: TextClassifierManifest,
    tokenizer: WordPiece,
    plan: std::sync::Arc<TypedSimplePlan>,
    token_type: TokenType,
    /// For each manifest label, its emotion's index in the taxonomy (`None`: left out).
    label_emotions: Vec<Option<usize>>,
}

/// Refuses an input whose declared shape cannot be `[1, max_length]`: a rank other than 2, or
/// a fixed dimension that differs (a free batch or sequence dimension is fine: it is pinned).
fn check_declared_shape(
    i: usize,
    role: InputRole,
    fact: &InferenceFact,
    max_length: usize,
) -> Result<()> {
    let expected = [1, max_length as i64];
    let mismatch = |declared: String| {
        FaceError::Model(format!(
            "text classifier: input {i} ({role:?}) is declared {declared}; the manifest reads [1, {max_length}] (tokenizer.max_length)"
        ))
    };
    if let Some(rank) = fact.shape.rank().concretize() {
        if rank != 2 {
            return Err(mismatch(format!("with rank {rank}")));
        }
    }
    for (k, want) in expected.iter().enumerate() {
        let dim = fact.shape.dim(k).and_then(|d| d.concretize());
        if let Some(n) = dim.and_then(|d| d.to_i64().ok()) {
            if n != *want {
                return Err(mismatch(format!("{:?}", fact.shape)));
            }
        }
    }
    Ok(())
}

/// Refuses a vocabulary larger than the model's embedding table: an id past its last row would
/// index outside it (tract does not check gather indices, and a panic kills a wasm instance).
/// Follows the token ids from the input through casts and reshapes to every gather they index.
fn check_embedding_rows(model: &TypedModel, ids_input: usize, vocab_size: usize) -> Result<()> {
    use tract_onnx::tract_core::ops::{array::Gather, cast::Cast, change_axes::AxisOp};
    let order = model
        .eval_order()
        .map_err(model_error("cannot order the graph"))?;
    let mut derived = std::collections::HashSet::from([model.inputs[ids_input]]);
    for id in order {
        let node = model.node(id);
        if !node.inputs.iter().any(|i| derived.contains(i)) {
            continue;
        }
        if let Some(gather) = node.op_as::<Gather>() {
            if node.inputs.len() == 2 && derived.contains(&node.inputs[1]) {
                let table = model
                    .outlet_fact(node.inputs[0])
                    .map_err(model_error("cannot read an embedding table"))?;
                let rows = table
                    .shape
                    .as_concrete()
                    .and_then(|shape| shape.get(gather.axis).copied());
                if let Some(rows) = rows.filter(|&rows| rows < vocab_size) {
                    return Err(FaceError::Model(format!(
                        "text classifier: the vocabulary has {vocab_size} tokens but the model's embedding \"{}\" has {rows} rows: give the vocab.txt the model was trained with",
                        node.name
                    )));
                }
            }
        } else if node.op_is::<Cast>() || node.op_is::<AxisOp>() {
            derived.extend((0..node.outputs.len()).map(|slot| OutletId::new(id, slot)));
        }
    }
    Ok(())
}

fn model_error(context: &str) -> impl Fn(TractError) -> FaceError + '_ {
    move |e| FaceError::Model(format!("text classifier: {context}: {e:#}"))
}

impl TextClassifier {
    /// Loads a classifier from its ONNX bytes, its manifest and its `vocab.txt`, checking the
    /// graph's inputs and outputs against the manifest.
    pub fn new(model: &[u8], manifest: &str, vocab: &str) -> Result<TextClassifier> {
        let manifest = TextClassifierManifest::from_json(manifest)?;
        let strip = manifest
            .tokenizer
            .strip_accents
            .unwrap_or(manifest.tokenizer.lowercase);
        let tokenizer = WordPiece::new(
            vocab,
            manifest.tokenizer.lowercase,
            strip,
            &manifest.special_tokens(),
        )?;
        if model.is_empty() {
            return Err(FaceError::Model(
                "text classifier: the model is empty (0 bytes)".into(),
            ));
        }
        let mut reader = model;
        let mut graph = tract_onnx::onnx()
            .model_for_read(&mut reader)
            .map_err(model_error("cannot read the ONNX model"))?;
        let roles = &manifest.inputs;
        if graph.inputs.len() != roles.len() {
            return Err(FaceError::Model(format!(
                "text classifier: the model has {} input(s); the manifest's inputs name {} ({:?})",
                graph.inputs.len(),
                roles.len(),
                roles
            )));
        }
        let mut token_type = None;
        for (i, &role) in roles.iter().enumerate() {
            let fact = graph
                .input_fact(i)
                .map_err(model_error("cannot read the model's inputs"))?;
            check_declared_shape(i, role, fact, manifest.tokenizer.max_length)?;
            let declared = fact.datum_type.concretize();
            let this = match declared {
                Some(DatumType::I64) | None => TokenType::I64,
                Some(DatumType::I32) => TokenType::I32,
                Some(other) => {
                    return Err(FaceError::Model(format!(
                        "text classifier: input {i} ({role:?}) is {other:?}; token inputs are int64 or int32"
                    )))
                }
            };
            if *token_type.get_or_insert(this) != this {
                return Err(FaceError::Model(
                    "text classifier: the token inputs mix int64 and int32".into(),
                ));
            }
            let datum = match this {
                TokenType::I64 => i64::datum_type(),
                TokenType::I32 => i32::datum_type(),
            };
            graph
                .set_input_fact(
                    i,
                    InferenceFact::dt_shape(datum, [1, manifest.tokenizer.max_length]),
                )
                .map_err(model_error("cannot set the input shape"))?;
        }
        let typed = graph.into_typed().map_err(model_error(&format!(
            "cannot type the model with inputs of shape [1, {}] (tokenizer.max_length)",
            manifest.tokenizer.max_length
        )))?;
        if let Some(ids) = roles.iter().position(|r| *r == InputRole::InputIds) {
            check_embedding_rows(&typed, ids, tokenizer.size())?;
        }
        let plan = typed
            .into_optimized()
            .map_err(model_error("cannot optimise the model"))?
            .into_runnable()
            .map_err(model_error("cannot plan the model"))?;
        let outputs = plan.model().outputs.len();
        let output_values = |index: usize, what: &str| -> Result<usize> {
            if index >= outputs {
                return Err(FaceError::Model(format!(
                    "text classifier: the manifest's {what} output is index {index}; the model has {outputs} output(s)"
                )));
            }
            let fact = plan
                .model()
                .output_fact(index)
                .map_err(model_error("cannot read the model's outputs"))?;
            if fact.datum_type != f32::datum_type() {
                return Err(FaceError::Model(format!(
                    "text classifier: output {index} ({what}) is {:?}; it must be float32",
                    fact.datum_type
                )));
            }
            let shape = fact.shape.as_concrete().ok_or_else(|| {
                FaceError::Model(format!(
                    "text classifier: output {index} ({what}) has shape {:?} even with inputs fixed to [1, {}]",
                    fact.shape, manifest.tokenizer.max_length
                ))
            })?;
            Ok(shape.iter().product())
        };
        let labels = &manifest.outputs.emotion.labels;
        let n = output_values(manifest.outputs.emotion.index, "emotion")?;
        if n != labels.len() {
            return Err(FaceError::Model(format!(
                "text classifier: the emotion output ({}) has {n} values; the manifest names {} labels",
                manifest.outputs.emotion.index,
                labels.len()
            )));
        }
        if let Some(vad) = &manifest.outputs.vad {
            let n = output_values(vad.index, "vad")?;
            if n != 3 {
                return Err(FaceError::Model(format!(
                    "text classifier: the VAD output ({}) has {n} values; it must have 3 (valence, arousal, dominance)",
                    vad.index
                )));
            }
        }
        let label_emotions = manifest.label_emotions()?;
        Ok(TextClassifier {
            tokenizer,
            plan,
            token_type: token_type.unwrap_or(TokenType::I64),
            label_emotions,
            manifest,
        })
    }

    pub fn manifest(&self) -> &TextClassifierManifest {
        &self.manifest
    }

    /// The word pieces the model reads for `text` (no special tokens), for inspection.
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        self.tokenizer.tokenize(text)
    }

    /// Classifies `text`, optionally conditioned on the same speaker's `previous` line (see
    /// the manifest's `context`).
    pub fn classify(&self, text: &str, previous: Option<&str>) -> Result<EmotionGuess> {
        check_text("text", text)?;
        if let Some(p) = previous {
            check_text("previous", p)?;
        }
        let max = self.manifest.tokenizer.max_length;
        let context = previous.filter(|_| self.manifest.context != ContextMode::None);
        let (probabilities, vad) = match (self.manifest.context, context) {
            (ContextMode::Pair, Some(p)) => self.run(&self.tokenizer.encode_pair(p, text, max)?)?,
            (ContextMode::Scores, Some(p)) => {
                let (now, vad) = self.run(&self.tokenizer.encode(text, max)?)?;
                let (before, vad_before) = self.run(&self.tokenizer.encode(p, max)?)?;
                let mix = |n: f32, b: f32| (n + CONTEXT_WEIGHT * b) / (1.0 + CONTEXT_WEIGHT);
                let mixed = now.iter().zip(&before).map(|(&n, &b)| mix(n, b)).collect();
                let vad = vad
                    .zip(vad_before)
                    .map(|(n, b)| [0, 1, 2].map(|k| mix(n[k], b[k])));
                (mixed, vad)
            }
            _ => self.run(&self.tokenizer.encode(text, max)?)?,
        };
        let taxonomy = EmotionTaxonomy::builtin();
        let mut scores = vec![0.0f32; taxonomy.emotions().len()];
        // Labels mapped to the same emotion add up; labels left out (mapped to null) drop, and
        // the rest is renormalised so the scores still sum to 1.
        for (e, p) in self.label_emotions.iter().zip(&probabilities) {
            if let Some(e) = e {
                scores[*e] += p;
            }
        }
        let kept: f32 = scores.iter().sum();
        if kept <= 0.0 {
            return Err(FaceError::Model(
                "text classifier: every score went to labels mapped to null; nothing to choose from"
                    .into(),
            ));
        }
        scores.iter_mut().for_each(|s| *s /= kept);
        let (mut best, mut confidence) = scores
            .iter()
            .copied()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .expect("the taxonomy has emotions");
        if confidence < self.manifest.min_confidence {
            best = taxonomy.index_of("neutral").expect("neutral is built in");
            confidence = scores[best];
        }
        let emotion = &taxonomy.emotions()[best];
        let anchor = |level: u8| {
            emotion
                .anchor(level)
                .expect("levels 1..=5 have anchors")
                .as_array()
        };
        let (level, vad) = match vad {
            Some(point) => {
                let distance = |level: u8| {
                    let a = anchor(level);
                    (0..3).map(|k| (a[k] - point[k]).powi(2)).sum::<f32>()
                };
                let level = (1..=5u8)
                    .min_by(|&a, &b| distance(a).total_cmp(&distance(b)))
                    .expect("five levels");
                (level, point)
            }
            None => (3, anchor(3)),
        };
        Ok(EmotionGuess {
            emotion: emotion.id.clone(),
            level,
            vad,
            confidence,
            scores: taxonomy
                .emotions()
                .iter()
                .zip(scores)
                .map(|(e, s)| (e.id.clone(), s))
                .collect(),
        })
    }

    /// One inference: the label probabilities and, with a VAD head, its clamped point.
    fn run(&self, encoding: &Encoding) -> Result<(Vec<f32>, Option<[f32; 3]>)> {
        let max = self.manifest.tokenizer.max_length;
        let inputs = self
            .manifest
            .inputs
            .iter()
            .map(|role| {
                let values = match role {
                    InputRole::InputIds => &encoding.ids,
                    InputRole::AttentionMask => &encoding.attention_mask,
                    InputRole::TokenTypeIds => &encoding.type_ids,
                };
                let tensor = match self.token_type {
                    TokenType::I64 => Tensor::from_shape(&[1, max], values),
                    TokenType::I32 => {
                        let narrow: Vec<i32> = values.iter().map(|&v| v as i32).collect();
                        Tensor::from_shape(&[1, max], &narrow)
                    }
                };
                tensor
                    .map(TValue::from)
                    .map_err(model_error("cannot make an input"))
            })
            .collect::<Result<TVec<TValue>>>()?;
        let outputs = self
            .plan
            .run(inputs)
            .map_err(model_error("inference failed"))?;
        let read = |index: usize, what: &str| -> Result<Vec<f32>> {
            let values = outputs[index]
                .to_plain_array_view::<f32>()
                .map_err(model_error("cannot read an output"))?;
            let values: Vec<f32> = values.iter().copied().collect();
            if values.iter().any(|v| !v.is_finite()) {
                return Err(FaceError::Model(format!(
                    "text classifier: the {what} output has NaN or infinite values"
                )));
            }
            Ok(values)
        };
        let emotion = &self.manifest.outputs.emotion;
        let raw = read(emotion.index, "emotion")?;
        let probabilities = match emotion.scores {
            ScoreKind::Logits => softmax(&raw),
            ScoreKind::Probabilities => {
                let sum: f32 = raw.iter().sum();
                if raw.iter().any(|p| !(0.0..=1.0).contains(p))
                    || (sum - 1.0).abs() > PROBABILITY_TOLERANCE
                {
                    return Err(FaceError::Model(format!(
                        "text classifier: the emotion output is not probabilities (values {raw:?} sum to {sum}); if the model outputs logits, say \"scores\": \"logits\" in the manifest"
                    )));
                }
                raw
            }
        };
        let vad = match &self.manifest.outputs.vad {
            Some(head) => {
                let v = read(head.index, "vad")?;
                Some([0, 1, 2].map(|k| v[k].clamp(-1.0, 1.0)))
            }
            None => None,
        };
        Ok((probabilities, vad))
    }
}

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|x| (x - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let mut m = serde_json::json!({
            "schema": SCHEMA, "version": 1, "name": "t",
            "tokenizer": { "kind": "wordpiece", "max_length": 16 },
            "inputs": ["input_ids", "attention_mask"],
            "outputs": { "emotion": { "index": 0, "labels": ["neutral", "joy"], "scores": "logits" },
                         "vad": { "index": 1 } }
        });
        edit(&mut m);
        m.to_string()
    }

    fn error(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        TextClassifierManifest::from_json(&manifest(edit))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_valid_manifest_reads_with_its_defaults() {
        let m = TextClassifierManifest::from_json(&manifest(|_| {})).unwrap();
        assert!(m.tokenizer.lowercase);
        assert_eq!(m.context, ContextMode::Scores);
        assert_eq!(m.tokenizer.special_tokens.classify, "[CLS]");
        assert_eq!(m.min_confidence, 0.0);
    }

    #[test]
    fn manifest_errors_name_the_field() {
        assert!(error(|m| m["schema"] = "x".into()).contains("expected schema"));
        assert!(error(|m| m["tokenizer"]["max_length"] = 1.into()).contains("max_length"));
        assert!(error(|m| m["tokenizer"]["max_length"] = 513.into()).contains("2..=512"));
        assert!(error(|m| m["tokenizer"]["kind"] = "bpe".into()).contains("unknown variant"));
        assert!(
            error(|m| m["inputs"] = serde_json::json!(["attention_mask"]))
                .contains("no \"input_ids\"")
        );
        assert!(
            error(|m| m["inputs"] = serde_json::json!(["input_ids", "input_ids"]))
                .contains("inputs[1]: InputIds is listed twice")
        );
        assert!(
            error(|m| m["inputs"] = serde_json::json!(["input_ids", "position_ids"]))
                .contains("unknown variant `position_ids`")
        );
        assert!(
            error(|m| m["outputs"]["emotion"]["labels"] = serde_json::json!(["joy"]))
                .contains("score 1 emotion(s)")
        );
        assert!(
            error(|m| m["outputs"]["emotion"]["labels"] = serde_json::json!(["joy", "happy"]))
                .contains("labels[1]: unknown emotion \"happy\"; map a label")
        );
        let map = |m: &mut serde_json::Value, labels: serde_json::Value, map: &str| {
            m["outputs"]["emotion"]["labels"] = labels;
            m["outputs"]["emotion"]["map"] = serde_json::from_str(map).unwrap();
        };
        assert!(
            error(|m| map(m, serde_json::json!(["joy", "happy"]), r#"{"hapy": "joy"}"#))
                .contains("map.hapy: is not one of the labels")
        );
        assert!(error(|m| map(
            m,
            serde_json::json!(["joy", "happy"]),
            r#"{"happy": "joyy"}"#
        ))
        .contains("map.happy: unknown emotion \"joyy\" (did you mean \"joy\"?)"));
        assert!(error(|m| map(
            m,
            serde_json::json!(["joy", "happy"]),
            r#"{"happy": "joy"}"#
        ))
        .contains("score 1 emotion(s)"));
        // Written as text: a JSON value would already have kept only the last "happy".
        let twice = manifest(|m| {
            map(
                m,
                serde_json::json!(["joy", "happy"]),
                r#"{"happy": "awe"}"#,
            )
        })
        .replace(r#""happy":"awe""#, r#""happy":"awe","happy":null"#);
        assert!(TextClassifierManifest::from_json(&twice)
            .unwrap_err()
            .to_string()
            .contains("map: duplicate key \"happy\""));
        let ok = TextClassifierManifest::from_json(&manifest(|m| {
            map(
                m,
                serde_json::json!(["joy", "elation", "admiration", "caring"]),
                r#"{"elation": "joy", "admiration": "awe", "caring": null}"#,
            )
        }))
        .unwrap();
        let taxonomy = EmotionTaxonomy::builtin();
        let index = |id| taxonomy.index_of(id);
        assert_eq!(
            ok.label_emotions().unwrap(),
            [index("joy"), index("joy"), index("awe"), None]
        );
        assert!(
            error(|m| m["outputs"]["emotion"]["labels"] = serde_json::json!(["joy", "joy"]))
                .contains("duplicate key \"joy\"")
        );
        assert!(error(|m| m["outputs"]["vad"]["index"] = 0.into()).contains("outputs.vad.index"));
        assert!(error(|m| m["min_confidence"] = 1.5.into()).contains("[0, 1)"));
        assert!(error(|m| m["extra"] = 1.into()).contains("unknown field `extra`"));
        assert!(error(|m| m["outputs"]["emotion"]["scores"] = "raw".into())
            .contains("unknown variant `raw`"));
        assert!(error(|m| {
            m["context"] = "pair".into();
            m["tokenizer"]["max_length"] = 2.into();
        })
        .contains("3..=512"));
    }

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let p = softmax(&[1000.0, 1000.0, -1000.0]);
        assert!((p[0] - 0.5).abs() < 1e-6 && (p[1] - 0.5).abs() < 1e-6 && p[2] == 0.0);
    }
}
