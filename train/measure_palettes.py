"""Measure the early-colour palette on real references and draw every palette.

    python -m train.measure_palettes [--out reports/eras]

The references are the six colour originals among ../shared/data/historical-dev ("early colour
process or hand-tinted", undated), compared with 300 Intel test photos (modern digital colour):
- cast: the difference of their mean ab;
- saturation: the ratio of their median chroma about their own mean ab;
- black and white: the linear lightness map that takes the modern photos' 2nd and 98th lightness
  percentiles (medians over photos) to the references'.
Writes palettes.json (the measurement, and every palette of models/palette.py with its source) and
palettes.png: each palette's swatches of the nine named colours and one Intel test photo graded by
it (the development photos themselves are never drawn: their copyright is not verified).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from models.color import COLOR_CLASSES, REFERENCE_RGB, rgb_to_lab
from models.palette import PALETTES, grade
from train.common import data


def look(images) -> dict:
    """Median over photos of: mean a, mean b, chroma about the photo's mean ab, 2nd and 98th L percentiles."""
    rows = []
    for im in images:
        lab = rgb_to_lab(np.clip(np.asarray(im, np.float64), 0, 1))
        a, b = lab[..., 1], lab[..., 2]
        rows.append((a.mean(), b.mean(), np.median(np.hypot(a - a.mean(), b - b.mean())),
                     np.percentile(lab[..., 0], 2), np.percentile(lab[..., 0], 98)))
    m = np.median(np.array(rows), axis=0)
    return {"mean_a": float(m[0]), "mean_b": float(m[1]), "chroma_about_mean": float(m[2]),
            "L_p2": float(m[3]), "L_p98": float(m[4]), "n": len(rows)}


def palette_numbers(ref: dict, modern: dict) -> dict:
    """The Palette fields that turn the modern look into the reference look (see the module doc)."""
    k = (ref["L_p98"] - ref["L_p2"]) / (modern["L_p98"] - modern["L_p2"])
    black = ref["L_p2"] - k * modern["L_p2"]
    return {"saturation": ref["chroma_about_mean"] / modern["chroma_about_mean"],
            "cast": [ref["mean_a"] - modern["mean_a"], ref["mean_b"] - modern["mean_b"]],
            "black": black, "white": black + 100 * k}


def figure(photo, path) -> None:
    """Swatches of the named colours and one photo, per palette."""
    from matplotlib.figure import Figure
    names = list(PALETTES)
    swatch = np.array([[REFERENCE_RGB.get(c, (0.5, 0.5, 0.5)) for c in COLOR_CLASSES]] * 3, np.float64)
    fig = Figure(figsize=(3.0 * len(names), 4.4), layout="constrained")
    ax = fig.subplots(2, len(names))
    for j, key in enumerate(names):
        p = PALETTES[key]
        ax[0, j].imshow(np.repeat(np.repeat(grade(swatch, p), 12, 0), 12, 1))
        ax[0, j].set_title(p.name, fontsize=9)
        ax[1, j].imshow(grade(photo, p))
        for a in ax[:, j]:
            a.axis("off")
    fig.suptitle("Period palettes: the nine named colours (top) and one Intel test photo (bottom) in each; "
                 "'modern' is the photo as it is")
    fig.savefig(path, dpi=90)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=Path("reports/eras"))
    a = p.parse_args(argv)
    try:
        refs = [r["image"] for r in data.load_historical() if "colour original" in (r.get("note") or "")]
        intel = data.load_intel_scenes("test")
    except data.DataMissingError as e:
        raise SystemExit(f"cannot measure the palettes: {e}") from None
    intel = intel.subset(~intel.near_gray)
    pick = np.random.default_rng(0).permutation(len(intel))[:300]
    modern = [im.astype(np.float64) / 255 for im in intel.images[pick]]
    ref_look, modern_look = look(refs), look(modern)
    measured = palette_numbers(ref_look, modern_look)
    a.out.mkdir(parents=True, exist_ok=True)
    report = {"references": "historical-dev colour originals (bopb_old__b..g)", "reference_look": ref_look,
              "modern_look (300 Intel test photos)": modern_look, "early_colour_measured": measured,
              "palettes": {k: v.to_dict() for k, v in PALETTES.items()}}
    (a.out / "palettes.json").write_text(json.dumps(report, indent=1))
    figure(modern[3], a.out / "palettes.png")
    print(json.dumps({"reference_look": ref_look, "modern_look": modern_look, "early colour": measured}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
