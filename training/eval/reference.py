"""Reference phone timings (pocketsphinx) and the reference openness curve built from them.

Phone timings are made once and cached in reference/<clip>.json (see `build_reference`);
evaluation only reads the cache. Two methods:

* forced_alignment: the clip's transcript is aligned with pocketsphinx 5 (`set_align_text`, then
  `set_alignment` for the word -> phone -> state alignment), acoustic model en-us + cmudict-en-us.
* allphone: no trustworthy transcript, so pocketsphinx's phone loop (en-us-phone.lm.bin, the
  settings pocketsphinx recommends for it: beam = pbeam = 1e-20, lw = 2.0) recognises the phones.

Audio goes to pocketsphinx as 16 kHz 16-bit mono (8 kHz clips are upsampled, 48 kHz downsampled),
with 300 ms of digital silence appended so that a clip cut right after its last word still aligns;
segments are clipped back to the clip's length.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter1d

from audio import read_wav, resample, to_int16

FPS = 30
HERE = Path(__file__).resolve().parent
SILENCE_LABELS = {"SIL", "+NSN+", "+SPN+", "+BREATH+", "+COUGH+", "+UM+", "+UH+", "+SMACK+", "<sil>", "<s>", "</s>"}
PBM = {"P", "B", "M"}


def load_openness_table(path: Path | None = None) -> dict[str, float]:
    table = json.loads((path or HERE / "openness.json").read_text())
    return {k: float(v) for k, v in table["phones"].items()}


def is_silence(phone: str) -> bool:
    return phone == "SIL"


def _clean_phone(label: str) -> str:
    return "SIL" if label in SILENCE_LABELS or label.startswith("+") else label.upper()


def _clean_word(label: str) -> str:
    return re.sub(r"\(\d+\)$", "", label)


def _decoder_audio(path: str) -> tuple[bytes, float]:
    x, sr = read_wav(path)
    duration = len(x) / sr
    y = resample(x, sr, 16000)
    y = np.concatenate([y, np.zeros(int(0.3 * 16000), np.float32)])
    return to_int16(y).tobytes(), duration


def _align(raw: bytes, transcript: str, dictionary: str | None = None, retry_without_bestpath: bool = False):
    """Forced alignment of `transcript` (words of cmudict-en-us, or of `dictionary`, a
    pronunciation file in its format) -> (words, phones, decoder settings)."""
    from pocketsphinx import Decoder

    extra = {"dict": dictionary} if dictionary else {}
    last_err = None
    settings = [{}, {"beam": 1e-100, "wbeam": 1e-80, "pbeam": 1e-100}]
    if retry_without_bestpath:
        # The state alignment (second pass) fails ("Alignment failed in frame N") on about 3 in
        # 10 of speechocean762's utterances after the default first pass, and on none of 30 such
        # when the first pass skips its best-path search. Opt-in, so that the alignments the
        # existing references and training data were made with stay as they were.
        settings.append({"bestpath": False})
    for beams in settings:
        d = Decoder(samprate=16000, loglevel="FATAL", lm=None, **extra, **beams)
        try:
            d.set_align_text(transcript)
            d.start_utt()
            d.process_raw(raw, full_utt=True)
            d.end_utt()
            if d.hyp() is None:
                raise RuntimeError("no alignment hypothesis")
            d.set_alignment()
            d.start_utt()
            d.process_raw(raw, full_utt=True)
            d.end_utt()
            al = d.get_alignment()
            words, phones = [], []
            for w in al:
                wname = _clean_word(w.name)
                words.append({"word": wname, "start": w.start / 100, "end": (w.start + w.duration) / 100,
                              "score": int(w.score)})
                for p in w:
                    phones.append({"phone": _clean_phone(p.name), "start": p.start / 100,
                                   "end": (p.start + p.duration) / 100,
                                   "word": None if _clean_phone(p.name) == "SIL" else wname})
            return words, phones, beams
        except RuntimeError as e:  # pocketsphinx raises RuntimeError when the alignment fails
            last_err = e
    raise RuntimeError(f"forced alignment failed: {last_err}")


def _allphone(raw: bytes):
    from pocketsphinx import Decoder, get_model_path

    cfg = {"allphone": os.path.join(get_model_path(), "en-us-phone.lm.bin"), "beam": 1e-20, "pbeam": 1e-20, "lw": 2.0}
    d = Decoder(samprate=16000, loglevel="FATAL", **cfg)
    d.start_utt()
    d.process_raw(raw, full_utt=True)
    d.end_utt()
    phones = [{"phone": _clean_phone(s.word), "start": s.start_frame / 100, "end": (s.end_frame + 1) / 100, "word": None}
              for s in d.seg()]
    return phones, {"beam": 1e-20, "pbeam": 1e-20, "lw": 2.0, "allphone": "en-us-phone.lm.bin"}


def _tidy(phones: list[dict], duration: float) -> list[dict]:
    """Clip to the clip's length, merge adjacent silences, round times to the 10 ms grid."""
    out: list[dict] = []
    for p in phones:
        s, e = round(p["start"], 2), round(min(p["end"], duration), 4)
        if e <= s:
            continue
        if out and p["phone"] == "SIL" and out[-1]["phone"] == "SIL":
            out[-1]["end"] = e
            continue
        out.append({"phone": p["phone"], "start": s, "end": e, "word": p["word"]})
    return out


def pocketsphinx_version() -> str:
    from importlib.metadata import version

    return version("pocketsphinx")


def build_reference(clip: dict) -> dict:
    raw, duration = _decoder_audio(clip["path"])
    version = pocketsphinx_version()
    ref = {"clip": clip["id"], "sha256": clip["sha256"], "duration_s": round(duration, 4),
           "method": clip["reference"], "transcript": clip.get("transcript"),
           "tool": f"pocketsphinx {version}, model en-us, dict cmudict-en-us", "frame_step_s": 0.01}
    if clip["reference"] == "forced_alignment":
        if not clip.get("transcript"):
            raise ValueError(f"{clip['id']}: forced_alignment needs a transcript")
        words, phones, beams = _align(raw, clip["transcript"])
        ref["decoder"] = {"mode": "align", **beams}
        ref["words"] = [dict(w, end=round(min(w["end"], duration), 4)) for w in words if w["start"] < duration]
    elif clip["reference"] == "allphone":
        phones, cfg = _allphone(raw)
        ref["decoder"] = {"mode": "allphone", **cfg}
    else:
        raise ValueError(f"{clip['id']}: unknown reference method {clip['reference']!r}")
    ref["phones"] = _tidy(phones, duration)
    return ref


def n_frames(duration_s: float) -> int:
    return int(np.ceil(duration_s * FPS - 1e-9))


def frame_centres(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / FPS


def phone_at_frames(phones: list[dict], n: int) -> list[int | None]:
    """Index of the phone whose span contains each frame centre (None past the last phone)."""
    t = frame_centres(n)
    starts = np.array([p["start"] for p in phones])
    ends = np.array([p["end"] for p in phones])
    idx = np.searchsorted(starts, t, side="right") - 1
    return [int(i) if i >= 0 and t[k] < ends[i] else None for k, i in enumerate(idx)]


def speech_frames(phones: list[dict], n: int) -> np.ndarray:
    """The frames whose centre falls inside a phone that is not silence: where aperture r is taken."""
    return np.array([i is not None and phones[i]["phone"] != "SIL" for i in phone_at_frames(phones, n)], bool)


def openness_curve(phones: list[dict], n: int, table: dict[str, float], sigma_s: float = 0.03) -> np.ndarray:
    """Step function of per-phone openness on a 1 ms grid, Gaussian-smoothed (sigma_s), read at frame centres."""
    step = 0.001
    grid_n = int(np.ceil(n / FPS / step)) + 1
    y = np.zeros(grid_n)
    for p in phones:
        if p["phone"] not in table:
            raise KeyError(f"phone {p['phone']!r} missing from openness.json")
        a, b = int(round(p["start"] / step)), int(round(p["end"] / step))
        y[a:b] = table[p["phone"]]
    y = gaussian_filter1d(y, sigma_s / step, mode="nearest")
    idx = np.minimum(np.round(frame_centres(n) / step).astype(int), grid_n - 1)
    return y[idx]
