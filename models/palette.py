"""The colour look of a period, as a grading of a colorized photo in Lab.

    from models.palette import palette_for, grade
    out = grade(rgb, palette_for("1910s"), strength=1.0)

Photography's periods had their own colours: prints hand-tinted with thin watercolours (to about
1900), the early colour processes (Autochrome and its relatives, 1907 to the 1930s: a warm cast,
muted colours, soft blacks), Kodachrome and its peers (from 1935: saturated, deep blacks) and the
colour prints of the 1970s that have faded since (lifted blacks, a warm magenta cast as the cyan
dye goes first). A Palette is a small measured transformation: lightness mapped linearly from
[0, 100] onto [black, white], ab turned by hue_shift degrees, scaled by saturation and offset by
cast. Where ../shared/data holds real references (the early colour originals among the
development photos) the numbers are measured on them by train/measure_palettes.py; where it holds
none they are set from the documented behaviour of the process, and each palette says which.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .color import lab_to_rgb, rgb_to_lab


@dataclass(frozen=True)
class Palette:
    """One period's look (see the module doc); the identity is Palette("modern")."""

    name: str
    saturation: float = 1.0  # chroma multiplier about the cast
    hue_shift: float = 0.0  # degrees, counter-clockwise in the ab plane
    cast: tuple = (0.0, 0.0)  # (a, b) added everywhere
    black: float = 0.0  # the lightness black maps to
    white: float = 100.0  # the lightness white maps to
    source: str = "identity"

    def to_dict(self) -> dict:
        d = asdict(self)
        d["cast"] = list(self.cast)
        return d


# Early colour: measured on the six colour originals of historical-dev (bopb_old__b..g: "early colour
# process or hand-tinted"), against 300 Intel test photos; train/measure_palettes.py writes the
# numbers and reports/eras/palettes.json keeps them. The others follow the processes' documented
# behaviour (no reference photos of them in ../shared/data).
PALETTES = {
    "hand-tinted": Palette("hand-tinted print", saturation=0.45, cast=(2.0, 9.0), black=12.0, white=90.0,
                           source="documented: thin watercolour over a toned albumen or silver print; pastel "
                                  "colours, warm paper, soft blacks (no colour references in the data)"),
    "early colour": Palette("early colour (Autochrome)", saturation=0.97, cast=(0.5, 13.5), black=7.0, white=81.5,
                            source="measured: the six early-colour originals of historical-dev against Intel "
                                   "test photos (train/measure_palettes.py)"),
    "kodachrome": Palette("Kodachrome", saturation=1.25, hue_shift=-3.0, cast=(1.5, 2.0), black=2.0, white=97.0,
                          source="documented: saturated dyes, deep blacks and warm reds of Kodachrome and its "
                                 "peers (no colour references in the data)"),
    "faded print": Palette("faded 1970s colour print", saturation=0.8, cast=(6.0, 8.0), black=14.0, white=92.0,
                           source="documented: chromogenic prints lose their cyan dye first (a red-magenta, "
                                  "yellowed cast) and their blacks (no colour references in the data)"),
    "modern": Palette("modern"),
}


def palette_for(label: str) -> Palette:
    """The palette of a decade label (models/era.LABELS): hand-tinted to the 1890s, early colour 1900s-1920s,
    Kodachrome 1930s-1960s, faded prints in the 1970s, none for modern photos."""
    if label == "modern":
        return PALETTES["modern"]
    decade = int(label[:4])
    key = ("hand-tinted" if decade < 1900 else "early colour" if decade < 1930 else
           "kodachrome" if decade < 1970 else "faded print")
    return PALETTES[key]


def grade(rgb, palette: Palette, strength: float = 1.0, strip_rows: int = 256) -> np.ndarray:
    """The photo (H, W, 3) in [0, 1] in that palette, float32; strength 0 leaves it, 1 applies it fully.

    Graded strip_rows rows at a time, so a 24-megapixel photo needs no full-size float64 copies."""
    if not 0 <= strength <= 1:
        raise ValueError(f"palette strength must be in 0..1, got {strength}")
    rgb = np.asarray(rgb)
    out = np.empty(rgb.shape, np.float32)
    t = np.radians(palette.hue_shift)
    turn = np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    for r in range(0, rgb.shape[0], strip_rows):
        lab = rgb_to_lab(rgb[r:r + strip_rows].astype(np.float64))
        L, ab = lab[..., 0], lab[..., 1:]
        graded_ab = palette.saturation * ab @ turn.T + np.asarray(palette.cast)
        graded_L = palette.black + (palette.white - palette.black) * L / 100
        lab = np.concatenate([((1 - strength) * L + strength * graded_L)[..., None],
                              (1 - strength) * ab + strength * graded_ab], -1)
        out[r:r + strip_rows] = np.clip(lab_to_rgb(lab), 0, 1)
    return out
