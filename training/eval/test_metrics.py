"""Unit tests of the evaluation's metrics on curves whose answers are known by construction.

Run: python3 -m unittest discover -s training/eval -p 'test_*.py'
"""

import unittest

import numpy as np

from evaluate import (OTHER_CONSONANTS, PBM, ROUNDED, SPREAD, bootstrap, clip_metrics, phone_means, phone_minima,
                      pool, separation)
from reference import FPS


def phones_at(spans):
    """[(phone, start_frame, end_frame)] -> phone dicts covering those frames exactly."""
    return [{"phone": p, "start": a / FPS, "end": b / FPS} for p, a, b in spans]


# "a b a t a m a s a": vowels open (1.0), every consonant 3 frames long.
SPANS = [("SIL", 0, 12), ("AA", 12, 18), ("B", 18, 21), ("AA", 21, 27), ("T", 27, 30), ("AA", 30, 36),
         ("M", 36, 39), ("AA", 39, 45), ("S", 45, 48), ("AA", 48, 54), ("SIL", 54, 70)]
N = 70


def curve(levels):
    """Aperture per frame: 1 on vowels, `levels[phone]` on the given consonants, 0 in silence."""
    y = np.zeros(N)
    for p, a, b in SPANS:
        y[a:b] = 0.0 if p == "SIL" else levels.get(p, 1.0)
    return y


def metrics(pred, rounding=None, spans=SPANS):
    phones = phones_at(spans)
    speech = np.array([any(a <= k < b and p != "SIL" for p, a, b in spans) for k in range(N)])
    silence = np.zeros(N, bool)
    silence[:9] = True
    return clip_metrics(pred, curve({"B": 0.0, "M": 0.0, "T": 0.4, "S": 0.5}), phones, speech, silence, rounding)


# "w i t u b o s e": two rounded (W, UW, OW) and two spread (IY, EY) vowels between consonants.
ROUND_SPANS = [("SIL", 0, 12), ("W", 12, 15), ("IY", 15, 21), ("T", 21, 24), ("UW", 24, 30), ("B", 30, 33),
               ("OW", 33, 39), ("S", 39, 42), ("EY", 42, 48), ("SIL", 48, 70)]


def rounding_curve(values):
    """Rounding per frame: `values[phone]` over each phone's frames (0 where not given)."""
    y = np.zeros(N)
    for p, a, b in ROUND_SPANS:
        y[a:b] = values.get(p, 0.0)
    return y


class Separation(unittest.TestCase):
    def test_extremes_and_ties(self):
        self.assertEqual(separation([0.0, 0.1], [0.5, 0.6]), 1.0)
        self.assertEqual(separation([0.5, 0.6], [0.0, 0.1]), 0.0)
        self.assertEqual(separation([0.3], [0.3]), 0.5)
        self.assertIsNone(separation([], [0.3]))

    def test_unchanged_by_a_curve_that_deepens_every_dip(self):
        lower, higher = [0.1, 0.45, 0.2], [0.3, 0.5, 0.15, 0.8]
        self.assertEqual(separation(lower, higher), separation(np.square(lower), np.square(higher)))


class PhoneMinima(unittest.TestCase):
    def test_span_widened_by_one_frame(self):
        pred = np.ones(N)
        pred[17] = 0.2  # the frame before /b/ (frames 18-20)
        self.assertEqual(phone_minima(pred, phones_at(SPANS), PBM, 1.0), [0.2, 1.0])
        pred[17], pred[16] = 1.0, 0.2  # two frames before: outside the widened span
        self.assertEqual(phone_minima(pred, phones_at(SPANS), PBM, 1.0), [1.0, 1.0])

    def test_relative_to_the_level(self):
        pred = curve({"B": 0.1, "M": 0.1, "T": 0.5, "S": 0.5})
        self.assertEqual(phone_minima(pred, phones_at(SPANS), OTHER_CONSONANTS, 2.0), [0.25, 0.25])


class ClipMetrics(unittest.TestCase):
    def test_lips_closing_on_pbm_only(self):
        m = metrics(curve({"B": 0.0, "M": 0.05, "T": 0.5, "S": 0.6}))
        self.assertEqual((m["pbm_n"], m["pbm_closed"], m["pbm_closure"]), (2, 2, 1.0))
        self.assertEqual((m["other_n"], m["other_closed"]), (2, 0))
        self.assertEqual(separation(m["pbm_minima"], m["other_minima"]), 1.0)
        self.assertEqual(m["rest_share"], 1.0)

    def test_closing_everywhere_is_a_false_closure(self):
        m = metrics(curve({"B": 0.0, "M": 0.0, "T": 0.0, "S": 0.1}))
        self.assertEqual(m["pbm_closure"], 1.0)
        self.assertEqual(m["other_closed"], 2)
        self.assertLess(separation(m["pbm_minima"], m["other_minima"]), 1.0)

    def test_closed_throughout_scores_no_phone(self):
        m = metrics(np.zeros(N))  # no speech level to be relative to
        self.assertIsNone(m["pbm_closure"])
        self.assertEqual((m["pbm_minima"], m["other_minima"]), ([], []))

    def test_pooled_over_phones(self):
        good = metrics(curve({"B": 0.0, "M": 0.05, "T": 0.5, "S": 0.6}))
        bad = metrics(curve({"B": 0.5, "M": 0.0, "T": 0.0, "S": 0.6}))
        p = pool({"good": good, "bad": bad}, ["good", "bad"])
        self.assertEqual(p["pbm_closure_phones"], 3 / 4)
        self.assertEqual(p["other_closure_phones"], 1 / 4)
        # p/b/m minima (0, 0.05, 0.5, 0) against the others' (0.5, 0.6, 0, 0.6): 11 of the 16
        # pairs lower, 3 ties.
        self.assertAlmostEqual(p["pbm_separation"], 12.5 / 16)



class Rounding(unittest.TestCase):
    def test_the_sets_are_the_issue_s(self):
        self.assertEqual(ROUNDED, {"UW", "UH", "OW", "W"})
        self.assertEqual(SPREAD, {"IY", "IH", "EY", "EH"})

    def test_phone_means_over_the_phone_s_own_frames(self):
        r = rounding_curve({"UW": 1.0})
        r[23] = 5.0  # the frame before /u/ (frames 24-29): not the vowel's
        r[24] = 0.4
        self.assertAlmostEqual(phone_means(r, phones_at(ROUND_SPANS), {"UW"})[0], (0.4 + 5 * 1.0) / 6)

    def test_rounds_on_u_o_w_and_spreads_on_i_e(self):
        m = metrics(np.ones(N), rounding_curve({"W": 0.9, "UW": 0.8, "OW": 0.6, "IY": 0.1, "EY": 0.2}), ROUND_SPANS)
        self.assertEqual(pool({"c": m}, ["c"])["rounding_separation"], 1.0)

    def test_the_opposite_and_the_constant(self):
        backwards = metrics(np.ones(N), rounding_curve({"W": 0.1, "UW": 0.1, "OW": 0.1, "IY": 0.9, "EY": 0.9}),
                            ROUND_SPANS)
        self.assertEqual(pool({"c": backwards}, ["c"])["rounding_separation"], 0.0)
        flat = metrics(np.ones(N), np.full(N, 0.3), ROUND_SPANS)
        self.assertEqual(pool({"c": flat}, ["c"])["rounding_separation"], 0.5)

    def test_loudness_alone_does_not_round(self):
        # A rounding output that follows openness (IY and UW close, EY and OW mid, the glide W
        # between): as many spread vowels above rounded ones as below, so no better than chance.
        loud = rounding_curve({"IY": 0.3, "UW": 0.3, "EY": 0.6, "OW": 0.6, "W": 0.45})
        m = metrics(np.ones(N), loud, ROUND_SPANS)
        self.assertAlmostEqual(pool({"c": m}, ["c"])["rounding_separation"], 0.5)

    def test_no_rounding_output(self):
        m = metrics(np.ones(N), None, ROUND_SPANS)
        self.assertIsNone(pool({"c": m}, ["c"])["rounding_separation"])


class SpeakerBootstrap(unittest.TestCase):
    def test_a_speaker_s_clips_are_drawn_together(self):
        good = metrics(curve({"B": 0.0, "M": 0.05, "T": 0.5, "S": 0.6}))
        bad = metrics(curve({"B": 0.5, "M": 0.5, "T": 0.0, "S": 0.0}))
        per_clip = {c: {"x": good if c.startswith("g") else bad} for c in ("g1", "g2", "b1", "b2")}
        # Two voices, each with two identical clips: every resample is all-good, all-bad or half and
        # half, so the interval spans exactly [0, 1]; with four independent voices it would too, but
        # one voice's clips are never split.
        speakers = {"g1": "G", "g2": "G", "b1": "B", "b2": "B"}
        u = bootstrap(per_clip, list(per_clip), ["x"], speakers)
        self.assertEqual(u["speakers"], 2)
        self.assertEqual(u["interval"]["x"]["pbm_closure"], [0.0, 1.0])
        one = bootstrap(per_clip, ["g1", "g2"], ["x"], speakers)
        self.assertEqual(one["interval"]["x"]["pbm_closure"], [1.0, 1.0])


if __name__ == "__main__":
    unittest.main()


class SealCalibration(unittest.TestCase):
    """training/train.py calibrates the p/b/m seal on validation clips whose phones it reads from
    viseme labels: its closure counts must be the evaluation's on the same curve."""

    def test_viseme_runs_score_as_the_evaluation_s_phones(self):
        import sys
        from pathlib import Path
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        import train

        names = train.target_lib.VisemeTable().names
        viseme_of = {"SIL": "sil", "AA": "AA", "B": "PP", "M": "PP", "T": "DD", "S": "SS"}
        v = np.full(N, names.index("sil"))
        for p, a, b in SPANS:
            v[a:b] = names.index(viseme_of[p])
        for levels in ({"B": 0.0, "M": 0.0}, {"B": 0.0, "T": 0.1}, {"M": 0.2, "S": 0.2, "T": 0.0}, {}):
            pred = curve(levels)
            m = metrics(pred)
            want = (m["pbm_closed"] / m["pbm_n"], m["other_closed"] / m["other_n"])
            self.assertEqual(train.closure_rates([pred], [v], names), want, levels)
