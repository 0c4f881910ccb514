//! Text -> emotion on the device, without a model: a lexicon-and-rules classifier for English and
//! Korean that reads the line about to be spoken and returns one of the 16 emotions, a level, a
//! VAD point and a confidence ("neutral" when the text gives too little evidence).
//!
//! Data (compiled in, see `data/text/README.md`; read by `lexicon.rs`):
//! - `data/text/lexicon.json`: our own cue lists per emotion and language (weights in (0, 1]),
//!   negators, intensifiers, diminishers, arousal and dominance terms, emoji and emoticons.
//! - `data/text/vader-valence.tsv`: VADER's valence lexicon (MIT, C.J. Hutto), English valence.
//!
//! Rules, in order:
//! 1. The text is NFKC-normalised and lower-cased (Hangul stays composed).
//! 2. English cues match whole tokens or token sequences (`term*` matches a token prefix);
//!    Korean cues match substrings (Korean is agglutinative: a stem occurs inside its inflected
//!    forms); emoji match anywhere, ASCII emoticons as whole whitespace-separated tokens. A match
//!    inside a longer match is dropped, so "pissed off" does not also count "pissed".
//! 3. A negator just before a cue (English: up to 3 tokens back within the clause; Korean: up to 8
//!    characters back or 6 forward within the clause, the Korean negation usually follows the
//!    stem) cancels it; a negated positive cue (joy, contentment, amusement, awe) counts half
//!    towards disappointment ("not happy"). Intensifiers and diminishers just before a cue scale it.
//! 4. An emotion's evidence is the sum of its cues; `!` (up to 3) and words in capitals raise
//!    the intensity. With `previous` (the same speaker's previous line), half its evidence is
//!    added: the known weakness of classifying one sentence at a time is a line like "It was
//!    empty." whose emotion is in the line before.
//! 5. Scores: each emotion's evidence over (total evidence + a neutral prior of 0.5), neutral's the
//!    prior's share; the best is the answer and its score the confidence. So the answer is
//!    "neutral" when no emotion has more evidence than the prior: one weak cue is not enough.
//! 6. Level: 1 + floor(intensity / 0.45), clamped to 1..5 (one clear cue is level 3).
//! 7. VAD: the emotion's anchor at that level, moved 35% towards what the words say: VADER's
//!    compound valence (English), the mean of the arousal and dominance terms, `!` for arousal.
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::base::emotion::{EmotionTaxonomy, Vad};
use crate::base::error::Result;
use crate::text::lexicon::Lexicon;
use crate::text::tokens::{clause_before, clause_window, occurrences, tokenize_english, Token};
use crate::text::{check_text, normalize, EmotionGuess, CONTEXT_WEIGHT};

const NEUTRAL_PRIOR: f32 = 0.5;
const LEVEL_STEP: f32 = 0.45;
const VAD_PULL: f32 = 0.35;
const EXCLAIM_BOOST: f32 = 0.15;
const CAPS_BOOST: f32 = 0.15;
const NEGATED_POSITIVE_SHARE: f32 = 0.5;
const EN_NEGATION_WINDOW: usize = 3;
const EN_MODIFIER_WINDOW: usize = 2;
const KO_NEGATION_BEFORE: usize = 8;
const KO_NEGATION_AFTER: usize = 6;
const KO_MODIFIER_BEFORE: usize = 6;
/// Emotions whose negation reads as a let-down rather than as nothing.
const POSITIVE: [&str; 4] = ["joy", "contentment", "amusement", "awe"];

/// A cue found in the text: its character span, emotion and weight (after modifiers).
#[derive(Debug, Clone)]
struct Hit {
    start: usize,
    end: usize,
    emotion: usize,
    weight: f32,
    negated: bool,
}

/// Drops every hit strictly inside a longer one (a phrase wins over its words).
fn drop_contained(hits: &mut Vec<Hit>) {
    let spans: Vec<(usize, usize)> = hits.iter().map(|h| (h.start, h.end)).collect();
    hits.retain(|h| {
        !spans
            .iter()
            .any(|&(s, e)| s <= h.start && h.end <= e && (e - s) > (h.end - h.start))
    });
}

// ------------------------------------------------------------------------------- evidence

/// What one text says: evidence per emotion and the signals for intensity and VAD.
#[derive(Debug, Clone)]
struct Evidence {
    emotions: Vec<f32>,
    exclaims: usize,
    caps: usize,
    /// VADER's compound valence of the English words, if any carried valence.
    valence: Option<f32>,
    arousal: Vec<f32>,
    dominance: Vec<f32>,
}

/// The lexicon-and-rules classifier.
pub struct LexiconClassifier {
    lexicon: &'static Lexicon,
    valence: &'static HashMap<String, f32>,
    taxonomy: &'static EmotionTaxonomy,
    positive: Vec<usize>,
    disappointment: usize,
    neutral: usize,
}

/// VADER's valence lexicon (`term<TAB>mean rating in [-4, 4]`).
fn vader() -> &'static HashMap<String, f32> {
    static VADER: OnceLock<HashMap<String, f32>> = OnceLock::new();
    VADER.get_or_init(|| {
        include_str!("../../data/text/vader-valence.tsv")
            .lines()
            .filter_map(|line| {
                let (term, value) = line.split_once('\t')?;
                Some((term.to_string(), value.parse().ok()?))
            })
            .collect()
    })
}

impl LexiconClassifier {
    /// The classifier with the built-in lexicon.
    pub fn builtin() -> &'static LexiconClassifier {
        static CLASSIFIER: OnceLock<LexiconClassifier> = OnceLock::new();
        CLASSIFIER.get_or_init(|| LexiconClassifier::new(Lexicon::builtin()))
    }

    pub fn new(lexicon: &'static Lexicon) -> LexiconClassifier {
        let taxonomy = EmotionTaxonomy::builtin();
        let index = |id: &str| {
            taxonomy
                .index_of(id)
                .expect("the built-in taxonomy has the emotions the rules name")
        };
        LexiconClassifier {
            lexicon,
            valence: vader(),
            taxonomy,
            positive: POSITIVE.iter().map(|id| index(id)).collect(),
            disappointment: index("disappointment"),
            neutral: index("neutral"),
        }
    }

    /// Classifies `text`, optionally conditioned on the same speaker's `previous` line.
    pub fn classify(&self, text: &str, previous: Option<&str>) -> Result<EmotionGuess> {
        check_text("text", text)?;
        if let Some(p) = previous {
            check_text("previous", p)?;
        }
        let now = self.evidence(text);
        let mut emotions = now.emotions.clone();
        if let Some(p) = previous {
            let before = self.evidence(p);
            for (e, b) in emotions.iter_mut().zip(&before.emotions) {
                *e += CONTEXT_WEIGHT * b;
            }
        }
        let total: f32 = emotions.iter().sum();
        let denominator = total + NEUTRAL_PRIOR;
        let mut scores: Vec<f32> = emotions.iter().map(|e| e / denominator).collect();
        scores[self.neutral] += NEUTRAL_PRIOR / denominator;
        let (best, &confidence) = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("16 emotions");
        let emotion = &self.taxonomy.emotions()[best];
        let level = if best == self.neutral {
            1
        } else {
            let intensity = emotions[best]
                + EXCLAIM_BOOST * now.exclaims.min(3) as f32
                + CAPS_BOOST * now.caps.min(2) as f32;
            (1 + (intensity / LEVEL_STEP).floor() as i32).clamp(1, 5) as u8
        };
        let anchor = emotion
            .anchor(level)
            .expect("levels 1..=5 have anchors")
            .as_array();
        let mean = |v: &[f32]| (!v.is_empty()).then(|| v.iter().sum::<f32>() / v.len() as f32);
        let exclaim_arousal = (now.exclaims > 0).then(|| 0.2 * now.exclaims.min(3) as f32);
        let arousal = match (mean(&now.arousal), exclaim_arousal) {
            (Some(a), Some(x)) => Some((a + x).min(1.0)),
            (a, x) => a.or(x.map(|x| anchor[1] + x)),
        };
        let signals = [now.valence, arousal, mean(&now.dominance)];
        let vad: [f32; 3] = std::array::from_fn(|k| {
            let target = signals[k].unwrap_or(anchor[k]).clamp(-1.0, 1.0);
            (anchor[k] + VAD_PULL * (target - anchor[k])).clamp(-1.0, 1.0)
        });
        debug_assert!(Vad::new(vad[0], vad[1], vad[2]).is_ok());
        Ok(EmotionGuess {
            emotion: emotion.id.clone(),
            level,
            vad,
            confidence,
            scores: self
                .taxonomy
                .emotions()
                .iter()
                .zip(scores)
                .map(|(e, s)| (e.id.clone(), s))
                .collect(),
        })
    }

    fn evidence(&self, raw: &str) -> Evidence {
        let text = normalize(raw);
        let chars: Vec<char> = text.chars().collect();
        let tokens = tokenize_english(&text);
        let mut hits = self.english_hits(&tokens);
        hits.extend(self.korean_hits(&text, &chars));
        hits.extend(self.emoji_hits(&text, &chars));
        drop_contained(&mut hits);

        let mut emotions = vec![0.0f32; self.taxonomy.emotions().len()];
        for hit in &hits {
            if !hit.negated {
                emotions[hit.emotion] += hit.weight;
            } else if self.positive.contains(&hit.emotion) {
                emotions[self.disappointment] += NEGATED_POSITIVE_SHARE * hit.weight;
            }
        }
        // Words in capitals count as emphasis only when the text is not shouted throughout.
        let original = tokenize_english(raw);
        let words: Vec<&Token> = original.iter().filter(|t| !t.is_clause_break()).collect();
        let capitalised = |t: &&&Token| {
            t.text.chars().filter(char::is_ascii_alphabetic).count() >= 2
                && t.text.chars().all(|c| !c.is_ascii_lowercase())
        };
        let caps = words.iter().filter(capitalised).count();
        let caps = if caps == words.len() { 0 } else { caps };
        Evidence {
            emotions,
            exclaims: chars.iter().filter(|&&c| c == '!').count(),
            caps,
            valence: self.vader_valence(&tokens),
            arousal: self.scale_terms(
                &self.lexicon.english.arousal,
                &self.lexicon.korean.arousal,
                &tokens,
                &text,
            ),
            dominance: self.scale_terms(
                &self.lexicon.english.dominance,
                &self.lexicon.korean.dominance,
                &tokens,
                &text,
            ),
        }
    }

    fn english_hits(&self, tokens: &[Token]) -> Vec<Hit> {
        let language = &self.lexicon.english;
        let mut hits = Vec::new();
        for i in 0..tokens.len() {
            for cue in &language.cues {
                let n = cue.tokens.len();
                if i + n > tokens.len() {
                    continue;
                }
                let matches = cue.tokens.iter().enumerate().all(|(k, want)| {
                    let got = &tokens[i + k].text;
                    if cue.prefix && k == n - 1 {
                        got.starts_with(want.as_str())
                    } else {
                        got == want
                    }
                });
                if !matches {
                    continue;
                }
                let before = clause_before(tokens, i);
                let negated = before
                    .iter()
                    .rev()
                    .take(EN_NEGATION_WINDOW)
                    .any(|t| is_english_negator(&language.negators, &t.text));
                let weight = cue.weight * english_modifier(&language.modifiers, before);
                hits.push(Hit {
                    start: tokens[i].start,
                    end: tokens[i + n - 1].end,
                    emotion: cue.emotion,
                    weight,
                    negated,
                });
            }
        }
        hits
    }

    fn korean_hits(&self, text: &str, chars: &[char]) -> Vec<Hit> {
        let language = &self.lexicon.korean;
        let mut hits = Vec::new();
        for cue in &language.cues {
            for (start, end) in occurrences(text, &cue.tokens[0]) {
                let before = clause_window(chars, start, KO_NEGATION_BEFORE, false);
                let after = clause_window(chars, end, KO_NEGATION_AFTER, true);
                let negated = language.negators.iter().any(|n| {
                    before.contains(n.as_str()) || (!n.ends_with(' ') && after.contains(n.as_str()))
                });
                let near = clause_window(chars, start, KO_MODIFIER_BEFORE, false);
                let mut weight = cue.weight;
                for (m, scale) in &language.modifiers {
                    if near.contains(m[0].as_str()) {
                        weight *= scale;
                        break;
                    }
                }
                hits.push(Hit {
                    start,
                    end,
                    emotion: cue.emotion,
                    weight,
                    negated,
                });
            }
        }
        hits
    }

    fn emoji_hits(&self, text: &str, chars: &[char]) -> Vec<Hit> {
        let mut hits = Vec::new();
        for (symbol, emotion, weight) in &self.lexicon.emoji {
            let emoticon = symbol.is_ascii();
            for (start, end) in occurrences(text, symbol) {
                let bounded = |i: Option<&char>| i.is_none_or(|c| c.is_whitespace());
                if emoticon
                    && !(bounded(start.checked_sub(1).and_then(|i| chars.get(i)))
                        && bounded(chars.get(end)))
                {
                    continue;
                }
                hits.push(Hit {
                    start,
                    end,
                    emotion: *emotion,
                    weight: *weight,
                    negated: false,
                });
            }
        }
        hits
    }

    /// VADER-style compound valence of the English tokens: each word's mean rating, flipped
    /// (x -0.74) after a negator and scaled by modifiers, summed and squashed to (-1, 1).
    fn vader_valence(&self, tokens: &[Token]) -> Option<f32> {
        let language = &self.lexicon.english;
        let mut sum = 0.0f32;
        let mut any = false;
        for (i, token) in tokens.iter().enumerate() {
            let Some(&rating) = self.valence.get(&token.text) else {
                continue;
            };
            if language
                .modifiers
                .iter()
                .any(|(m, _)| m.len() == 1 && m[0] == token.text)
                || is_english_negator(&language.negators, &token.text)
            {
                continue; // modifiers and negators act on the next words, not by themselves
            }
            let before = clause_before(tokens, i);
            let mut value = rating * english_modifier(&language.modifiers, before);
            if before
                .iter()
                .rev()
                .take(EN_NEGATION_WINDOW)
                .any(|t| is_english_negator(&language.negators, &t.text))
            {
                value *= -0.74;
            }
            sum += value;
            any = true;
        }
        any.then(|| sum / (sum * sum + 15.0).sqrt())
    }

    /// The values of the arousal or dominance terms present (English by token, Korean by substring).
    fn scale_terms(
        &self,
        english: &[(Vec<String>, f32)],
        korean: &[(Vec<String>, f32)],
        tokens: &[Token],
        text: &str,
    ) -> Vec<f32> {
        let mut values = Vec::new();
        for (term, value) in english {
            let n = term.len();
            let count = (0..tokens.len().saturating_sub(n - 1))
                .filter(|&i| {
                    term.iter()
                        .enumerate()
                        .all(|(k, w)| tokens[i + k].text == *w)
                })
                .count();
            values.extend(std::iter::repeat_n(*value, count));
        }
        for (term, value) in korean {
            values.extend(std::iter::repeat_n(
                *value,
                text.matches(term[0].as_str()).count(),
            ));
        }
        values
    }
}

/// The multiplier of the intensifier or diminisher that ends at most one word before a cue
/// ("so happy", "so very happy", "a bit sad"), else 1.
fn english_modifier(modifiers: &[(Vec<String>, f32)], before: &[Token]) -> f32 {
    for gap in 0..EN_MODIFIER_WINDOW {
        let Some(end) = before.len().checked_sub(gap) else {
            break;
        };
        for (words, scale) in modifiers {
            let Some(start) = end.checked_sub(words.len()) else {
                continue;
            };
            if before[start..end]
                .iter()
                .zip(words)
                .all(|(t, w)| t.text == *w)
            {
                return *scale;
            }
        }
    }
    1.0
}

/// A negator token (any word ending in "n't" is one). Multi-word negators ("no longer") are
/// found by their first word.
fn is_english_negator(negators: &[String], token: &str) -> bool {
    token.ends_with("n't")
        || negators
            .iter()
            .any(|n| n == token || n.split(' ').next() == Some(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guess(text: &str) -> EmotionGuess {
        LexiconClassifier::builtin().classify(text, None).unwrap()
    }

    #[test]
    fn the_builtin_lexicon_is_valid() {
        let lexicon = Lexicon::builtin();
        assert!(lexicon.english.cues.len() > 500);
        assert!(lexicon.korean.cues.len() > 500);
        assert!(vader().len() > 7000);
    }

    #[test]
    fn clear_cases_in_english_and_korean() {
        for (text, want) in [
            ("I'm so happy to see you!", "joy"),
            ("This is absolutely disgusting.", "disgust"),
            ("I am furious with you.", "anger"),
            ("I'm scared, something is outside.", "fear"),
            ("The train leaves at nine.", "neutral"),
            ("정말 기뻐요!", "joy"),
            ("너무 무서워요", "fear"),
            ("진짜 짜증나", "frustration"),
            ("회의는 세 시에 시작합니다.", "neutral"),
        ] {
            let g = guess(text);
            assert_eq!(g.emotion, want, "{text}: {g:?}");
        }
    }

    #[test]
    fn negation_cancels_and_turns_positive_cues_into_a_let_down() {
        let plain = guess("I am happy about this.");
        assert_eq!(plain.emotion, "joy");
        let negated = guess("I am not happy about this.");
        assert_ne!(negated.emotion, "joy", "{negated:?}");
        assert!(negated.vad[0] < plain.vad[0]);
        assert_ne!(guess("별로 안 기뻐요").emotion, "joy");
    }

    #[test]
    fn intensifiers_and_exclamations_raise_the_level() {
        let calm = guess("I'm happy.");
        let loud = guess("I'm so incredibly happy!!!");
        assert!(loud.level > calm.level, "{calm:?} {loud:?}");
        assert!(loud.vad[1] > calm.vad[1]);
    }

    #[test]
    fn the_previous_line_gives_context() {
        let c = LexiconClassifier::builtin();
        let alone = c
            .classify("The seat was empty the whole time.", None)
            .unwrap();
        let with = c
            .classify(
                "The seat was empty the whole time.",
                Some("I miss her so much, since the funeral."),
            )
            .unwrap();
        assert_eq!(alone.emotion, "neutral");
        assert_ne!(with.emotion, "neutral", "{with:?}");
    }

    #[test]
    fn scores_sum_to_one_and_confidence_is_the_best() {
        let g = guess("Wow, that's amazing 😂");
        let sum: f32 = g.scores.iter().map(|(_, s)| s).sum();
        assert!((sum - 1.0).abs() < 1e-5);
        let best = g.scores.iter().map(|(_, s)| *s).fold(0.0, f32::max);
        assert_eq!(best, g.confidence);
        assert_eq!(g.scores.len(), 16);
    }

    #[test]
    fn bad_text_is_refused_with_what_to_do() {
        let c = LexiconClassifier::builtin();
        let empty = c.classify("  \n", None).unwrap_err().to_string();
        assert!(empty.contains("text: is empty"), "{empty}");
        let long = "ha ".repeat(4000);
        let error = c.classify(&long, None).unwrap_err().to_string();
        assert!(
            error.contains("12000 characters") && error.contains("sentence by sentence"),
            "{error}"
        );
        assert!(c
            .classify("fine", Some(""))
            .unwrap_err()
            .to_string()
            .starts_with("previous:"));
    }

    #[test]
    fn emoticons_match_as_whole_tokens_only() {
        assert_eq!(guess("see you at 8:00").emotion, "neutral");
        assert_eq!(
            guess("see you later :D").emotion,
            guess("see you later 😄").emotion
        );
    }
}
