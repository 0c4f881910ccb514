//! Text -> emotion: the line about to be spoken -> one of the 16 emotions, a level and a VAD
//! point. On the device without a model, the lexicon-and-rules classifier ([`lexicon`] data,
//! [`rules`]); or a trained ONNX classifier in the classifier slot ([`classifier`], with its
//! [`wordpiece`] tokenizer). Both answer with an [`EmotionGuess`].

#[cfg(feature = "onnx")]
pub mod classifier;
pub mod classifier_manifest;
pub mod lexicon;
pub mod rules;
mod tokens;
pub mod wordpiece;

#[cfg(feature = "onnx")]
pub use classifier::TextClassifier;
pub use classifier_manifest::TextClassifierManifest;
pub use lexicon::Lexicon;
pub use rules::LexiconClassifier;

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::base::error::{FaceError, Result};

/// Longer texts are refused: the classifier is for a line or a few sentences about to be spoken.
pub const MAX_TEXT_CHARS: usize = 10_000;
/// The share of the previous line's evidence (`previous`) in a classification.
pub(crate) const CONTEXT_WEIGHT: f32 = 0.5;

/// What the classifier says about a line.
#[derive(Debug, Clone, PartialEq)]
pub struct EmotionGuess {
    pub emotion: String,
    /// 1..=5.
    pub level: u8,
    /// Valence, arousal, dominance, each in [-1, 1].
    pub vad: [f32; 3],
    /// The chosen emotion's score, in (0, 1).
    pub confidence: f32,
    /// Every emotion's score (they sum to 1), in the taxonomy's order.
    pub scores: Vec<(String, f32)>,
}

impl EmotionGuess {
    /// The report printed by the CLI and returned to JS: `{"emotion", "level", "vad": [v, a, d],
    /// "confidence", "scores": {...}}`, numbers rounded to 3 decimals.
    pub fn report(&self) -> GuessReport<'_> {
        GuessReport {
            emotion: &self.emotion,
            level: self.level,
            vad: self.vad.map(round3),
            confidence: round3(self.confidence),
            scores: self
                .scores
                .iter()
                .map(|(id, s)| (id.as_str(), round3(*s)))
                .collect(),
        }
    }
}

/// See [`EmotionGuess::report`].
#[derive(Debug, Serialize)]
pub struct GuessReport<'a> {
    pub emotion: &'a str,
    pub level: u8,
    pub vad: [f64; 3],
    pub confidence: f64,
    pub scores: std::collections::BTreeMap<&'a str, f64>,
}

fn round3(x: f32) -> f64 {
    (f64::from(x) * 1000.0).round() / 1000.0
}

/// Checks a text the classifiers accept: not empty and at most [`MAX_TEXT_CHARS`] characters.
pub fn check_text(place: &str, text: &str) -> Result<()> {
    let invalid = |message: String| FaceError::InvalidData {
        place: place.to_string(),
        message,
    };
    if text.trim().is_empty() {
        return Err(invalid(
            "is empty: give the line that is about to be spoken".into(),
        ));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(invalid(format!(
            "is {chars} characters long; at most {MAX_TEXT_CHARS} are read at once: classify it sentence by sentence"
        )));
    }
    Ok(())
}

/// NFKC, lower case, typographic apostrophes as `'`.
pub fn normalize(text: &str) -> String {
    text.nfkc()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
            c => c,
        })
        .collect()
}
