"""Choose how a region condition's edges are painted (models/conditions.py: edge_alpha) on CamVid's
training frames, then measure the choice beside the painting it replaced on the validation frames.

    python -m train.tune_region_edges [--out reports/conditions/edges.json]
    python -m train.tune_region_edges --sequence 0001TP --segmenter runs/seg_no0001TP/segmenter.npz

Requests: the sky blue and orange, the trees green and red. For each frame whose labelled region
covers at least 5% of it, the shipped segmenter's mask of the region is painted over the shipped
ColorNet's colorization with each candidate edge; numbers, per request, over frames:
- judged: of the labelled region's pixels where sRGB can show the request's hue clearly at their
  lightness (train/regions/judging.in_gamut), the share in the requested colour class;
- region: the same over the whole labelled region (a white sky cannot be blue at its lightness);
- leak: the share of the other pixels whose colour class changed against the unconditioned output.
Candidates: guided filters of radius 6, 10, 14 (working-size pixels), regularisation 0.01, 0.03
and 0.1, ramps (0.1, 0.5), (0.2, 0.6), (0.3, 0.7) and none, each without or with a lightness matte
(models/conditions.lightness_matte) of radius 4, 8 or 12 over the pixels the segmenter is sure of at
0.7 or 0.9. With --sequence the choice is made on the frames of a CamVid sequence the segmenter
(--segmenter) never saw, as the product meets photos. Each region gets its own (the sky's
edge meets branches and roofs, the trees' meet road and walls): the candidate with the highest mean
"judged" over the region's requests among those whose mean leak is at most LEAK_LIMIT, or, when
none is, the lowest leak.
"Before": the segmenter's mask eroded by 2 pixels and blurred by a 1.5-pixel Gaussian (until
2026-12-06).
"""
from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter
from tqdm import tqdm

from models.color import color_class, lab_to_rgb, rgb_to_lab
from models.color_text import parse_color
from models.conditions import Edge, edge_alpha, paint_ab, region_mask
from models.inference import Colorizer
from models.segmenter import CAMVID_TO_REGION, REGIONS, RegionFinder
from models.weights import WeightsError
from train.common import data
from train.regions.judging import MIN_SHARE, in_gamut, sequence_frames

REQUESTS = (("sky", "blue", "#1e5adc"), ("sky", "orange", "#f08c1e"), ("tree", "green", "#2e8b2e"),
            ("tree", "red", "#c8281e"))
LEAK_LIMIT = 0.05
GUIDED = [(r, e, ramp) for r, e, ramp in itertools.product(
    (6, 10, 14), (0.01, 0.03, 0.1), ((0.1, 0.5), (0.2, 0.6), (0.3, 0.7), (0.0, 1.0)))]
MATTES = [(0, 0.8)] + list(itertools.product((4, 8, 12), (0.7, 0.9)))  # (lightness_matte radius, sure)
CANDIDATES = [Edge(*g, matte, sure) for g in GUIDED for matte, sure in MATTES]


def before(rm, region, L) -> np.ndarray:
    """The painting this replaced: the eroded mask, blurred."""
    return np.clip(gaussian_filter(region_mask(rm, region, edge=2).astype(np.float64), 1.5), 0, 1)


def painted_classes(L, ab, alpha, rgb) -> np.ndarray:
    """Colour classes after painting rgb with the share alpha per pixel (models/conditions.paint_ab)."""
    ab = paint_ab(L, ab, np.where(alpha < 1e-3, 0, alpha), rgb)
    return color_class(rgb_to_lab(lab_to_rgb(np.concatenate([L[..., None], ab], -1)))[..., 1:])


def measure(frames, finder, cz, edges: dict, step: int = 1) -> dict:
    """{edge name: {request: {judged, region, leak: mean over frames, n}}} for edges {name: fn(rm, region, L)}."""
    rows = {name: {f"{r} {c}": {"judged": [], "region": [], "leak": []} for r, c, _ in REQUESTS} for name in edges}
    for i in tqdm(range(0, len(frames), step), desc="frames", leave=False):
        image = frames.images[i].astype(np.float32) / 255
        truth = CAMVID_TO_REGION[frames.labels[i]]
        rm, plain = finder.find(image), cz.process(image)
        lab = rgb_to_lab(plain.output).astype(np.float64)
        L, plain_cls = plain.prediction.L_full.astype(np.float64), color_class(lab[..., 1:])
        for region, colour, hexcol in REQUESTS:
            mask = truth == REGIONS.index(region)
            if mask.mean() < MIN_SHARE:
                continue
            rgb = parse_color(hexcol)
            req_ab = rgb_to_lab(np.asarray(rgb, np.float64))[1:]
            want, judged = int(color_class(req_ab)), mask & in_gamut(L, req_ab)
            for name, fn in edges.items():
                cls = painted_classes(L, lab[..., 1:], fn(rm, region, L), rgb)
                d = rows[name][f"{region} {colour}"]
                d["region"].append(float((cls[mask] == want).mean()))
                if judged.any():
                    d["judged"].append(float((cls[judged] == want).mean()))
                d["leak"].append(float((cls[~mask] != plain_cls[~mask]).mean()))
    return {name: {k: {m: float(np.mean(v)) if v else None for m, v in d.items()} | {"n": len(d["leak"])}
                   for k, d in per.items()} for name, per in rows.items()}


def name_of(c: Edge) -> str:
    matte = f" matte r{c.matte} sure {c.sure}" if c.matte else ""
    return f"guided r{c.radius} eps{c.eps} ramp {c.ramp[0]}-{c.ramp[1]}{matte}"


def edge_fn(c: Edge):
    return lambda rm, region, L: edge_alpha(rm.mask(region), L, c, rm.trimap(region, c.sure) if c.matte else None)


def judged_and_leak(result: dict, region: str) -> tuple:
    """(mean "judged", mean leak) over a region's requests in one candidate's numbers."""
    mine = [v for k, v in result.items() if k.split()[0] == region]
    return float(np.mean([v["judged"] for v in mine])), float(np.mean([v["leak"] for v in mine]))


def choose(results: dict, region: str) -> str:
    """The rule of the module's docstring, for one region."""
    scores = {name: judged_and_leak(r, region) for name, r in results.items()}
    within = [n for n, (_, leak) in scores.items() if leak <= LEAK_LIMIT]
    if within:
        return max(within, key=lambda n: scores[n][0])
    return min(scores, key=lambda n: scores[n][1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="reports/conditions/edges.json")
    p.add_argument("--train-step", type=int, default=4, help="every n-th training frame")
    p.add_argument("--sequence", default="",
                   help="choose on this CamVid sequence's frames instead, segmented by --segmenter, one trained "
                        "without it (train_segmenter --hold_out_sequence)")
    p.add_argument("--segmenter", default=None, help="the segmenter for --sequence")
    a = p.parse_args(argv)
    try:
        finder, cz = RegionFinder.from_weights(), Colorizer.from_weights()
        chooser = RegionFinder.from_weights(a.segmenter) if a.sequence else finder
        train = sequence_frames(a.sequence, chooser) if a.sequence else data.load_camvid("train")
        val = data.load_camvid("val")
    except (WeightsError, data.DataMissingError, ValueError) as e:
        print(f"tune_region_edges: error: {e}", file=sys.stderr)
        return 2
    candidates = {name_of(c): c for c in CANDIDATES}
    on_train = measure(train, chooser, cz, {n: edge_fn(c) for n, c in candidates.items()}, a.train_step)
    chosen = {region: choose(on_train, region) for region in dict.fromkeys(r for r, _, _ in REQUESTS)}
    on_val = measure(val, finder, cz, {"before": before} | {n: edge_fn(candidates[n]) for n in chosen.values()})
    report = {"rule": f"per region, the highest mean 'judged' over its requests with their mean leak <= "
                      f"{LEAK_LIMIT}, else the lowest leak; chosen on " + (
                          f"CamVid sequence {a.sequence}, segmented by {a.segmenter} (trained without it)"
                          if a.sequence else "CamVid train"),
              "chosen": {region: dataclasses.asdict(candidates[n]) for region, n in chosen.items()},
              "chosen_name": chosen, "train_frames_step": a.train_step, "train": on_train, "validation": on_val}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1))
    for region, name in chosen.items():
        for split, shown, per in (("train", name, on_train[name]), ("validation", name, on_val[name]),
                                  ("validation", "before", on_val["before"])):
            print(f"{region:5s} {split:10s} {shown:34s} " + "; ".join(
                f"{k} judged {v['judged']:.3f} region {v['region']:.3f} leak {v['leak']:.4f}"
                for k, v in per.items() if k.split()[0] == region))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
