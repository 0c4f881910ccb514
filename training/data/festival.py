"""Speech with exact segment times from Festival (Debian festival, festvox-us-slt-hts,
festvox-kallpc16k). One Festival process synthesises a whole batch of phrases: its start-up
costs more than a phrase."""

import os
import subprocess
import tempfile
import wave

import numpy as np

VOICES = {"slt": "voice_cmu_us_slt_arctic_hts", "kal": "voice_kal_diphone"}

# Festival's English phone set (radio/mrpa) -> IPA, so one table maps every source to visemes.
RADIO_TO_IPA = {
    "aa": "ɑ", "ae": "æ", "ah": "ʌ", "ao": "ɔ", "aw": "aʊ", "ax": "ə", "ay": "aɪ", "b": "b",
    "ch": "tʃ", "d": "d", "dh": "ð", "eh": "ɛ", "er": "ɝ", "ey": "eɪ", "f": "f", "g": "g",
    "hh": "h", "ih": "ɪ", "iy": "i", "jh": "dʒ", "k": "k", "l": "l", "m": "m", "n": "n",
    "ng": "ŋ", "ow": "oʊ", "oy": "ɔɪ", "p": "p", "r": "ɹ", "s": "s", "sh": "ʃ", "t": "t",
    "th": "θ", "uh": "ʊ", "uw": "u", "v": "v", "w": "w", "y": "j", "z": "z", "zh": "ʒ",
    "pau": "", "h#": "", "brth": "BR",
}


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def synth_batch(texts, voice, stretch=1.0):
    """[(float32 audio, sample_rate, [(start, end, ipa)])] for each text."""
    with tempfile.TemporaryDirectory() as tmp:
        lines = [f"({VOICES[voice]})", f"(Parameter.set 'Duration_Stretch {stretch:.3f})"]
        for i, text in enumerate(texts):
            base = os.path.join(tmp, str(i))
            lines += [
                f"(set! utt (SynthText {_quote(text)}))",
                f'(utt.save.wave utt "{base}.wav" \'riff)',
                f'(utt.save.segs utt "{base}.segs")',
            ]
        script = os.path.join(tmp, "batch.scm")
        with open(script, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        subprocess.run(["festival", "-b", script], check=True, capture_output=True)
        out = []
        for i in range(len(texts)):
            base = os.path.join(tmp, str(i))
            with wave.open(base + ".wav") as w:
                rate = w.getframerate()
                audio = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768.0
            phones, start = [], 0.0
            with open(base + ".segs", encoding="utf-8") as f:
                for line in f:
                    parts = line.split()
                    if len(parts) != 3 or parts[0] == "#":
                        continue
                    end, label = float(parts[0]), parts[2]
                    if label not in RADIO_TO_IPA:
                        raise ValueError(f"Festival phone {label!r} has no IPA mapping")
                    phones.append((start, end, RADIO_TO_IPA[label]))
                    start = end
            out.append((audio, rate, phones))
        return out


if __name__ == "__main__":
    for voice in VOICES:
        ((audio, rate, phones),) = synth_batch(["Hello world, how are you?"], voice)
        print(voice, rate, len(audio) / rate, phones)
