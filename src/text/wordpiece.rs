//! WordPiece tokenization (BERT's scheme) for the text classifier slot, Korean-aware: a user's
//! ONNX text classifier brings its `vocab.txt`, and this turns a line into the ids, attention
//! mask and token types it was trained on.
//!
//! Written here rather than taken from the `tokenizers` crate: that crate's regex and Unicode
//! tables would add megabytes to the WebAssembly module for the one algorithm we need, and the
//! Korean handling below is our own.
//!
//! Steps (as BERT's `BasicTokenizer` + `WordpieceTokenizer`, except where noted):
//! 1. Clean: drop NUL, U+FFFD and control characters; every whitespace character is a space.
//! 2. Optionally lower-case, and strip accents (NFD, drop combining marks). **Korean-aware:**
//!    Hangul syllables are left composed (NFD would split them into conjoining jamo, which
//!    never match a vocabulary written in syllables: the known failure of uncased multilingual
//!    vocabularies on Korean); everything else is NFC.
//! 3. Split on whitespace; every punctuation character and every CJK ideograph is a word of its own.
//! 4. Each word: the longest vocabulary entry from its start, then the longest `##`-prefixed entry
//!    from where that ended, and so on; a word with no complete split, or longer than 100
//!    characters, is one `[UNK]`.
use std::collections::HashMap;

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

use crate::base::error::{FaceError, Result};

/// Words longer than this are one unknown token (BERT's `max_input_chars_per_word`).
const MAX_CHARS_PER_WORD: usize = 100;

/// The special tokens a vocabulary must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecialTokens {
    pub unknown: String,
    pub classify: String,
    pub separator: String,
    pub padding: String,
}

impl Default for SpecialTokens {
    fn default() -> Self {
        SpecialTokens {
            unknown: "[UNK]".into(),
            classify: "[CLS]".into(),
            separator: "[SEP]".into(),
            padding: "[PAD]".into(),
        }
    }
}

/// A line as model inputs: `[CLS] tokens [SEP]`, padded to the length asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoding {
    pub ids: Vec<i64>,
    pub attention_mask: Vec<i64>,
    pub type_ids: Vec<i64>,
    /// The word pieces before the ids were taken (no special tokens), for inspection.
    pub tokens: Vec<String>,
    /// Word pieces were dropped to fit the length.
    pub truncated: bool,
}

#[derive(Debug, Clone)]
pub struct WordPiece {
    ids: HashMap<String, i64>,
    lowercase: bool,
    strip_accents: bool,
    unknown: i64,
    classify: i64,
    separator: i64,
    padding: i64,
    unknown_text: String,
}

impl WordPiece {
    /// A tokenizer from a `vocab.txt` (one token per line; its line number is its id).
    pub fn new(
        vocab: &str,
        lowercase: bool,
        strip_accents: bool,
        special: &SpecialTokens,
    ) -> Result<WordPiece> {
        let invalid = |message: String| FaceError::InvalidData {
            place: "vocabulary".into(),
            message,
        };
        let mut ids = HashMap::new();
        for (line, token) in vocab.lines().enumerate() {
            let token = token.trim_end_matches('\r');
            if token.is_empty() {
                return Err(invalid(format!("line {} is empty", line + 1)));
            }
            let id = i64::try_from(line).map_err(|_| invalid("too many tokens".into()))?;
            if ids.insert(token.to_string(), id).is_some() {
                return Err(invalid(format!(
                    "line {}: \"{token}\" is listed twice",
                    line + 1
                )));
            }
        }
        if ids.is_empty() {
            return Err(invalid("is empty: give the model's vocab.txt".into()));
        }
        let special_id = |name: &str, token: &str| {
            ids.get(token).copied().ok_or_else(|| {
                invalid(format!(
                    "has no {name} token \"{token}\" (name it in the manifest if it differs)"
                ))
            })
        };
        Ok(WordPiece {
            unknown: special_id("unknown", &special.unknown)?,
            classify: special_id("classify", &special.classify)?,
            separator: special_id("separator", &special.separator)?,
            padding: special_id("padding", &special.padding)?,
            unknown_text: special.unknown.clone(),
            ids,
            lowercase,
            strip_accents,
        })
    }

    /// The vocabulary's size (ids are `0..size`).
    pub fn size(&self) -> usize {
        self.ids.len()
    }

    /// The word pieces of `text` (no special tokens).
    pub fn tokenize(&self, text: &str) -> Vec<String> {
        let mut pieces = Vec::new();
        for word in self.words(text) {
            self.split_word(&word, &mut pieces);
        }
        pieces
    }

    /// `[CLS] pieces [SEP]` as ids, cut to `max_length` (at least 2) and padded to it.
    pub fn encode(&self, text: &str, max_length: usize) -> Result<Encoding> {
        if max_length < 2 {
            return Err(too_short(max_length, "[CLS] and [SEP]"));
        }
        let mut tokens = self.tokenize(text);
        let truncated = tokens.len() > max_length - 2;
        tokens.truncate(max_length - 2);
        Ok(self.assemble(&[&tokens], max_length, truncated))
    }

    /// A sentence pair as BERT reads one: `[CLS] first [SEP] second [SEP]`, token type 0 up to
    /// the first `[SEP]` and 1 after it, cut to `max_length` (at least 3) by dropping the last
    /// piece of the longer segment until both fit (BERT's longest-first), and padded.
    pub fn encode_pair(&self, first: &str, second: &str, max_length: usize) -> Result<Encoding> {
        if max_length < 3 {
            return Err(too_short(max_length, "[CLS] and two [SEP]"));
        }
        let (mut a, mut b) = (self.tokenize(first), self.tokenize(second));
        let room = max_length - 3;
        let truncated = a.len() + b.len() > room;
        while a.len() + b.len() > room {
            if a.len() > b.len() {
                a.pop();
            } else {
                b.pop();
            }
        }
        Ok(self.assemble(&[&a, &b], max_length, truncated))
    }

    /// `[CLS]`, then each segment followed by `[SEP]` (segment k has token type k), padding.
    fn assemble(&self, segments: &[&[String]], max_length: usize, truncated: bool) -> Encoding {
        let mut ids = Vec::with_capacity(max_length);
        let mut type_ids = Vec::with_capacity(max_length);
        ids.push(self.classify);
        type_ids.push(0);
        for (k, segment) in segments.iter().enumerate() {
            for t in segment.iter() {
                ids.push(self.ids.get(t).copied().unwrap_or(self.unknown));
                type_ids.push(k as i64);
            }
            ids.push(self.separator);
            type_ids.push(k as i64);
        }
        let used = ids.len();
        ids.resize(max_length, self.padding);
        type_ids.resize(max_length, 0);
        let mut attention_mask = vec![1; used];
        attention_mask.resize(max_length, 0);
        Encoding {
            ids,
            attention_mask,
            type_ids,
            tokens: segments.concat(),
            truncated,
        }
    }

    /// Steps 1-3: cleaned, normalised words and punctuation.
    fn words(&self, text: &str) -> Vec<String> {
        let mut normal = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '\0' | '\u{FFFD}' => {}
                c if c.is_whitespace() => normal.push(' '),
                c if c.is_control() => {}
                c => normal.push(c),
            }
        }
        let normal: String = if self.lowercase {
            normal.chars().flat_map(char::to_lowercase).collect()
        } else {
            normal
        };
        let normal = normalize_korean_aware(&normal, self.strip_accents);
        let mut words = Vec::new();
        for chunk in normal.split(' ').filter(|w| !w.is_empty()) {
            let mut word = String::new();
            for c in chunk.chars() {
                if is_punctuation(c) || is_cjk_ideograph(c) {
                    if !word.is_empty() {
                        words.push(std::mem::take(&mut word));
                    }
                    words.push(c.to_string());
                } else {
                    word.push(c);
                }
            }
            if !word.is_empty() {
                words.push(word);
            }
        }
        words
    }

    /// Step 4: greedy longest-match-first, `##` for pieces inside a word.
    fn split_word(&self, word: &str, pieces: &mut Vec<String>) {
        let chars: Vec<char> = word.chars().collect();
        if chars.len() > MAX_CHARS_PER_WORD {
            pieces.push(self.unknown_text.clone());
            return;
        }
        let mut found = Vec::new();
        let mut start = 0;
        while start < chars.len() {
            let piece = (start + 1..=chars.len()).rev().find_map(|end| {
                let text: String = chars[start..end].iter().collect();
                let candidate = if start > 0 { format!("##{text}") } else { text };
                self.ids
                    .contains_key(&candidate)
                    .then_some((candidate, end))
            });
            match piece {
                Some((candidate, end)) => {
                    found.push(candidate);
                    start = end;
                }
                None => {
                    pieces.push(self.unknown_text.clone());
                    return;
                }
            }
        }
        pieces.extend(found);
    }
}

fn too_short(max_length: usize, needed: &str) -> FaceError {
    FaceError::InvalidData {
        place: "max_length".into(),
        message: format!("{max_length} leaves no room for {needed}"),
    }
}

fn is_hangul_syllable(c: char) -> bool {
    ('\u{AC00}'..='\u{D7A3}').contains(&c)
}

/// NFC, with accents stripped (NFD, combining marks dropped) from everything but Hangul.
fn normalize_korean_aware(text: &str, strip_accents: bool) -> String {
    if !strip_accents {
        return text.nfc().collect();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.nfc() {
        if is_hangul_syllable(c) {
            out.push(c);
        } else {
            out.extend(std::iter::once(c).nfd().filter(|&m| !is_combining_mark(m)));
        }
    }
    out
}

/// BERT's punctuation: ASCII symbols and Unicode punctuation.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(c, '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{303F}' | '\u{FF01}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{FF3B}'..='\u{FF40}' | '\u{FF5B}'..='\u{FF65}' | '¡' | '¿' | '«' | '»' | '·')
}

/// CJK ideographs (not Hangul, not kana): each is a word of its own, as in BERT.
fn is_cjk_ideograph(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{20000}'..='\u{2A6DF}' | '\u{2A700}'..='\u{2CEAF}' | '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOCAB: &str = "[PAD]\n[UNK]\n[CLS]\n[SEP]\nun\n##aff\n##able\nhello\n!\n,\n안녕\n##하세요\n하세요\ncafe\n中\n国\nthe\n##s\n";

    fn tokenizer(lowercase: bool, strip: bool) -> WordPiece {
        WordPiece::new(VOCAB, lowercase, strip, &SpecialTokens::default()).unwrap()
    }

    #[test]
    fn greedy_longest_match_with_continuation_pieces() {
        let t = tokenizer(true, true);
        assert_eq!(t.tokenize("unaffable"), ["un", "##aff", "##able"]);
        assert_eq!(t.tokenize("Hello, the!"), ["hello", ",", "the", "!"]);
        // No complete split: the whole word is unknown, not a partial match.
        assert_eq!(t.tokenize("unafx"), ["[UNK]"]);
        assert_eq!(t.tokenize(&"a".repeat(101)), ["[UNK]"]);
    }

    #[test]
    fn korean_stays_composed_while_accents_are_stripped() {
        let t = tokenizer(true, true);
        assert_eq!(t.tokenize("안녕하세요"), ["안녕", "##하세요"]);
        assert_eq!(t.tokenize("Café"), ["cafe"]);
        // The same text written with conjoining jamo (NFD) is composed first.
        let decomposed: String = "안녕하세요".nfd().collect();
        assert_ne!(decomposed, "안녕하세요");
        assert_eq!(t.tokenize(&decomposed), ["안녕", "##하세요"]);
        // Without stripping, the accent stays and the word is unknown.
        assert_eq!(tokenizer(true, false).tokenize("Café"), ["[UNK]"]);
    }

    #[test]
    fn cleaning_and_cjk_ideographs() {
        let t = tokenizer(true, true);
        assert_eq!(
            t.tokenize("hello\u{0}\u{FFFD}\tthe\u{7}s"),
            ["hello", "the", "##s"]
        );
        assert_eq!(t.tokenize("中国"), ["中", "国"]);
        assert_eq!(tokenizer(false, true).tokenize("Hello"), ["[UNK]"]);
    }

    #[test]
    fn encode_adds_special_tokens_pads_and_truncates() {
        let t = tokenizer(true, true);
        let e = t.encode("hello unaffable", 8).unwrap();
        assert_eq!(e.ids, [2, 7, 4, 5, 6, 3, 0, 0]);
        assert_eq!(e.attention_mask, [1, 1, 1, 1, 1, 1, 0, 0]);
        assert_eq!(e.type_ids, [0; 8]);
        assert!(!e.truncated);
        let short = t.encode("hello unaffable", 4).unwrap();
        assert_eq!(short.ids, [2, 7, 4, 3]);
        assert!(short.truncated);
        assert!(t.encode("hello", 1).is_err());
    }

    #[test]
    fn pairs_have_two_segments_and_cut_the_longer_one_first() {
        let t = tokenizer(true, true);
        let e = t.encode_pair("hello", "the unaffable", 10).unwrap();
        assert_eq!(e.ids, [2, 7, 3, 16, 4, 5, 6, 3, 0, 0]);
        assert_eq!(e.type_ids, [0, 0, 0, 1, 1, 1, 1, 1, 0, 0]);
        assert_eq!(e.attention_mask, [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);
        assert!(!e.truncated);
        // Five pieces for four places: the longer (second) segment loses its last piece.
        let cut = t.encode_pair("hello", "the unaffable", 7).unwrap();
        assert_eq!(cut.ids, [2, 7, 3, 16, 4, 5, 3]);
        assert!(cut.truncated);
        // When they are equal the second goes first, then they alternate.
        let even = t.encode_pair("hello the", "hello the", 5).unwrap();
        assert_eq!(even.ids, [2, 7, 3, 7, 3]);
        assert!(t.encode_pair("hello", "the", 2).is_err());
    }

    #[test]
    fn bad_vocabularies_say_what_is_wrong() {
        let special = SpecialTokens::default();
        let error = |vocab: &str| {
            WordPiece::new(vocab, true, true, &special)
                .unwrap_err()
                .to_string()
        };
        assert!(error("").contains("is empty"));
        assert!(error("[PAD]\n[UNK]\n[UNK]\n").contains("line 3: \"[UNK]\" is listed twice"));
        assert!(error("[PAD]\n[UNK]\n[SEP]\n").contains("no classify token \"[CLS]\""));
        assert!(error("[PAD]\n\n[UNK]\n").contains("line 2 is empty"));
    }
}
