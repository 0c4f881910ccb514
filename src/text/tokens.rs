//! Text cut for the lexicon's rules: English tokens and clauses, character spans of Korean
//! substrings, clause windows.

/// An English token: a word (letters, digits, apostrophes) or one punctuation mark that ends a
/// clause (`. , ; : ! ?`), with its character span in the normalised text.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Token {
    pub(super) text: String,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Token {
    pub(super) fn is_clause_break(&self) -> bool {
        matches!(self.text.as_str(), "." | "," | ";" | ":" | "!" | "?")
    }
}

pub(super) fn tokenize_english(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut word = String::new();
    let mut start = 0;
    for (i, c) in text.chars().enumerate() {
        if c.is_ascii_alphanumeric() || (c == '\'' && !word.is_empty()) {
            if word.is_empty() {
                start = i;
            }
            word.push(c);
            continue;
        }
        if !word.is_empty() {
            tokens.push(Token {
                text: std::mem::take(&mut word),
                start,
                end: i,
            });
        }
        if matches!(c, '.' | ',' | ';' | ':' | '!' | '?') {
            tokens.push(Token {
                text: c.to_string(),
                start: i,
                end: i + 1,
            });
        }
    }
    if !word.is_empty() {
        let end = start + word.chars().count();
        tokens.push(Token {
            text: word,
            start,
            end,
        });
    }
    tokens
}

/// The character spans of every occurrence of `needle` in `text` (counted in one pass).
pub(super) fn occurrences(text: &str, needle: &str) -> Vec<(usize, usize)> {
    let length = needle.chars().count();
    let (mut byte, mut chars) = (0, 0);
    text.match_indices(needle)
        .map(|(at, _)| {
            chars += text[byte..at].chars().count();
            byte = at;
            (chars, chars + length)
        })
        .collect()
}

/// The tokens before `i` in the same clause.
pub(super) fn clause_before(tokens: &[Token], i: usize) -> &[Token] {
    let start = tokens[..i]
        .iter()
        .rposition(Token::is_clause_break)
        .map_or(0, |p| p + 1);
    &tokens[start..i]
}

/// Up to `width` characters before `at` (or from `at` on, `forward`), cut at a clause break.
pub(super) fn clause_window(chars: &[char], at: usize, width: usize, forward: bool) -> String {
    let breaks = |c: &char| matches!(c, '.' | ',' | ';' | '!' | '?' | '\n');
    if forward {
        chars[at..]
            .iter()
            .take(width)
            .take_while(|c| !breaks(c))
            .collect()
    } else {
        let from = at.saturating_sub(width);
        let window = &chars[from..at];
        let cut = window.iter().rposition(breaks).map_or(0, |p| p + 1);
        window[cut..].iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occurrences_are_character_spans() {
        assert_eq!(
            occurrences("짜증나 진짜 짜증", "짜증"),
            vec![(0, 2), (7, 9)]
        );
        assert_eq!(occurrences("ㅋㅋㅋㅋㅋ", "ㅋㅋ"), vec![(0, 2), (2, 4)]);
        assert_eq!(occurrences("abc", "x"), vec![]);
    }
}
