"""The Regions mode's state, without GUI imports: colours painted on regions of the current photo,
with undo and redo (gui/modes/regions.py draws it; gui/controller.py turns it into hints).

A Paint is a region and its colour: a named region the segmenter found ("sky"), the segment grown
from a click where the segmenter is unsure, or pixels brushed in or out of either. Every change is
one undo step (a brush stroke: begin_stroke, then strokes with record=False).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.color import rgb_to_lab
from models.conditions import region_mask, segment_at
from models.hints import Region
from models.segmenter import REGIONS

from .history import History


@dataclass
class Paint:
    name: str  # "sky", or "segment 2" for one grown from a click
    mask: np.ndarray  # bool (H, W) in photo pixels
    rgb: tuple
    enabled: bool = True


class RegionEditor:
    def __init__(self, find=None, history_limit: int = 100):
        self.find = find  # photo -> RegionMap (Pipeline.find_regions), or None: clicks and brushes only
        self.map = None  # the photo's RegionMap
        self.L = None  # the photo's lightness (H, W), 0..100
        self.paints: list = []
        self.selected: int | None = None
        self.history = History(lambda: (self.paints, self.selected), self._restore, history_limit)

    # ----- the photo --------------------------------------------------------------------
    def new_photo(self, image) -> None:
        self.L = rgb_to_lab(np.asarray(image, np.float32))[..., 0]
        self.map = self.find(image) if self.find is not None else None
        self.paints, self.selected = [], None
        self.history.clear()

    def detected(self) -> dict:
        """{region name: share of the photo} the segmenter found (empty without one)."""
        return self.map.present() if self.map is not None else {}

    def is_unsure(self, region: str) -> bool:
        """Whether the segmenter found the region but is more likely wrong than right about it (the
        command does not paint such a region; here the user sees it marked and decides)."""
        return self.map is not None and self.map.unsure(region)

    # ----- changes (each one undo step) --------------------------------------------------
    def _record(self):
        self.history.record()

    def _restore(self, state):
        self.paints, self.selected = state

    def add_named(self, region: str, rgb) -> int:
        """Paint a region the segmenter found (or select it if it is painted already)."""
        for i, p in enumerate(self.paints):
            if p.name == region:
                self.selected = i
                return i
        if self.map is None:
            raise ValueError("no region segmenter loaded: click a segment or brush instead")
        self._record()
        self.paints.append(Paint(region, region_mask(self.map, region), tuple(rgb)))
        self.selected = len(self.paints) - 1
        return self.selected

    def click(self, x: float, y: float, rgb) -> int | None:
        """Select what is under a click: a painted region, else the segmenter's region there, else the
        segment grown over similar lightness. Returns the paint's index (None outside the photo)."""
        h, w = self.L.shape
        xi, yi = int(x), int(y)
        if not (0 <= xi < w and 0 <= yi < h):
            return None
        for i in range(len(self.paints) - 1, -1, -1):
            if self.paints[i].mask[yi, xi]:
                self.selected = i
                return i
        if self.map is not None and self.map.labels[yi, xi] >= 0:
            return self.add_named(REGIONS[self.map.labels[yi, xi]], rgb)
        self._record()
        n = sum(p.name.startswith("segment") for p in self.paints) + 1
        self.paints.append(Paint(f"segment {n}", segment_at(self.L, xi, yi), tuple(rgb)))
        self.selected = len(self.paints) - 1
        return self.selected

    def set_color(self, rgb) -> bool:
        p = self.current
        if p is None or tuple(rgb) == p.rgb:
            return False
        self._record()
        p.rgb = tuple(rgb)
        return True

    def set_enabled(self, index: int, enabled: bool) -> None:
        self._record()
        self.paints[index].enabled = bool(enabled)

    def remove(self, index: int) -> None:
        self._record()
        del self.paints[index]
        self.selected = None

    def begin_stroke(self) -> None:
        self._record()

    def stroke(self, x: float, y: float, radius: float, erase: bool = False) -> bool:
        """Brush the selected paint's mask in (or out) in a disc at (x, y); record with begin_stroke."""
        p = self.current
        if p is None:
            return False
        h, w = p.mask.shape
        yy, xx = np.ogrid[:h, :w]
        disc = (yy - y) ** 2 + (xx - x) ** 2 <= radius ** 2
        p.mask = p.mask & ~disc if erase else p.mask | disc
        return True

    def undo(self) -> bool:
        return self.history.undo()

    def redo(self) -> bool:
        return self.history.redo()

    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.history.can_redo

    # ----- what the colorization sees -----------------------------------------------------
    @property
    def current(self) -> Paint | None:
        return self.paints[self.selected] if self.selected is not None and self.selected < len(self.paints) else None

    def regions(self) -> list:
        """models.hints.Region for every enabled paint with pixels (later paints over earlier ones)."""
        return [Region(p.rgb, mask=p.mask) for p in self.paints if p.enabled and p.mask.any()]
