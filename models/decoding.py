"""From network outputs to answers: softmax, the annealed mean of a colour distribution, entropy.

One decoder serves the whole project (inference, training-time validation, evaluation):

    ab = sum_q softmax((logits_q + log_prior_q) / T) * centre_q

T is the annealing temperature (Zhang et al. 2016: 1 is the mean, towards 0 the mode) and
log_prior an optional per-bin term added to the logits before annealing: minus alpha times the
log of the rebalancing weights undoes the tilt that rebalanced training gives (see
models/inference.py), and a palette's log-probabilities pull the colours towards that palette.
Before decoding, region_pool can move each pixel's logits toward the mean of its region of the
photo (lightness_regions), so that a vivid decoding gives a region one colour.
"""
from __future__ import annotations

import numpy as np
from skimage.segmentation import felzenszwalb


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


def lightness_regions(L, scale: float = 100.0, min_share: float = 1 / 200) -> np.ndarray:
    """Region ids (h, w) of a lightness image (0..100): Felzenszwalb and Huttenlocher's graph
    segmentation, regions of at least min_share of the pixels; what region_pool pools over."""
    L = np.asarray(L, np.float64)
    return felzenszwalb(L / 100, scale=scale, sigma=0.8, min_size=max(4, int(L.size * min_share)))


def region_pool(logits, regions, weight: float) -> np.ndarray:
    """Logits (Q, h, w) moved toward their region's mean by weight (0: unchanged, 1: the mean).

    Averaging logits over a region averages its log-probabilities (softmax ignores a pixel's constant),
    so each region settles on the colours most of its pixels agree on: a vivid decoding then paints
    an apple one colour instead of red, green and blue patches. Regions follow the photo's edges.
    """
    z = np.asarray(logits, np.float32)
    if weight <= 0:
        return z
    q = z.shape[0]
    flat, ids = z.reshape(q, -1), np.asarray(regions).ravel()
    counts = np.bincount(ids)
    order = np.argsort(ids, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])[counts > 0]
    means = np.zeros((q, len(counts)), np.float32)
    means[:, counts > 0] = np.add.reduceat(flat[:, order], starts, axis=1) / counts[counts > 0]
    return ((1 - weight) * flat + weight * means[:, ids]).reshape(z.shape)


def gray_share(logits, centers, log_prior=None, chroma: float = 10.0, axis: int = 0) -> np.ndarray:
    """The probability mass (along axis) of the bins whose colour is gray (chroma below `chroma`):
    how likely the network thinks a pixel is gray, from logits (plus log_prior, e.g. the correction
    that turns a rebalanced network's distribution back into an estimate of the truth's)."""
    z = np.moveaxis(np.asarray(logits, np.float32), axis, 0)
    if log_prior is not None:
        z = z + np.asarray(log_prior, np.float32).reshape((-1,) + (1,) * (z.ndim - 1))
    p = softmax(z, axis=0)
    return p[np.hypot(*np.asarray(centers, np.float64).T) < chroma].sum(0)


def gray_gate(share, threshold: float, width: float = 0.3) -> np.ndarray:
    """A factor in [0, 1] for a pixel's colour: 0 where its gray share is above threshold + width / 2,
    1 below threshold - width / 2, linear between (a soft decision: what is probably gray stays gray)."""
    return np.clip((threshold + width / 2 - np.asarray(share)) / width, 0.0, 1.0)
