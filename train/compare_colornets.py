"""Does a ColorNet checkpoint beat the shipped one on every source yet? A quick check between runs.

    python -m train.compare_colornets NEW.npz [--against weights/colornet.npz] [--images 600]
        [--out reports/colornet2/progress.json]

Colour-class pixel and balanced accuracy at 64 px with zero hints on seeded subsets of each held-out
source (Intel test and CIFAR-10 test, faces and everyday objects validation, near-gray photos
dropped), the new weights over a grid of decodings (temperature, prior correction), the other at its
card's decoding. A decoding "beats" when its pixel accuracy is higher on every source. At the
decoding the new weights' card chose (the one they would ship with), the per-photo differences on
the same photos give each source's gain with a paired bootstrap 95% interval; the new weights
"clearly beat" when every interval lies above zero. This is the quick look that decides whether to
run the full train.evaluate_colornet; it is not the report.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from models.color import color_class, rgb_to_lab
from models.inference import Colorizer
from train.colornet.evaluation import chunked_logits, extra_sources, paired_gain, pick_test_sets
from train.common import metrics
from train.common.baselines import as_float_images, load_test_and_train

GRID = [(T, a) for T in (0.2, 0.38, 0.6) for a in (0.0, 0.5, 0.75, 1.0)]


def held_out_sources(images: int) -> dict:
    """{source: RGB float images at 64 px}: seeded subsets of the four held-out sources."""
    cifar, intel = pick_test_sets(load_test_and_train(), images, images)
    sets = {"intel": intel, "cifar": cifar, **{k: v[0] for k, v in extra_sources(images, images).items()}}
    return {k: as_float_images(v.images, 64) for k, v in sets.items()}


def logits_of(cz: Colorizer, rgb) -> np.ndarray:
    """The network's ab-bin logits for each photo's lightness."""
    return chunked_logits(cz, rgb_to_lab(rgb)[..., 0])


def accuracies(cz: Colorizer, sources: dict, grid) -> dict:
    """{"T{T}_a{a}": {source: {"pixel_accuracy", "balanced_accuracy"}}} for each decoding of the grid."""
    out = {f"T{T}_a{a}": {} for T, a in grid}
    for name, rgb in sources.items():
        ab_true, logits = rgb_to_lab(rgb)[..., 1:], logits_of(cz, rgb)
        for T, a in grid:
            r = metrics.color_class_report(ab_true, cz.decode(logits, T, a))
            out[f"T{T}_a{a}"][name] = {"pixel_accuracy": round(r.accuracy, 4),
                                       "balanced_accuracy": round(r.balanced_accuracy, 4)}
    return out


def per_photo_accuracy(cz: Colorizer, rgb) -> np.ndarray:
    """Each photo's colour-class pixel accuracy at the card's decoding."""
    true = color_class(rgb_to_lab(rgb)[..., 1:])
    return (color_class(cz.decode(logits_of(cz, rgb))) == true).reshape(len(rgb), -1).mean(1)


def paired_gains(new: Colorizer, old: Colorizer, sources: dict, resamples: int = 1000, seed: int = 0) -> dict:
    """{source: {"gain", "gain_95"}}: new minus old pixel accuracy, each at its card's decoding, on the
    same photos, with a paired bootstrap 95% interval over photos."""
    rng, out = np.random.default_rng(seed), {}
    for name, rgb in sources.items():
        diff = per_photo_accuracy(new, rgb) - per_photo_accuracy(old, rgb)
        g, g95 = paired_gain(diff, [rng.integers(len(diff), size=len(diff)) for _ in range(resamples)])
        out[name] = {"gain": round(g, 4), "gain_95": [round(v, 4) for v in g95]}
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
    cz = Colorizer.from_weights(a.weights, size=64)
    new = accuracies(cz, sources, GRID)
    beats = [g for g, v in new.items() if all(v[k]["pixel_accuracy"] > base[k]["pixel_accuracy"] for k in v)]
    print("against:", json.dumps(base))
    for g, v in new.items():
        print(g, json.dumps(v), "BEATS" if g in beats else "")
    paired = paired_gains(cz, old, sources)
    clearly = all(v["gain_95"][0] > 0 for v in paired.values())
    print(f"at the new card's decoding (T={cz.temperature}, a={cz.prior_correction}), gain over the other, "
          f"paired 95%: {json.dumps(paired)}; clearly beats on every source: {clearly}")
    if a.out:
        Path(a.out).write_text(json.dumps({"weights": a.weights, "against": a.against or "shipped",
                                           "images_per_source": a.images, "against_accuracy": base,
                                           "by_decoding": new, "beats_on_every_source": beats,
                                           "card_decoding": {"temperature": cz.temperature,
                                                             "prior_correction": cz.prior_correction},
                                           "paired_gain_at_card_decoding": paired,
                                           "clearly_beats_on_every_source": clearly}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
