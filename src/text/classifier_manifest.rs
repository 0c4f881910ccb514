//! The text classifier slot's manifest: what a user's ONNX text classifier (emotion scores,
//! optionally a valence/arousal/dominance head) reads and writes, so that a model plugs in
//! without code.
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
//!   is never decomposed, see [`crate::text::wordpiece`]); `special_tokens` names `unknown`,
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
//! - `lexicon_evidence` (default 0, in [0, 4]): the built-in lexicon classifier also reads the
//!   line, and its scores for the emotions other than neutral, times this weight, are added to
//!   the model's before they are renormalised. The lexicon is precise when it names an emotion
//!   and the model reads situations; 0 leaves the model alone.
//! - `valence_follows_emotion` (default false): with a VAD head, a predicted valence whose sign
//!   contradicts the chosen emotion's (its anchor at the chosen level at least 0.2 from 0) takes
//!   the anchor's valence: the expression compiler reads the point within that emotion's own
//!   presets, where the other sign means nothing.

use serde::Deserialize;

use crate::base::emotion::EmotionTaxonomy;
use crate::base::error::{FaceError, Result};
use crate::base::json;
use crate::text::wordpiece::SpecialTokens;

const SCHEMA: &str = "animasync-face/text-classifier-manifest";
const VERSION: u32 = 1;
/// BERT-family models are trained with at most 512 positions.
pub const MAX_LENGTH: usize = 512;
/// Beyond this the lexicon would decide alone whenever it names an emotion.
pub const MAX_LEXICON_EVIDENCE: f32 = 4.0;
/// How far a probability output may sum from 1 and still be read as probabilities.
#[cfg(feature = "onnx")]
pub(crate) const PROBABILITY_TOLERANCE: f32 = 1e-3;

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
    #[serde(default)]
    pub lexicon_evidence: f32,
    #[serde(default)]
    pub valence_follows_emotion: bool,
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
        if !(0.0..=MAX_LEXICON_EVIDENCE).contains(&m.lexicon_evidence) {
            return Err(invalid(
                "lexicon_evidence",
                format!(
                    "is {}; it must be in [0, {MAX_LEXICON_EVIDENCE}]",
                    m.lexicon_evidence
                ),
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

    #[cfg(feature = "onnx")]
    pub(crate) fn special_tokens(&self) -> SpecialTokens {
        let names = &self.tokenizer.special_tokens;
        SpecialTokens {
            unknown: names.unknown.clone(),
            classify: names.classify.clone(),
            separator: names.separator.clone(),
            padding: names.padding.clone(),
        }
    }
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
        assert_eq!(m.lexicon_evidence, 0.0);
        assert!(!m.valence_follows_emotion);
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
        assert!(error(|m| m["lexicon_evidence"] = (-0.1).into())
            .contains("lexicon_evidence: is -0.1; it must be in [0, 4]"));
        assert!(error(|m| m["extra"] = 1.into()).contains("unknown field `extra`"));
        assert!(error(|m| m["outputs"]["emotion"]["scores"] = "raw".into())
            .contains("unknown variant `raw`"));
        assert!(error(|m| {
            m["context"] = "pair".into();
            m["tokenizer"]["max_length"] = 2.into();
        })
        .contains("3..=512"));
    }
}
