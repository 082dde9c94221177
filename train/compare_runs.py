"""Which of two training runs is better, on validation photos? For choosing between branches of a run.

    python -m train.compare_runs BASE_RUN PROBE_RUN [--images 600] [--out reports/colornet2/probe.json]

Each run's final checkpoint (the model at the end of its schedule) on the same seeded validation
photos of every source of the base run's mixture (the seeded 10% of each training folder that no run
trains on; never a test split, since what is chosen here must not have looked at one), at 64 px,
zero hints, decoded alike at each of DECODINGS with the same rebalancing weights. Per source and
decoding: colour-class pixel and balanced accuracy of both, and the probe's gain over the base with
a paired bootstrap 95% interval over the photos. train.compare_colornets is the other quick look:
exported weights against the shipped ones, on the held-out sets.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import minitorch_color as mt
from models.color import COLOR_CLASSES, ABQuantizer, color_class, rgb_to_lab
from models.colornet import ColorNet
from models.inference import Colorizer
from train.colornet.evaluation import (
    balanced_from_counts,
    chunked_logits,
    class_counts,
    paired_balanced_gain,
    paired_gain,
    write_json,
)
from train.colornet.training import TrainConfig, class_weights, load_training_data, model_config, scene_classes
from train.common import metrics
from train.common.baselines import as_float_images
from train.common.config import config_from_dict

DECODINGS = ((0.6, 0.75), (0.2, 0.5))  # (T, alpha): the shipped ColorNet 2's and a vivid one


def run_colorizer(run: Path, cfg, quant, weights) -> Colorizer:
    """A run's final checkpoint as a Colorizer (its own network shape, the given rebalancing weights)."""
    net = ColorNet(model_config(cfg, quant))
    net.load_state_dict(mt.load(run / "checkpoint.npz")["model"])
    return Colorizer(net.eval(), weights, scene_classes=list(scene_classes(cfg)))


def compare(base: Colorizer, probe: Colorizer, photos: dict, decodings=DECODINGS, resamples: int = 1000,
            seed: int = 0) -> dict:
    """{source: {"T<T>_a<alpha>": accuracies and gains}} of probe over base on photos {source: RGB (N, h, w, 3)}."""
    out = {}
    for name, rgb in photos.items():
        lab = rgb_to_lab(rgb)
        truth = color_class(lab[..., 1:])
        logits = [chunked_logits(cz, lab[..., 0]) for cz in (base, probe)]
        rng = np.random.default_rng(seed)
        picks = [rng.integers(len(rgb), size=len(rgb)) for _ in range(resamples)]
        out[name] = {}
        for T, a in decodings:
            acc, hits = [], []
            for cz, lg in zip((base, probe), logits):
                pred = color_class(cz.decode(lg, T, a))
                acc.append((pred == truth).reshape(len(rgb), -1).mean(1))
                h, support = class_counts(truth, pred, len(COLOR_CLASSES))
                hits.append(h)
            gain, gain95 = paired_gain(acc[1] - acc[0], picks)
            bgain, bgain95 = paired_balanced_gain(hits[1], hits[0], support, picks)
            out[name][f"T{T}_a{a}"] = {
                "base_pixel": float(acc[0].mean()), "probe_pixel": float(acc[1].mean()),
                "gain": gain, "gain_95": gain95,
                "base_balanced": balanced_from_counts(hits[0], support),
                "probe_balanced": balanced_from_counts(hits[1], support),
                "balanced_gain": bgain, "balanced_gain_95": bgain95}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("base", help="the run to beat (a folder with checkpoint.npz and best.npz)")
    p.add_argument("probe", help="the other run (the same network shape)")
    p.add_argument("--images", type=int, default=600, help="validation photos per source")
    p.add_argument("--out", default=None, help="write the comparison as JSON here")
    a = p.parse_args(argv)
    base, probe = Path(a.base), Path(a.probe)
    for run in (base, probe):
        if not (run / "checkpoint.npz").exists():
            raise SystemExit(f"{run}: no checkpoint.npz")
    cfg = config_from_dict(TrainConfig, metrics.current_names(dict(mt.load_metadata(base / "best.npz")["config"])))
    quant = ABQuantizer()
    pools = load_training_data(cfg)
    weights = class_weights(pools["train"], cfg, quant)  # from the sources' colour prior, not their shares
    photos = {name: as_float_images(imgs[np.random.default_rng(0).permutation(len(imgs))[:a.images]], 64)
              for name, (imgs, _) in pools["val"].items()}
    del pools
    result = {"base": str(base), "probe": str(probe),
              "what": f"final checkpoints, up to {a.images} seeded validation photos per source at 64 px, zero "
                      "hints; gain = probe minus base with a paired bootstrap 95% interval (1,000 resamples)",
              "sources": compare(run_colorizer(base, cfg, quant, weights), run_colorizer(probe, cfg, quant, weights),
                                 photos)}
    for name, rows in result["sources"].items():
        for dec, r in rows.items():
            print(f"{name:10s} {dec:10s} pixel {r['base_pixel']:.3f} -> {r['probe_pixel']:.3f} ({r['gain']:+.3f}, 95% "
                  f"{r['gain_95'][0]:+.3f}..{r['gain_95'][1]:+.3f}); balanced {r['base_balanced']:.3f} -> "
                  f"{r['probe_balanced']:.3f} ({r['balanced_gain']:+.3f})")
    if a.out:
        write_json(a.out, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
