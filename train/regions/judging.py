"""What evaluate_conditions and tune_region_edges share: which frames count for a request, which of a
region's pixels can show the requested colour at all, and a CamVid sequence a segmenter never saw."""
from __future__ import annotations

import numpy as np

from models.conditions import lightness_range
from train.common import data

MIN_SHARE = 0.05  # a frame counts for a request when its labelled region covers this much of it


def in_gamut(L, ab) -> np.ndarray:
    """(H, W) bool: whether sRGB can show the request's hue clearly (conditions.clear_version) at each
    pixel's lightness L."""
    lo, hi = lightness_range(ab)
    return (L >= lo) & (L <= hi)


def sequence_frames(sequence: str, finder) -> data.Segmentations:
    """CamVid's train frames of one sequence, for a segmenter that was trained without it."""
    held = (finder.metadata.get("config") or {}).get("hold_out_sequence", "")
    if held != sequence:
        raise ValueError(f"the segmenter was trained on sequence {sequence} (its hold_out_sequence is "
                         f"{held or 'none'}): train one with --hold_out_sequence={sequence}")
    s = data.load_camvid("train")
    keep = np.array([f.startswith(sequence) for f in s.files], bool)
    if not keep.any():
        raise ValueError(f"no CamVid frames of sequence {sequence!r}")
    return data.Segmentations(s.images[keep], s.labels[keep], s.files[keep])
