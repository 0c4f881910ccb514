"""Phoneme timings -> 30 fps ARKit lip-sync targets, with coarticulation.

Each phone becomes one or more visemes (a diphthong is two: its first vowel for 60% of the
phone, the glide after). Every viseme pulls each channel towards its target with a dominance
that is flat over the viseme's own span and decays exponentially outside it (after Cohen and
Massaro's dominance model of coarticulation); a channel's value at time t is the
dominance-weighted mean of all targets. Channel groups get their own strength and reach:
'open' channels (jaw, vertical lip opening) follow the current sound closely, 'round' channels
(funnel, pucker, stretch) spread further, so lips round ahead of an /u/ (anticipatory rounding).
p/b/m have a dominance twenty times a vowel's and a short reach, and drive a closure curve that
seals the lips (mouthClose = jawOpen, no lip opening) however short the closure is.
"""

import json
import os

import numpy as np

FPS = 30
HERE = os.path.dirname(os.path.abspath(__file__))


class VisemeTable:
    def __init__(self, path=os.path.join(HERE, "visemes.json")):
        with open(path, encoding="utf-8") as f:
            spec = json.load(f)
        self.channels = spec["channels"]
        index = {c: i for i, c in enumerate(self.channels)}
        self.round_mask = np.array([c in spec["round_channels"] for c in self.channels])
        self.names = list(spec["visemes"])
        n, c = len(self.names), len(self.channels)
        self.targets = np.zeros((n, c), np.float32)
        self.alpha = np.zeros((n, c), np.float32)
        self.tau = np.zeros((n, c), np.float32)
        self.closure = np.zeros(n, bool)
        for v, (name, entry) in enumerate(spec["visemes"].items()):
            for key, value in entry["targets"].items():
                keys = [key] if key in index else [key + "Left", key + "Right"]
                for k in keys:
                    if k not in index:
                        raise ValueError(f"visemes.json: viseme {name}: unknown channel {key}")
                    self.targets[v, index[k]] = value
            for group, mask in (("open", ~self.round_mask), ("round", self.round_mask)):
                alpha, tau = entry[group]
                self.alpha[v, mask], self.tau[v, mask] = alpha, tau
            self.closure[v] = entry.get("closure", False)
        self.ipa = spec["ipa"]
        self.ignore = set(spec["ignore"])
        self.longest = max(len(k) for k in self.ipa)

    def viseme(self, name):
        return self.names.index(name)

    def parse_ipa(self, phone):
        """IPA string -> viseme names, by greedy longest match (unknown symbols are skipped)."""
        s = "".join(ch for ch in phone if ch not in self.ignore)
        out, unknown, i = [], [], 0
        while i < len(s):
            for n in range(min(self.longest, len(s) - i), 0, -1):
                if s[i : i + n] in self.ipa:
                    out.append(self.ipa[s[i : i + n]])
                    i += n
                    break
            else:
                unknown.append(s[i])
                i += 1
        return out, unknown


def segments_from_phones(table, phones, unknown=None):
    """[(start, end, ipa or '' for silence or 'BR' for a breath)] -> [(start, end, viseme index)]."""
    out = []
    for start, end, phone in phones:
        if end <= start:
            continue
        if phone in ("", "sil"):
            out.append((start, end, table.viseme("sil")))
            continue
        if phone == "BR":
            out.append((start, end, table.viseme("BR")))
            continue
        visemes, bad = table.parse_ipa(phone)
        if unknown is not None:
            unknown.update(bad)
        if not visemes:
            continue
        if len(visemes) == 1:
            out.append((start, end, table.viseme(visemes[0])))
            continue
        # First element 60% (a diphthong's nucleus), the rest share the remainder.
        cut = start + 0.6 * (end - start)
        out.append((start, cut, table.viseme(visemes[0])))
        step = (end - cut) / (len(visemes) - 1)
        for j, v in enumerate(visemes[1:]):
            out.append((cut + j * step, cut + (j + 1) * step, table.viseme(v)))
    return out


def frame_times(n_frames):
    return (np.arange(n_frames) + 0.5) / FPS


def render_targets(table, segments, n_frames, t=None):
    """Segments -> (n_frames, channels) float32 targets at the 30 fps frame centres."""
    t = frame_times(n_frames) if t is None else t
    c = len(table.channels)
    num = np.zeros((len(t), c), np.float64)
    den = np.full((len(t), c), 1e-9)
    close_num = np.zeros(len(t))
    close_den = np.full(len(t), 1e-9)
    for start, end, v in segments:
        dist = np.maximum(0.0, np.maximum(start - t, t - end))[:, None]
        # Beyond ten reaches a dominance is negligible; skip the exp for speed.
        if dist.min() > 10 * table.tau[v].max():
            continue
        d = table.alpha[v] * np.exp(-dist / table.tau[v])
        num += d * table.targets[v]
        den += d
        # The closure curve uses the open group's dominance (index 0 is jawOpen).
        close_num += d[:, 0] * float(table.closure[v])
        close_den += d[:, 0]
    out = num / den
    closure = close_num / close_den
    idx = {name: i for i, name in enumerate(table.channels)}
    keep = 1.0 - closure
    for name in ("mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight"):
        out[:, idx[name]] *= keep
    jaw = out[:, idx["jawOpen"]]
    out[:, idx["mouthClose"]] = np.maximum(out[:, idx["mouthClose"]], closure * jaw)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def frame_visemes(table, segments, n_frames):
    """Segments -> (n_frames,) int8: the viseme sounding at each 30 fps frame centre (silence
    between segments). Training's auxiliary classification target: which sound this is, which
    the blendshape targets only say through a coarticulated mix."""
    t = frame_times(n_frames)
    out = np.full(n_frames, table.viseme("sil"), np.int8)
    for start, end, v in segments:
        out[(t >= start) & (t < end)] = v
    return out


def aperture(weights, channels):
    """The evaluation's lip aperture, on the model's own channels."""
    i = {c: k for k, c in enumerate(channels)}
    w = weights
    return (
        np.maximum(0.0, w[:, i["jawOpen"]] - w[:, i["mouthClose"]])
        + 0.5 * 0.5 * (w[:, i["mouthLowerDownLeft"]] + w[:, i["mouthLowerDownRight"]])
        + 0.25 * 0.5 * (w[:, i["mouthUpperUpLeft"]] + w[:, i["mouthUpperUpRight"]])
    )
