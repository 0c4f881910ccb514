//! A text classifier's `vocab.txt` and the WordPiece tokenizer over it: the first line of the
//! input is text to encode, the rest the vocabulary. A vocabulary or a typed error; encoding
//! any text gives `max_length` ids, all inside the vocabulary.
#![no_main]
use animasync_face::text::wordpiece::{SpecialTokens, WordPiece};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (line, vocab) = text.split_once('\n').unwrap_or(("", text));
    for (lowercase, strip) in [(true, true), (false, false)] {
        let Ok(tokenizer) = WordPiece::new(vocab, lowercase, strip, &SpecialTokens::default())
        else {
            return;
        };
        let _ = tokenizer.tokenize(line);
        for max_length in [0, 1, 3, 16, 128] {
            for encoding in [
                tokenizer.encode(line, max_length),
                tokenizer.encode_pair(line, line, max_length),
            ]
            .into_iter()
            .flatten()
            {
                assert_eq!(encoding.ids.len(), max_length);
                let size = tokenizer.size() as i64;
                assert!(encoding.ids.iter().all(|&id| (0..size).contains(&id)));
            }
        }
    }
});
