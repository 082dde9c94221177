"""Baseline report: every metric for the trivial colorizers on the held-out test splits.

    python -m train.report_baselines [--out reports/baselines] [--max-images N]

Baselines (predicted ab, recombined with the true L): all-gray (ab = 0), the training set's
mean colour, and the mode of its colour prior. Data sets: CIFAR-10 test (native 32x32 and
64x64) and Intel scenes test without the near-gray photos (native 150x150 and 64x64). The
prior, its rebalancing weights (lambda 0.5), the mean and the mode come from 2,000 training
images at the same resolution. Writes baselines.json and figures (confusion matrices, an
augmentation grid, old-photo simulations across decades) to --out.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.color import ABQuantizer
from train.common import augment as A
from train.common import data
from train.common import oldphoto as O
from train.common.baselines import BASELINES, as_float_images, evaluate, load_test_and_train


def figures(out_dir, rng):
    """The augmentation grid and the old-photo simulation across decades, on Intel test photos."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    test = data.load_intel_scenes("test")
    ims = test.images[[5, 900]].astype(np.float32) / 255
    ops = [("original", ims), ("hflip", A.hflip(ims)), ("rot90", A.rot90(ims)), ("rotate 10", A.rotate(ims, 10.0)),
           ("resized crop", A.random_resized_crop(ims, ims.shape[1], rng)),
           ("brightness +0.15", A.brightness(ims, 0.15)), ("contrast x0.6", A.contrast(ims, 0.6)),
           ("gamma 1.5", A.gamma(ims, 1.5)), ("noise 0.05", A.noise(ims, 0.05, rng)),
           ("blur 1.5", A.blur(ims, 1.5)), ("Augment()", A.Augment()(ims, rng))]
    fig, ax = plt.subplots(2, len(ops), figsize=(1.8 * len(ops), 4.0))
    for j, (name, batch) in enumerate(ops):
        for i in range(2):
            ax[i, j].imshow(batch[i])
            ax[i, j].axis("off")
        ax[0, j].set_title(name, fontsize=8)
    fig.tight_layout()
    fig.savefig(out_dir / "augmentation_grid.png", dpi=80)
    plt.close(fig)
    decades = [1850, 1880, 1900, 1920, 1940, 1960]
    fig, ax = plt.subplots(2, len(decades) + 1, figsize=(1.9 * (len(decades) + 1), 4.9))
    for i, im in enumerate(ims.astype(np.float64)):
        ax[i, 0].imshow(im)
        ax[0, 0].set_title("colour original", fontsize=8)
        for j, d in enumerate(decades):
            p = O.era_params(d, rng)
            ax[i, j + 1].imshow(O.simulate_old_photo(im, p, rng))
            ax[i, j + 1].set_title(f"{d}s, {p.emulsion}\n{p.tone}", fontsize=7)
    for a in ax.ravel():
        a.axis("off")
    fig.tight_layout()
    fig.savefig(out_dir / "old_photo_eras.png", dpi=80)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="reports/baselines")
    p.add_argument("--max-images", type=int, default=None, help="cap each test split (for quick runs)")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    quant = ABQuantizer()
    try:
        sets = load_test_and_train()
    except data.DataMissingError as e:
        raise SystemExit(f"cannot write the baseline report: {e}") from None
    (cifar_test, cifar_train), (intel_test, intel_train) = sets["cifar10"], sets["intel"]
    report = {"seed": a.seed, "num_ab_bins": quant.num_bins, "datasets": {}}
    jobs = [("cifar10", cifar_test, cifar_train, 32), ("cifar10", cifar_test, cifar_train, 64),
            ("intel", intel_test, intel_train, 150), ("intel", intel_test, intel_train, 64)]
    for name, test, train_set, size in tqdm(jobs, desc="baseline report"):
        test_images = test.images if a.max_images is None else test.images[:a.max_images]
        train_pick = np.random.default_rng(a.seed).choice(len(train_set), min(2000, len(train_set)), replace=False)
        label = f"{name}_{size}px"
        report["datasets"][label] = evaluate(as_float_images(test_images, size),
                                             as_float_images(train_set.images[train_pick], size), quant, label, out_dir)
    figures(out_dir, rng)
    with open(out_dir / "baselines.json", "w") as f:
        json.dump(report, f, indent=1)
    for label, r in report["datasets"].items():
        for b in BASELINES:
            x = r["baselines"][b]
            print(f"{label:14s} {b:11s} pixel acc {x['colour_class']['accuracy']:.3f}  balanced "
                  f"{x['colour_class']['balanced_accuracy']:.3f}  AuC raw {x['auc_raw']:.3f}  rebalanced "
                  f"{x['auc_rebalanced']:.3f}  acc@10 {x['acc_at_10']:.3f}  PSNR {x['psnr_mean']:.2f}  "
                  f"SSIM {x['ssim_mean']:.3f}  colourfulness gap {x['colourfulness_gap']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
