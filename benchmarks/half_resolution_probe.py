"""Does ColorNet lose colour by predicting at half resolution? A full-resolution ColorNet's own
half-resolution stage head (trained beside its output as deep supervision) against its full-resolution
output, both brought to 64 px and decoded alike, on validation photos of three sources.

    python -m benchmarks.half_resolution_probe --weights W [--photos 300]

The evidence behind ColorNet 3's output_stride 2 (benchmarks/README.md): at equal training the
half-resolution answer is as accurate per image, for 1.5x the training images per second.
"""
from __future__ import annotations

import argparse

import numpy as np

import minitorch_color as mt
from models.color import rgb_to_lab
from models.colornet import upsample_logits
from models.inference import Colorizer
from train.common import data, metrics

SOURCES = {"intel": data.load_intel_scenes, "faces": data.load_faces, "imagenette": data.load_imagenette}


def probe(cz: Colorizer, rgb, chunk: int = 50) -> dict:
    """{"full": (pixel, balanced), "half": (pixel, balanced)} on RGB photos (N, 64, 64, 3)."""
    lab = rgb_to_lab(rgb)
    x = cz.network_input(lab[..., 0].astype(np.float32))
    abs_ = {"full": [], "half": []}
    with mt.no_grad():
        for i in range(0, len(x), chunk):
            out = cz.net(mt.tensor(x[i:i + chunk]))
            abs_["full"].append(cz.decode(upsample_logits(out.stages[-1].numpy(), rgb.shape[1:3])))
            abs_["half"].append(cz.decode(upsample_logits(out.stages[-2].numpy(), rgb.shape[1:3])))
    res = {}
    for k, parts in abs_.items():
        rep = metrics.color_class_report(lab[..., 1:], np.concatenate(parts))
        res[k] = (rep.accuracy, rep.balanced_accuracy)
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default=None, help="a ColorNet with full-resolution output (output_stride 1)")
    p.add_argument("--photos", type=int, default=300)
    a = p.parse_args(argv)
    cz = Colorizer.from_weights(a.weights)
    if cz.net.config.output_stride != 1:
        p.error("these weights already predict at half resolution: give a full-resolution ColorNet")
    print(f"decoding T={cz.temperature}, prior correction {cz.prior_correction}")
    for name, load in SOURCES.items():
        s = load("val")
        imgs = (s.images[~s.near_gray] if s.near_gray is not None else s.images)[:a.photos]
        r = probe(cz, data.resize_images(imgs, 64).astype(np.float64) / 255)
        print(f"{name:10s} full-resolution output: pixel {r['full'][0]:.3f} balanced {r['full'][1]:.3f}; "
              f"half-resolution head: pixel {r['half'][0]:.3f} balanced {r['half'][1]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
