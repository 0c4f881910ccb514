"""Real recorded speech for training, with phone timings from forced alignment.

Synthetic voices alone leave a gap to real ones that augmentation does not bridge (see the
model card). Debian's Asterisk prompt packages hold about two hours of real voices reading
telephone prompts, 8 kHz 16-bit PCM, with the text of every prompt in their documentation:

| set | speaker | packages (audio, transcripts) | licence |
|---|---|---|---|
| en | Allison Smith (female, US English) | asterisk-core-sounds-en-wav, asterisk-core-sounds-en | CC-BY-SA-3.0 |
| es | Allison Smith (Mexican Spanish) | asterisk-core-sounds-es-wav, asterisk-core-sounds-es | CC-BY-SA-3.0 |
| fr | June Wallack (female, Canadian French) | asterisk-core-sounds-fr-wav, asterisk-core-sounds-fr | CC-BY-SA-3.0 |
| it | Carlo (male, Italian) | asterisk-core-sounds-it-wav, asterisk-core-sounds-it | CC-BY-SA-3.0 |
| ru | ivrvoice.ru (female, Russian) | asterisk-core-sounds-ru-wav, asterisk-core-sounds-ru | CC-BY-3.0 |

pocketsphinx aligns each transcript to its audio (the evaluation's aligner and en-us acoustic
model). English words come from its dictionary; for the other sets, libespeak-ng spells each
word in IPA (`espeak-ng -q --ipa -v LANG`) and `IPA_TO_ARPABET` turns that into the acoustic
model's phones, a pronunciation dictionary written for the prompt set (cross-language forced
alignment: the English models place the boundaries of the nearest English sounds). The aligned
ARPABET phones map to IPA through Festival's table, so every prompt gets its targets from the
same viseme table as every other source.

None of the evaluation's recordings (codec2-examples, alsa-utils) come from these packages, and
none of its speakers are these.

Alignment takes a few minutes per set on 2 cores, so it is cached (keyed by each file's sha256 and
its transcript) in a JSON file outside the data directory; the data generator reads the cache.
"""

import gzip
import hashlib
import json
import multiprocessing
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "eval"))

from festival import RADIO_TO_IPA  # noqa: E402

SETS = {
    "en": "en_US_f_Allison",
    "es": "es_MX_f_Allison",
    "fr": "fr_CA_f_June",
    "it": "it_IT_m_Carlo",
    "ru": "ru_RU_f_IvrvoiceRU",
}
SOUNDS = "/usr/share/asterisk/sounds"
TRANSCRIPTS = "/usr/share/doc/asterisk-core-sounds-{lang}/core-sounds-{lang}.txt.gz"


def packages(lang):
    return f"asterisk-core-sounds-{lang} asterisk-core-sounds-{lang}-wav"


ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
EN_SYMBOLS = {"*": " star ", "#": " pound ", "&": " and ", "%": " percent ", "+": " plus "}

# libespeak-ng's IPA (es, fr, it, ru) -> the en-us acoustic model's phones: the nearest English
# sound, and for vowels the one with the same lip shape (French y, ø are rounded: UW, OW).
# Matched longest first; marks (stress, length, palatalisation, nasality, ties) are dropped first.
IPA_TO_ARPABET = {
    "a": "AA", "ɑ": "AA", "ɐ": "AH", "ʌ": "AH", "æ": "AE", "e": "EY", "ɛ": "EH", "ə": "AH",
    "i": "IY", "ɪ": "IH", "ɨ": "IH", "o": "OW", "ɔ": "AO", "u": "UW", "ʊ": "UH", "ø": "OW",
    "œ": "AO", "ɵ": "OW",
    "p": "P", "b": "B", "β": "B", "t": "T", "d": "D", "k": "K", "g": "G", "ɡ": "G", "ɣ": "G",
    "f": "F", "v": "V", "s": "S", "z": "Z", "ʃ": "SH", "ʒ": "ZH", "ɕ": "SH", "ʑ": "ZH",
    "x": "HH", "h": "HH", "ç": "HH", "ð": "DH", "θ": "TH", "m": "M", "n": "N", "ɲ": "N Y",
    "ŋ": "NG", "l": "L", "ɫ": "L", "ɭ": "L", "ʎ": "L Y", "r": "R", "ɾ": "R", "ʁ": "R",
    "ʀ": "R", "ɹ": "R", "j": "Y", "ʝ": "Y", "w": "W", "ɥ": "W", "tʃ": "CH", "dʒ": "JH", "ts": "T S",
    "dz": "D Z", "tɕ": "CH",
}
PER_SET = {"fr": {"y": "UW"}, "ru": {"y": "IH"}, "es": {"y": "IY"}, "it": {"y": "IY"}}
IPA_MARKS = "ˈˌːˑʲˠ\u0303\u0329\u032f\u200d\u0361-\""


def number_words(n):
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        return ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    return " ".join(ONES[int(d)] for d in str(n))


def words_of(lang, text):
    """A prompt's transcript -> its words (lower case), or None when the transcript describes a
    sound ("[ascending tones]") or holds symbols whose spoken form is unknown."""
    if "[" in text or "(" in text:
        return None
    if lang == "en":
        for symbol, word in EN_SYMBOLS.items():
            text = text.replace(symbol, word)
        text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", text)
        text = text.replace("-", " ")
    elif re.search(r"[*#&%+@/\\]", text):
        return None
    words = [w.strip("'’-") for w in re.findall(r"[\w'’-]+", text.lower())]
    return [w for w in words if w] or None


def ipa_to_arpabet(lang, ipa):
    """One word's IPA -> ARPABET phones, or None when a symbol has no mapping."""
    table = dict(IPA_TO_ARPABET, **PER_SET.get(lang, {}))
    longest = max(len(k) for k in table)
    ipa = re.sub(r"\([a-z-]+\)", "", ipa)  # espeak-ng's language switches, "(en)word(fr)"
    s = "".join(ch for ch in ipa if ch not in IPA_MARKS and not ch.isspace())
    out, i = [], 0
    while i < len(s):
        for n in range(min(longest, len(s) - i), 0, -1):
            if s[i : i + n] in table:
                out += table[s[i : i + n]].split()
                i += n
                break
        else:
            return None
    return out or None


def spell(job):
    """(lang, word) -> (word, ARPABET phones or None), through libespeak-ng's IPA."""
    lang, word = job
    ipa = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", lang, word], capture_output=True, text=True, check=True).stdout
    return word, ipa_to_arpabet(lang, ipa)


def english_dictionary():
    from pocketsphinx import get_model_path

    with open(os.path.join(get_model_path(), "en-us", "cmudict-en-us.dict"), encoding="utf-8") as f:
        return {line.split()[0] for line in f if line.strip()}


def prompts(lang):
    """[(name, wav path, words)] for every prompt of a set whose transcript is words and whose
    file exists."""
    sounds, transcripts = os.path.join(SOUNDS, SETS[lang]), TRANSCRIPTS.format(lang=lang)
    if not os.path.isfile(transcripts) or not os.path.isdir(sounds):
        sys.exit(f"recorded speech: missing {transcripts} or {sounds}; install the Debian packages {packages(lang)}")
    out = []
    with gzip.open(transcripts, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(";") or ":" not in line:
                continue
            name, text = line.split(":", 1)
            path = os.path.join(sounds, name.strip() + ".wav")
            words = words_of(lang, text.strip())
            if words and os.path.isfile(path):
                out.append((name.strip(), path, words))
    return out


def pronunciations(lang, words, jobs):
    """{word: 'PH ON ES'} for the words of a set: cmudict for English (words outside it are
    left out, about 40 product names and misspellings), libespeak-ng for the others."""
    if lang == "en":
        known = english_dictionary()
        return {w: None for w in words if w in known}
    with multiprocessing.Pool(jobs) as pool:
        spelled = pool.map(spell, [(lang, w) for w in sorted(words)], chunksize=16)
    return {w: " ".join(p) for w, p in spelled if p}


def _align(job):
    from reference import _align as align_words
    from reference import _decoder_audio

    key, path, transcript, dictionary = job
    raw, duration = _decoder_audio(path)
    try:
        _, phones, _ = align_words(raw, transcript, dictionary)
    except (RuntimeError, ValueError) as e:
        return key, {"error": str(e)}
    ipa = []
    for p in phones:
        start, end = p["start"], min(p["end"], duration)
        if end > start:
            label = "" if p["phone"] == "SIL" else RADIO_TO_IPA[p["phone"].lower()]
            ipa.append([round(start, 3), round(end, 3), label])
    return key, {"phones": ipa}


def align_set(lang, cache, jobs, limit, tmp):
    """Entries {name, path, phones or error} of one set, aligning what the cache lacks."""
    from audio import sha256

    listed = prompts(lang)[: limit or None]
    spoken = pronunciations(lang, {w for _, _, words in listed for w in words}, jobs)
    dictionary = None
    if lang != "en":
        # Word ids rather than the words: the aligner's dictionary format is plain ASCII.
        ids = {w: f"w{i}" for i, w in enumerate(sorted(spoken))}
        dictionary = os.path.join(tmp, f"{lang}.dict")
        with open(dictionary, "w", encoding="ascii") as f:
            for w, i in ids.items():
                f.write(f"{i} {spoken[w]}\n")
    entries, todo = [], []
    for name, path, words in listed:
        if not all(w in spoken for w in words):
            continue
        transcript = " ".join(words if lang == "en" else (ids[w] for w in words))
        key = f"{lang}/{name}/{sha256(path)}/{hashlib.sha256(transcript.encode()).hexdigest()[:16]}"
        entries.append({"key": key, "name": f"{lang}/{name}", "path": path})
        if key not in cache:
            todo.append((key, path, transcript, dictionary))
    if todo:
        print(f"recorded speech: aligning {len(todo)} {lang} prompts with pocketsphinx", file=sys.stderr, flush=True)
        align_into(cache, _align, todo, jobs)
    return [dict(e, **cache[e["key"]]) for e in entries]


def align_into(cache, align_one, todo, jobs):
    """Runs `align_one` on every job of `todo` ((key, ...) tuples) on `jobs` processes, putting
    each result into `cache` under its key, with a progress bar."""
    with multiprocessing.Pool(jobs) as pool:
        for i, (key, result) in enumerate(pool.imap(align_one, todo, chunksize=8)):
            cache[key] = result
            sys.stderr.write(f"\ralign [{'#' * (30 * (i + 1) // len(todo)):.<30}] {i + 1}/{len(todo)}")
    sys.stderr.write("\n")


def align_all(cache_path, sets, jobs=os.cpu_count(), limit=0):
    """Every prompt of `sets` (the first `limit` of each if not 0), aligned, sorted by set and
    name (one order however much came from the cache, which is updated with what was missing)."""
    cache = {}
    if os.path.isfile(cache_path):
        with open(cache_path, encoding="utf-8") as f:
            cache = json.load(f)["alignments"]
    before = len(cache)
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in sets:
            entries += align_set(lang, cache, jobs, limit, tmp)
    if len(cache) != before:
        os.makedirs(os.path.dirname(os.path.abspath(cache_path)), exist_ok=True)
        with open(cache_path, "w", encoding="utf-8") as f:
            json.dump({"sets": SETS, "alignments": cache}, f)
    return sorted(entries, key=lambda e: e["name"])


def load(cache_path, rate, sets=("en",), limit=0):
    """[(float32 audio at `rate`, [(start, end, ipa)], name)] for every aligned prompt."""
    from audio import read_wav, resample

    pool, failed = [], 0
    for entry in align_all(cache_path, sets, limit=limit):
        if "phones" not in entry:
            failed += 1
            continue
        x, r = read_wav(entry["path"])
        pool.append((resample(x, r, rate), [tuple(p) for p in entry["phones"]], "recorded:" + entry["name"]))
    seconds = sum(len(a) for a, _, _ in pool) / rate
    print(f"recorded speech: {len(pool)} prompts, {seconds / 60:.1f} min ({failed} failed to align)", file=sys.stderr)
    return pool


if __name__ == "__main__":
    # python3 training/data/recorded.py CACHE [SET ...]: align ahead of time and report.
    load(sys.argv[1] if len(sys.argv) > 1 else "target/model-work/recorded-alignment.json", 16000, sets=sys.argv[2:] or ("en",))
