"""Trains the default lip-sync model with JAX (CPU) and exports it to ONNX with its manifest.

The model runs once per 30 fps frame, exactly as the runtime calls it: a window of
`window.frames` log-mel frames whose last one lies `window.lookahead` frames after the frame's
centre (so it hears 32.5 ms ahead), normalised (its mean level split off, so gain moves one
input), flattened; with `model.peak_release`, plus that level relative to its recent peak (a
second recurrent state, a peak with a linear release), so the model knows how loud this is for
this voice and microphone; through a dense encoder, one GRU step (its state is an explicit input
and output, carried by the runtime), and a small head with sigmoid outputs: one weight per
lip-sync channel. Inference is one small matrix chain per frame.

With `train.viseme_weight`, a second, training-only head reads the same hidden layer as the
blendshape head and classifies which viseme sounds at each frame (cross-entropy against the
phone timings, the data's NNNNN.visemes.npy): a sharp signal for the short consonants that the
blendshape regression, dominated by vowels and silence, barely rewards. It is not exported.

With `model.seal`, a p/b/m detector (two ReLU layers of `hidden` units) reads the same input as
the encoder, and its probability seals the lips by the targets' own rule (mouthClose raised to
the jaw, the lip raisers let go): p, b and m are a short, rare event that a detector trained for
it alone finds far better than the blendshape regression does. It learns only from its own
class-balanced logistic loss against the frames' visemes (`train.seal`: its weight, the tongue
consonants' share of the negatives, dropout and input noise as regularisers); its logit reaches
the blendshapes through sigmoid(`seal_gain` x (logit + `seal_shift`)). The seal is left out while
training (the blendshape loss would only learn to turn it down: a seal that spills into the
vowels beside a closure costs more there than it gains at the closure), so the blendshapes learn
as they would without it; after training, gain and shift are set on the validation clips
(`calibrate_seal`): the seal that closes the most p/b/m while its false closures on tongue
consonants stay within `train.seal.max_false_closure` and the aperture's correlation with the
targets in speech loses at most `train.seal.max_r_loss`.

With `train.spec_augment`, each training crop's mel axis is stretched by up to +/- `warp` and one
band of up to `max_mask` bins is blurred to the frame mean: speaker-like variation that synthetic
voices lack, so the model leans on broad spectral shape rather than one voice's details.

JAX rather than torch: the CPU wheel is ~100 MB (torch here pulls 5.5 GB of CUDA), so the
quick mode runs in CI. The ONNX graph is written with onnx.helper from the trained weights,
opset 17, plain MatMul/Add/Mul/Sigmoid/Tanh (no If, no Loop, weights inline). With `export.int8`
the weight matrices are stored as int8 with a float scale per column (Cast + Mul, folded to
float32 when a runtime optimises the graph): a quarter of the bytes to download, the same
arithmetic at inference.
"""

import argparse
import json
import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "data"))

import targets as target_lib  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "eval"))
import evaluate as evaluation  # noqa: E402  (its closure rule calibrates the p/b/m seal)
from export_net import export_net, is_network  # noqa: E402

FLOOR_LOG = float(np.log(1e-6))  # what silence (and audio before the stream) looks like


def feature_frame(t, spec):
    """The runtime's `ModelLipSync::target`: the feature frame nearest time t (s)."""
    return np.floor((t * spec["sample_rate"] - spec["n_fft"] / 2.0) / spec["hop_length"] + 0.5).astype(np.int64)


def windows(features, n_frames, spec, w, lookahead):
    """(n_frames, w, mels): each output frame's window, silence outside the clip."""
    return windows_ending(features, feature_frame((np.arange(n_frames) + 0.5) / target_lib.FPS, spec) + lookahead, w)


def windows_ending(features, last, w):
    """(len(last), w, mels): the windows of w feature frames ending at `last`, silence outside."""
    idx = last[:, None] + np.arange(-w + 1, 1)[None, :]
    padded = np.concatenate([features, np.full((1, features.shape[1]), FLOOR_LOG, np.float32)])
    idx = np.where((idx >= 0) & (idx < len(features)), idx, len(features))
    return padded[idx]


def load(data_dir, cfg, visemes=False):
    """[(windows, targets, viseme labels: zeros unless `visemes`)] and the channels. The data must have been made
    with the recipe's features, and with viseme labels from today's table when `visemes`."""
    with open(os.path.join(data_dir, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    spec, win = cfg["input"], cfg["window"]
    if index.get("features") != spec:
        raise SystemExit(f"{data_dir} holds features {index.get('features')}, not the recipe's {spec}: "
                         f"regenerate it (training/pipeline.py without --skip-data)")
    if visemes and index.get("visemes") != target_lib.VisemeTable().names:
        raise SystemExit(f"{data_dir} has no viseme labels from training/data/visemes.json as it is now: regenerate it")
    clips = []
    for entry in index["clips"]:
        base = os.path.join(data_dir, entry["clip"])
        feats = np.load(base + ".features.npy").astype(np.float32)
        y = np.load(base + ".targets.npy").astype(np.float32)
        x = windows(feats, len(y), spec, win["frames"], win["lookahead"])
        v = np.load(base + ".visemes.npy").astype(np.int32) if visemes else np.zeros(len(y), np.int32)
        clips.append((x, y, v))
    return clips, index["channels"]


def init_params(key, n_in, cfg, n_out, n_visemes=0):
    m = cfg["model"]
    e, g, h = m["encoder"], m["gru"], m["head"]
    keys = jax.random.split(key, 10)

    def dense(k, a, b):
        return jax.random.normal(k, (a, b)) * np.sqrt(2.0 / a)

    def orth(k, n):
        q, _ = np.linalg.qr(np.asarray(jax.random.normal(k, (n, n))))
        return jnp.asarray(q)

    return {
        "enc_w": dense(keys[0], n_in, e), "enc_b": jnp.zeros(e),
        # GRU, ONNX order z, r, n (linear_before_reset = 0).
        "gru_w": jax.random.normal(keys[1], (e, 3 * g)) / np.sqrt(e), "gru_b": jnp.zeros(3 * g),
        "gru_r": jnp.concatenate([orth(keys[2], g), orth(keys[3], g), orth(keys[4], g)], axis=1),
        "head_w": dense(keys[5], g, h), "head_b": jnp.zeros(h),
        "out_w": jnp.zeros((h, n_out)), "out_b": jnp.full(n_out, -3.0),
    } | ({"viseme_w": dense(keys[6], h, n_visemes) * 0.1, "viseme_b": jnp.zeros(n_visemes)} if n_visemes else {}) \
      | (seal_params(keys[7:10], n_in, m["seal"]["hidden"]) if m.get("seal") else {})


def seal_params(keys, n_in, hidden):
    """The p/b/m detector (two ReLU layers reading the same window as the encoder) and the two
    numbers that turn its logit into how far the lips seal (set by calibrate_seal)."""
    def dense(k, a, b):
        return jax.random.normal(k, (a, b)) * np.sqrt(2.0 / a)

    return {"det_w1": dense(keys[0], n_in, hidden), "det_b1": jnp.zeros(hidden),
            "det_w2": dense(keys[1], hidden, hidden), "det_b2": jnp.zeros(hidden),
            "det_w3": dense(keys[2], hidden, 1) * 0.1, "det_b3": jnp.zeros(1),
            "seal_gain": jnp.ones(1), "seal_shift": jnp.zeros(1)}


# The visemes of the consonants whose lips stay apart while the tongue closes or narrows the
# tract: what a p/b/m detector most easily mistakes for a lip closure.
TONGUE_VISEMES = ("TH", "DD", "KK", "SS", "CH", "RR")
LIP_RAISERS = ("mouthLowerDownLeft", "mouthLowerDownRight", "mouthUpperUpLeft", "mouthUpperUpRight")


def seal_lips(out, seal, ch):
    """The targets' lip-seal rule (targets.render_targets) by degree `seal` in [0, 1]: mouthClose
    at least seal x jawOpen, the lip raisers let go by (1 - seal)."""
    close = jnp.maximum(out[..., ch["mouthClose"]], seal * out[..., ch["jawOpen"]])
    out = out.at[..., ch["mouthClose"]].set(close)
    for name in LIP_RAISERS:
        out = out.at[..., ch[name]].multiply(1.0 - seal)
    return out


def detector_logit(p, flat, drop=None):
    """The p/b/m detector's logit (batch, time); `drop`: (key, dropout, noise) while training."""
    if drop is not None:
        key, rate, noise = drop
        k1, k2 = jax.random.split(key)
        flat = flat + noise * jax.random.normal(k1, flat.shape)
    h = jax.nn.relu(flat @ p["det_w1"] + p["det_b1"])
    if drop is not None:
        h = h * jax.random.bernoulli(k2, 1.0 - rate, h.shape) / (1.0 - rate)
    h = jax.nn.relu(h @ p["det_w2"] + p["det_b2"])
    return (h @ p["det_w3"] + p["det_b3"])[..., 0]


# The viseme head only shapes training; it is not exported.
TRAINING_ONLY = ("viseme_w", "viseme_b")


def gru_step(p, h, x_proj):
    g = h.shape[-1]
    hz_r = h @ p["gru_r"][:, : 2 * g]
    z = jax.nn.sigmoid(x_proj[..., :g] + hz_r[..., :g])
    r = jax.nn.sigmoid(x_proj[..., g : 2 * g] + hz_r[..., g:])
    n = jnp.tanh(x_proj[..., 2 * g :] + (r * h) @ p["gru_r"][:, 2 * g :])
    return (1.0 - z) * n + z * h


def level_split(z):
    """(batch, time, w, mels) -> (batch, time, w*mels + 1): the window's shape with its mean
    level removed, then that level. Gain changes move only the last value, so the spectral
    shape the encoder reads is the same however loud the microphone is."""
    level = z.mean(axis=(-2, -1), keepdims=True)
    b, t = z.shape[:2]
    return jnp.concatenate([(z - level).reshape(b, t, -1), level.reshape(b, t, 1)], axis=-1)


def peak_track(level, release, p0):
    """Causal level peak with a linear release: p_t = max(level_t, p_(t-1) - release).
    level: (batch, time). Returns (batch, time) peaks and the last one (batch,)."""
    def step(pk, lv):
        pk = jnp.maximum(lv, pk - release)
        return pk, pk

    p_last, ps = jax.lax.scan(step, p0, jnp.swapaxes(level, 0, 1))
    return jnp.swapaxes(ps, 0, 1), p_last


def forward(p, norm, x, h0, release=None, p0=None, visemes=False, ch=None, drop=None, sealed=True):
    """x: (batch, time, w, mels) -> (batch, time, channels), final state (and final peak); with
    `visemes`, also the viseme head's logits (batch, time, visemes) and the p/b/m detector's
    (batch, time; None without one). A model with a detector needs `ch` (channel -> index) to seal
    the lips by it, unless `sealed` is False; `drop` is its training noise (detector_logit)."""
    b, t = x.shape[:2]
    flat = level_split((x - norm["mean"]) * norm["inv_std"])
    p_last = None
    if release is not None:
        # The level relative to its recent peak: how loud this is for this voice and this
        # microphone, which a fixed level cannot say once gain varies.
        level = flat[..., -1]
        peaks, p_last = peak_track(level, release, p0 if p0 is not None else jnp.zeros((b,)))
        flat = jnp.concatenate([flat, (level - peaks)[..., None]], axis=-1)
    enc = jax.nn.relu(flat @ p["enc_w"] + p["enc_b"])
    proj = enc @ p["gru_w"] + p["gru_b"]

    def step(h, xp):
        h = gru_step(p, h, xp)
        return h, h

    h_last, hs = jax.lax.scan(step, h0, jnp.swapaxes(proj, 0, 1))
    hs = jnp.swapaxes(hs, 0, 1)
    head = jax.nn.relu(hs @ p["head_w"] + p["head_b"])
    out = jax.nn.sigmoid(head @ p["out_w"] + p["out_b"])
    det = None
    if "det_w1" in p:
        det = detector_logit(p, flat, drop)
        if sealed:
            out = seal_lips(out, jax.nn.sigmoid(p["seal_gain"] * (det + p["seal_shift"])), ch)
    final = h_last if release is None else (h_last, p_last)
    if visemes:
        return out, final, (head @ p["viseme_w"] + p["viseme_b"] if "viseme_w" in p else None), det
    return out, final


def aperture(y, ch):
    return (
        jnp.maximum(0.0, y[..., ch["jawOpen"]] - y[..., ch["mouthClose"]])
        + 0.25 * (y[..., ch["mouthLowerDownLeft"]] + y[..., ch["mouthLowerDownRight"]])
        + 0.125 * (y[..., ch["mouthUpperUpLeft"]] + y[..., ch["mouthUpperUpRight"]])
    )


def padded_windows(clips):
    """The clips' windows as one batch, padded with silence to the longest: whole clips from a zero
    state in one compiled call (the model is causal, so the padding changes none of a clip's frames)."""
    longest = max(len(c[1]) for c in clips)
    return np.stack([np.concatenate([x, np.full((longest - len(x),) + x.shape[1:], FLOOR_LOG, np.float32)])
                     for x, _, _ in clips])


def viseme_phones(v, which):
    """The runs of consecutive frames whose viseme is in `which` (a change of viseme starts a new
    run) as the evaluation's phones: {start, end} in seconds, spanning exactly those frames."""
    out, start = [], None
    for i in range(len(v) + 1):
        if start is not None and (i == len(v) or v[i] != v[start]):
            out.append({"start": start / target_lib.FPS, "end": i / target_lib.FPS, "phone": "run"})
            start = None
        if start is None and i < len(v) and v[i] in which:
            start = i
    return out


def closure_rates(apertures, visemes, names):
    """(p/b/m closure, tongue-consonant false closure) over the phones of clips, read from their
    viseme labels, by the evaluation's own rule (training/eval/evaluate.py)."""
    pbm, tongue, silence = {names.index("PP")}, {names.index(v) for v in TONGUE_VISEMES}, names.index("sil")
    closed = {"pbm": [0, 0], "tongue": [0, 0]}
    for ap, v in zip(apertures, visemes):
        speech = v != silence
        if speech.sum() < 3:
            continue
        level = float(np.percentile(ap[speech], evaluation.SPEECH_LEVEL_PCTL))
        if level <= 1e-6:
            continue
        for kind, which in (("pbm", pbm), ("tongue", tongue)):
            minima = evaluation.phone_minima(ap, viseme_phones(v, which), {"run"}, level)
            closed[kind][0] += sum(m <= evaluation.PBM_REL_THRESHOLD for m in minima)
            closed[kind][1] += len(minima)
    return tuple(c / max(n, 1) for c, n in closed.values())


def in_speech_r(apertures, targets):
    """Mean over clips of the correlation of two apertures where the target's mouth is open."""
    rs = []
    for a, b in zip(apertures, targets):
        speech = b > 0.03
        if speech.sum() > 10 and a[speech].std() > 0:
            rs.append(np.corrcoef(a[speech], b[speech])[0, 1])
    return float(np.mean(rs)) if rs else 0.0


def calibrate_seal(params, jnorm, val, ch, release, max_false, max_r_loss):
    """The seal's gain and shift, on the validation clips (no training step saw them): of a grid,
    the setting that closes the most p/b/m (the evaluation's closure rule, phones read from the
    viseme labels) while false closures on tongue consonants stay at most `max_false` and the
    aperture's in-speech correlation with the targets at most `max_r_loss` below the unsealed
    model's. Returns the parameters with it and what was measured."""
    names = target_lib.VisemeTable().names
    g = params["gru_r"].shape[0]
    padded = padded_windows(val)
    out, _, _, det = jax.jit(lambda xb: forward(params, jnorm, xb, jnp.zeros((len(val), g)), release,
                                                visemes=True, sealed=False))(padded)
    visemes = [v for _, _, v in val]
    target_ap = [np.asarray(aperture(jnp.asarray(y), ch)) for _, y, _ in val]

    def measure(ap):
        ap = [np.asarray(ap)[k, : len(v)] for k, v in enumerate(visemes)]
        return (*closure_rates(ap, visemes, names), in_speech_r(ap, target_ap))

    unsealed = measure(aperture(out, ch))
    best = None
    for gain in (1.0, 2.0, 4.0):
        for shift in np.arange(-6.0, 2.01, 0.25):
            closed, false, r = measure(aperture(seal_lips(out, jax.nn.sigmoid(gain * (det + shift)), ch), ch))
            if false <= max_false and r >= unsealed[2] - max_r_loss and (best is None or closed > best[2][0]):
                best = (gain, float(shift), (closed, false, r))
    gain, shift, (closed, false, r) = best or (1.0, -20.0, unsealed)  # none qualifies: no seal
    report = {"gain": gain, "shift": shift, "max_false_closure": max_false, "max_r_loss": max_r_loss,
              "val_pbm_closure": round(closed, 3), "val_false_closure": round(false, 3),
              "val_aperture_r_in_speech": round(r, 3),
              "val_unsealed": {"pbm_closure": round(unsealed[0], 3), "false_closure": round(unsealed[1], 3),
                               "aperture_r_in_speech": round(unsealed[2], 3)}}
    return params | {"seal_gain": jnp.full(1, gain, jnp.float32), "seal_shift": jnp.full(1, shift, jnp.float32)}, report


def spec_augment(rng, x, warp, max_mask):
    """Speaker-like variation on log-mel crops (seq, w, mels): the mel axis stretched by a factor
    in [1 - warp, 1 + warp] (formants move, as between vocal tracts), and one band of up to
    `max_mask` bins replaced by the frame's mean (a detail the model must not depend on)."""
    mels = x.shape[-1]
    alpha = rng.uniform(1.0 - warp, 1.0 + warp)
    src = np.clip(np.arange(mels) / alpha, 0, mels - 1)
    lo = np.floor(src).astype(int)
    hi = np.minimum(lo + 1, mels - 1)
    frac = (src - lo).astype(np.float32)
    x = x[..., lo] * (1 - frac) + x[..., hi] * frac
    if max_mask and rng.random() < 0.5:
        width = int(rng.integers(1, max_mask + 1))
        start = int(rng.integers(0, mels - width + 1))
        x = x.copy()
        x[..., start : start + width] = x.mean(axis=-1, keepdims=True)
    return x.astype(np.float32)


def make_batches(clips, rng, batch, seq, burn_in, augment=None):
    """Random crops; a crop that starts mid-clip gets `burn_in` unscored frames to settle the GRU."""
    xs, ys, vs, ms = [], [], [], []
    w_shape = clips[0][0].shape[1:]
    for _ in range(batch):
        x, y, v = clips[rng.integers(len(clips))]
        start = 0 if rng.random() < 0.3 or len(y) <= seq else int(rng.integers(0, len(y) - seq + 1))
        xe, ye, ve = x[start : start + seq], y[start : start + seq], v[start : start + seq]
        if augment:
            xe = spec_augment(rng, xe, augment["warp"], augment["max_mask"])
        mask = np.ones(len(ye), np.float32)
        if start > 0:
            mask[:burn_in] = 0.0
        pad = seq - len(ye)
        if pad:
            xe = np.concatenate([xe, np.full((pad,) + w_shape, FLOOR_LOG, np.float32)])
            ye = np.concatenate([ye, np.zeros((pad, y.shape[1]), np.float32)])
            ve = np.concatenate([ve, np.zeros(pad, np.int32)])
            mask = np.concatenate([mask, np.zeros(pad, np.float32)])
        xs.append(xe)
        ys.append(ye)
        vs.append(ve)
        ms.append(mask)
    return np.stack(xs), np.stack(ys), np.stack(vs), np.stack(ms)


def progress(step, total, loss, started):
    width = 30
    filled = int(width * step / total)
    rate = step / max(time.time() - started, 1e-9)
    sys.stderr.write(f"\rtrain [{'#' * filled}{'.' * (width - filled)}] {step}/{total} steps, loss {loss:.4f}, {rate:.1f} steps/s ")
    sys.stderr.flush()


def export_onnx(path, p, norm, cfg, channels, release=None, quantized=None):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    w, mels = cfg["window"]["frames"], cfg["input"]["n_mels"]
    g = cfg["model"]["gru"]
    n_out = len(channels)
    a = {k: np.asarray(v, np.float32) for k, v in p.items()}
    inits = {
        "mean": norm["mean"].reshape(1, 1, mels), "inv_std": norm["inv_std"].reshape(1, 1, mels),
        "flat_shape": np.array([1, w * mels], np.int64), "level_shape": np.array([1, 1], np.int64),
        "enc_w": a["enc_w"], "enc_b": a["enc_b"], "gru_w": a["gru_w"], "gru_b": a["gru_b"],
        "gru_r_zr": a["gru_r"][:, : 2 * g], "gru_r_n": a["gru_r"][:, 2 * g :],
        "head_w": a["head_w"], "head_b": a["head_b"], "out_w": a["out_w"], "out_b": a["out_b"],
        "one": np.array(1.0, np.float32),
        "split_3": np.array([g, g, g], np.int64), "split_2": np.array([g, g], np.int64),
    }
    n = helper.make_node
    nodes = []
    if quantized:
        # Weights stored as int8 and a float scale per column, widened once: Cast and Mul of
        # constants, which a runtime folds when it optimises the graph (tract and onnxruntime
        # both do), so inference runs on float32 weights at a quarter of the file size.
        # The GRU's recurrent matrix is exported as two (z and r gates, candidate): its columns.
        split = {"gru_r": {"gru_r_zr": slice(0, 2 * g), "gru_r_n": slice(2 * g, None)}}
        for source in quantized:
            for name, cols in split.get(source, {source: slice(None)}).items():
                qw, scale = quantized[source]
                inits.pop(name, None)
                inits[name + "_q"] = qw[:, cols]
                inits[name + "_scale"] = scale[cols]
                nodes += [n("Cast", [name + "_q"], [name + "_wide"], to=TensorProto.FLOAT),
                          n("Mul", [name + "_wide", name + "_scale"], [name])]
    nodes += [
        n("Sub", ["features", "mean"], ["centred"]),
        n("Mul", ["centred", "inv_std"], ["normalised"]),
        n("ReduceMean", ["normalised"], ["level"], axes=[1, 2], keepdims=1),
        n("Sub", ["normalised", "level"], ["relative"]),
        n("Reshape", ["relative", "flat_shape"], ["shape_flat"]),
        n("Reshape", ["level", "level_shape"], ["level_flat"]),
    ]
    if release is None:
        nodes.append(n("Concat", ["shape_flat", "level_flat"], ["flat"], axis=1))
    else:
        inits["release"] = np.array(release, np.float32)
        nodes += [
            n("Sub", ["peak_state", "release"], ["peak_released"]),
            n("Max", ["level_flat", "peak_released"], ["peak_out"]),
            n("Sub", ["level_flat", "peak_out"], ["level_rel"]),
            n("Concat", ["shape_flat", "level_flat", "level_rel"], ["flat"], axis=1),
        ]
    nodes += [
        n("MatMul", ["flat", "enc_w"], ["enc_mm"]),
        n("Add", ["enc_mm", "enc_b"], ["enc_pre"]),
        n("Relu", ["enc_pre"], ["enc"]),
        n("MatMul", ["enc", "gru_w"], ["x_mm"]),
        n("Add", ["x_mm", "gru_b"], ["x_proj"]),
        n("Split", ["x_proj", "split_3"], ["x_z", "x_r", "x_n"], axis=1),
        n("MatMul", ["state", "gru_r_zr"], ["h_zr"]),
        n("Split", ["h_zr", "split_2"], ["h_z", "h_r"], axis=1),
        n("Add", ["x_z", "h_z"], ["z_pre"]),
        n("Sigmoid", ["z_pre"], ["z"]),
        n("Add", ["x_r", "h_r"], ["r_pre"]),
        n("Sigmoid", ["r_pre"], ["r"]),
        n("Mul", ["r", "state"], ["rh"]),
        n("MatMul", ["rh", "gru_r_n"], ["h_n"]),
        n("Add", ["x_n", "h_n"], ["n_pre"]),
        n("Tanh", ["n_pre"], ["cand"]),
        n("Sub", ["one", "z"], ["keep_new"]),
        n("Mul", ["keep_new", "cand"], ["new_part"]),
        n("Mul", ["z", "state"], ["old_part"]),
        n("Add", ["new_part", "old_part"], ["state_out"]),
        n("MatMul", ["state_out", "head_w"], ["head_mm"]),
        n("Add", ["head_mm", "head_b"], ["head_pre"]),
        n("Relu", ["head_pre"], ["head"]),
        n("MatMul", ["head", "out_w"], ["out_mm"]),
        n("Add", ["out_mm", "out_b"], ["out_pre"]),
    ]
    if "det_w1" not in a:
        nodes.append(n("Sigmoid", ["out_pre"], ["weights"]))
    else:
        # seal_lips as matrix arithmetic: jawOpen picked by a one-hot MatMul, mouthClose raised
        # by a Max against seal x jawOpen on its own column, the lip raisers scaled down.
        col = {c: i for i, c in enumerate(channels)}
        pick_jaw = np.zeros((n_out, 1), np.float32)
        pick_jaw[col["jawOpen"], 0] = 1.0
        close_col = np.zeros((1, n_out), np.float32)
        close_col[0, col["mouthClose"]] = 1.0
        raisers = np.zeros((1, n_out), np.float32)
        raisers[0, [col[c] for c in LIP_RAISERS]] = 1.0
        for k in ("det_w1", "det_b1", "det_w2", "det_b2", "det_w3", "det_b3", "seal_gain", "seal_shift"):
            if not (quantized and k in quantized):
                inits[k] = a[k]
        inits.update(pick_jaw=pick_jaw, close_col=close_col, raisers=raisers)
        nodes += [
            n("Sigmoid", ["out_pre"], ["unsealed"]),
            n("MatMul", ["flat", "det_w1"], ["det1_mm"]),
            n("Add", ["det1_mm", "det_b1"], ["det1_pre"]),
            n("Relu", ["det1_pre"], ["det1"]),
            n("MatMul", ["det1", "det_w2"], ["det2_mm"]),
            n("Add", ["det2_mm", "det_b2"], ["det2_pre"]),
            n("Relu", ["det2_pre"], ["det2"]),
            n("MatMul", ["det2", "det_w3"], ["det_mm"]),
            n("Add", ["det_mm", "det_b3"], ["det_logit"]),
            n("Add", ["det_logit", "seal_shift"], ["seal_shifted"]),
            n("Mul", ["seal_shifted", "seal_gain"], ["seal_pre"]),
            n("Sigmoid", ["seal_pre"], ["seal"]),
            n("MatMul", ["unsealed", "pick_jaw"], ["jaw"]),
            n("Mul", ["seal", "jaw"], ["seal_jaw"]),
            n("Mul", ["seal_jaw", "close_col"], ["seal_close"]),
            n("Max", ["unsealed", "seal_close"], ["closed"]),
            n("Mul", ["seal", "raisers"], ["let_go"]),
            n("Sub", ["one", "let_go"], ["keep"]),
            n("Mul", ["closed", "keep"], ["weights"]),
        ]
    graph = helper.make_graph(
        nodes,
        "animasync_lipsync",
        [
            helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, w, mels]),
            helper.make_tensor_value_info("state", TensorProto.FLOAT, [1, g]),
        ] + ([helper.make_tensor_value_info("peak_state", TensorProto.FLOAT, [1, 1])] if release is not None else []),
        [
            helper.make_tensor_value_info("weights", TensorProto.FLOAT, [1, n_out]),
            helper.make_tensor_value_info("state_out", TensorProto.FLOAT, [1, g]),
        ] + ([helper.make_tensor_value_info("peak_out", TensorProto.FLOAT, [1, 1])] if release is not None else []),
        [numpy_helper.from_array(v, k) for k, v in inits.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="animasync-face training/train.py")
    # IR version 8 is opset 17's; newer onnx writes a newer IR that older runtimes refuse.
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return model


# The weight matrices exported as int8 (with `export.int8`): every dense layer and the GRU's.
QUANTIZED = ("enc_w", "gru_w", "gru_r", "head_w", "out_w", "det_w1", "det_w2", "det_w3")


def quantize(p):
    """Symmetric int8 per output column: q = round(w / s), s = max |w| / 127 over the column.
    Returns {name: (int8 q, float32 s)} for QUANTIZED and the parameters as the model then
    computes them (q x s), which the export check and the report use."""
    q, dequantized = {}, dict(p)
    for name in (k for k in QUANTIZED if k in p):
        w = np.asarray(p[name], np.float32)
        scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127.0
        qw = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
        q[name] = (qw, scale.astype(np.float32))
        dequantized[name] = jnp.asarray(qw.astype(np.float32) * scale.astype(np.float32))
    return q, dequantized


def reference_check(path, p, norm, clips, ch, release=None):
    """The exported graph must compute what JAX computed (onnx's reference evaluator)."""
    from onnx.reference import ReferenceEvaluator

    x = clips[0][0]
    x = x[:20]
    g = p["gru_r"].shape[0]
    want, _ = forward(p, norm, jnp.asarray(x[None]), jnp.zeros((1, g)), release, ch=ch)
    sess = ReferenceEvaluator(path)
    h = np.zeros((1, g), np.float32)
    pk = np.zeros((1, 1), np.float32)
    got = []
    for t in range(len(x)):
        if release is None:
            y, h = sess.run(None, {"features": x[t : t + 1], "state": h})
        else:
            y, h, pk = sess.run(None, {"features": x[t : t + 1], "state": h, "peak_state": pk})
        got.append(y[0])
    err = float(np.abs(np.stack(got) - np.asarray(want[0])).max())
    if err > 1e-4:
        raise SystemExit(f"exported ONNX disagrees with the trained model by {err}")
    return err


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--config", default=os.path.join(HERE, "config.json"))
    ap.add_argument("--out", required=True, help="output directory for lipsync.onnx and lipsync.json")
    ap.add_argument("--steps", type=int, help="override the config's step count")
    args = ap.parse_args()
    with open(args.config, encoding="utf-8") as f:
        cfg = json.load(f)
    tc = cfg["train"]
    steps = args.steps or tc["steps"]
    viseme_weight = tc.get("viseme_weight", 0.0)
    clips, channels = load(args.data, cfg, visemes=bool(viseme_weight or cfg["model"].get("seal")))
    rng = np.random.default_rng(tc["seed"])
    order = rng.permutation(len(clips))
    n_val = max(1, int(len(clips) * tc["validation_share"]))
    val = [clips[i] for i in order[:n_val]]
    train = [clips[i] for i in order[n_val:]] or val
    all_x = np.concatenate([c[0][:, -1] for c in train])
    norm = {"mean": all_x.mean(0).astype(np.float32), "inv_std": (1.0 / (all_x.std(0) + 1e-3)).astype(np.float32)}
    ch = {c: i for i, c in enumerate(channels)}
    cw = np.ones(len(channels), np.float32)
    for name, weight in tc["channel_weights"].items():
        cw[ch[name]] = weight
    cw = jnp.asarray(cw / cw.mean())

    w, mels = cfg["window"]["frames"], cfg["input"]["n_mels"]
    g = cfg["model"]["gru"]
    release = cfg["model"].get("peak_release")
    n_visemes = len(target_lib.VisemeTable().names) if viseme_weight else 0
    params = init_params(jax.random.PRNGKey(tc["seed"]), w * mels + (1 if release is None else 2), cfg,
                         len(channels), n_visemes)
    schedule = optax.warmup_cosine_decay_schedule(0.0, tc["learning_rate"], min(200, steps // 10 + 1), steps)
    opt = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=tc["weight_decay"]))
    state = opt.init(params)
    jnorm = {k: jnp.asarray(v) for k, v in norm.items()}

    contrast = tc.get("consonant_weight", 0.0)
    seal = tc.get("seal") if cfg["model"].get("seal") else None
    if seal:
        # The detector's classes weigh the same however rare p, b, m are; of the other class,
        # the tongue consonants (the closures it must not seal) take `tongue_share`, the
        # vowels, other consonants and silence the rest.
        names = target_lib.VisemeTable().names
        sealed_viseme, tongue_visemes = names.index("PP"), np.array([names.index(v) for v in TONGUE_VISEMES])
        all_v = np.concatenate([c[2] for c in train])
        sealed_share = float(np.mean(all_v == sealed_viseme))
        tongue_frames = float(np.mean(np.isin(all_v, tongue_visemes)))
        neg_tongue = 0.5 * seal["tongue_share"] / max(tongue_frames, 1e-9)
        neg_other = 0.5 * (1.0 - seal["tongue_share"]) / max(1.0 - sealed_share - tongue_frames, 1e-9)
        tongue_visemes = jnp.asarray(tongue_visemes)

    def loss_fn(p, x, y, v, m, key):
        h0 = jnp.zeros((x.shape[0], g))
        drop = (key, seal["dropout"], seal["noise"]) if seal else None
        pred, _, logits, det = forward(p, jnorm, x, h0, release, visemes=True, drop=drop, sealed=False)
        per = ((pred - y) ** 2 * cw).mean(-1) + tc["aperture_weight"] * (aperture(pred, ch) - aperture(y, ch)) ** 2
        if contrast:
            # Consonant frames weigh more: those whose lips the targets seal (p, b, m: jaw
            # open, no aperture) and those nearly shut but open (t, d, n, s, ...). What tells
            # them apart is what the plain loss, dominated by vowels and silence, neglects.
            ap, jaw = aperture(y, ch), y[..., ch["jawOpen"]]
            sealed = (ap < 0.02) & (jaw > 0.05)
            narrow = (ap >= 0.02) & (ap < 0.3) & (jaw > 0.05)
            per = per * (1.0 + contrast * (sealed | narrow))
        if viseme_weight:
            # Which sound this is, as a classification: a sharper signal for the short, rare
            # consonants than the blendshape regression, which the vowels dominate. The head
            # it trains is the one the blendshapes are read from.
            per = per + viseme_weight * optax.softmax_cross_entropy_with_integer_labels(logits, v)
        if seal:
            sealed = (v == sealed_viseme).astype(jnp.float32)
            balance = sealed * 0.5 / sealed_share + (1.0 - sealed) * jnp.where(jnp.isin(v, tongue_visemes), neg_tongue, neg_other)
            per = per + seal["weight"] * balance * optax.sigmoid_binary_cross_entropy(det, sealed)
        return (per * m).sum() / (m.sum() + 1e-9)

    @jax.jit
    def update(p, s, x, y, v, m, key):
        loss, grads = jax.value_and_grad(loss_fn)(p, x, y, v, m, key)
        upd, s = opt.update(grads, s, p)
        return optax.apply_updates(p, upd), s, loss

    started = time.time()
    key = jax.random.PRNGKey(tc["seed"] + 1)
    for step in range(1, steps + 1):
        x, y, v, m = make_batches(train, rng, tc["batch"], tc["sequence"], tc["burn_in"], tc.get("spec_augment"))
        key, step_key = jax.random.split(key)
        params, state, loss = update(params, state, x, y, v, m, step_key)
        if step % 10 == 0 or step == steps:
            progress(step, steps, float(loss), started)
    sys.stderr.write("\n")
    quantized = None
    if cfg.get("export", {}).get("int8"):
        # What ships is the int8 model: validate and check the export against it, not the float one.
        quantized, params = quantize(params)

    seal_report = None
    if seal:
        params, seal_report = calibrate_seal(params, jnorm, val, ch, release, seal["max_false_closure"], seal["max_r_loss"])

    # Validation on held-out training-distribution clips, whole clips from a zero state as the
    # runtime runs: one batch padded to the longest (the model is causal, so padding after a
    # clip changes none of its frames), compiled once rather than once per clip length.
    preds, truth, in_speech = [], [], []
    padded = padded_windows(val)
    batch_pred, _ = jax.jit(lambda xb: forward(params, jnorm, xb, jnp.zeros((len(val), g)), release, ch=ch))(padded)
    for k, (x, y, _) in enumerate(val):
        preds.append(np.asarray(batch_pred[k, : len(y)]))
        truth.append(y)
        a, b = np.asarray(aperture(preds[-1], ch)), np.asarray(aperture(y, ch))
        speech = b > 0.03  # frames where the target mouth is open: speech
        if speech.sum() > 10 and a[speech].std() > 0:
            in_speech.append(np.corrcoef(a[speech], b[speech])[0, 1])
    p_all, y_all = np.concatenate(preds), np.concatenate(truth)
    ap_p, ap_y = np.asarray(aperture(p_all, ch)), np.asarray(aperture(y_all, ch))
    report = {
        "val_mse": float(((p_all - y_all) ** 2).mean()),
        "val_aperture_r": float(np.corrcoef(ap_p, ap_y)[0, 1]),
        "val_aperture_r_in_speech": float(np.mean(in_speech)) if in_speech else None,
        "train_seconds": round(time.time() - started, 1),
        "steps": steps,
        "train_clips": len(train),
        "val_clips": len(val),
        "int8": quantized is not None,  # the val_ figures are the exported (int8) model's
    }

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, "lipsync.onnx")
    export_onnx(onnx_path, params, norm, cfg, channels, release, quantized)
    report["onnx_max_abs_error"] = reference_check(onnx_path, params, jnorm, val, ch, release)
    # What the package ships: the same weights for the runtime's own network, when the graph is
    # its architecture (int8, the level peak, the p/b/m seal); otherwise the manifest names the ONNX.
    model_file = "lipsync.onnx"
    if is_network(onnx_path):
        export_net(onnx_path, os.path.join(args.out, "lipsync.safetensors"))
        model_file = "lipsync.safetensors"
    if seal:
        report["seal"] = seal_report
    n_params = sum(int(np.prod(v.shape)) for k, v in params.items() if k not in TRAINING_ONLY)
    manifest = {
        "schema": "animasync-face/model-manifest",
        "version": 1,
        "name": cfg["name"],
        "description": (
            f"Built-in lip-sync model, {cfg.get('latency', 'live')} latency ({cfg['window']['lookahead']} feature frames of "
            f"look-ahead): log-mel window{' + level relative to its recent peak (second state)' if release is not None else ''} "
            f"-> dense {cfg['model']['encoder']} -> GRU {g} (state carried) -> "
            f"dense {cfg['model']['head']} -> {len(channels)} lip-sync channels; {n_params} parameters"
            f"{' (weight matrices int8, a scale per column)' if quantized else ''}. "
            "Trained by training/pipeline.py; data and evaluation in models/default/MODEL_CARD.md."
        ),
        "model": model_file,
        "input": cfg["input"],
        "window": {"frames": w, "lookahead": cfg["window"]["lookahead"], "layout": "time_major"},
        "state": [{"shape": [1, g]}] + ([{"shape": [1, 1]}] if release is not None else []),
        "output": {"kind": "blendshapes", "channels": channels},
    }
    with open(os.path.join(args.out, "lipsync.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    report["parameters"] = n_params
    report["onnx_bytes"] = os.path.getsize(onnx_path)
    with open(os.path.join(args.out, "training-report.json"), "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
