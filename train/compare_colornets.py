"""Does a ColorNet checkpoint beat the shipped one on every source yet? A quick check between runs.

    python -m train.compare_colornets NEW.npz [--against weights/colornet.npz] [--images 600]
        [--out reports/colornet2/progress.json]

Colour-class pixel and balanced accuracy at 64 px with zero hints on seeded subsets of each held-out
source (Intel test and CIFAR-10 test, faces and everyday objects validation, near-gray photos
dropped), the new weights over a grid of decodings (temperature, prior correction), the other at its
card's decoding. A decoding "beats" when its pixel accuracy is higher on every source. This is the
quick look that decides whether to run the full train.evaluate_colornet; it is not the report.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from models.color import rgb_to_lab
from models.inference import Colorizer
from train import metrics
from train.baselines import as_float_images, load_test_and_train

GRID = [(T, a) for T in (0.2, 0.38, 0.6) for a in (0.0, 0.5, 0.75, 1.0)]


def held_out_sources(images: int) -> dict:
    """{source: RGB float images at 64 px}: seeded subsets of the four held-out sources."""
    from train.evaluation import extra_sources, pick_test_sets
    cifar, intel = pick_test_sets(load_test_and_train(), images, images)
    sets = {"intel": intel, "cifar": cifar, **{k: v[0] for k, v in extra_sources(images, images).items()}}
    return {k: as_float_images(v.images, 64) for k, v in sets.items()}


def accuracies(cz: Colorizer, sources: dict, grid) -> dict:
    """{"T{T}_a{a}": {source: {"pixel_acc", "balanced_acc"}}} for each decoding of the grid."""
    out = {f"T{T}_a{a}": {} for T, a in grid}
    for name, rgb in sources.items():
        lab = rgb_to_lab(rgb)
        logits = np.concatenate([cz.logits_batch(lab[i:i + 64, ..., 0])[0] for i in range(0, len(lab), 64)])
        for T, a in grid:
            r = metrics.color_class_report(lab[..., 1:], cz.decode(logits, T, a))
            out[f"T{T}_a{a}"][name] = {"pixel_acc": round(r["accuracy"], 4),
                                       "balanced_acc": round(r["balanced_accuracy"], 4)}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("weights", help="the new ColorNet weights (e.g. exported by train.export_colornet)")
    p.add_argument("--against", default=None, help="the weights to beat (default: the shipped ones)")
    p.add_argument("--images", type=int, default=600, help="photos per source")
    p.add_argument("--out", default=None, help="write the comparison as JSON here")
    a = p.parse_args(argv)
    sources = held_out_sources(a.images)
    old = Colorizer.from_weights(a.against, size=64)
    base = accuracies(old, sources, [(old.temperature, old.prior_correction)])
    base = next(iter(base.values()))
    new = accuracies(Colorizer.from_weights(a.weights, size=64), sources, GRID)
    beats = [g for g, v in new.items() if all(v[k]["pixel_acc"] > base[k]["pixel_acc"] for k in v)]
    print("against:", json.dumps(base))
    for g, v in new.items():
        print(g, json.dumps(v), "BEATS" if g in beats else "")
    if a.out:
        Path(a.out).write_text(json.dumps({"weights": a.weights, "against": a.against or "shipped",
                                           "images_per_source": a.images, "against_accuracy": base,
                                           "by_decoding": new, "beats_on_every_source": beats}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
