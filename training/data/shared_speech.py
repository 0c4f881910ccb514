"""Real recorded speech from the project's shared corpora (../shared/speech), read in place.

Two corpora there have transcripts and licences that let a model trained on them ship
(../shared/speech/README.md; the model card lists them):

| corpus | licence | what | speakers |
|---|---|---|---|
| speechocean762 | Apache-2.0 | read English sentences, 1,500 utterances, 121 min; the canonical ARPAbet phones of every word (`metadata/resource/text-phone`) | 250 (Mandarin L1; 125 f / 125 m; 122 under 18), ids per file |
| picovoice-wakeword | Apache-2.0 | the keywords "computer" and "smart mirror", 780 clips, 38 min, many microphones and rooms | more than 50, no ids per file |

speechocean762 is split by speaker: the speakers listed in `training/eval/heldout_speakers.json`
(a fifth, balanced over gender and age; see `heldout_split`) are the evaluation's and never reach
training. picovoice-wakeword has no speaker ids, so none of it can be held out by speaker: it is
training data only.

Every utterance is force-aligned by pocketsphinx (the evaluation's aligner, `recorded.align`)
with a pronunciation dictionary made for it: speechocean762's canonical phones of each word (what
the reader meant to say; the corpus scores pronunciation, so some words were said otherwise),
cmudict for the keywords. `quality` then judges every alignment from the audio alone, and
`usable` keeps those that pass.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
from collections import defaultdict

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "eval"))

# Where the corpora are read; ANIMASYNC_SHARED_SPEECH points elsewhere (a CI copy, say).
SHARED_SPEECH = os.environ.get("ANIMASYNC_SHARED_SPEECH", os.path.join(os.path.dirname(ROOT), "shared", "speech"))
HELDOUT_FILE = os.path.join(os.path.dirname(HERE), "eval", "heldout_speakers.json")
CORPORA = ("speechocean762", "picovoice-wakeword")
HELDOUT_SHARE = 5  # one speaker in five is held out

# Keyword transcripts of picovoice-wakeword as cmudict spells them (without stress marks).
KEYWORD_PHONES = {"computer": "K AH M P Y UW T ER", "smart": "S M AA R T", "mirror": "M IH R ER"}


def _read_tsv(path: str) -> list[dict]:
    if not os.path.isfile(path):
        sys.exit(f"shared speech: {path} is missing (../shared/speech is read in place; set "
                 f"ANIMASYNC_SHARED_SPEECH to where it is)")
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        return [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]


def _speechocean_phones() -> dict[str, list[str]]:
    """'<utt>.<word index>' -> the word's canonical ARPAbet phones, stress and position tags dropped."""
    out = {}
    path = os.path.join(SHARED_SPEECH, "speechocean762", "metadata", "resource", "text-phone")
    with open(path, encoding="utf-8") as f:
        for line in f:
            key, phones = line.rstrip("\n").split("\t", 1)
            out[key] = [re.sub(r"\d", "", p.split("_")[0]) for p in phones.split()]
    return out


def utterances(corpus: str) -> list[dict]:
    """Every utterance of a corpus: {id, corpus, path, speaker (None if unknown), gender, age,
    words, dictionary}. `dictionary` spells each word of the transcript as `w<i> PH ON ES` lines
    (word ids keep the aligner's dictionary plain ASCII and let one word be said two ways in two
    utterances); `transcript` is the word ids in order."""
    root = os.path.join(SHARED_SPEECH, corpus)
    rows = _read_tsv(os.path.join(root, "manifest.tsv"))
    out = []
    if corpus == "speechocean762":
        canonical = _speechocean_phones()
        for r in rows:
            words = r["transcript"].split()
            spelled = [canonical.get(f"{r['utt_id']}.{i}") for i in range(len(words))]
            if not all(spelled):
                continue  # a word without canonical phones: left out (none in the staged subset)
            out.append({"id": f"speechocean762/{r['utt_id']}", "corpus": corpus, "path": os.path.join(root, r["path"]),
                        "speaker": f"speechocean762/{r['speaker']}", "gender": r["gender"], "age": int(r["age"]),
                        "words": words, "pronunciation": spelled})
    elif corpus == "picovoice-wakeword":
        for r in rows:
            words = r["transcript"].split()
            out.append({"id": f"picovoice/{r['clip_id']}", "corpus": corpus, "path": os.path.join(root, r["path"]),
                        "speaker": None, "gender": None, "age": None, "words": words,
                        "pronunciation": [KEYWORD_PHONES[w].split() for w in words]})
    else:
        raise ValueError(f"unknown corpus {corpus!r}; known: {', '.join(CORPORA)}")
    for u in out:
        u["dictionary"] = "".join(f"w{i} {' '.join(p)}\n" for i, p in enumerate(u["pronunciation"]))
        u["transcript"] = " ".join(f"w{i}" for i in range(len(u["words"])))
    return out


def heldout_split(rows: list[dict]) -> list[str]:
    """The held-out speakers: within each group of gender x (adult, under 18), speakers ordered by
    the sha256 of their id, every fifth from the first. A fixed rule rather than a random draw, so
    the list can be remade and checked; the groups keep the held-out fifth as mixed as the corpus."""
    groups = defaultdict(set)
    for u in rows:
        groups[(u["gender"], u["age"] >= 18)].add(u["speaker"])
    held = []
    for key in sorted(groups):
        ordered = sorted(groups[key], key=lambda s: hashlib.sha256(s.encode()).hexdigest())
        held += ordered[::HELDOUT_SHARE]
    return sorted(held)


def heldout_speakers() -> set[str]:
    with open(HELDOUT_FILE, encoding="utf-8") as f:
        return set(json.load(f)["speakers"])


def write_heldout() -> None:
    rows = utterances("speechocean762")
    held = heldout_split(rows)
    by = {u["speaker"]: u for u in rows}
    doc = {"doc": "Speakers of ../shared/speech/speechocean762 held out of training: the lip-sync evaluation's "
                  "unseen voices. Made by `python3 training/data/shared_speech.py --write-heldout` (rule: "
                  "shared_speech.heldout_split, one speaker in five of each gender x adult/child group).",
           "speakers": held,
           "counts": {"speakers": len(held), "of": len(by),
                      "female": sum(by[s]["gender"] == "f" for s in held),
                      "under_18": sum(by[s]["age"] < 18 for s in held)}}
    with open(HELDOUT_FILE, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {HELDOUT_FILE}: {doc['counts']}")


# ----------------------------------------------------------------------------------------------
# Alignment quality, judged from the audio alone

# pocketsphinx's shortest phone: 3 frames of 10 ms. An alignment forced onto audio that does not
# say the transcript squeezes many phones to that length.
MIN_PHONE_S = 0.03
QUALITY = {"max_min_length_share": 0.35, "min_speech_contrast_db": 10.0, "min_speech_s": 0.25}
VOWELS = {"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"}


def frame_db(x: np.ndarray, rate: int, hop_s: float = 0.01) -> np.ndarray:
    hop = int(rate * hop_s)
    n = len(x) // hop
    return 10 * np.log10(np.mean(np.square(x[: n * hop].reshape(n, hop), dtype=np.float64), axis=1) + 1e-10)


def quality(x: np.ndarray, rate: int, phones: list) -> dict:
    """What an alignment looks like against the audio's own 10 ms level:
    - `min_length_share`: the share of its phones at the aligner's 30 ms minimum (a forced
      alignment of words that were not said squeezes them there);
    - `speech_contrast_db`: median level inside the aligned speech minus inside its silences
      (speech placed on silence, or silence on speech, lowers it);
    - `pbm_dip`: the share of p/b/m whose quietest 10 ms is at least 6 dB below the loudest 10 ms
      of the neighbouring vowels (a lip closure silences or muffles the voice: a check of where
      the closures were placed that needs no second aligner);
    - `ok`: within QUALITY's limits."""
    db = frame_db(x, rate)
    n = len(db)

    def span(s, e):
        a, b = int(s * 100), max(int(s * 100) + 1, int(e * 100))
        return db[min(a, n - 1):min(b, n)]

    speech = [p for p in phones if p[2]]
    sil = [p for p in phones if not p[2]]
    short = sum((e - s) <= MIN_PHONE_S + 1e-6 for s, e, _ in speech)
    speech_db = np.concatenate([span(s, e) for s, e, _ in speech]) if speech else np.array([])
    sil_db = np.concatenate([span(s, e) for s, e, _ in sil]) if sil else np.array([])
    contrast = float(np.median(speech_db) - np.median(sil_db)) if len(speech_db) and len(sil_db) else None
    dips, pbm = 0, 0
    for i, (s, e, p) in enumerate(speech):
        if p.upper() not in {"P", "B", "M"}:
            continue
        around = [speech[j] for j in (i - 1, i + 1) if 0 <= j < len(speech) and speech[j][2].upper() in VOWELS]
        if not around:
            continue
        pbm += 1
        loud = max(span(a, b).max() for a, b, _ in around)
        dips += bool(span(s, e).min() <= loud - 6.0)
    q = {"min_length_share": round(short / len(speech), 3) if speech else None,
         "speech_contrast_db": None if contrast is None else round(contrast, 1),
         "speech_s": round(sum(e - s for s, e, _ in speech), 2), "pbm": pbm, "pbm_dipped": dips}
    q["ok"] = bool(speech and q["min_length_share"] <= QUALITY["max_min_length_share"]
                   and q["speech_s"] >= QUALITY["min_speech_s"]
                   and (contrast is None or contrast >= QUALITY["min_speech_contrast_db"]))
    return q



# ----------------------------------------------------------------------------------------------
# Alignment (cached by file hash) and loading

def _align_job(job):
    from audio import read_wav
    from reference import _align, _decoder_audio

    key, path, transcript, dictionary = job
    raw, duration = _decoder_audio(path)
    with tempfile.NamedTemporaryFile("w", suffix=".dict", encoding="ascii", delete=False) as f:
        f.write(dictionary)
        dict_path = f.name
    try:
        _, phones, _ = _align(raw, transcript, dict_path, retry_without_bestpath=True)
    except (RuntimeError, ValueError) as e:
        return key, {"error": str(e)}
    finally:
        os.unlink(dict_path)
    out = []
    for p in phones:
        start, end = round(p["start"], 3), round(min(p["end"], duration), 3)
        if end <= start:
            continue
        label = "SIL" if p["phone"] == "SIL" else p["phone"]
        if out and label == "SIL" and out[-1][2] == "SIL":
            out[-1][1] = end
        else:
            out.append([start, end, label])
    x, rate = read_wav(path)
    return key, {"phones": out, "quality": quality(x, rate, [(s, e, "" if ph == "SIL" else ph) for s, e, ph in out])}


# Part of every cache key: a change to the aligner's settings (reference._align) aligns anew.
ALIGNER = "pocketsphinx-5.1.1-a2"


def align(cache_path: str, corpora=CORPORA, jobs: int = os.cpu_count() or 1, limit: int = 0) -> list[dict]:
    """Every utterance of `corpora` (the first `limit` of each if not 0) with its alignment:
    `phones` [[start, end, ARPAbet or "SIL"]] and `quality`, or `error`. Alignments are cached in
    `cache_path`, keyed by utterance, the file's sha256 and the transcript with its dictionary, so
    a rerun aligns only what changed."""
    from audio import sha256
    from recorded import align_into

    cache = {}
    if os.path.isfile(cache_path):
        with open(cache_path, encoding="utf-8") as f:
            cache = json.load(f)["alignments"]
    entries, todo = [], []
    for corpus in corpora:
        for u in utterances(corpus)[: limit or None]:
            spelled = hashlib.sha256((u["transcript"] + "\n" + u["dictionary"]).encode()).hexdigest()[:16]
            u["sha256"] = sha256(u["path"])
            u["key"] = f"{u['id']}/{u['sha256']}/{spelled}/{ALIGNER}"
            entries.append(u)
            if u["key"] not in cache:
                todo.append((u["key"], u["path"], u["transcript"], u["dictionary"]))
    if todo:
        print(f"shared speech: aligning {len(todo)} utterances with pocketsphinx", file=sys.stderr, flush=True)
        align_into(cache, _align_job, todo, jobs)
        os.makedirs(os.path.dirname(os.path.abspath(cache_path)), exist_ok=True)
        partial = cache_path + ".part"
        with open(partial, "w", encoding="utf-8") as f:
            json.dump({"alignments": cache}, f)
        os.replace(partial, cache_path)
    return [dict(u, **cache[u["key"]]) for u in entries]


def report(entries: list[dict]) -> dict:
    """Per corpus: utterances, aligned, passing the quality check, minutes, and how the checks came out."""
    out = {}
    for corpus in sorted({e["corpus"] for e in entries}):
        es = [e for e in entries if e["corpus"] == corpus]
        aligned = [e for e in es if "phones" in e]
        ok = [e for e in aligned if e["quality"]["ok"]]
        pbm = sum(e["quality"]["pbm"] for e in ok)
        out[corpus] = {
            "utterances": len(es), "aligned": len(aligned), "passed": len(ok),
            "speech_minutes": round(sum(e["quality"]["speech_s"] for e in ok) / 60, 1),
            "speakers": len({e["speaker"] for e in ok if e["speaker"]}) or None,
            "median_min_length_share": float(np.median([e["quality"]["min_length_share"] for e in aligned if e["quality"]["min_length_share"] is not None])) if aligned else None,
            "median_speech_contrast_db": float(np.median([e["quality"]["speech_contrast_db"] for e in aligned
                                                          if e["quality"]["speech_contrast_db"] is not None])) if aligned else None,
            "pbm_between_vowels": pbm,
            "pbm_dipped_share": round(sum(e["quality"]["pbm_dipped"] for e in ok) / pbm, 3) if pbm else None,
        }
    return out


def load(cache_path: str, rate: int, corpora=CORPORA, limit: int = 0) -> list[tuple]:
    """Training speech: [(float32 audio at `rate`, [(start, end, ipa)], name)] of every utterance
    that aligned and passed the quality check, from speakers that are not held out."""
    from audio import read_wav, resample
    from festival import RADIO_TO_IPA

    held = heldout_speakers()
    entries = align(cache_path, corpora, limit=limit)
    print(f"shared speech: {json.dumps(report(entries))}", file=sys.stderr)
    pool = []
    for e in entries:
        if "phones" not in e or not e["quality"]["ok"] or e["speaker"] in held:
            continue
        x, r = read_wav(e["path"])
        phones = [(s, t, "" if p == "SIL" else RADIO_TO_IPA[p.lower()]) for s, t, p in e["phones"]]
        pool.append((resample(x, r, rate), phones, e["id"]))
    seconds = sum(len(a) for a, _, _ in pool) / rate
    print(f"shared speech: {len(pool)} training utterances, {seconds / 60:.1f} min "
          f"(held-out speakers and failed alignments left out)", file=sys.stderr)
    return pool


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-heldout"]:
        write_heldout()
    elif len(sys.argv) == 3 and sys.argv[1] == "--align":
        # python3 training/data/shared_speech.py --align CACHE: align ahead of time and report.
        print(json.dumps(report(align(sys.argv[2])), indent=1))
    else:
        sys.exit("usage: python3 training/data/shared_speech.py --write-heldout | --align CACHE")
