"""WAV reading for the evaluation clips (PCM 8/16/24/32-bit, float, mu-law, A-law; FLAC through
soundfile), resampling,
and writing the 16-bit PCM copies that the CLI, pocketsphinx and Chromium read.

Kept dependency-light (numpy + scipy) and deterministic: no dither, exact polyphase resampling.
"""

from __future__ import annotations

import hashlib
import struct
import wave
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly


class AudioError(Exception):
    pass


def _ulaw_table() -> np.ndarray:
    # ITU-T G.711 mu-law expansion to 16-bit linear.
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = ((mantissa << 3) + 0x84) << exponent
    lin = mag - 0x84
    return np.where(sign != 0, -lin, lin).astype(np.int16)


def _alaw_table() -> np.ndarray:
    a = np.arange(256, dtype=np.int32) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    mag = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0))
    return np.where(sign != 0, mag, -mag).astype(np.int16)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a RIFF/WAVE file and return (mono float32 samples in [-1, 1), sample rate).

    Multi-channel files are averaged to mono.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"clip not found: {path}")
    data = path.read_bytes()
    if data[:4] == b"fLaC":
        return _read_flac(path)
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioError(f"{path}: neither a RIFF/WAVE nor a FLAC file")
    pos, fmt, payload = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack("<HHIIHH", body[:16])
        elif cid == b"data":
            payload = body
        pos += 8 + size + (size & 1)
    if fmt is None or payload is None:
        raise AudioError(f"{path}: missing fmt or data chunk")
    tag, channels, rate, _, block_align, bits = fmt
    if tag == 0xFFFE:  # WAVE_FORMAT_EXTENSIBLE: the sub-format's first two bytes hold the tag
        ext = data[data.index(b"fmt ") + 8:]
        tag = struct.unpack("<H", ext[24:26])[0]
    n = len(payload) // block_align
    payload = payload[: n * block_align]
    if tag == 1 and bits == 16:
        x = np.frombuffer(payload, "<i2").astype(np.float32) / 32768.0
    elif tag == 1 and bits == 8:
        x = (np.frombuffer(payload, np.uint8).astype(np.float32) - 128.0) / 128.0
    elif tag == 1 and bits == 24:
        b = np.frombuffer(payload, np.uint8).reshape(-1, 3).astype(np.int32)
        v = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        v = np.where(v >= 1 << 23, v - (1 << 24), v)
        x = v.astype(np.float32) / float(1 << 23)
    elif tag == 1 and bits == 32:
        x = np.frombuffer(payload, "<i4").astype(np.float32) / float(1 << 31)
    elif tag == 3 and bits == 32:
        x = np.frombuffer(payload, "<f4").astype(np.float32)
    elif tag == 7 and bits == 8:
        x = _ulaw_table()[np.frombuffer(payload, np.uint8)].astype(np.float32) / 32768.0
    elif tag == 6 and bits == 8:
        x = _alaw_table()[np.frombuffer(payload, np.uint8)].astype(np.float32) / 32768.0
    else:
        raise AudioError(f"{path}: unsupported WAV format tag {tag} with {bits} bits")
    if channels > 1:
        x = x.reshape(-1, channels).mean(axis=1)
    return np.ascontiguousarray(x, dtype=np.float32), int(rate)


def _read_flac(path: Path) -> tuple[np.ndarray, int]:
    """FLAC (the shared speech corpora store their audio losslessly as FLAC) through soundfile."""
    try:
        import soundfile
    except ImportError as e:
        raise AudioError(f"{path}: reading FLAC needs soundfile (pip install -r training/requirements.txt)") from e
    try:
        x, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except RuntimeError as e:  # soundfile's LibsndfileError derives from RuntimeError
        raise AudioError(f"{path}: not a readable FLAC file: {e}") from e
    return np.ascontiguousarray(x.mean(axis=1), dtype=np.float32), int(rate)


def resample(x: np.ndarray, sr_from: int, sr_to: int) -> np.ndarray:
    if sr_from == sr_to:
        return x.astype(np.float32)
    g = gcd(sr_from, sr_to)
    return resample_poly(x.astype(np.float64), sr_to // g, sr_from // g).astype(np.float32)


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(np.round(x * 32768.0), -32768, 32767).astype(np.int16)


def write_wav16(path: str | Path, x: np.ndarray, sr: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sr)
        w.writeframes(to_int16(x).tobytes())


def sha256(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()
