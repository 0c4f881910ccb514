//! The text classifier slot: a user's ONNX text classifier run by tract, with its WordPiece
//! vocabulary, as its manifest (`classifier_manifest.rs`) describes it, so that a model plugs in
//! without code.

use tract_onnx::prelude::*;
use tract_onnx::tract_hir::infer::{Factoid, InferenceFact};

use crate::base::emotion::EmotionTaxonomy;
use crate::base::error::{FaceError, Result};
use crate::base::onnx_guard::{check_typed, read_onnx, TokenIds};
use crate::text::classifier_manifest::*;
use crate::text::wordpiece::{Encoding, WordPiece};
use crate::text::{check_text, EmotionGuess, LexiconClassifier, CONTEXT_WEIGHT};

/// An anchor valence at least this far from 0 has a clear sign: the VAD point must keep it
/// (`valence_follows_emotion`), and `emotion-eval` scores the valence sign on such lines. Every
/// emotion but neutral, thinking and low surprise.
pub const CLEAR_VALENCE: f32 = 0.2;

/// The built-in lexicon's scores for a text in a context: each emotion's, in the taxonomy's order.
pub type LexiconScores = dyn Fn(&str, Option<&str>) -> Result<Vec<f32>>;

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
        let mut graph = read_onnx(model).map_err(model_error("cannot read the ONNX model"))?;
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
        // The token ids are the one input a Gather may index with: the tables they index must
        // cover the vocabulary (tract does not check gather indices, and a panic kills a wasm
        // instance).
        let tokens = (roles.iter().position(|r| *r == InputRole::InputIds)).map(|input| TokenIds {
            input,
            vocab_size: tokenizer.size(),
        });
        check_typed(&typed, tokens.as_ref())?;
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
        self.classify_with_lexicon(text, previous, &|text, context| {
            let guess = LexiconClassifier::builtin().classify(text, context)?;
            Ok(guess.scores.into_iter().map(|(_, s)| s).collect())
        })
    }

    /// [`classify`](Self::classify) with the built-in lexicon's scores (each emotion's, in the
    /// taxonomy's order) from `lexicon(text, context)`, asked only when the manifest blends
    /// them in (`lexicon_evidence`). The package's ONNX module has no lexicon of its own: it asks
    /// the core module, which has.
    pub fn classify_with_lexicon(
        &self,
        text: &str,
        previous: Option<&str>,
        lexicon: &LexiconScores,
    ) -> Result<EmotionGuess> {
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
        let weight = self.manifest.lexicon_evidence;
        if weight > 0.0 {
            let neutral = taxonomy.index_of("neutral").expect("neutral is built in");
            let lexicon = lexicon(text, context)?;
            if lexicon.len() != scores.len() {
                return Err(FaceError::Model(format!(
                    "text classifier: the lexicon gave {} scores for the {} emotions",
                    lexicon.len(),
                    scores.len()
                )));
            }
            for (k, s) in lexicon.iter().enumerate() {
                if k != neutral {
                    scores[k] += weight * s;
                }
            }
            let total: f32 = scores.iter().sum();
            scores.iter_mut().for_each(|s| *s /= total);
        }
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
                let mut point = point;
                let valence = anchor(level)[0];
                if self.manifest.valence_follows_emotion
                    && valence.abs() >= CLEAR_VALENCE
                    && point[0] * valence <= 0.0
                {
                    point[0] = valence;
                }
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

    #[test]
    fn softmax_is_stable_and_sums_to_one() {
        let p = softmax(&[1000.0, 1000.0, -1000.0]);
        assert!((p[0] - 0.5).abs() < 1e-6 && (p[1] - 0.5).abs() < 1e-6 && p[2] == 0.0);
    }
}
