"""Choose how a region condition's edges are painted (models/conditions.py: edge_alpha) on CamVid's
training frames, then measure the choice beside the painting it replaced on the validation frames.

    python -m train.tune_region_edges [--out reports/conditions/edges.json]

Requests: the sky blue and orange, the trees green and red. For each frame whose labelled region
covers at least 5% of it, the shipped segmenter's mask of the region is painted over the shipped
ColorNet's colorization with each candidate edge; numbers, per request, over frames:
- judged: of the labelled region's pixels where sRGB can show the request's hue clearly at their
  lightness (train/regions/judging.in_gamut), the share in the requested colour class;
- region: the same over the whole labelled region (a white sky cannot be blue at its lightness);
- leak: the share of the other pixels whose colour class changed against the unconditioned output.
Candidates: guided filters of radius 6, 8, 10 (working-size pixels), regularisation 0.01 and 0.03,
ramps (0.2, 0.6), (0.3, 0.7) and none; the rule picks the candidate with the highest mean sky
"judged" among those whose mean tree leak is at most LEAK_LIMIT, or, when none is, the lowest
tree leak among those reaching SKY_TARGET, or else the best sum of the two shortfalls.
"Before": the segmenter's mask eroded by 2 pixels and blurred by a 1.5-pixel Gaussian (until
2026-12-06).
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np
from scipy.ndimage import gaussian_filter
from tqdm import tqdm

from models.color import color_class, fit_chroma, lab_to_rgb, rgb_to_lab
from models.color_text import parse_color
from models.conditions import edge_alpha, region_mask
from models.hints import color_to_ab
from models.inference import Colorizer
from models.segmenter import CAMVID_TO_REGION, REGIONS, RegionFinder
from models.weights import WeightsError
from train.common import data
from train.regions.judging import MIN_SHARE, in_gamut

REQUESTS = (("sky", "blue", "#1e5adc"), ("sky", "orange", "#f08c1e"), ("tree", "green", "#2e8b2e"),
            ("tree", "red", "#c8281e"))
LEAK_LIMIT, SKY_TARGET = 0.05, 0.80
CANDIDATES = [{"radius": r, "eps": e, "ramp": list(ramp)}
              for r, e, ramp in itertools.product((6, 8, 10), (0.01, 0.03), ((0.2, 0.6), (0.3, 0.7), (0.0, 1.0)))]


def before(rm, region, L) -> np.ndarray:
    """The painting this replaced: the eroded mask, blurred."""
    return np.clip(gaussian_filter(region_mask(rm, region, edge=2).astype(np.float64), 1.5), 0, 1)


def painted_classes(L, ab, alpha, rgb) -> np.ndarray:
    """Colour classes after painting rgb with the share alpha per pixel (as models/conditions.paint)."""
    ab = ab.copy()
    inside = alpha > 1e-3
    want = fit_chroma(L[inside], np.broadcast_to(color_to_ab(rgb).astype(np.float64), (int(inside.sum()), 2)))
    ab[inside] = alpha[inside, None] * want + (1 - alpha[inside, None]) * ab[inside]
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


def name_of(c: dict) -> str:
    return f"guided r{c['radius']} eps{c['eps']} ramp {c['ramp'][0]}-{c['ramp'][1]}"


def edge_fn(c: dict):
    return lambda rm, region, L: edge_alpha(rm.mask(region), L, c["radius"], c["eps"], tuple(c["ramp"]))


def sky_and_leak(result: dict) -> tuple:
    """(mean sky "judged", mean tree leak) of one candidate's numbers."""
    return (float(np.mean([v["judged"] for k, v in result.items() if k.startswith("sky")])),
            float(np.mean([v["leak"] for k, v in result.items() if k.startswith("tree")])))


def choose(results: dict) -> str:
    """The rule of the module's docstring."""
    scores = {name: sky_and_leak(r) for name, r in results.items()}
    within = [n for n, (sky, leak) in scores.items() if leak <= LEAK_LIMIT]
    if within:
        return max(within, key=lambda n: scores[n][0])
    reaching = [n for n, (sky, leak) in scores.items() if sky >= SKY_TARGET]
    if reaching:
        return min(reaching, key=lambda n: scores[n][1])
    return min(scores, key=lambda n: max(0, SKY_TARGET - scores[n][0]) + max(0, scores[n][1] - LEAK_LIMIT))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="reports/conditions/edges.json")
    p.add_argument("--train-step", type=int, default=4, help="every n-th training frame")
    a = p.parse_args(argv)
    try:
        finder, cz = RegionFinder.from_weights(), Colorizer.from_weights()
        train, val = data.load_camvid("train"), data.load_camvid("val")
    except (WeightsError, data.DataMissingError) as e:
        print(f"tune_region_edges: error: {e}", file=sys.stderr)
        return 2
    candidates = {name_of(c): c for c in CANDIDATES}
    on_train = measure(train, finder, cz, {n: edge_fn(c) for n, c in candidates.items()}, a.train_step)
    chosen = choose(on_train)
    on_val = measure(val, finder, cz, {"before": before, chosen: edge_fn(candidates[chosen])})
    report = {"rule": f"highest mean sky 'judged' with mean tree leak <= {LEAK_LIMIT}, else the lowest leak "
                      f"reaching {SKY_TARGET}, else the smallest sum of shortfalls; chosen on CamVid train",
              "chosen": candidates[chosen], "chosen_name": chosen,
              "train_frames_step": a.train_step, "train": on_train, "validation": on_val}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1))
    for split, res in (("train", {chosen: on_train[chosen]}), ("validation", on_val)):
        for name, per in res.items():
            sky, leak = sky_and_leak(per)
            print(f"{split:10s} {name:34s} sky judged {sky:.3f}, tree leak {leak:.4f}; " + "; ".join(
                f"{k} judged {v['judged']:.3f} region {v['region']:.3f} leak {v['leak']:.4f}" for k, v in per.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
