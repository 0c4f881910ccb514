//! The lexicon classifier's data, validated: our own cue lists per emotion and language
//! (`data/text/lexicon.json`: weights in (0, 1], negators, intensifiers, diminishers, arousal and
//! dominance terms, emoji and emoticons). The rules that read it are in `rules.rs`.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::base::emotion::EmotionTaxonomy;
use crate::base::error::{FaceError, Result};
use crate::base::json;
use crate::text::normalize;
use crate::text::tokens::tokenize_english;

const SCHEMA: &str = "animasync-face/emotion-lexicon";
const VERSION: u32 = 1;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LexiconDocument {
    schema: String,
    version: u32,
    #[allow(dead_code)]
    source: String,
    languages: HashMap<String, LanguageDocument>,
    pub(super) emoji: Vec<(String, String, f32)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LanguageDocument {
    pub(super) cues: json::Entries<Vec<(String, f32)>>,
    pub(super) negators: Vec<String>,
    intensifiers: Vec<(String, f32)>,
    diminishers: Vec<(String, f32)>,
    pub(super) arousal: Vec<(String, f32)>,
    pub(super) dominance: Vec<(String, f32)>,
}

/// One cue: a term's tokens (English) or text (Korean), the emotion (taxonomy index), its weight.
#[derive(Debug, Clone)]
pub(super) struct Cue {
    pub(super) tokens: Vec<String>,
    /// The last token matches as a prefix (`disappoint*`).
    pub(super) prefix: bool,
    pub(super) emotion: usize,
    pub(super) weight: f32,
}

#[derive(Debug, Clone, Default)]
pub(super) struct Language {
    pub(super) cues: Vec<Cue>,
    pub(super) negators: Vec<String>,
    /// Intensifiers (> 1) and diminishers (< 1) together: a term and its multiplier.
    pub(super) modifiers: Vec<(Vec<String>, f32)>,
    pub(super) arousal: Vec<(Vec<String>, f32)>,
    pub(super) dominance: Vec<(Vec<String>, f32)>,
}

/// The lexicon classifier's data, validated.
#[derive(Debug, Clone)]
pub struct Lexicon {
    pub(super) english: Language,
    pub(super) korean: Language,
    /// Pictographs (matched anywhere) and ASCII emoticons (matched as whole tokens).
    pub(super) emoji: Vec<(String, usize, f32)>,
}

impl Lexicon {
    pub fn from_json(text: &str) -> Result<Self> {
        const DOC: &str = "lexicon";
        let doc: LexiconDocument = json::parse(DOC, text)?;
        json::check_schema(DOC, (SCHEMA, VERSION), (&doc.schema, doc.version))?;
        let taxonomy = EmotionTaxonomy::builtin();
        let mut languages = doc.languages;
        for key in languages.keys() {
            if key != "en" && key != "ko" {
                return Err(FaceError::InvalidData {
                    place: format!("{DOC}.languages.{key}"),
                    message: "unknown language (this build reads \"en\" and \"ko\")".into(),
                });
            }
        }
        let mut take = |key: &str, english: bool| -> Result<Language> {
            let language = languages
                .remove(key)
                .ok_or_else(|| FaceError::InvalidData {
                    place: format!("{DOC}.languages"),
                    message: format!("missing \"{key}\""),
                })?;
            Language::validate(
                &format!("{DOC}.languages.{key}"),
                language,
                english,
                taxonomy,
            )
        };
        let english = take("en", true)?;
        let korean = take("ko", false)?;
        let mut emoji = Vec::with_capacity(doc.emoji.len());
        for (i, (symbol, emotion, weight)) in doc.emoji.into_iter().enumerate() {
            let place = format!("{DOC}.emoji[{i}]");
            let (index, _) = taxonomy.require(&place, &emotion)?;
            check_weight(&place, weight, 0.0, 1.0, false)?;
            let symbol = normalize(&symbol);
            if symbol.trim().is_empty() || emoji.iter().any(|(s, _, _)| *s == symbol) {
                return Err(FaceError::InvalidData {
                    place,
                    message: format!("\"{symbol}\" is empty or listed twice"),
                });
            }
            emoji.push((symbol, index, weight));
        }
        Ok(Lexicon {
            english,
            korean,
            emoji,
        })
    }

    /// The lexicon compiled into the crate (`data/text/lexicon.json`, checked by the tests).
    pub fn builtin() -> &'static Lexicon {
        static LEXICON: OnceLock<Lexicon> = OnceLock::new();
        LEXICON.get_or_init(|| {
            Lexicon::from_json(include_str!("../../data/text/lexicon.json"))
                .expect("data/text/lexicon.json is valid (checked by the tests)")
        })
    }
}

fn check_weight(place: &str, value: f32, low: f32, high: f32, low_inclusive: bool) -> Result<()> {
    let inside = value.is_finite()
        && value <= high
        && if low_inclusive {
            value >= low
        } else {
            value > low
        };
    if inside {
        return Ok(());
    }
    let open = if low_inclusive { '[' } else { '(' };
    Err(FaceError::InvalidData {
        place: place.to_string(),
        message: format!("{value} is outside {open}{low}, {high}]"),
    })
}

impl Language {
    fn validate(
        place: &str,
        doc: LanguageDocument,
        english: bool,
        taxonomy: &EmotionTaxonomy,
    ) -> Result<Language> {
        if let Some(key) = doc.cues.first_duplicate() {
            return Err(FaceError::DuplicateKey {
                place: format!("{place}.cues"),
                key: key.to_string(),
            });
        }
        let terms = |text: &str| -> Vec<String> {
            if english {
                tokenize_english(&normalize(text))
                    .into_iter()
                    .map(|t| t.text)
                    .collect()
            } else {
                vec![normalize(text)]
            }
        };
        let mut cues = Vec::new();
        for (id, list) in doc.cues.0 {
            let list_place = format!("{place}.cues.{id}");
            let (emotion, _) = taxonomy.require(&list_place, &id)?;
            let mut seen = std::collections::HashSet::new();
            for (i, (term, weight)) in list.into_iter().enumerate() {
                let term_place = format!("{list_place}[{i}]");
                check_weight(&term_place, weight, 0.0, 1.0, false)?;
                let prefix = english && term.ends_with('*');
                let tokens = terms(term.trim_end_matches('*'));
                if tokens.is_empty() || tokens.iter().all(|t| t.trim().is_empty()) {
                    return Err(FaceError::InvalidData {
                        place: term_place,
                        message: format!("\"{term}\" has no word in it"),
                    });
                }
                if !seen.insert(term.clone()) {
                    return Err(FaceError::DuplicateKey {
                        place: list_place,
                        key: term,
                    });
                }
                cues.push(Cue {
                    tokens,
                    prefix,
                    emotion,
                    weight,
                });
            }
        }
        for (index, e) in taxonomy.emotions().iter().enumerate() {
            if e.id != "neutral" && !cues.iter().any(|c| c.emotion == index) {
                return Err(FaceError::InvalidData {
                    place: format!("{place}.cues"),
                    message: format!("no cue for \"{}\"", e.id),
                });
            }
        }
        let scaled = |key: &str, list: Vec<(String, f32)>, low: f32, high: f32, inclusive: bool| {
            list.into_iter()
                .enumerate()
                .map(|(i, (term, value))| {
                    check_weight(&format!("{place}.{key}[{i}]"), value, low, high, inclusive)?;
                    Ok((terms(&term), value))
                })
                .collect::<Result<Vec<_>>>()
        };
        let mut modifiers = scaled("intensifiers", doc.intensifiers, 1.0, 2.0, false)?;
        modifiers.extend(scaled("diminishers", doc.diminishers, 0.0, 1.0, false)?);
        Ok(Language {
            cues,
            negators: doc.negators.iter().map(|n| normalize(n)).collect(),
            modifiers,
            arousal: scaled("arousal", doc.arousal, -1.0, 1.0, true)?,
            dominance: scaled("dominance", doc.dominance, -1.0, 1.0, true)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lexicons_name_the_place() {
        let text = include_str!("../../data/text/lexicon.json");
        let mut doc: serde_json::Value = serde_json::from_str(text).unwrap();
        doc["languages"]["en"]["cues"]["joy"][0][1] = serde_json::json!(1.5);
        let error = Lexicon::from_json(&doc.to_string())
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("lexicon.languages.en.cues.joy[0]: 1.5 is outside"),
            "{error}"
        );
        let mut doc: serde_json::Value = serde_json::from_str(text).unwrap();
        doc["emoji"][0][1] = serde_json::json!("happyness");
        let error = Lexicon::from_json(&doc.to_string())
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown emotion \"happyness\""), "{error}");
    }
}
