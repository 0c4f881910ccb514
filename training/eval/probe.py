"""How much the audio itself says about p/b/m, whatever model reads it: a probe.

A classifier over the same log-mel windows the models read (16 frames, 8 of them after the
frame: the playback model's window; the runtime's `features` command makes them), trained to
tell a p/b/m from a tongue consonant (CH D DH G HH JH K L N NG R S SH T TH Y Z ZH), tested on the
held-out speakers' phone centres (training/eval/reference/heldout-speechocean762.json). Printed:
the area under the ROC curve (0.5 = chance) at the phone centres, and over each phone's span
widened by a frame as the evaluation's p/b/m separation takes it (the probe's highest p/b/m score
in the span; the evaluation takes a model's lowest aperture there).

By default a logistic regression (a linear read of the window); with `--mlp N` two ReLU layers
of N units (JAX), trained with `--corpus` on every frame of the phones rather than their centres
(with `--data` on the same frames as the linear probe): what a small nonlinear detector reads,
so what a lip-sync model's closures could at least reach on this data.

    # trained on the training speakers' own recordings, clean, at their phone centres
    python3 training/eval/probe.py --corpus
    # trained on generated training data (its frames labelled by NNNNN.visemes.npy)
    python3 training/eval/probe.py --data target/model-work/data-live
    # a nonlinear detector (two layers of 256) on the same recordings
    python3 training/eval/probe.py --corpus --mlp 256
    # the aperture instead: regress the evaluation's reference openness on every frame of the
    # training speakers' recordings, report its in-speech r on the held-out speakers
    python3 training/eval/probe.py --corpus --aperture --mlp 256

With `--aperture` the probe is a regression (ridge, or the MLP with a squared error) of the
evaluation's own reference curve (`reference.openness_curve` of the aligned phones), and the
figure is the evaluation's aperture r (inside speech, per clip, the mean over clips, with a 95%
speaker-bootstrap interval): what a model trained on the reference itself, from these recordings
alone, reads of the openness at new speakers.

Needs the release CLI and ../shared/speech; features are cached in target/probe-features/.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "training" / "data"))
sys.path.insert(0, str(ROOT / "training"))
sys.path.insert(0, str(HERE))

from audio import read_wav, write_wav16  # noqa: E402
from evaluate import (FPS, OTHER_CONSONANTS as TONGUE, PBM, REF_SIGMA_S, bootstrap, clip_metrics,  # noqa: E402
                      phone_frames, pool, separation, silence_frames)
from reference import load_openness_table, openness_curve, speech_frames  # noqa: E402
import shared_speech  # noqa: E402
from train import feature_frame, windows_ending  # noqa: E402  (the models' own windows)

# The visemes (training/data/visemes.json) of the tongue consonants, for generated data, whose
# labels are visemes: Y is left out, as it shares IH with a vowel.
TONGUE_VISEMES = ("TH", "DD", "KK", "SS", "CH", "RR")
CACHE = ROOT / "target" / "probe-features"


class Features:
    """The runtime's log-mel features of a file, for the recipe in training/config.json."""

    def __init__(self, cli: Path, f_max: float | None = None):
        cfg = json.loads((ROOT / "training" / "config.json").read_text())
        self.spec = dict(cfg["input"], **({"f_max": f_max} if f_max else {}))
        self.cli = cli
        CACHE.mkdir(parents=True, exist_ok=True)
        self.key = hashlib.sha256(json.dumps(self.spec, sort_keys=True).encode()).hexdigest()[:12]
        # One manifest per feature spec: runs with different specs never share one.
        self.manifest = CACHE / f"features.{self.key}.json"
        self.manifest.write_text(json.dumps({
            "schema": "animasync-face/model-manifest", "version": 1, "name": "features only", "input": self.spec,
            "window": {"frames": 1, "lookahead": 0}, "output": {"kind": "blendshapes", "channels": ["jawOpen"]}}))

    def __call__(self, path: str) -> np.ndarray:
        name = hashlib.sha256(path.encode()).hexdigest()[:20]
        out = CACHE / f"{name}.{self.key}.npy"
        if not out.is_file():
            x, sr = read_wav(path)
            wav = out.with_suffix(".wav")
            write_wav16(wav, x, sr)
            subprocess.run([str(self.cli), "features", "--manifest", str(self.manifest), "--out", str(out), str(wav)],
                           check=True, capture_output=True)
            wav.unlink()
        return np.load(out)

    def frame_index(self, t: np.ndarray) -> np.ndarray:
        return feature_frame(t, self.spec)


def windows(f: np.ndarray, last: np.ndarray, w: int) -> np.ndarray:
    return windows_ending(f.astype(np.float32), last, w)


def prepare(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """As the models read a window: normalised per band, its mean level split off."""
    z = (x - mean) / std
    level = z.mean(axis=(1, 2), keepdims=True)
    return np.concatenate([(z - level).reshape(len(z), -1), level.reshape(len(z), 1), np.ones((len(z), 1))], 1)


def fit(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Class-balanced L2 logistic regression (the last column is the bias, not penalised)."""
    weight = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))
    mask = np.r_[np.ones(x.shape[1] - 1), 0.0]

    def loss(w):
        z = x @ w
        grad = x.T @ (weight * (1 / (1 + np.exp(-z)) - y)) + 2 * l2 * mask * w
        return (weight * (np.logaddexp(0, z) - y * z)).sum() + l2 * (mask * w * w).sum(), grad

    return minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 500}).x


MLP_STEPS, MLP_BATCH, MLP_DROPOUT, MLP_NOISE = 4000, 512, 0.3, 0.1


def fit_mlp(x: np.ndarray, y: np.ndarray, hidden: int, regression: bool = False):
    """Two ReLU layers, class-balanced logistic loss (or, with `regression`, the squared error of
    a sigmoid output against targets in [0, 1]); dropout on the first layer and Gaussian noise on
    the inputs against overfitting the training voices. Returns a scoring function."""
    import jax
    import jax.numpy as jnp
    import optax

    keys = jax.random.split(jax.random.PRNGKey(0), 4)
    d = x.shape[1]
    params = {"w1": jax.random.normal(keys[0], (d, hidden)) / np.sqrt(d), "b1": jnp.zeros(hidden),
              "w2": jax.random.normal(keys[1], (hidden, hidden)) / np.sqrt(hidden), "b2": jnp.zeros(hidden),
              "w3": jax.random.normal(keys[2], (hidden, 1)) / np.sqrt(hidden), "b3": jnp.zeros(1)}

    def logit(p, z, drop=None):
        h = jax.nn.relu(z @ p["w1"] + p["b1"])
        if drop is not None:
            h = h * jax.random.bernoulli(drop, 1 - MLP_DROPOUT, h.shape) / (1 - MLP_DROPOUT)
        return (jax.nn.relu(h @ p["w2"] + p["b2"]) @ p["w3"] + p["b3"])[:, 0]

    positive_weight = 1.0 if regression else (len(y) - y.sum()) / y.sum()

    def loss(p, z, t, drop):
        s = logit(p, z, drop)
        if regression:
            return jnp.mean((jax.nn.sigmoid(s) - t) ** 2)
        return jnp.mean(jnp.where(t > 0.5, positive_weight, 1.0) * (jnp.logaddexp(0, s) - t * s))

    opt = optax.adamw(1e-3, weight_decay=1e-2)
    state = opt.init(params)

    @jax.jit
    def step(p, st, z, t, drop):
        grads = jax.grad(loss)(p, z, t, drop)
        upd, st = opt.update(grads, st, p)
        return optax.apply_updates(p, upd), st

    rng, key = np.random.default_rng(0), keys[3]
    x, y = x.astype(np.float32), y.astype(np.float32)
    for _ in range(MLP_STEPS):
        b = rng.integers(0, len(y), MLP_BATCH)
        key, drop = jax.random.split(key)
        params, state = step(params, state, x[b] + rng.normal(0, MLP_NOISE, x[b].shape).astype(np.float32), y[b], drop)
    score = jax.jit(lambda z: jax.nn.sigmoid(logit(params, z)) if regression else logit(params, z))
    return lambda z: np.asarray(score(z.astype(np.float32)))


def fit_ridge(x: np.ndarray, y: np.ndarray, l2: float) -> np.ndarray:
    """Least squares with an L2 penalty (the last column is the bias, not penalised)."""
    penalty = l2 * np.diag(np.r_[np.ones(x.shape[1] - 1), 0.0])
    return np.linalg.solve(x.T @ x + penalty, x.T @ y)


def auc(score: np.ndarray, positive: np.ndarray) -> float:
    """The chance that a p/b/m scores above a tongue consonant (evaluate.separation's AUC)."""
    return separation(-score[positive], -score[~positive])


def corpus_rows(feat: Features, w: int, lookahead: int, cache: Path, every_frame: bool = False):
    """The training speakers' p/b/m and tongue consonants: their centres, or with `every_frame`
    each 30 fps frame inside them (the phone's centre if none is)."""
    rows = training_utterances(cache)

    def one(e):
        times, labels = [], []
        for s, t, p in e["phones"]:
            if p not in PBM and p not in TONGUE:
                continue
            at = (np.arange(np.ceil(s * FPS - 0.5), np.ceil(t * FPS - 0.5)) + 0.5) / FPS if every_frame else []
            at = [x for x in at if s <= x < t] or [(s + t) / 2]
            times += at
            labels += [p in PBM] * len(at)
        return windows(feat(e["path"]), feat.frame_index(np.array(times)) + lookahead, w), labels

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        got = [g for g in pool.map(one, rows) if len(g[1])]
    return np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got]).astype(int), len(rows)


def data_rows(data: Path, feat: Features, w: int, lookahead: int):
    index = json.loads((data / "index.json").read_text())
    if index.get("features") != feat.spec or "visemes" not in index:
        sys.exit(f"probe: {data} holds features {index.get('features')}, not training/config.json's {feat.spec}, "
                 f"or no viseme labels: regenerate the data")
    names = index["visemes"]  # what the data's labels index
    pos, neg = names.index("PP"), [names.index(v) for v in TONGUE_VISEMES]
    rng = np.random.default_rng(0)
    xs, ys = [], []
    clips = index["clips"]
    for c in clips:
        f = np.load(data / f"{c['clip']}.features.npy")
        v = np.load(data / f"{c['clip']}.visemes.npy")
        # Every p/b/m frame and a third of the tongue consonants' (the classes stay near balance).
        keep = (v == pos) | (np.isin(v, neg) & (rng.random(len(v)) < 0.3))
        k = np.flatnonzero(keep)
        xs.append(windows(f, feat.frame_index((k + 0.5) / FPS) + lookahead, w))
        ys.append((v[k] == pos).astype(int))
    return np.concatenate(xs), np.concatenate(ys), len(clips)


def heldout_clips(feat: Features, w: int, lookahead: int):
    """The held-out speakers' clips (training/eval/reference/heldout-speechocean762.json): each
    with its phones (as the evaluation reads them), its features, its frame count and the window
    of every 30 fps frame."""
    doc = json.loads((HERE / "reference" / "heldout-speechocean762.json").read_text())["clips"]
    for cid, c in doc.items():
        phones = [{"start": a, "end": b, "phone": p} for a, b, p in c["phones"]]
        f = feat(str(Path(shared_speech.SHARED_SPEECH) / c["path"]))
        n = int(np.ceil(max(p["end"] for p in phones) * FPS))
        yield cid, c, phones, f, n, windows(f, feat.frame_index((np.arange(n) + 0.5) / FPS) + lookahead, w)


def heldout_scores(feat: Features, w: int, lookahead: int, score):
    centre, span, label = [], [], []
    for _, _, phones, f, n, every in heldout_clips(feat, w, lookahead):
        s = score(every)
        scored = [p for p in phones if p["phone"] in PBM | TONGUE]
        mids = np.array([(p["start"] + p["end"]) / 2 for p in scored])
        centre.extend(score(windows(f, feat.frame_index(mids) + lookahead, w)) if scored else [])
        # The evaluation's own spans (evaluate.phone_minima): a phone's frames widened by one each side.
        for p, frames in zip(scored, phone_frames(n, phones, PBM | TONGUE)):
            span.append(s[max(frames[0] - 1, 0):min(frames[-1] + 1, n - 1) + 1].max())
            label.append(p["phone"] in PBM)
    label = np.array(label)
    return auc(np.array(centre), label), auc(np.array(span), label), int(label.sum()), len(label)


def training_utterances(cache: Path) -> list[dict]:
    """speechocean762's training speakers, aligned, as the models' data takes them."""
    held = shared_speech.heldout_speakers()
    return [e for e in shared_speech.align(str(cache), ["speechocean762"])
            if "phones" in e and e["quality"]["ok"] and e["speaker"] not in held]


def training_aperture(phones: list, n: int) -> np.ndarray:
    """The aperture of the models' own training targets for these phones (training/data/targets.py,
    as make model renders them), scaled to the reference's range."""
    import targets
    from festival import RADIO_TO_IPA

    table = targets.VisemeTable()
    ipa = [(a, b, "" if p == "SIL" else RADIO_TO_IPA[p.lower()]) for a, b, p in phones]
    y = targets.aperture(targets.render_targets(table, targets.segments_from_phones(table, ipa), n), table.channels)
    return np.clip(y / max(float(np.percentile(y, 99)), 1e-6), 0.0, 1.0)


def corpus_aperture_rows(feat: Features, w: int, lookahead: int, cache: Path, target: str):
    """Every 30 fps frame of the training speakers' recordings, with the reference openness of
    their aligned phones (or, with target "training", the models' own training targets'
    aperture) as the target."""
    table = load_openness_table()
    rows = training_utterances(cache)

    def one(e):
        phones = [{"start": a, "end": b, "phone": p} for a, b, p in e["phones"]]
        f = feat(e["path"])
        n = int(np.ceil(max(p["end"] for p in phones) * FPS))
        y = openness_curve(phones, n, table, REF_SIGMA_S) if target == "reference" else training_aperture(e["phones"], n)
        return windows(f, feat.frame_index((np.arange(n) + 0.5) / FPS) + lookahead, w), y

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        got = list(pool.map(one, rows))
    return np.concatenate([g[0] for g in got]), np.concatenate([g[1] for g in got]), len(rows)


def heldout_aperture(feat: Features, w: int, lookahead: int, predict) -> dict:
    """The evaluation's aperture r of the probe's curve on the held-out speakers, by the
    evaluation's own functions: per clip inside speech, pooled over clips, with its 95%
    speaker-bootstrap interval."""
    table = load_openness_table()
    per_clip, speaker = {}, {}
    for cid, c, phones, _, n, every in heldout_clips(feat, w, lookahead):
        ref = openness_curve(phones, n, table, REF_SIGMA_S)
        duration = max(p["end"] for p in phones)
        per_clip[cid] = {"probe": clip_metrics(np.asarray(predict(every), np.float64), ref, phones,
                                               speech_frames(phones, n), silence_frames(phones, n, duration))}
        speaker[cid] = c["speaker"]
    ids = list(per_clip)
    interval = bootstrap(per_clip, ids, ["probe"], speaker)["interval"]["probe"]["aperture_r"]
    return {"heldout_clips": len(ids), "heldout_speakers": len(set(speaker.values())),
            "aperture_r": round(pool({c: per_clip[c]["probe"] for c in ids}, ids)["aperture_r"], 3),
            "aperture_r_95": [round(v, 3) for v in interval]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--corpus", action="store_true", help="train on speechocean762's training speakers")
    what.add_argument("--data", type=Path, help="train on a generated data directory (training/data/generate.py)")
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--lookahead", type=int, default=8)
    ap.add_argument("--l2", type=float, default=1000.0, help="the logistic regression's L2 penalty")
    ap.add_argument("--mlp", type=int, metavar="N", help="a two-layer MLP of N units instead of the logistic "
                                                         "regression (with --corpus, trained on every frame of the phones)")
    ap.add_argument("--aperture", action="store_true",
                    help="probe the aperture (the evaluation's reference openness) instead of p/b/m; with --corpus")
    ap.add_argument("--aperture-target", choices=("reference", "training"), default="reference",
                    help="what the aperture probe learns: the evaluation's reference openness, or the aperture of "
                         "the models' own training targets (training/data/targets.py); scored against the reference")
    ap.add_argument("--f-max", type=float, help="the features' top frequency (default: training/config.json's); "
                                                 "with --corpus only, since generated data holds its own features")
    ap.add_argument("--cli", type=Path, default=ROOT / "target" / "release" / "animasync-face")
    ap.add_argument("--alignments", type=Path, default=ROOT / "target" / "model-work" / "shared-alignment.json",
                    help="the shared corpora's alignment cache (made by make model; made here if missing)")
    args = ap.parse_args()
    if args.f_max and args.data:
        ap.error("--f-max goes with --corpus: a data directory's features are already made")
    if args.aperture and args.data:
        ap.error("--aperture goes with --corpus: it regresses the reference curve of aligned recordings")
    feat = Features(args.cli, args.f_max)
    if args.aperture:
        probe_aperture(args, feat)
        return
    if args.corpus:
        x, y, n = corpus_rows(feat, args.frames, args.lookahead, args.alignments, every_frame=bool(args.mlp))
        source = f"speechocean762 training speakers ({n} utterances, {'every frame' if args.mlp else 'phone centres'})"
    else:
        x, y, n = data_rows(args.data, feat, args.frames, args.lookahead)
        source = f"{args.data} ({n} clips: every p/b/m frame, a third of the tongue consonants')"
    if not 0 < y.sum() < len(y):
        sys.exit(f"probe: the training examples hold {int(y.sum())} p/b/m of {len(y)}: both classes are needed")
    band = x[:, -1 - args.lookahead]
    mean, std = band.mean(0), band.std(0) + 1e-3
    if args.mlp:
        # The bias column prepare() appends is the MLP's own.
        mlp = fit_mlp(prepare(x, mean, std)[:, :-1], y, args.mlp)
        score = lambda z: mlp(prepare(z, mean, std)[:, :-1])  # noqa: E731
    else:
        w = fit(prepare(x, mean, std), y, args.l2)
        score = lambda z: prepare(z, mean, std) @ w  # noqa: E731
    centre, span, n_pbm, n_all = heldout_scores(feat, args.frames, args.lookahead, score)
    print(json.dumps({"trained_on": source, "examples": len(y), "window": [args.frames, args.lookahead],
                      "classifier": f"MLP 2 x {args.mlp}" if args.mlp else f"logistic, l2 {args.l2}",
                      "heldout_phones": n_all, "heldout_pbm": n_pbm,
                      "auc_phone_centre": round(centre, 3), "auc_span_max": round(span, 3)}, indent=1))



def probe_aperture(args, feat: Features) -> None:
    x, y, n = corpus_aperture_rows(feat, args.frames, args.lookahead, args.alignments, args.aperture_target)
    band = x[:, -1 - args.lookahead]
    mean, std = band.mean(0), band.std(0) + 1e-3
    if args.mlp:
        mlp = fit_mlp(prepare(x, mean, std)[:, :-1], y, args.mlp, regression=True)
        predict = lambda z: mlp(prepare(z, mean, std)[:, :-1])  # noqa: E731
    else:
        w = fit_ridge(prepare(x, mean, std), y, args.l2)
        predict = lambda z: prepare(z, mean, std) @ w  # noqa: E731
    print(json.dumps({"trained_on": f"speechocean762 training speakers ({n} utterances, every frame)",
                      "target": {"reference": "the evaluation's reference openness",
                                 "training": "the models' training targets' aperture"}[args.aperture_target],
                      "examples": len(y),
                      "window": [args.frames, args.lookahead],
                      "regression": f"MLP 2 x {args.mlp}, squared error" if args.mlp else f"ridge, l2 {args.l2}",
                      **heldout_aperture(feat, args.frames, args.lookahead, predict)}, indent=1))


if __name__ == "__main__":
    main()
