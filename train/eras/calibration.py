"""Calibrating the era recogniser's confidence with one temperature for its logits, across collections.

Dividing the logits by a temperature T > 1 flattens the probabilities without changing which
decade is likeliest; T is the one that makes the three-era probabilities best predict the true era
(lowest mean negative log-likelihood). The calibration is validated like the recogniser: each
collection's photos get a temperature fitted on the other collections only (held_out_calibrated),
so the calibration error, and what --era auto would then do, are on photos no fit has seen
(train/era_calibration.py).

    t = fit_temperature(logits, labels)                 # logits of recognizer.logits(features)
    probs = held_out_calibrated(logits, labels, sources)
    ece = calibration_error(era_probabilities(probs), era_index(labels))
"""
from __future__ import annotations

import numpy as np

from models.decoding import softmax
from models.era import ERAS, LABELS, era_of

TEMPERATURES = np.geomspace(0.5, 100.0, 161)  # the grid fit_temperature searches
BINS = 5  # confidence bins of the calibration error and the reliability figure
# each decade label's era, as a (len(LABELS), len(ERAS)) 0/1 matrix: decade probabilities -> era probabilities
_ERA_OF_LABEL = np.array([[era_of(lab) == e for e in ERAS] for lab in LABELS], dtype=np.float64)


def era_probabilities(probs) -> np.ndarray:
    """(N, len(ERAS)) era probabilities of decade probabilities (N, len(LABELS))."""
    return np.asarray(probs, np.float64) @ _ERA_OF_LABEL


def era_nll(probs, true_eras) -> float:
    """Mean negative log-likelihood of the true eras (N,) under decade probabilities (N, len(LABELS))."""
    p = era_probabilities(probs)[np.arange(len(true_eras)), np.asarray(true_eras)]
    return float(-np.mean(np.log(np.clip(p, 1e-12, 1.0))))


def fit_temperature(logits, true_eras) -> float:
    """The temperature of TEMPERATURES whose softmax(logits / T) gives the true eras the lowest era_nll."""
    losses = [era_nll(softmax(np.asarray(logits) / t, axis=1), true_eras) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def held_out_calibrated(logits, true_eras, sources) -> tuple:
    """(calibrated probabilities, {source: its temperature}): each source's photos calibrated by the
    temperature fitted on every other source's photos."""
    logits, true_eras, sources = np.asarray(logits), np.asarray(true_eras), np.asarray(sources)
    probs, temps = np.zeros_like(logits, dtype=np.float64), {}
    for name in sorted(set(sources.tolist())):
        out = sources == name
        temps[name] = fit_temperature(logits[~out], true_eras[~out])
        probs[out] = softmax(logits[out] / temps[name], axis=1)
    return probs, temps


def calibration_error(era_probs, true_eras, bins: int = BINS) -> tuple:
    """(expected calibration error, rows): photos binned by the probability of their likeliest era;
    per bin its count, mean confidence and the share whose likeliest era is right. ECE is the
    count-weighted mean |confidence - accuracy|."""
    era_probs, true_eras = np.asarray(era_probs), np.asarray(true_eras)
    conf, pred = era_probs.max(1), era_probs.argmax(1)
    edges = np.linspace(1 / len(ERAS), 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    rows, ece = [], 0.0
    for b in range(bins):
        m = which == b
        if not m.any():
            rows.append({"from": float(edges[b]), "to": float(edges[b + 1]), "n": 0})
            continue
        c, a = float(conf[m].mean()), float((pred[m] == true_eras[m]).mean())
        rows.append({"from": float(edges[b]), "to": float(edges[b + 1]), "n": int(m.sum()),
                     "confidence": c, "accuracy": a})
        ece += m.mean() * abs(c - a)
    return float(ece), rows
