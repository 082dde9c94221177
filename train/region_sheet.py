"""A sheet of varied scenes (mountains, coasts, meadows, glaciers, forests, streets) with the regions
the segmenter finds and a colour condition painted through the product's pipeline.

    python -m train.region_sheet [--out reports/conditions/scenes.png] [--condition "sky: blue; tree: green"]

Photos: for each Intel scene class, the first test photo that is not near gray (no choosing), a
CamVid validation frame, and real old photos of landscapes and streets from historical-dev, named
below. Columns: the photo | the regions found (each region's colour; an unsure region pale and
marked "?", not painted) | the automatic colorization | the condition painted on it.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from tqdm import tqdm

from models.color import image_lightness
from models.color_text import ConditionError, parse_conditions
from models.image_io import load_image, resize
from models.pipeline import Pipeline, Request
from models.weights import WeightsError
from train.common import data

OLD_PHOTOS = ("deoldify_test_images__AnselAdamsYosemite.jpg", "deoldify_test_images__1900sDaytonaBeach.jpg",
              "deoldify_test_images__NewZealand1860s.jpg", "deoldify_test_images__covered-wagons-traveling.jpg",
              "deoldify_test_images__GalwayIreland1902.jpg", "deoldify_test_images__MadisonSquare1900.jpg")
INTEL_CLASSES = ("mountain", "glacier", "sea", "forest", "street", "buildings")
REGION_RGB = {"sky": (0.45, 0.7, 1.0), "building": (0.6, 0.45, 0.35), "road": (0.35, 0.35, 0.4),
              "pavement": (0.85, 0.75, 0.5), "tree": (0.2, 0.7, 0.2), "car": (0.9, 0.2, 0.2),
              "person": (0.9, 0.3, 0.8), "object": (0.95, 0.85, 0.1)}
LONGER = 384  # the old photos' longer side on the sheet


def scenes() -> list:
    """[(caption, gray (H, W) float in [0, 1])]."""
    out = []
    test = data.load_intel_scenes("test")
    for name in INTEL_CLASSES:
        k = next(i for i in range(len(test)) if test.classes[test.labels[i]] == name and not test.near_gray[i])
        out.append((f"Intel test: {name}", image_lightness(test.images[k].astype(np.float32) / 255) / 100))
    camvid = data.load_camvid("val")
    out.append(("CamVid validation frame 0", image_lightness(camvid.images[0].astype(np.float32) / 255) / 100))
    folder = data.data_dir() / "historical-dev"
    for name in OLD_PHOTOS:
        im = load_image(folder / name)
        h, w = im.shape[:2]
        s = min(1.0, LONGER / max(h, w))
        im = resize(im, (round(h * s), round(w * s))) if s < 1 else im
        out.append((name.split("__")[-1].rsplit(".", 1)[0], image_lightness(im) / 100))
    return out


def overlay(gray, rm) -> tuple:
    """(RGB (H, W, 3): each found region in its colour over the gray, unsure ones pale; legend lines)."""
    out = np.repeat(gray[..., None], 3, -1) * 0.5
    legend = []
    for region, share in rm.present().items():
        m = rm.mask(region)
        unsure = rm.unsure(region)
        colour = np.array(REGION_RGB[region])
        out[m] = out[m] * (0.7 if unsure else 0.35) + colour * (0.3 if unsure else 0.65)
        legend.append((region + (" ?" if unsure else ""), share, REGION_RGB[region]))
    return np.clip(out, 0, 1), legend


def figure(pipe, rows, conditions, text, path) -> None:
    fig = Figure(figsize=(13, 2.9 * len(rows)))
    axes = fig.subplots(len(rows), 4)
    for r, (caption, gray) in enumerate(tqdm(rows, desc="scenes", leave=False)):
        regions, covered = pipe.regions_for(gray, conditions)
        rm = pipe.find_regions(gray)
        auto = pipe.run(Request(gray)).output
        painted = pipe.run(Request(gray, regions=tuple(regions))).output
        found, legend = overlay(gray, rm)
        for ax, im in zip(axes[r], (np.repeat(gray[..., None], 3, -1), found, auto, painted)):
            ax.imshow(np.clip(im, 0, 1))
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_ylabel(caption, fontsize=9)
        axes[r, 1].legend(handles=[Patch(color=c, label=f"{n} {s:.0%}") for n, s, c in legend], fontsize=7,
                          loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
        painted = [k.split(":")[0] for k, v in covered.items() if v]
        skipped = [k.split(":")[0] for k, v in covered.items() if not v]
        axes[r, 3].set_xlabel(("painted: " + ", ".join(painted) if painted else "nothing painted")
                              + ("; not: " + ", ".join(skipped) if skipped else ""), fontsize=8)
    for ax, title in zip(axes[0], ("the photo (gray in)", "regions found (? = unsure, not painted)",
                                   "automatic colour", "with the condition")):
        ax.set_title(title, fontsize=9)
    fig.suptitle(f'Regions found and "{text}" painted, on scenes beyond the segmenter\'s winter streets', fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.25 / len(rows)))
    fig.savefig(path, dpi=70)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="reports/conditions/scenes.png")
    p.add_argument("--condition", default="sky: deep sky blue; tree: forest green")
    a = p.parse_args(argv)
    try:
        conditions = parse_conditions(a.condition)
        pipe = Pipeline.load()
        rows = scenes()
    except (ConditionError, WeightsError, data.DataMissingError) as e:
        print(f"region_sheet: error: {e}", file=sys.stderr)
        return 2
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    figure(pipe, rows, conditions, a.condition, a.out)
    print(f"wrote {a.out} ({len(rows)} scenes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
