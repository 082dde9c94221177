"""What evaluate_conditions and tune_region_edges share: which frames count for a request and which of
a region's pixels can show the requested colour at all."""
from __future__ import annotations

import numpy as np

from models.conditions import lightness_range

MIN_SHARE = 0.05  # a frame counts for a request when its labelled region covers this much of it


def in_gamut(L, ab) -> np.ndarray:
    """(H, W) bool: whether sRGB can show the request's hue clearly (conditions.clear_version) at each
    pixel's lightness L."""
    lo, hi = lightness_range(ab)
    return (L >= lo) & (L <= hi)
