#!/usr/bin/env python3
"""Generates the demo's default avatar: a stylised VRM 1.0 head and upper body with all 52 ARKit
morph targets (as perfect-sync custom expressions) and the VRM expression presets.

    python3 scripts/avatar/make_avatar.py [--out www/avatar/default.vrm] [--check]
    python3 scripts/avatar/make_avatar.py --plain --out avatar.glb

`--plain` writes the same head as a plain glTF binary: no VRM extension, no humanoid, presets or
expressions, only meshes whose morph targets carry the 52 ARKit names (glTF `extras.targetNames`),
as avatar services export them. It is what the package's driver must handle without three-vrm.

Everything is built from formulas here: no modelling tool, no downloaded asset. The head is one
parametric surface (azimuth x polar angle around the head centre) with a nose, brow ridge, eye
sockets, cheeks, lips and chin pushed out of an ellipsoid, and a slit along the mouth line so the
jaw can open onto a dark mouth cavity with teeth and a tongue. Its skin, lips and blush are a
painted texture in the surface's own parameters. Eyes are spheres with their pole at the front
(so the iris edge is one smooth ring of vertices); eyelids are spherical shells that rotate over
them; brows and hair follow the head surface. Each ARKit shape is a displacement field written
out below (jaw and eyes rotate, the rest move regions of the face), stored as sparse morph
targets. The output is deterministic: the same script writes the same bytes on any x86-64 machine with
AVX2 (see NPY_DISABLE_CPU_FEATURES below).

Coordinates are VRM 1.0's: metres, +Y up, the avatar faces +Z, its left is +X.
"""

import argparse
import io
import json
import os
import struct

# numpy picks its sin/cos/exp/sqrt kernels by the CPU, and its AVX-512 kernels round differently
# from its AVX2 ones in the last bits, which moves the geometry's bytes and even which vertices a
# sparse morph target keeps. Leaving AVX-512 out (it must be set before numpy is imported) makes
# every x86-64 machine with AVX2 build the same bytes, so `--check` can compare them exactly.
os.environ["NPY_DISABLE_CPU_FEATURES"] = "X86_V4 AVX512_SKX AVX512_CLX AVX512_CNL AVX512_ICL AVX512_SPR"

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The 52 channels in canonical order, from the project's channel table.
with open(os.path.join(ROOT, "data", "channels.json"), encoding="utf-8") as _f:
    ARKIT = [c["name"] for c in json.load(_f)["channels"]]

# Landmarks, relative to the head centre HEAD_C.
HEAD_C = np.array([0.0, 1.525, 0.0])
AX, AY, AZ = 0.080, 0.108, 0.094  # the head ellipsoid's semi-axes
MOUTH_Y = -0.052  # the mouth line's height
MOUTH_HALF = 0.021  # half the mouth's width
EYE_Y, EYE_X, EYE_R = 0.004, 0.032, 0.0145
JAW_PIVOT = np.array([0.0, -0.012, -0.025])
JAW_ANGLE = 0.30  # radians at jawOpen = 1


def srgb_to_linear(c):
    c = np.asarray(c, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


SKIN = np.array([0.98, 0.84, 0.74])
LIP = np.array([0.86, 0.47, 0.47])
HAIR = np.array([0.23, 0.14, 0.10])
SHIRT = np.array([0.20, 0.42, 0.52])


def smoothstep(a, b, x):
    t = np.clip((x - a) / (b - a), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def gauss(x, y, cx, cy, sx, sy):
    return np.exp(-(((x - cx) / sx) ** 2 + ((y - cy) / sy) ** 2))


def rot_x(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


# ----------------------------------------------------------------------------- the head surface


def head_point(theta, phi):
    """The skin at azimuth theta (0 = front, +X side positive) and polar angle phi (0 = top),
    relative to HEAD_C."""
    d = np.stack([np.sin(phi) * np.sin(theta), np.cos(phi), np.sin(phi) * np.cos(theta)], -1)
    x, y, z = d[..., 0] * AX, d[..., 1] * AY, d[..., 2] * AZ
    below = smoothstep(0.0, 1.0, -d[..., 1])
    x = x * (1.0 - 0.20 * below**1.5)  # the jaw narrows to the chin
    z = np.where(z > 0, z * (1.0 - 0.10 * below), z * (1.0 - 0.25 * below))
    y = np.where(d[..., 1] < 0, y * (1.0 - 0.06 * below), y)
    front = smoothstep(0.0, 0.6, d[..., 2])
    bump = (
        0.011 * gauss(x, y, 0.0, -0.027, 0.009, 0.011)  # nose
        + 0.003 * gauss(x, y, 0.0, -0.008, 0.007, 0.016)  # nose bridge
        - 0.013 * gauss(np.abs(x), y, EYE_X, EYE_Y, 0.018, 0.015)  # eye sockets
        + 0.004 * gauss(np.abs(x), y, EYE_X, EYE_Y + 0.022, 0.022, 0.006)  # brow ridge
        + 0.006 * gauss(np.abs(x), y, 0.045, -0.032, 0.018, 0.018)  # cheeks
        + 0.007 * gauss(x, y, 0.0, MOUTH_Y + 0.006, 0.022, 0.008)  # upper lip
        + 0.008 * gauss(x, y, 0.0, MOUTH_Y - 0.007, 0.019, 0.008)  # lower lip
        + 0.006 * gauss(x, y, 0.0, -0.098, 0.016, 0.012)  # chin
    )
    # The lips meet a little inside the face, so the closed mouth is a soft crease.
    bump -= 0.004 * gauss(x, y, 0.0, MOUTH_Y, MOUTH_HALF * 1.05, 0.0025)
    n = d / np.linalg.norm(d, axis=-1, keepdims=True)
    p = np.stack([x, y, z], -1) + n * (bump * front)[..., None]
    return p


def warped_samples(fine_lo, fine_hi, lo, hi, fine_step, coarse_step, extra=()):
    """Coarse samples outside [fine_lo, fine_hi], fine inside, plus `extra` exact values."""
    parts = [np.arange(lo, fine_lo, coarse_step), np.arange(fine_lo, fine_hi, fine_step), np.arange(fine_hi, hi + 1e-9, coarse_step)]
    s = np.unique(np.round(np.concatenate(parts + [np.asarray(extra, float)]), 6))
    return s


def mouth_params():
    """phi of the mouth line at the front, and the corner azimuth."""
    phis = np.linspace(1.5, 2.4, 20001)
    ys = head_point(np.zeros_like(phis), phis)[:, 1]
    phi_m = phis[np.argmin(np.abs(ys - MOUTH_Y))]
    thetas = np.linspace(0.0, 0.8, 20001)
    xs = head_point(thetas, np.full_like(thetas, phi_m))[:, 0]
    theta_c = thetas[np.argmin(np.abs(xs - MOUTH_HALF))]
    return float(phi_m), float(theta_c)


class Mesh:
    """One primitive's arrays, plus its morph targets by ARKit name."""

    def __init__(self, name, positions, faces, material, uvs=None, colors=None):
        self.name = name
        self.positions = np.asarray(positions, np.float64)
        self.faces = np.asarray(faces, np.int64)
        self.material = material
        self.uvs = uvs
        self.colors = colors
        self.targets = {}

    def normals(self, positions=None):
        p = self.positions if positions is None else positions
        a, b, c = p[self.faces[:, 0]], p[self.faces[:, 1]], p[self.faces[:, 2]]
        fn = np.cross(b - a, c - a)
        n = np.zeros_like(p)
        for k in range(3):
            np.add.at(n, self.faces[:, k], fn)
        return n / (np.linalg.norm(n, axis=1, keepdims=True) + 1e-12)


def grid_faces(rows, cols, index, wrap=False):
    """Quads between consecutive rows/cols of an index grid (rows x cols), two triangles each,
    wound counter-clockwise seen from outside when rows go down and cols go toward +theta."""
    faces = []
    cmax = cols if wrap else cols - 1
    for j in range(rows - 1):
        for i in range(cmax):
            i2 = (i + 1) % cols
            a, b, c, d = index(j, i), index(j, i2), index(j + 1, i), index(j + 1, i2)
            faces.append((a, c, b))
            faces.append((b, c, d))
    return faces


def build_head():
    phi_m, theta_c = mouth_params()
    thetas = warped_samples(-1.0, 1.0, -np.pi, np.pi - 0.09, 0.024, 0.09, extra=[-theta_c, theta_c, 0.0])
    thetas = thetas[thetas < np.pi - 1e-6]
    phis = warped_samples(1.0, 2.35, 0.0, np.pi, 0.018, 0.08, extra=[phi_m])
    nth, nph = len(thetas), len(phis)
    T, P = np.meshgrid(thetas, phis)
    pos = head_point(T, P).reshape(-1, 3)
    jm = int(np.argmin(np.abs(phis - phi_m)))
    inside = np.where((thetas > -theta_c + 1e-9) & (thetas < theta_c - 1e-9))[0]
    # The slit: the mouth line's inner vertices get a second copy for the lower lip.
    lower_copy = {}
    extra = []
    for i in inside:
        lower_copy[i] = nph * nth + len(extra)
        extra.append(pos[jm * nth + i])
    pos = np.concatenate([pos, np.array(extra)])

    def index(j, i):
        return j * nth + i

    faces = []
    for j in range(nph - 1):
        for i in range(nth):
            i2 = (i + 1) % nth
            a, b = index(j, i), index(j, i2)
            c, d = index(j + 1, i), index(j + 1, i2)
            if j == jm:  # the row below the mouth line takes the lower copies
                a = lower_copy.get(i, a)
                b = lower_copy.get(i2, b)
            if j == 0:
                faces.append((b, c, d))
            elif j == nph - 2:
                faces.append((a, c, b))
            else:
                faces.append((a, c, b))
                faces.append((b, c, d))
    # Poles: the first and last rows collapse to points; keep one vertex each for clean normals.
    pos[: nth] = pos[0]
    pos[(nph - 1) * nth : nph * nth] = pos[(nph - 1) * nth]

    theta_all = np.concatenate([T.reshape(-1), thetas[inside]])
    phi_all = np.concatenate([P.reshape(-1), np.full(len(inside), phi_m)])
    uv = np.stack([tex_u(theta_all), tex_v(phi_all)], -1)
    is_lower = np.zeros(len(pos), bool)
    is_lower[nph * nth :] = True
    mesh = Mesh("head", pos + HEAD_C, faces, "skin", uvs=uv)
    mesh.lower_lip_copy = is_lower
    # Above or below the mouth line by the surface's parameters (heights curve with the face).
    mesh.above = (phi_all <= phi_m + 1e-9) & ~is_lower
    return mesh


# The texture's parameters: denser in front, where the face is.
def tex_u(theta):
    return (theta + 0.75 * np.sin(theta) + np.pi) / (2 * np.pi)


def tex_v(phi):
    return phi / np.pi


def paint_skin(size=1024):
    """The head's texture: skin, lips, blush, a darker line where the lips meet."""
    us = (np.arange(size) + 0.5) / size
    # invert tex_u numerically
    grid = np.linspace(-np.pi, np.pi, 20001)
    theta = np.interp(us, tex_u(grid), grid)
    phi = us * np.pi  # tex_v is linear
    T, P = np.meshgrid(theta, phi)
    p = head_point(T, P)
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    front = z > 0
    col = np.broadcast_to(SKIN, p.shape).copy()
    # Lips: an outline with a cupid's bow above and a fuller lower lip.
    ax = np.abs(x)
    bow = 0.0025 * np.exp(-((ax - 0.006) / 0.005) ** 2) - 0.0015 * np.exp(-(x / 0.003) ** 2)
    top = MOUTH_Y + (0.0058 + bow) * np.clip(1 - (ax / (MOUTH_HALF * 1.08)) ** 2, 0, 1) ** 0.6
    bottom = MOUTH_Y - 0.0080 * np.clip(1 - (ax / (MOUTH_HALF * 1.0)) ** 2, 0, 1) ** 0.55
    inside = (y < top) & (y > bottom) & (ax < MOUTH_HALF * 1.08) & front
    edge = np.minimum(np.abs(y - top), np.abs(y - bottom))
    lip_alpha = np.where(inside, smoothstep(0.0, 0.0012, edge), 0.0)
    lip_col = LIP * (1 - 0.12 * smoothstep(0.004, 0.0, np.abs(y - MOUTH_Y)))[..., None]  # darker where they meet
    lip_col = lip_col + 0.06 * gauss(x, y, 0.0, MOUTH_Y - 0.0055, 0.008, 0.002)[..., None]  # a sheen on the lower lip
    col = col * (1 - lip_alpha[..., None]) + lip_alpha[..., None] * lip_col
    # Blush and a warm nose tip.
    blush = (0.35 * gauss(ax, y, 0.050, -0.030, 0.016, 0.011) + 0.18 * gauss(x, y, 0.0, -0.034, 0.007, 0.006)) * front
    col = col * (1 - blush[..., None]) + np.array([0.95, 0.60, 0.58]) * blush[..., None]
    # Soft shade in the eye sockets, so the eyes read under any light.
    socket = 0.10 * gauss(ax, y, EYE_X, EYE_Y + 0.004, 0.017, 0.013) * front
    col = col * (1 - socket[..., None]) + np.array([0.75, 0.55, 0.50]) * socket[..., None]
    img = (np.clip(col, 0, 1) * 255 + 0.5).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG", optimize=True)
    return buf.getvalue()


# ----------------------------------------------------------------------------- shape fields


def lateral(x, side):
    """1 on the given side of the face (side +1: the avatar's left, +X), fading across the middle."""
    return smoothstep(-0.012, 0.012, side * x)


def mouth_lens(x):
    """How far the lips part along the mouth: 1 in the middle, easing to 0 at the corners, so the
    opening is a lens, not a box."""
    return smoothstep(MOUTH_HALF * 1.1, 0.0, np.abs(x)) ** 0.6


def jaw_weight(mesh, rel):
    """How much each head vertex follows the jaw: the lower lip and everything under the mouth,
    fading out toward the ears, the corners and the neck. Above the mouth line: nothing."""
    x, y, z = rel[:, 0], rel[:, 1], rel[:, 2]
    t = (MOUTH_Y - y) / 0.025
    lens = mouth_lens(x)
    below = ~mesh.above
    # The lower lip's copy of the mouth line moves as the row just under it, or the lip would fold.
    t = np.where(mesh.lower_lip_copy, 0.04, t)
    w = np.where(below, lens + (1 - lens) * smoothstep(0.0, 1.0, t), 0.0)
    w = w * smoothstep(-0.06, 0.0, z)
    # Below the chin the skin stretches toward the neck rather than swinging fully.
    return w * (1 - 0.5 * smoothstep(-0.10, -0.125, y))


def lower_lip_band(mesh, rel):
    """The lower lip: what mouthClose brings back up to meet the upper lip."""
    x, y = rel[:, 0], rel[:, 1]
    band = np.where(mesh.lower_lip_copy, 1.0, smoothstep(0.016, 0.004, MOUTH_Y - y) * ~mesh.above)
    return band * mouth_lens(x)


def rotate_about(rel, pivot, matrix, weight):
    moved = (rel - pivot) @ matrix.T + pivot
    return (moved - rel) * weight[:, None]


def head_targets(mesh):
    rel = mesh.positions - HEAD_C
    x, y, z = rel[:, 0], rel[:, 1], rel[:, 2]
    out = {}
    wj = jaw_weight(mesh, rel)
    out["jawOpen"] = rotate_about(rel, JAW_PIVOT, rot_x(JAW_ANGLE), wj)
    out["jawForward"] = np.outer(wj, [0, 0, 0.008])
    out["jawLeft"] = np.outer(wj, [0.010, 0, 0])
    out["jawRight"] = np.outer(wj, [-0.010, 0, 0])
    mouth = gauss(x, y, 0.0, MOUTH_Y, 0.030, 0.016) * (z > 0)
    lip_up = gauss(x, y, 0.0, MOUTH_Y + 0.006, 0.024, 0.007) * mesh.above * (z > 0)
    lip_lo = gauss(x, y, 0.0, MOUTH_Y - 0.007, 0.022, 0.008) * ~mesh.above * (z > 0)
    lip_lo = np.where(mesh.lower_lip_copy, gauss(x, y, 0.0, MOUTH_Y, 0.022, 0.01), lip_lo)
    edge = gauss(x, y, 0.0, MOUTH_Y, 0.024, 0.003) * (z > 0)
    # mouthClose: the lips meet while the jaw is open (ARKit pairs it with jawOpen).
    # At mouthClose = jawOpen the lower lip is back on the upper one.
    jaw_lip = rotate_about(rel, JAW_PIVOT, rot_x(JAW_ANGLE), np.ones(len(rel)))
    out["mouthClose"] = -jaw_lip * (lower_lip_band(mesh, rel) * wj)[:, None]
    for side, suffix in ((1, "Left"), (-1, "Right")):
        corner = gauss(x, y, side * MOUTH_HALF, MOUTH_Y, 0.014, 0.012) * (z > 0)
        half = lateral(x, side) * mouth
        out[f"mouthSmile{suffix}"] = np.outer(corner, [side * 0.006, 0.009, -0.004]) + np.outer(
            gauss(x, y, side * 0.040, -0.030, 0.018, 0.016) * (z > 0), [0, 0.004, 0.003])
        out[f"mouthFrown{suffix}"] = np.outer(corner, [side * 0.001, -0.008, -0.001])
        out[f"mouthDimple{suffix}"] = np.outer(corner, [side * 0.004, 0.001, -0.005])
        out[f"mouthStretch{suffix}"] = np.outer(corner, [side * 0.009, -0.003, -0.002])
        out[f"mouthPress{suffix}"] = np.outer(half * edge, [0, 0, -0.002]) + np.outer(half * lip_up, [0, -0.0015, -0.001]) + np.outer(half * lip_lo, [0, 0.0015, -0.001])
        out[f"mouthLowerDown{suffix}"] = np.outer(lateral(x, side) * lip_lo * smoothstep(0.003, 0.012, side * x + 0.012), [0, -0.008, 0.001])
        out[f"mouthUpperUp{suffix}"] = np.outer(lateral(x, side) * lip_up * smoothstep(0.003, 0.012, side * x + 0.012), [0, 0.007, 0.001])
        cheek = gauss(x, y, side * 0.040, -0.018, 0.018, 0.012) * (z > 0)
        out[f"cheekSquint{suffix}"] = np.outer(cheek, [0, 0.005, 0.002])
        sneer = gauss(x, y, side * 0.011, -0.022, 0.008, 0.012) * (z > 0)
        out[f"noseSneer{suffix}"] = np.outer(sneer, [side * 0.001, 0.005, 0.001]) + np.outer(lateral(x, side) * lip_up * 0.5, [0, 0.003, 0])
        brow_skin = gauss(x, y, side * 0.030, EYE_Y + 0.030, 0.02, 0.012) * (z > 0)
        out[f"browDown{suffix}"] = np.outer(brow_skin, [0, -0.004, 0.0])
        out[f"browOuterUp{suffix}"] = np.outer(gauss(x, y, side * 0.045, EYE_Y + 0.032, 0.014, 0.014) * (z > 0), [0, 0.004, 0])
    out["browInnerUp"] = np.outer(gauss(np.abs(x), y, 0.016, EYE_Y + 0.034, 0.014, 0.016) * (z > 0), [0, 0.005, 0])
    # Rounded lips: the corners come in and the lips push forward (pucker) or flare open (funnel).
    corners = gauss(np.abs(x), y, MOUTH_HALF, MOUTH_Y, 0.016, 0.013) * (z > 0)
    out["mouthPucker"] = np.outer(corners, [0, 0, 0.004]) + np.stack([-np.sign(x) * corners * 0.010, 0 * x, 0 * x], -1) + np.outer(mouth, [0, 0, 0.006])
    out["mouthFunnel"] = (
        np.stack([-np.sign(x) * corners * 0.006, 0 * x, 0 * x], -1) + np.outer(mouth, [0, 0, 0.006])
        + np.outer(lip_up, [0, 0.0035, 0.002]) + np.outer(lip_lo, [0, -0.0045, 0.002])
    )
    out["mouthLeft"] = np.outer(mouth, [0.007, 0, 0])
    out["mouthRight"] = np.outer(mouth, [-0.007, 0, 0])
    out["mouthRollLower"] = np.outer(lip_lo, [0, 0.002, -0.005])
    out["mouthRollUpper"] = np.outer(lip_up, [0, -0.002, -0.005])
    out["mouthShrugLower"] = np.outer(lip_lo + 0.6 * gauss(x, y, 0, -0.085, 0.02, 0.02) * (z > 0), [0, 0.004, 0.002])
    out["mouthShrugUpper"] = np.outer(lip_up, [0, 0.003, 0.001])
    puff = sum(gauss(x, y, s * 0.045, -0.050, 0.020, 0.020) for s in (1, -1)) * (z > -0.02)
    out["cheekPuff"] = np.stack([np.sign(x) * puff * 0.008, 0 * x, puff * 0.004], -1)
    return out


# ----------------------------------------------------------------------------- eyes, lids, brows


def eye_centre(side):
    """The eyeball's centre: behind the socket's skin so that 6.8 mm of it stands out."""
    skin = project_to_head(side * EYE_X, EYE_Y, 0.0)
    return np.array([side * EYE_X, EYE_Y, float(skin[2]) - EYE_R + 0.0068])


def sphere_front(radius, rings, segments):
    """A sphere with its pole at +Z: (positions, faces, polar angle per vertex)."""
    alphas = rings
    az = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    A, B = np.meshgrid(alphas, az, indexing="ij")
    pos = np.stack([np.sin(A) * np.cos(B), np.sin(A) * np.sin(B), np.cos(A)], -1).reshape(-1, 3) * radius
    n_r, n_s = len(alphas), segments
    faces = grid_faces(n_r, n_s, lambda j, i: j * n_s + i, wrap=True)
    return pos, np.array(faces), A.reshape(-1)


def build_eye(side):
    c = eye_centre(side)
    rings = np.unique(np.concatenate([np.linspace(0.0, 0.62, 22), np.linspace(0.62, np.pi, 14)]))
    pos, faces, alpha = sphere_front(EYE_R, rings, 40)
    iris, pupil = 0.56, 0.24
    iris_col = srgb_to_linear([0.40, 0.25, 0.14])
    inner_col = srgb_to_linear([0.62, 0.42, 0.22])
    t = np.clip((alpha - pupil) / (iris - pupil), 0, 1)[:, None]
    col = inner_col * (1 - t) + iris_col * t
    col = np.where((alpha > iris - 0.05)[:, None], srgb_to_linear([0.16, 0.10, 0.07]), col)
    col = np.where((alpha <= pupil)[:, None], srgb_to_linear([0.03, 0.02, 0.02]), col)
    col = np.where((alpha > iris)[:, None], srgb_to_linear([0.97, 0.96, 0.95]), col)
    # The cornea bulges a little over the iris.
    pos = pos * (1 + 0.06 * smoothstep(iris + 0.1, 0.0, alpha))[:, None]
    mesh = Mesh(f"eye{'Left' if side > 0 else 'Right'}", pos + c + HEAD_C, faces, "eye",
                colors=np.concatenate([col, np.ones((len(col), 1))], 1))
    suffix = "Left" if side > 0 else "Right"
    # Rotations about the eye's centre: ARKit's In is toward the nose.
    looks = {"Up": rot_x(-0.35), "Down": rot_x(0.30), "In": rot_y(-side * 0.42), "Out": rot_y(side * 0.42)}
    for name, m in looks.items():
        mesh.targets[f"eyeLook{name}{suffix}"] = pos @ m.T - pos
    return mesh, c


def lid_grid(c, radius, edge_fn, far, lambdas, rows):
    """A lid shell around eye centre c: rows from the edge (elevation edge_fn(lambda)) to `far`.
    Returns positions for given edge offsets so morphs can re-evaluate it."""

    def positions(edge_shift, curve_shift=0.0):
        L = lambdas[None, :]
        edge = edge_fn(lambdas)[None, :] + edge_shift + curve_shift * (lambdas[None, :] ** 2)
        t = np.linspace(0, 1, rows)[:, None]
        nu = edge + t * (far - edge)
        shell = np.stack([np.cos(nu) * np.sin(L), np.sin(nu), np.cos(nu) * np.cos(L)], -1) * radius
        # The flange folds from the edge back to the eyeball: the lid's thickness and lash line.
        nu0 = edge[0]
        fl = np.stack([np.cos(nu0) * np.sin(lambdas), np.sin(nu0), np.cos(nu0) * np.cos(lambdas)], -1) * (EYE_R * 1.01)
        return np.concatenate([fl[None], shell], 0) + c

    return positions


def build_lids(side, c):
    suffix = "Left" if side > 0 else "Right"
    lambdas = np.linspace(-1.25, 1.25, 33)
    # Upper lid: the edge arches, lower toward the corners (an almond eye), outer corner lifted a bit.
    up_edge = lambda L: 0.34 - 0.22 * L**2 + 0.04 * side * np.sin(L)  # noqa: E731
    lo_edge = lambda L: -0.44 + 0.20 * L**2  # noqa: E731
    rows = 12
    up = lid_grid(c, EYE_R * 1.14, up_edge, 1.35, lambdas, rows)
    lo = lid_grid(c, EYE_R * 1.10, lo_edge, -1.30, lambdas, rows)
    meshes = []
    for name, fn, lash, lash_rows in (("upper", up, [0.10, 0.06, 0.05], 3), ("lower", lo, [0.45, 0.30, 0.26], 1)):
        rest = fn(0.0).reshape(-1, 3)
        n_r, n_c = rows + 1, len(lambdas)
        faces = grid_faces(n_r, n_c, lambda j, i: j * n_c + i)
        if name == "upper":
            faces = [(a, c_, b) for a, b, c_ in faces]
        col = np.broadcast_to(srgb_to_linear(SKIN * 0.96), (n_r, n_c, 3)).copy()
        col[: lash_rows + 1] = srgb_to_linear(lash)
        mesh = Mesh(f"lid{name.title()}{suffix}", rest + HEAD_C, faces, "lid",
                    colors=np.concatenate([col.reshape(-1, 3), np.ones((n_r * n_c, 1))], 1))
        mesh.fn = fn
        meshes.append(mesh)
    upper, lower = meshes

    def tgt(mesh, shift, curve=0.0):
        return mesh.fn(shift, curve).reshape(-1, 3) - mesh.fn(0.0).reshape(-1, 3)

    upper.targets[f"eyeBlink{suffix}"] = tgt(upper, -0.58, 0.20)
    lower.targets[f"eyeBlink{suffix}"] = tgt(lower, 0.10, -0.12)
    upper.targets[f"eyeSquint{suffix}"] = tgt(upper, -0.14)
    lower.targets[f"eyeSquint{suffix}"] = tgt(lower, 0.20, -0.05)
    upper.targets[f"eyeWide{suffix}"] = tgt(upper, 0.22, 0.05)
    lower.targets[f"eyeWide{suffix}"] = tgt(lower, -0.06)
    upper.targets[f"eyeLookUp{suffix}"] = tgt(upper, 0.14)
    upper.targets[f"eyeLookDown{suffix}"] = tgt(upper, -0.22)
    lower.targets[f"eyeLookDown{suffix}"] = tgt(lower, -0.05)
    lower.targets[f"cheekSquint{suffix}"] = tgt(lower, 0.10)
    return meshes


def build_brow(side):
    suffix = "Left" if side > 0 else "Right"
    n = 24
    s = np.linspace(0, 1, n)  # inner -> outer

    def points(du=0.0, dv_inner=0.0, dv_outer=0.0, dv_all=0.0, dx_inner=0.0):
        x = side * (0.011 + 0.042 * s) + side * dx_inner * (1 - s)
        yc = EYE_Y + 0.026 + 0.008 * np.sin(np.pi * np.clip(s * 0.9, 0, 1)) - 0.003 * s
        yc = yc + dv_inner * (1 - s) ** 1.5 + dv_outer * s**1.5 + dv_all
        half = 0.0032 * (1 - 0.55 * s) + 0.0008
        rows = []
        for off, lift in ((half, 0.0009), (0.0 * half, 0.0016), (-half, 0.0009)):
            rows.append(project_to_head(x, yc + off, lift))
        return np.concatenate(rows)

    rest = points()
    faces = grid_faces(3, n, lambda j, i: j * n + i)
    if side < 0:
        faces = [(a, c, b) for a, b, c in faces]
    col = np.tile(np.concatenate([srgb_to_linear(HAIR * 0.8), [1.0]]), (len(rest), 1))
    mesh = Mesh(f"brow{suffix}", rest + HEAD_C, faces, "brow", colors=col)
    mesh.targets[f"browDown{suffix}"] = points(dv_all=-0.0045, dv_inner=-0.002, dx_inner=-0.003) - rest
    mesh.targets["browInnerUp"] = points(dv_inner=0.0075) - rest
    mesh.targets[f"browOuterUp{suffix}"] = points(dv_outer=0.0065) - rest
    return mesh


def project_to_head(x, y, lift):
    """The head surface point in front with this x and y (a few Newton steps on the parameters),
    pushed out along the surface's radial direction by `lift`."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    theta = np.arcsin(np.clip(x / AX, -0.99, 0.99))
    phi = np.arccos(np.clip(y / AY, -0.99, 0.99))
    for _ in range(30):
        p = head_point(theta, phi)
        e = 1e-5
        px = (head_point(theta + e, phi) - p) / e
        py = (head_point(theta, phi + e) - p) / e
        det = px[..., 0] * py[..., 1] - px[..., 1] * py[..., 0]
        dx, dy = x - p[..., 0], y - p[..., 1]
        theta = theta + (dx * py[..., 1] - dy * py[..., 0]) / det
        phi = phi + (px[..., 0] * dy - px[..., 1] * dx) / det
    p = head_point(theta, phi)
    d = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return p + d * lift


# ----------------------------------------------------------------------------- mouth inside


def arc_strip(y_top, y_bottom, radius, z_front, half_angle, thickness, n=28):
    """A curved band (teeth) following an arc of the given radius, front at z_front."""
    a = np.linspace(-half_angle, half_angle, n)
    cz = z_front - radius
    rows = []
    for r, yy in ((radius, y_top), (radius, y_bottom), (radius - thickness, y_bottom), (radius - thickness, y_top)):
        rows.append(np.stack([r * np.sin(a), np.full(n, yy), cz + r * np.cos(a)], -1))
    pos = np.concatenate(rows)
    faces = []
    for k in range(4):
        faces += [(f[0], f[2], f[1]) for f in grid_faces(2, n, lambda j, i, k=k: ((k + j) % 4) * n + i)]
    return pos, faces


def build_mouth_inside(head):
    lips = head.positions[head.lower_lip_copy] - HEAD_C
    z_lip = float(lips[:, 2].max())
    upper_pos, upper_faces = arc_strip(MOUTH_Y + 0.0085, MOUTH_Y - 0.0005, 0.019, z_lip - 0.0065, 0.85, 0.004)
    lower_pos, lower_faces = arc_strip(MOUTH_Y + 0.0005, MOUTH_Y - 0.0075, 0.017, z_lip - 0.0085, 0.85, 0.004)
    white = np.concatenate([srgb_to_linear([0.96, 0.95, 0.92]), [1.0]])
    teeth_up = Mesh("teethUpper", upper_pos + HEAD_C, upper_faces, "teeth", colors=np.tile(white, (len(upper_pos), 1)))
    teeth_lo = Mesh("teethLower", lower_pos + HEAD_C, lower_faces, "teeth", colors=np.tile(white, (len(lower_pos), 1)))
    jaw = rot_x(JAW_ANGLE)
    teeth_lo.targets["jawOpen"] = rotate_about(lower_pos, JAW_PIVOT, jaw, np.ones(len(lower_pos)))
    for name, v in (("jawForward", [0, 0, 0.008]), ("jawLeft", [0.010, 0, 0]), ("jawRight", [-0.010, 0, 0])):
        teeth_lo.targets[name] = np.tile(v, (len(lower_pos), 1)).astype(float)

    # Tongue: a flattened ellipsoid resting on the mouth's floor.
    rings = np.linspace(0, np.pi, 14)
    tpos, tfaces, _ = sphere_front(1.0, rings, 24)
    tc = np.array([0.0, MOUTH_Y - 0.011, z_lip - 0.026])
    tpos = tpos * np.array([0.017, 0.006, 0.026]) + tc
    tongue_col = np.concatenate([srgb_to_linear([0.85, 0.42, 0.45]), [1.0]])
    tongue = Mesh("tongue", tpos + HEAD_C, tfaces, "tongue", colors=np.tile(tongue_col, (len(tpos), 1)))
    tongue.targets["jawOpen"] = rotate_about(tpos, JAW_PIVOT, jaw, np.ones(len(tpos)))
    front = smoothstep(tc[2] - 0.02, tc[2] + 0.026, tpos[:, 2])
    tongue.targets["tongueOut"] = np.stack([0 * front, -0.004 * front, 0.022 * front], -1)

    # The cavity: an inward-facing ellipsoid, so through the open lips one sees its far wall.
    cc = np.array([0.0, MOUTH_Y - 0.008, z_lip - 0.042])
    rings = np.linspace(0, np.pi, 16)
    cpos, cfaces, _ = sphere_front(1.0, rings, 28)
    cpos = cpos * np.array([0.035, 0.021, 0.036]) + cc
    cfaces = np.array([(a, c, b) for a, b, c in cfaces])
    shade = smoothstep(cc[2] + 0.03, cc[2] - 0.03, cpos[:, 2])
    ccol = srgb_to_linear([0.35, 0.10, 0.12]) * (1 - 0.6 * shade[:, None])
    cavity = Mesh("mouthCavity", cpos + HEAD_C, cfaces, "cavity", colors=np.concatenate([ccol, np.ones((len(cpos), 1))], 1))
    lower_half = smoothstep(cc[1] + 0.012, cc[1] - 0.012, cpos[:, 1])
    cavity.targets["jawOpen"] = rotate_about(cpos, JAW_PIVOT, jaw, lower_half * (0.4 + 0.6 * mouth_lens(cpos[:, 0])))
    return [cavity, teeth_up, teeth_lo, tongue]


# ----------------------------------------------------------------------------- hair, ears, body


def build_hair():
    thetas = np.linspace(-np.pi, np.pi, 97)[:-1]
    n_rows = 30

    def hairline(th):
        a = np.abs(th)
        front = 1.05 + 0.10 * np.abs(np.sin(th * 7.0)) ** 0.7 - 0.06 * np.cos(th * 2)  # bangs
        side = 1.62  # above the ears
        back = 2.15  # the nape
        w_side = smoothstep(0.55, 1.2, a)
        w_back = smoothstep(1.8, 2.6, a)
        return front * (1 - w_side) + side * w_side * (1 - w_back) + back * w_back

    edge = hairline(thetas)
    t = np.linspace(0, 1, n_rows)[:, None]
    phi = 0.001 + t * (edge[None, :] - 0.001)
    T = np.broadcast_to(thetas[None, :], phi.shape)
    base = head_point(T, phi)
    d = base / np.linalg.norm(base, axis=-1, keepdims=True)
    # Volume: thick on the crown, thinning to the hairline, a little fuller at the back and sides.
    thick = 0.013 * (1 - t**2.5) + 0.0022 + 0.004 * smoothstep(0.8, 2.0, np.abs(T)) * (1 - t)
    pos = base + d * thick[..., None]
    pos = pos.reshape(-1, 3)
    nc = len(thetas)
    faces = grid_faces(n_rows, nc, lambda j, i: j * nc + i, wrap=True)
    # Shade: darker toward the roots at the hairline, a soft sheen band.
    shade = 0.85 + 0.15 * np.cos(phi * 3.0)
    col = srgb_to_linear(HAIR)[None, None, :] * shade[..., None]
    return Mesh("hair", pos + HEAD_C, faces, "hair", colors=np.concatenate([col.reshape(-1, 3), np.ones((len(pos), 1))], 1))


def build_ears():
    meshes = []
    for side in (1, -1):
        rings = np.linspace(0, np.pi, 12)
        pos, faces, _ = sphere_front(1.0, rings, 18)
        pos = pos * np.array([0.017, 0.027, 0.008])  # flat, facing sideways after the turn
        pos = pos @ rot_y(side * np.pi / 2).T @ rot_y(side * 0.35).T
        c = np.array([side * (AX + 0.001), -0.012, -0.012])
        col = np.concatenate([srgb_to_linear(SKIN * 0.97), [1.0]])
        meshes.append(Mesh(f"ear{'Left' if side > 0 else 'Right'}", pos + c + HEAD_C, faces, "lid", colors=np.tile(col, (len(pos), 1))))
    return meshes


def lathe(profile, segments, exponent=2.6):
    """A superelliptic lathe: profile rows (y, scale); returns positions, faces."""
    ang = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    c, s = np.cos(ang), np.sin(ang)
    ce = np.sign(c) * np.abs(c) ** (2 / exponent)
    se = np.sign(s) * np.abs(s) ** (2 / exponent)
    rows = []
    for y, w, dpt in profile:
        rows.append(np.stack([w * se, np.full(segments, y), dpt * ce], -1))
    pos = np.concatenate(rows)
    faces = grid_faces(len(profile), segments, lambda j, i: j * segments + i, wrap=True)
    return pos, faces


def build_body():
    # (y, half width, half depth) from the neck's top (inside the head) down to the cut.
    # The neck ends inside the head below the mouth, so nothing shows through the open mouth.
    neck = [(1.455, 0.038, 0.038), (1.445, 0.042, 0.044), (1.42, 0.042, 0.045), (1.395, 0.046, 0.048)]
    shoulders = [(1.39, 0.046, 0.048), (1.382, 0.075, 0.058), (1.37, 0.110, 0.074), (1.355, 0.138, 0.082), (1.33, 0.152, 0.086),
                 (1.29, 0.157, 0.090), (1.23, 0.150, 0.094), (1.16, 0.140, 0.092), (1.09, 0.132, 0.088),
                 (1.05, 0.130, 0.086), (1.045, 0.0, 0.0)]
    profile = neck + shoulders
    pos, faces = lathe(profile, 64)
    y, x, z = pos[:, 1], pos[:, 0], pos[:, 2]
    # The shirt: a V-neck collar; skin above it.
    # A crew-neck shirt with a darker collar band; skin above it.
    skin = y > 1.39
    col = np.where(skin[:, None], srgb_to_linear(SKIN * 0.95), srgb_to_linear(SHIRT))
    col = np.where(((y > 1.378) & ~skin)[:, None], srgb_to_linear(SHIRT * 0.72), col)
    return Mesh("body", pos, faces, "body", colors=np.concatenate([col, np.ones((len(pos), 1))], 1))


# ----------------------------------------------------------------------------- glTF / VRM writer


class GlbWriter:
    def __init__(self):
        self.bin = bytearray()
        self.views, self.accessors = [], []

    def _view(self, data, target=None):
        while len(self.bin) % 4:
            self.bin.append(0)
        view = {"buffer": 0, "byteOffset": len(self.bin), "byteLength": len(data)}
        if target:
            view["target"] = target
        self.bin += data
        self.views.append(view)
        return len(self.views) - 1

    def accessor(self, array, kind, target=34962, minmax=False):
        array = np.ascontiguousarray(array)
        comp = {np.dtype(np.float32): 5126, np.dtype(np.uint32): 5125, np.dtype(np.uint16): 5123}[array.dtype]
        acc = {"bufferView": self._view(array.tobytes(), target), "componentType": comp,
               "count": int(array.shape[0]), "type": kind}
        if minmax:
            acc["min"] = [float(v) for v in array.min(0)]
            acc["max"] = [float(v) for v in array.max(0)]
        self.accessors.append(acc)
        return len(self.accessors) - 1

    def sparse_vec3(self, count, delta, floor):
        """A VEC3 accessor that is zero except where `delta` reaches `floor` (sparse storage)."""
        nz = np.where(np.abs(delta).max(1) >= floor)[0]
        delta = np.where((np.abs(delta).max(1) >= floor)[:, None], delta, 0.0)
        acc = {"componentType": 5126, "count": int(count), "type": "VEC3"}
        d32 = delta.astype(np.float32)
        acc["min"] = [float(v) for v in d32.min(0)] if len(d32) else [0, 0, 0]
        acc["max"] = [float(v) for v in d32.max(0)] if len(d32) else [0, 0, 0]
        if len(nz):
            acc["sparse"] = {
                "count": int(len(nz)),
                "indices": self._indices(nz, count),
                "values": {"bufferView": self._view(d32[nz].tobytes())},
            }
        self.accessors.append(acc)
        return len(self.accessors) - 1

    def _indices(self, nz, count):
        if count < 65536:
            return {"bufferView": self._view(nz.astype(np.uint16).tobytes()), "componentType": 5123}
        return {"bufferView": self._view(nz.astype(np.uint32).tobytes()), "componentType": 5125}

    def image(self, png):
        return self._view(png)


MATERIALS = {
    "skin": {"roughness": 0.62},
    "eye": {"roughness": 0.12},
    "lid": {"roughness": 0.62, "doubleSided": True},
    "brow": {"roughness": 0.9, "doubleSided": True},
    "teeth": {"roughness": 0.35, "doubleSided": True},
    "tongue": {"roughness": 0.45},
    "cavity": {"roughness": 0.95},
    "hair": {"roughness": 0.5},
    "body": {"roughness": 0.85},
}


def build(plain=False):
    head = build_head()
    head.targets = head_targets(head)
    eye_l, c_l = build_eye(1)
    eye_r, c_r = build_eye(-1)
    meshes_by_node = {
        "head": [head, *build_mouth_inside(head), eye_l, eye_r, *build_lids(1, c_l), *build_lids(-1, c_r),
                 build_brow(1), build_brow(-1), build_hair(), *build_ears()],
        "chest": [build_body()],
    }

    # Skeleton (world positions; rest pose is a T-pose as VRM 1.0 requires).
    bones = {
        "hips": (None, [0, 0.95, 0]), "spine": ("hips", [0, 1.05, 0]), "chest": ("spine", [0, 1.18, 0]),
        "neck": ("chest", [0, 1.39, 0]), "head": ("neck", [0, 1.45, 0]),
        "leftEye": ("head", list(c_l + HEAD_C)), "rightEye": ("head", list(c_r + HEAD_C)),
    }
    for side, sign in (("left", 1), ("right", -1)):
        bones[f"{side}UpperArm"] = ("chest", [sign * 0.17, 1.34, 0])
        bones[f"{side}LowerArm"] = (f"{side}UpperArm", [sign * 0.42, 1.34, 0])
        bones[f"{side}Hand"] = (f"{side}LowerArm", [sign * 0.66, 1.34, 0])
        bones[f"{side}UpperLeg"] = ("hips", [sign * 0.09, 0.90, 0])
        bones[f"{side}LowerLeg"] = (f"{side}UpperLeg", [sign * 0.09, 0.50, 0])
        bones[f"{side}Foot"] = (f"{side}LowerLeg", [sign * 0.09, 0.08, 0])

    w = GlbWriter()
    nodes = [{"name": "root", "children": []}]
    node_of = {}
    for name, (parent, world) in bones.items():
        parent_world = np.array(bones[parent][1]) if parent else np.zeros(3)
        node_of[name] = len(nodes)
        nodes.append({"name": name, "translation": [float(v) for v in np.array(world) - parent_world], "children": []})
    for name, (parent, _) in bones.items():
        (nodes[node_of[parent]]["children"] if parent else nodes[0]["children"]).append(node_of[name])

    materials, mat_index = [], {}
    for name, spec in MATERIALS.items():
        pbr = {"baseColorFactor": [1, 1, 1, 1], "metallicFactor": 0.0, "roughnessFactor": spec["roughness"]}
        if name == "skin":
            pbr["baseColorTexture"] = {"index": 0}
        mat_index[name] = len(materials)
        materials.append({"name": name, "pbrMetallicRoughness": pbr, **({"doubleSided": True} if spec.get("doubleSided") else {})})

    meshes = []
    binds = {k: [] for k in ARKIT}
    for bone, group in meshes_by_node.items():
        origin = np.array(bones[bone][1])
        for m in group:
            rel = (m.positions - origin).astype(np.float32)
            attrs = {"POSITION": w.accessor(rel, "VEC3", minmax=True),
                     "NORMAL": w.accessor(m.normals().astype(np.float32), "VEC3")}
            if m.uvs is not None:
                attrs["TEXCOORD_0"] = w.accessor(m.uvs.astype(np.float32), "VEC2")
            if m.colors is not None:
                attrs["COLOR_0"] = w.accessor(m.colors.astype(np.float32), "VEC4")
            idx = m.faces.astype(np.uint32 if len(m.positions) > 65535 else np.uint16).reshape(-1)
            prim = {"attributes": attrs, "indices": w.accessor(idx, "SCALAR", target=34963), "material": mat_index[m.material]}
            names = [k for k in ARKIT if k in m.targets and np.abs(m.targets[k]).max() >= 1e-4]
            if names:
                prim["targets"] = []
                for k in names:
                    delta = m.targets[k]
                    # Moves under 0.1 mm and normal turns under ~1.5 degrees are left out: unseen.
                    t = {"POSITION": w.sparse_vec3(len(rel), delta, 1e-4)}
                    moved = m.normals(m.positions + delta) - m.normals()
                    if np.abs(moved).max() > 0.025:
                        t["NORMAL"] = w.sparse_vec3(len(rel), moved, 0.025)
                    prim["targets"].append(t)
            mesh = {"name": m.name, "primitives": [prim]}
            if names:
                mesh["extras"] = {"targetNames": names}
                mesh["weights"] = [0.0] * len(names)
            meshes.append(mesh)
            node = len(nodes)
            nodes.append({"name": m.name, "mesh": len(meshes) - 1})
            nodes[node_of[bone]]["children"].append(node)
            for i, k in enumerate(names):
                binds[k].append({"node": node, "index": i, "weight": 1.0})

    # The texture goes last in the buffer, so a PNG encoder that packs differently (another zlib)
    # moves no other bytes: `--check` compares everything else exactly and the pixels decoded.
    images = [{"bufferView": w.image(paint_skin()), "mimeType": "image/png", "name": "skin"}]

    missing = [k for k in ARKIT if not binds[k]]
    if missing:
        raise SystemExit(f"no shape for {missing}")

    def expr(weights, **flags):
        mb = []
        for k, v in weights.items():
            mb += [{**b, "weight": v} for b in binds[k]]
        return {"morphTargetBinds": mb, "isBinary": False, "overrideBlink": flags.get("blink", "none"),
                "overrideLookAt": "none", "overrideMouth": flags.get("mouth", "none")}

    both = lambda base, v: {f"{base}Left": v, f"{base}Right": v}  # noqa: E731
    presets = {
        "aa": expr({"jawOpen": 0.75, **both("mouthLowerDown", 0.25)}),
        "ih": expr({"jawOpen": 0.25, **both("mouthStretch", 0.45), **both("mouthSmile", 0.2)}),
        "ou": expr({"jawOpen": 0.15, "mouthPucker": 0.85, "mouthFunnel": 0.3}),
        "ee": expr({"jawOpen": 0.15, **both("mouthStretch", 0.55), **both("mouthSmile", 0.35), **both("mouthUpperUp", 0.2)}),
        "oh": expr({"jawOpen": 0.45, "mouthFunnel": 0.75}),
        "happy": expr({**both("mouthSmile", 0.85), **both("cheekSquint", 0.6), **both("eyeSquint", 0.35)}, blink="blend", mouth="blend"),
        "angry": expr({**both("browDown", 0.9), **both("noseSneer", 0.45), **both("eyeSquint", 0.3), **both("mouthPress", 0.5), **both("mouthFrown", 0.3)}, mouth="blend"),
        "sad": expr({"browInnerUp": 0.9, **both("mouthFrown", 0.75), "mouthShrugLower": 0.3, **both("eyeSquint", 0.15)}, mouth="blend"),
        "relaxed": expr({**both("mouthSmile", 0.35), **both("eyeBlink", 0.3), **both("cheekSquint", 0.2)}, blink="blend"),
        "surprised": expr({**both("eyeWide", 0.9), "browInnerUp": 0.7, **both("browOuterUp", 0.8), "jawOpen": 0.3}, mouth="blend"),
        "blink": expr(both("eyeBlink", 1.0)),
        "blinkLeft": expr({"eyeBlinkLeft": 1.0}),
        "blinkRight": expr({"eyeBlinkRight": 1.0}),
        "lookUp": expr(both("eyeLookUp", 1.0)),
        "lookDown": expr(both("eyeLookDown", 1.0)),
        # The avatar looks to its own left (+X): the left eye outward, the right eye inward.
        "lookLeft": expr({"eyeLookOutLeft": 1.0, "eyeLookInRight": 1.0}),
        "lookRight": expr({"eyeLookInLeft": 1.0, "eyeLookOutRight": 1.0}),
        "neutral": expr({}),
    }
    custom = {k: expr({k: 1.0}) for k in ARKIT}
    human_bones = {name: {"node": node_of[name]} for name in bones}
    range_map = {"inputMaxValue": 30.0, "outputScale": 1.0}
    vrm = {
        "specVersion": "1.0",
        "meta": {
            "name": "animasync-face default avatar", "version": "1.0",
            "authors": ["animasync-face (scripts/avatar/make_avatar.py)"],
            "licenseUrl": "https://vrm.dev/licenses/1.0/", "avatarPermission": "everyone",
            "allowExcessivelyViolentUsage": False, "allowExcessivelySexualUsage": False,
            "commercialUsage": "corporation", "allowPoliticalOrReligiousUsage": False,
            "allowAntisocialOrHateUsage": False, "creditNotation": "unnecessary",
            "allowRedistribution": True, "modification": "allowModificationRedistribution",
        },
        "humanoid": {"humanBones": human_bones},
        "lookAt": {"type": "expression", "offsetFromHeadBone": [0.0, float(c_l[1] + HEAD_C[1] - bones["head"][1][1]), 0.06],
                   "rangeMapHorizontalInner": range_map, "rangeMapHorizontalOuter": range_map,
                   "rangeMapVerticalDown": range_map, "rangeMapVerticalUp": range_map},
        "expressions": {"preset": presets, "custom": custom},
    }
    gltf = {
        "asset": {"version": "2.0", "generator": "animasync-face scripts/avatar/make_avatar.py"},
        **({} if plain else {"extensionsUsed": ["VRMC_vrm"], "extensions": {"VRMC_vrm": vrm}}),
        "scene": 0, "scenes": [{"nodes": [0]}], "nodes": nodes, "meshes": meshes,
        "materials": materials, "images": images, "textures": [{"source": 0, "sampler": 0}],
        "samplers": [{"magFilter": 9729, "minFilter": 9987, "wrapS": 10497, "wrapT": 33071}],
        "accessors": w.accessors, "bufferViews": w.views, "buffers": [{"byteLength": len(w.bin)}],
    }
    for node in nodes:
        if not node.get("children"):
            node.pop("children", None)
    js = json.dumps(gltf, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 4)
    binary = bytes(w.bin) + b"\0" * (-len(w.bin) % 4)
    total = 12 + 8 + len(js) + 8 + len(binary)
    data = struct.pack("<III", 0x46546C67, 2, total) + struct.pack("<II", len(js), 0x4E4F534A) + js + struct.pack("<II", len(binary), 0x004E4942) + binary
    n_verts = sum(len(m.positions) for g in meshes_by_node.values() for m in g)
    summary = f"{len(data) / 1e6:.2f} MB, {len(meshes)} meshes, {n_verts} vertices, 52 ARKit shapes, " + (
        "plain glTF (no VRM extension)" if plain else f"{len(presets)} presets")
    return data, summary


def split_glb(data):
    """(json dict, binary chunk) of a GLB."""
    magic, version, _ = struct.unpack_from("<III", data, 0)
    if magic != 0x46546C67 or version != 2:
        raise ValueError("not a glTF 2.0 binary")
    n = struct.unpack_from("<I", data, 12)[0]
    return json.loads(data[20 : 20 + n]), data[20 + n + 8 :]


def same_avatar(a, b):
    """Whether two builds are the same avatar: identical glTF JSON and buffer, except the texture's
    PNG bytes, whose decoded pixels must be identical."""
    ja, ba = split_glb(a)
    jb, bb = split_glb(b)
    view_a, view_b = ja["bufferViews"][ja["images"][0]["bufferView"]], jb["bufferViews"][jb["images"][0]["bufferView"]]
    if ba[: view_a["byteOffset"]] != bb[: view_b["byteOffset"]]:
        return "geometry buffers differ"
    pixels = [np.asarray(Image.open(io.BytesIO(bytes(buf[v["byteOffset"] : v["byteOffset"] + v["byteLength"]]))))
              for buf, v in ((ba, view_a), (bb, view_b))]
    if pixels[0].shape != pixels[1].shape or not np.array_equal(*pixels):
        return "skin textures differ"
    for j in (ja, jb):
        j["bufferViews"][j["images"][0]["bufferView"]].pop("byteLength")
        j["buffers"][0].pop("byteLength")
    return None if ja == jb else "glTF JSON differs"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "www", "avatar", "default.vrm"))
    ap.add_argument("--check", action="store_true", help="rebuild in memory and fail unless --out is the same avatar")
    ap.add_argument("--plain", action="store_true", help="a plain glTF binary (.glb): ARKit-named morph targets, no VRM extension; needs --out")
    args = ap.parse_args()
    if args.plain and (args.check or args.out == ap.get_default("out")):
        ap.error("--plain writes a new file: give it --out (e.g. --out avatar.glb), and no --check")
    data, summary = build(plain=args.plain)
    if args.check:
        with open(args.out, "rb") as f:
            try:
                problem = same_avatar(f.read(), data)
            except (ValueError, struct.error, OSError) as error:  # not a GLB, broken JSON or PNG
                problem = f"unreadable: {error}"
        if problem:
            raise SystemExit(f"{args.out} is not what this script builds ({problem}): run python3 scripts/avatar/make_avatar.py")
        print(f"{args.out} is reproducible: {summary}")
        return
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "wb") as f:
        f.write(data)
    print(f"wrote {args.out}: {summary}")


if __name__ == "__main__":
    main()
