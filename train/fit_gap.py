"""Does a ColorNet overfit or underfit? Its accuracy on training photos beside validation photos.

    python -m train.fit_gap [--weights weights/colornet.npz] [--images 600] [--out reports/colornet2/fit_gap.json]

The same seeded number of photos from each source's training and validation split (near-gray photos
dropped, 64 px, zero hints), decoded at the weights' card decoding: colour-class pixel and balanced
accuracy and all-gray's pixel accuracy on each. Training far above validation means the network
memorises (more data or augmentation would pay); the two alike means it cannot fit even what it
trained on (a larger network or longer training would).
"""
from __future__ import annotations

import argparse

import numpy as np

from models.color import rgb_to_lab
from models.inference import Colorizer
from models.weights import WeightsError
from train.colornet.evaluation import chunked_logits, write_json
from train.colornet.training import TrainConfig, load_training_data
from train.common import metrics
from train.common.baselines import as_float_images


def fit_gap(cz: Colorizer, pools: dict, images: int = 600) -> dict:
    """{source: {split: {pixel_accuracy, balanced_accuracy, all_gray_pixel_accuracy, n}}} for pools
    {split: {source: (uint8, _)}}."""
    out = {}
    for split, sources in pools.items():
        for name, (imgs, _) in sources.items():
            rgb = as_float_images(imgs[np.random.default_rng(0).permutation(len(imgs))[:images]], 64)
            lab = rgb_to_lab(rgb)
            rep = metrics.color_class_report(lab[..., 1:], cz.decode(chunked_logits(cz, lab[..., 0])))
            gray = metrics.color_class_report(lab[..., 1:], np.zeros_like(lab[..., 1:]))
            out.setdefault(name, {})[split] = {"pixel_accuracy": rep.accuracy,
                                               "balanced_accuracy": rep.balanced_accuracy,
                                               "all_gray_pixel_accuracy": gray.accuracy, "n": int(len(rgb))}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default=None, help="ColorNet weights (default: the shipped ones)")
    p.add_argument("--images", type=int, default=600, help="photos per source and split")
    p.add_argument("--out", default=None, help="write the numbers as JSON here")
    a = p.parse_args(argv)
    try:
        cz = Colorizer.from_weights(a.weights, size=64)
    except WeightsError as e:
        raise SystemExit(f"fit_gap: {e}") from None
    # the ColorNet 2 sources; their split is the one every run uses (train.common.data's seeded validation)
    pools = load_training_data(TrainConfig(mix="intel=0.35,faces=0.25,imagenette=0.25,cifar=0.15"))
    result = {"weights": a.weights or "shipped",
              "decode": {"temperature": cz.temperature, "prior_correction": cz.prior_correction},
              "sources": fit_gap(cz, pools, a.images)}
    for name, splits in result["sources"].items():
        print(name, "  ".join(f"{s} {r['pixel_accuracy']:.3f} (gray {r['all_gray_pixel_accuracy']:.3f}, balanced "
                              f"{r['balanced_accuracy']:.3f})" for s, r in splits.items()))
    if a.out:
        write_json(a.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
