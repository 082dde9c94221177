"""From network outputs to answers: softmax, the annealed mean of a colour distribution, entropy.

One decoder serves the whole project (inference, training-time validation, evaluation):

    ab = sum_q softmax((logits_q + log_prior_q) / T) * centre_q

T is the annealing temperature (Zhang et al. 2016: 1 is the mean, towards 0 the mode) and
log_prior an optional per-bin term added to the logits before annealing: minus alpha times the
log of the rebalancing weights undoes the tilt that rebalanced training gives (see
models/inference.py), and a palette's log-probabilities pull the colours towards that palette.
"""
from __future__ import annotations

import numpy as np


def softmax(z, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax of a float array along axis (float64 for integer input)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    e = np.exp(z - z.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


def annealed_mean(logits, centers, temperature: float, axis: int = -1, log_prior=None) -> np.ndarray:
    """ab from logits over the Q bins along axis, by the annealed mean; that axis becomes 2 and moves last.

    Computed in the logits' float precision (float32 logits give float32 ab). log_prior: (Q,) or None.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    z = np.asarray(logits)
    dtype = z.dtype if np.issubdtype(z.dtype, np.floating) else np.dtype(np.float64)
    z = np.moveaxis(z.astype(dtype, copy=False), axis, 0)  # (Q, ...)
    if log_prior is not None:
        z = z + np.asarray(log_prior, dtype).reshape((-1,) + (1,) * (z.ndim - 1))
    z = z * dtype.type(1.0 / temperature)  # a new array: the caller's logits are never changed
    z -= z.max(0, keepdims=True)
    np.exp(z, out=z)
    flat = z.reshape(z.shape[0], -1)
    ab = (np.asarray(centers, dtype).T @ flat) / flat.sum(0)  # (2, pixels)
    return np.moveaxis(ab.reshape((2,) + z.shape[1:]), 0, -1)


def entropy_bits(probs, axis: int = 0) -> np.ndarray:
    """Entropy in bits of distributions along axis: where a network is unsure."""
    p = np.asarray(probs)
    return -(p * np.log2(np.maximum(p, 1e-12))).sum(axis)
