"""Unit tests of the evaluation's metrics on curves whose answers are known by construction.

Run: python3 -m unittest discover -s training/eval -p 'test_*.py'
"""

import unittest

import numpy as np

from evaluate import OTHER_CONSONANTS, PBM, clip_metrics, phone_minima, pool, separation
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


def metrics(pred):
    phones = phones_at(SPANS)
    speech = np.array([any(a <= k < b and p != "SIL" for p, a, b in SPANS) for k in range(N)])
    silence = np.zeros(N, bool)
    silence[:9] = True
    return clip_metrics(pred, curve({"B": 0.0, "M": 0.0, "T": 0.4, "S": 0.5}), phones, speech, silence)


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


if __name__ == "__main__":
    unittest.main()
