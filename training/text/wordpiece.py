"""The runtime's WordPiece tokenizer (src/text/wordpiece.rs), step for step, so that the model is
trained on exactly the ids it will read. train.py checks the two agree by running the exported
model through the CLI on its validation lines.
"""

import unicodedata

MAX_CHARS_PER_WORD = 100
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]

# Rust's char::is_whitespace (the White_Space property); Python's isspace() also counts
# U+001C..U+001F, which Rust treats as control characters (dropped).
_WHITESPACE = set("\t\n\x0b\x0c\r \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000") | {
    chr(c) for c in range(0x2000, 0x200B)
}


def _is_punctuation(c: str) -> bool:
    o = ord(c)
    return (
        (c.isascii() and not c.isalnum() and 0x21 <= o <= 0x7E)
        or 0x2000 <= o <= 0x206F
        or 0x3000 <= o <= 0x303F
        or 0xFF01 <= o <= 0xFF0F
        or 0xFF1A <= o <= 0xFF20
        or 0xFF3B <= o <= 0xFF40
        or 0xFF5B <= o <= 0xFF65
        or c in "¡¿«»·"
    )


def _is_cjk_ideograph(c: str) -> bool:
    o = ord(c)
    return (
        0x4E00 <= o <= 0x9FFF
        or 0x3400 <= o <= 0x4DBF
        or 0x20000 <= o <= 0x2A6DF
        or 0x2A700 <= o <= 0x2CEAF
        or 0xF900 <= o <= 0xFAFF
        or 0x2F800 <= o <= 0x2FA1F
    )


def _is_hangul_syllable(c: str) -> bool:
    return 0xAC00 <= ord(c) <= 0xD7A3


def words(text: str) -> list[str]:
    """Steps 1-3 of the runtime (lower case, accents stripped except from Hangul)."""
    out = []
    for c in text:
        if c in "\0\ufffd":
            continue
        if c in _WHITESPACE:
            out.append(" ")
        elif unicodedata.category(c) == "Cc":
            continue
        else:
            out.append(c)
    normal = "".join(out).lower()
    stripped = []
    for c in unicodedata.normalize("NFC", normal):
        if _is_hangul_syllable(c):
            stripped.append(c)
        else:
            stripped.extend(m for m in unicodedata.normalize("NFD", c) if not unicodedata.category(m).startswith("M"))
    result = []
    for chunk in "".join(stripped).split(" "):
        word = ""
        for c in chunk:
            if _is_punctuation(c) or _is_cjk_ideograph(c):
                if word:
                    result.append(word)
                    word = ""
                result.append(c)
            else:
                word += c
        if word:
            result.append(word)
    return result


class WordPiece:
    def __init__(self, vocab: list[str]):
        self.vocab = vocab
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.unknown = self.ids["[UNK]"]

    def pieces(self, word: str) -> list[str]:
        if len(word) > MAX_CHARS_PER_WORD:
            return ["[UNK]"]
        found, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.ids:
                    found.append(candidate)
                    start = end
                    break
            else:
                return ["[UNK]"]
        return found

    def tokenize(self, text: str) -> list[str]:
        return [p for w in words(text) for p in self.pieces(w)]

    def encode(self, text: str, max_length: int) -> list[int]:
        """[CLS] pieces [SEP], cut to max_length (not padded)."""
        tokens = self.tokenize(text)[: max_length - 2]
        return [self.ids["[CLS]"]] + [self.ids.get(t, self.unknown) for t in tokens] + [self.ids["[SEP]"]]
