"""Training data: speech with phoneme timings, made to sound like a microphone, turned into the
runtime's own features and 30 fps lip-sync targets.

Each clip is a few phrases (English or Korean; real sentences or shuffled words and syllables
for phonetic coverage) from libespeak-ng (many voice variants, rates, pitches), Festival
(an HTS and a diphone voice) or, for English phrases, real recorded prompts with forced-aligned
phones (recorded.py), with silences and breaths between them, then speed-perturbed
(which also shifts the formants, like a different vocal tract), reverberated, band-limited,
gained, noised, DC-shifted and clipped, as microphones do. Features come from
`animasync-face features` so training reads exactly what the runtime computes.

Writes OUT/NNNNN.wav, OUT/NNNNN.features.npy (frames x mels at 100 Hz),
OUT/NNNNN.targets.npy (30 fps frames x channels), OUT/NNNNN.visemes.npy (the viseme sounding
at each 30 fps frame, an int8 index into visemes.json) and OUT/index.json.
"""

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import wave
from math import gcd

import numpy as np
from scipy import signal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import festival  # noqa: E402
import recorded  # noqa: E402
import shared_speech  # noqa: E402
import targets  # noqa: E402

RATE = 16000
ESPEAK_VARIANTS = [
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "klatt", "klatt2",
    "klatt3", "klatt4", "Alex", "Andy", "annie", "david", "ed", "edward", "iven", "john", "linda",
    "max", "michel", "paul", "quincy", "rob", "robert", "steph", "travis", "victor", "Lee", "Mike",
    "anika", "aunty", "belinda", "benjamin", "caleb", "grandma", "grandpa", "norbert", "shelby",
]
ESPEAK_EN = ["en-us", "en", "en-gb-scotland", "en-gb-x-rp", "en-029", "en-gb-x-gbclan"]


def read_lines(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip()]


def phrase_text(rng, lang, sentences):
    if rng.random() < 0.6:
        return rng.choice(sentences)
    if lang == "en":
        words = " ".join(sentences).replace(",", "").replace(".", "").replace("!", "").replace("?", "").split()
        return " ".join(rng.choice(words) for _ in range(rng.randint(3, 8)))
    # Random Hangul syllables (initial x medial x optional final) grouped into words.
    words = []
    for _ in range(rng.randint(2, 5)):
        syl = [chr(0xAC00 + (rng.randrange(19) * 21 + rng.randrange(21)) * 28 + (rng.randrange(28) if rng.random() < 0.4 else 0)) for _ in range(rng.randint(1, 4))]
        words.append("".join(syl))
    return " ".join(words)


def to_rate(audio, rate_in, rate_out):
    if rate_in == rate_out:
        return audio
    g = gcd(rate_in, rate_out)
    return signal.resample_poly(audio, rate_out // g, rate_in // g).astype(np.float32)


def breath(rng):
    n = int(rng.uniform(0.25, 0.45) * RATE)
    noise = np.random.default_rng(rng.randrange(2**32)).standard_normal(n)
    b, a = signal.butter(2, [500 / (RATE / 2), 3000 / (RATE / 2)], btype="band")
    x = signal.lfilter(b, a, noise) * np.hanning(n)
    return (x / (np.abs(x).max() + 1e-9) * 10 ** (rng.uniform(-38, -26) / 20)).astype(np.float32)


class Synth:
    """Per-worker synthesisers (libespeak-ng is a process-wide singleton)."""

    def __init__(self):
        import espeak

        self.espeak = espeak.Espeak()

    def espeak_phrase(self, rng, lang, text):
        base = "ko" if lang == "ko" else rng.choice(ESPEAK_EN)
        variant = rng.choice(ESPEAK_VARIANTS)
        voice = base + ("+" + variant if variant else "")
        rate = rng.randint(130, 250)
        audio, events = self.espeak.synth(text, voice, rate=rate, pitch=rng.randint(15, 85), pitch_range=rng.randint(20, 95))
        dur = len(audio) / self.espeak.sample_rate
        phones = [(t, events[i + 1][0] if i + 1 < len(events) else dur, p) for i, (t, p) in enumerate(events)]
        return to_rate(audio, self.espeak.sample_rate, RATE), phones, f"espeak:{voice}:r{rate}"


def assemble(rng, pieces):
    """Phrases with silences and breaths between -> (audio, phones)."""
    audio, phones, t = [], [], 0.0

    def silence(seconds):
        nonlocal t
        if rng.random() < 0.3 and seconds > 0.5:
            lead = rng.uniform(0.05, seconds - 0.45)
            b = breath(rng)
            audio.append(np.zeros(int(lead * RATE), np.float32))
            audio.append(b)
            rest = seconds - lead - len(b) / RATE
            audio.append(np.zeros(int(max(0.0, rest) * RATE), np.float32))
            phones.append((t, t + lead, ""))
            phones.append((t + lead, t + lead + len(b) / RATE, "BR"))
            phones.append((t + lead + len(b) / RATE, t + seconds, ""))
        else:
            audio.append(np.zeros(int(seconds * RATE), np.float32))
            phones.append((t, t + seconds, ""))
        t = sum(len(a) for a in audio) / RATE

    silence(rng.uniform(0.1, 0.7))
    for i, (samples, phrase_phones) in enumerate(pieces):
        peak = np.abs(samples).max() + 1e-9
        audio.append(samples / peak * 0.5)
        phones += [(t + s, t + e, p) for s, e, p in phrase_phones]
        t = sum(len(a) for a in audio) / RATE
        silence(rng.uniform(0.15, 1.1) if i + 1 < len(pieces) else rng.uniform(0.2, 0.8))
    return np.concatenate(audio), phones


def reverb(rng, x):
    rt60 = rng.uniform(0.1, 0.7)
    n = int(rt60 * RATE)
    t = np.arange(n) / RATE
    ir = np.random.default_rng(rng.randrange(2**32)).standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[0] = 1.0 / rng.uniform(0.3, 1.0)
    wet = signal.fftconvolve(x, ir)[: len(x)]
    return (wet / (np.abs(wet).max() + 1e-9) * np.abs(x).max()).astype(np.float32)


def colored_noise(rng, n):
    white = np.random.default_rng(rng.randrange(2**32)).standard_normal(n)
    kind = rng.choice(["white", "pink", "brown", "hum"])
    if kind == "pink":
        b, a = [0.049922035, -0.095993537, 0.050612699, -0.004408786], [1, -2.494956002, 2.017265875, -0.522189400]
        return signal.lfilter(b, a, white)
    if kind == "brown":
        return signal.lfilter([1.0], [1.0, -0.995], white)
    if kind == "hum":
        f = rng.choice([50.0, 60.0])
        tt = np.arange(n) / RATE
        return np.sin(2 * np.pi * f * tt) + 0.5 * np.sin(2 * np.pi * 3 * f * tt) + 0.1 * white
    return white


def gain(rng, x, done):
    """Any level a microphone's gain gives: -26 to +4 dB."""
    gain_db = rng.uniform(-26, 4)
    done.append(f"gain{gain_db:+.0f}dB")
    return x * 10 ** (gain_db / 20)


def augment(rng, x, clean_share=0.0):
    """A microphone's damage; returns (audio, description). A `clean_share` of clips keep their
    sound and only change level: damage teaches robustness, but every damaged clip blurs the
    cues (a closure's silence, a burst's spectrum) the model must learn to read on good audio."""
    done = []
    if clean_share and rng.random() < clean_share:
        done.append("clean")
        return np.clip(gain(rng, x, done), -1.0, 1.0).astype(np.float32), done
    if rng.random() < 0.5:
        x = reverb(rng, x)
        done.append("reverb")
    if rng.random() < 0.35:
        # A telephone or 8 kHz codec: everything above 4 kHz is gone.
        x = to_rate(to_rate(x, RATE, 8000), 8000, RATE)
        done.append("8k")
    elif rng.random() < 0.2:
        b, a = signal.butter(4, rng.uniform(3000, 7000) / (RATE / 2))
        x = signal.lfilter(b, a, x).astype(np.float32)
        done.append("lowpass")
    x = gain(rng, x, done)
    if rng.random() < 0.7:
        snr = rng.uniform(0, 45)
        noise = colored_noise(rng, len(x))
        speech_power = np.mean(x[np.abs(x) > 0.01 * np.abs(x).max()] ** 2) + 1e-12
        noise *= np.sqrt(speech_power / (np.mean(noise**2) + 1e-12) / 10 ** (snr / 10))
        x = x + noise
        done.append(f"noise{snr:.0f}dB")
    if rng.random() < 0.1:
        x = x + rng.uniform(-0.05, 0.05)
        done.append("dc")
    if rng.random() < 0.1:
        limit = np.abs(x).max() * rng.uniform(0.3, 0.8)
        x = np.clip(x, -limit, limit)
        done.append("clip")
    return np.clip(x, -1.0, 1.0).astype(np.float32), done


def speed(rng, x, phones):
    factor = rng.choice([0.85, 0.9, 0.95, 1.0, 1.0, 1.05, 1.1, 1.15])
    if factor == 1.0:
        return x, phones, 1.0
    # Playing `factor` times faster: fewer samples, every time divided by factor.
    up, down = 20, int(round(20 * factor))
    y = signal.resample_poly(x, up, down).astype(np.float32)
    return y, [(s / factor, e / factor, p) for s, e, p in phones], factor


def write_wav(path, x):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype(np.int16).tobytes())


_worker = None


def make_clip(job):
    global _worker
    if _worker is None:
        _worker = Synth()
    index, seed, out_dir, cli, manifest, recorded_share, clean_share = job
    rng = random.Random(seed)
    lang = "ko" if rng.random() < 0.3 else "en"
    sentences = SENTENCES[lang]
    pieces, sources = [], []
    for _ in range(rng.randint(1, 3)):
        if lang == "en" and RECORDED and rng.random() < recorded_share:
            audio, phones, name = rng.choice(RECORDED)
            pieces.append((audio, phones))
            sources.append(name)
        elif lang == "en" and FESTIVAL and rng.random() < 0.6:
            audio, rate, phones, name = rng.choice(FESTIVAL)
            pieces.append((to_rate(audio, rate, RATE), phones))
            sources.append(name)
        else:
            audio, phones, name = _worker.espeak_phrase(rng, lang, phrase_text(rng, lang, sentences))
            pieces.append((audio, phones))
            sources.append(name)
    clean, phones = assemble(rng, pieces)
    clean, phones, factor = speed(rng, clean, phones)
    noisy, done = augment(rng, clean, clean_share)
    base = os.path.join(out_dir, f"{index:05d}")
    write_wav(base + ".wav", noisy)
    subprocess.run([cli, "features", base + ".wav", "--manifest", manifest, "--out", base + ".features.npy"], check=True, capture_output=True)
    table = targets.VisemeTable()
    unknown = set()
    segments = targets.segments_from_phones(table, phones, unknown)
    n_frames = int(np.ceil(len(noisy) * targets.FPS / RATE))
    y = targets.render_targets(table, segments, n_frames)
    np.save(base + ".targets.npy", y)
    np.save(base + ".visemes.npy", targets.frame_visemes(table, segments, n_frames))
    speech = sum(e - s for s, e, p in phones if p not in ("", "BR"))
    return {
        "clip": f"{index:05d}", "lang": lang, "sources": sources, "speed": factor, "augment": done,
        "seconds": len(noisy) / RATE, "speech_seconds": speech, "unknown_ipa": sorted(unknown),
    }


SENTENCES = {"en": read_lines("sentences.en.txt"), "ko": read_lines("sentences.ko.txt")}
# Real recorded prompts (recorded.py) and Festival's phrases, made before the workers fork so
# they share them (rather than receiving a copy with every job).
RECORDED = []
FESTIVAL = []


def festival_phrases(rng, count):
    pool = []
    for voice in festival.VOICES:
        texts = [phrase_text(rng, "en", SENTENCES["en"]) for _ in range(count)]
        stretch = rng.choice([0.9, 1.0, 1.15])
        for text, (audio, rate, phones) in zip(texts, festival.synth_batch(texts, voice, stretch)):
            pool.append((audio, rate, phones, f"festival:{voice}:s{stretch}"))
    return pool


def progress(done, total, seconds):
    width = 30
    filled = int(width * done / total)
    sys.stderr.write(f"\rdata  [{'#' * filled}{'.' * (width - filled)}] {done}/{total} clips, {seconds / 60:.1f} min of audio")
    sys.stderr.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--clips", type=int, default=1200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cli", default="target/release/animasync-face")
    ap.add_argument("--manifest", required=True, help="a model manifest whose `input` gives the features")
    ap.add_argument("--festival", type=int, default=60, help="Festival phrases per voice (0: none)")
    ap.add_argument("--recorded-share", type=float, default=0.0,
                    help="share of English phrases taken from real recorded prompts (recorded.py; 0: none)")
    ap.add_argument("--recorded-cache", help="the prompts' alignment cache (made on first use)")
    ap.add_argument("--recorded-limit", type=int, default=0, help="use only the first N prompts of each set (0: all)")
    ap.add_argument("--recorded-sets", default="en", help=f"comma-separated prompt sets, of {','.join(recorded.SETS)}")
    ap.add_argument("--shared-corpora", default="",
                    help=f"comma-separated corpora of ../shared/speech whose training speakers join the recorded "
                         f"phrases, of {','.join(shared_speech.CORPORA)} (shared_speech.py; held-out speakers never do)")
    ap.add_argument("--shared-cache", help="their alignment cache (made on first use)")
    ap.add_argument("--clean-share", type=float, default=0.0,
                    help="share of clips spared the microphone damage (only their level changes)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    args = ap.parse_args()
    with open(args.manifest, encoding="utf-8") as f:
        features_spec = json.load(f)["input"]
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    FESTIVAL.extend(festival_phrases(rng, args.festival) if args.festival else [])
    if args.recorded_share > 0:
        if not args.recorded_cache:
            sys.exit("--recorded-share needs --recorded-cache")
        sets = [x for x in args.recorded_sets.split(",") if x]
        unknown = [x for x in sets if x not in recorded.SETS]
        if unknown:
            sys.exit(f"--recorded-sets: unknown set(s) {unknown}; known: {', '.join(recorded.SETS)}")
        RECORDED.extend(recorded.load(args.recorded_cache, RATE, sets=sets, limit=args.recorded_limit))
        corpora = [x for x in args.shared_corpora.split(",") if x]
        unknown = [x for x in corpora if x not in shared_speech.CORPORA]
        if unknown:
            sys.exit(f"--shared-corpora: unknown corpus {unknown}; known: {', '.join(shared_speech.CORPORA)}")
        if corpora:
            if not args.shared_cache:
                sys.exit("--shared-corpora needs --shared-cache")
            RECORDED.extend(shared_speech.load(args.shared_cache, RATE, corpora, limit=args.recorded_limit))
    jobs = [(i, args.seed * 1_000_003 + i, args.out, args.cli, args.manifest, args.recorded_share, args.clean_share)
            for i in range(args.clips)]
    index, seconds = [], 0.0
    # One fresh worker process per clip: libespeak-ng carries state from one utterance to the
    # next (its output for the same text and voice changes with what it spoke before), so a
    # worker that made other clips first would make this one differently. With a fresh
    # library per clip, a clip depends only on its own seed, however many workers there are.
    with multiprocessing.get_context("fork").Pool(args.jobs, maxtasksperchild=1) as workers:
        for entry in workers.imap(make_clip, jobs, chunksize=1):
            index.append(entry)
            seconds += entry["seconds"]
            progress(len(index), len(jobs), seconds)
    sys.stderr.write("\n")
    unknown = sorted({u for e in index for u in e["unknown_ipa"]})
    if unknown:
        print(f"warning: IPA symbols with no viseme (skipped): {' '.join(unknown)}", file=sys.stderr)
    with open(os.path.join(args.out, "index.json"), "w", encoding="utf-8") as f:
        # The features and viseme names it was made with: training checks them against its recipe.
        table = targets.VisemeTable()
        json.dump({"seed": args.seed, "features": features_spec, "visemes": table.names, "clips": index,
                   "channels": table.channels}, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
