"""Calibrating the era recogniser across collections: the temperature recovered, fitted without the
photo's own collection, the calibration error, the knows-nothing baseline, and the studio's caveat
matching the measured held-out result."""
import json
import re
from pathlib import Path

import numpy as np

from models.decoding import softmax
from models.era import ERAS, HELD_OUT_NOTE, LABELS, era_of
from train.era_calibration import prior_probs
from train.eras import calibration as C

ROOT = Path(__file__).resolve().parents[1]


def _sampled(rng, n, temperature):
    """Logits and true eras drawn from softmax(logits / temperature): calibrated at that temperature."""
    logits = rng.normal(scale=3.0, size=(n, len(LABELS)))
    p = softmax(logits / temperature, axis=1)
    decades = np.array([rng.choice(len(LABELS), p=row) for row in p])
    return logits, np.array([ERAS.index(era_of(LABELS[d])) for d in decades])


def test_the_temperature_that_generated_the_eras_is_recovered():
    rng = np.random.default_rng(0)
    for t in (1.0, 3.0):
        logits, eras = _sampled(rng, 3000, t)
        assert abs(np.log(C.fit_temperature(logits, eras) / t)) < 0.25


def test_each_collection_is_calibrated_by_the_others_only():
    rng = np.random.default_rng(1)
    la, ea = _sampled(rng, 1500, 1.0)
    lb, eb = _sampled(rng, 1500, 5.0)
    sources = np.array(["a"] * 1500 + ["b"] * 1500)
    probs, temps = C.held_out_calibrated(np.vstack([la, lb]), np.concatenate([ea, eb]), sources)
    assert temps["a"] > 3.0 and temps["b"] < 1.5  # a's temperature is b's, and b's is a's
    np.testing.assert_allclose(probs[:1500], softmax(la / temps["a"], axis=1))
    np.testing.assert_allclose(probs.sum(1), 1.0)


def test_calibration_error_is_small_when_calibrated_and_large_when_overconfident():
    rng = np.random.default_rng(2)
    logits, eras = _sampled(rng, 4000, 2.0)
    good, _ = C.calibration_error(C.era_probabilities(softmax(logits / 2.0, axis=1)), eras)
    sharp, rows = C.calibration_error(C.era_probabilities(softmax(logits / 0.3, axis=1)), eras)
    assert good < 0.04 < 0.1 < sharp
    assert sum(r["n"] for r in rows) == 4000
    assert np.allclose(C.era_probabilities(np.eye(len(LABELS))).sum(1), 1.0)


def test_the_prior_baseline_never_sees_its_own_collection():
    labels = np.array([LABELS.index("1880s")] * 3 + [LABELS.index("1930s")] * 2)
    sources = np.array(["x", "x", "x", "y", "y"])
    p = prior_probs(labels, sources)
    assert p[0, LABELS.index("1930s")] == 1.0 and p[3, LABELS.index("1880s")] == 1.0


def test_the_studio_caveat_states_the_measured_held_out_balanced_accuracy():
    report = json.loads((ROOT / "reports/eras/source_held_out.json").read_text())
    measured = report["shipped"]["era"]["balanced_accuracy"]
    stated = float(re.search(r"balanced accuracy (\d\.\d+)", HELD_OUT_NOTE.replace("\n", " ")).group(1))
    assert abs(stated - measured) < 0.01
    assert f"over {report['n_dated']} dated" in HELD_OUT_NOTE.replace("\n", " ")
