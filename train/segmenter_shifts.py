"""The region segmenter beyond winter streets: two segmenters side by side on CamVid's validation
frames given other seasons' and skies' tones, and on Intel's photos of other scenes.

    python -m train.segmenter_shifts --against runs/segmenter_scenes/segmenter.npz
        [--out reports/conditions/shifts.json]

Shifts (train/regions/training.scene_tones with fixed settings, each frame's own random texture
drawn from a seed the training never used): a clear sky at L* 70 and at 58, summer foliage (L* -12),
a snowy ground (+25), haze (0.35), and the frames as they are. For each: pixel accuracy and the IoU
of sky, tree and road over the labelled pixels. The training augmentation (--scenes) draws from the
same family, so this measures robustness to these shifts, not to every other scene. Intel's test
photos have no region labels: for each of its six scene classes the table gives the share of pixels
each segmenter puts in each region and the share it leaves unsure, to be read, not scored (a sea
photo has little road, a forest photo much tree).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.segmenter import REGIONS, RegionFinder
from models.weights import WeightsError
from train.common import data
from train.regions.training import frames, scene_tones

SHIFTS = {"as they are": {}, "clear sky L*70": {"sky": 70.0}, "clear sky L*58": {"sky": 58.0},
          "summer foliage": {"foliage": -12.0}, "snowy ground": {"ground": 25.0}, "haze": {"haze": 0.35}}
SHOWN = ("sky", "tree", "road")
SEED = 20261206


def scores(finder: RegionFinder, L, R) -> dict:
    pred = np.stack([finder.find(frame / 100).labels for frame in L])  # a gray frame: its lightness / 100
    keep = R >= 0
    out = {"pixel_accuracy": float((pred[keep] == R[keep]).mean())}
    for name in SHOWN:
        k = REGIONS.index(name)
        t, p = (R == k) & keep, (pred == k) & keep
        out[f"iou_{name}"] = float((t & p).sum() / max((t | p).sum(), 1))
    return out


def intel_shares(finder: RegionFinder, photos: int) -> dict:
    test = data.load_intel_scenes("test")
    out = {}
    for c, name in enumerate(data.INTEL_CLASSES):
        idx = np.flatnonzero(test.labels == c)[:photos]
        labels = np.stack([finder.find(test.images[i].astype(np.float32) / 255).labels for i in idx])
        shares = np.bincount(labels.ravel() + 1, minlength=len(REGIONS) + 1) / labels.size
        out[name] = {"n": int(len(idx)), "unsure": float(shares[0]),
                     **{r: float(s) for r, s in zip(REGIONS, shares[1:])}}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--against", required=True, help="the other segmenter's weights")
    p.add_argument("--base", default=None, help="default: the shipped weights/segmenter.npz")
    p.add_argument("--intel-photos", type=int, default=60, help="photos per Intel scene class")
    p.add_argument("--out", default="reports/conditions/shifts.json")
    a = p.parse_args(argv)
    try:
        finders = {"base": RegionFinder.from_weights(a.base), "other": RegionFinder.from_weights(a.against)}
        val = frames("val")
    except (WeightsError, data.DataMissingError) as e:
        print(f"segmenter_shifts: error: {e}", file=sys.stderr)
        return 2
    report = {"base": a.base or "weights/segmenter.npz", "other": a.against, "n_frames": int(len(val.L)),
              "shifts": {}, "intel": {}}
    for shift, settings in tqdm(SHIFTS.items(), desc="shifts"):
        rng = np.random.default_rng(SEED)
        L = np.stack([scene_tones(L, R, rng, draw=False, **settings) for L, R in zip(val.L, val.regions)])
        report["shifts"][shift] = {k: scores(f, L, val.regions) for k, f in finders.items()}
    for k, f in finders.items():
        report["intel"][k] = intel_shares(f, a.intel_photos)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1))
    for shift, r in report["shifts"].items():
        print(f"{shift:16s} " + "   ".join(f"{k}: acc {v['pixel_accuracy']:.3f} " + " ".join(
            f"{n} {v['iou_' + n]:.2f}" for n in SHOWN) for k, v in r.items()))
    for k, per in report["intel"].items():
        print(k, "; ".join(f"{c}: unsure {v['unsure']:.2f} sky {v['sky']:.2f} tree {v['tree']:.2f} "
                           f"road {v['road']:.2f} building {v['building']:.2f}" for c, v in per.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
