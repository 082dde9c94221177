"""Simulated user hints for training the hint-guided network (and for measuring it).

Hints are an ab map (N, H, W, 2) and a mask (N, H, W, 1): where the mask is 1 the map holds
the colour the user asked for. Points follow Zhang et al. (2017): the number per image is
geometric with p = 1/8, each a square patch of 1..9 px coloured with the mean ab of that
patch in the target. Regions are superpixels of L (Felzenszwalb or SLIC) filled with their
mean ab, like a user painting an area.
"""
from __future__ import annotations

import numpy as np


def point_hints(ab, rng, p: float = 1 / 8, max_points: int | None = None, max_patch: int = 9, count=None):
    """(hint_ab, mask) with a geometric number of square patches per image, mean ab inside each.

    ab: target ab (N, H, W, 2). count: a fixed number of points per image instead of the geometric draw.
    """
    ab = np.asarray(ab, dtype=np.float32)
    n, h, w = ab.shape[:3]
    hint = np.zeros_like(ab)
    mask = np.zeros((n, h, w, 1), dtype=np.float32)
    counts = rng.geometric(p, n) - 1 if count is None else np.full(n, int(count))  # geometric starts at 1
    if max_points is not None:
        counts = np.minimum(counts, max_points)
    for i in range(n):
        for _ in range(int(counts[i])):
            s = int(rng.integers(1, min(max_patch, h, w) + 1))
            y, x = int(rng.integers(0, h - s + 1)), int(rng.integers(0, w - s + 1))
            hint[i, y:y + s, x:x + s] = ab[i, y:y + s, x:x + s].reshape(-1, 2).mean(0)
            mask[i, y:y + s, x:x + s] = 1
    return hint, mask


def region_hints(L, ab, rng, max_regions: int = 3, method: str = "felzenszwalb"):
    """(hint_ab, mask) with up to max_regions whole superpixels of L per image, each filled with its mean ab.

    L: lightness (N, H, W) in [0, 100]; ab: target (N, H, W, 2).
    """
    from skimage.segmentation import felzenszwalb, slic
    L = np.asarray(L, dtype=np.float64)
    ab = np.asarray(ab, dtype=np.float32)
    n, h, w = L.shape
    hint = np.zeros_like(ab)
    mask = np.zeros((n, h, w, 1), dtype=np.float32)
    scale = max(h, w)
    for i in range(n):
        if method == "felzenszwalb":
            seg = felzenszwalb(L[i] / 100.0, scale=scale, sigma=0.8, min_size=max(4, h * w // 200))
        elif method == "slic":
            seg = slic(L[i] / 100.0, n_segments=24, compactness=0.1, channel_axis=None, start_label=0)
        else:
            raise ValueError("method must be 'felzenszwalb' or 'slic'")
        labels = np.unique(seg)
        k = int(rng.integers(1, max_regions + 1))
        for lab in rng.choice(labels, size=min(k, len(labels)), replace=False):
            region = seg == lab
            hint[i][region] = ab[i][region].mean(0)
            mask[i][region] = 1
    return hint, mask
