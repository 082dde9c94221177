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

from models.color import ABQuantizer, lab_to_rgb, rgb_to_lab
from train import data, metrics

BASELINES = ("all_gray", "train_mean", "prior_mode")


def _resize(images, size):
    return data.resize_images(images, size).astype(np.float64) / 255


def load_test_and_train() -> dict:
    """{'cifar10': (test, train), 'intel': (test, train)}; Intel without its near-gray photos.

    Raises data.DataMissingError when the data are absent."""
    intel_test, intel_train = data.load_intel_scenes("test"), data.load_intel_scenes("train")
    return {"cifar10": (data.load_cifar10("test"), data.load_cifar10("train")),
            "intel": (intel_test.subset(~intel_test.near_gray), intel_train.subset(~intel_train.near_gray))}


def score(test_rgb, pred_ab, weights, quant, image_metrics=500, lab=None, true_cf=None) -> dict:
    """Every colorization metric of predicted ab (N, H, W, 2) against the true images (N, H, W, 3).

    Pixel metrics (colour classes, AuC) use all images; PSNR, SSIM and colourfulness the first
    image_metrics. The prediction is recombined with the true L.
    """
    lab = rgb_to_lab(test_rgb) if lab is None else lab
    ab = lab[..., 1:]
    pred_ab = np.broadcast_to(pred_ab, ab.shape)
    if true_cf is None:
        true_cf = np.array([metrics.colorfulness(im) for im in test_rgb[:image_metrics]])
    report = metrics.color_class_report(ab, pred_ab)
    auc = metrics.ab_auc(ab, pred_ab, class_weights=weights, quantizer=quant)
    pred_rgb = lab_to_rgb(np.concatenate([lab[..., :1], pred_ab], -1)[:image_metrics])
    psnr = [metrics.psnr(t, p) for t, p in zip(test_rgb[:image_metrics], pred_rgb)]
    ssim = [metrics.ssim(t, p) for t, p in zip(test_rgb[:image_metrics], pred_rgb)]
    cf = np.array([metrics.colorfulness(im) for im in pred_rgb])
    return {"colour_class": report, **auc,
            "psnr_mean": float(np.mean(psnr)), "ssim_mean": float(np.mean(ssim)),
            "colourfulness_mean": float(cf.mean()), "colourfulness_true_mean": float(true_cf.mean()),
            "colourfulness_gap": float(true_cf.mean() - cf.mean()), "n_image_metrics": int(len(pred_rgb))}


def baseline_constants(train_rgb, quant) -> tuple:
    """({name: constant ab}, rebalancing weights) of the trivial colorizers, from training images."""
    train_ab = rgb_to_lab(train_rgb)[..., 1:]
    prior = quant.prior(train_ab)
    constants = {"all_gray": np.zeros(2), "train_mean": train_ab.reshape(-1, 2).mean(0),
                 "prior_mode": quant.centers[int(np.argmax(prior))]}
    return constants, quant.rebalance_weights(prior, 0.5)


def evaluate(test_rgb, train_rgb, quant, label, out_dir, image_metrics=500):
    """All metrics for the three baselines on test_rgb (N, H, W, 3) in [0, 1]."""
    lab = rgb_to_lab(test_rgb)
    constants, weights = baseline_constants(train_rgb, quant)
    true_cf = np.array([metrics.colorfulness(im) for im in test_rgb[:image_metrics]])
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    result = {"n_images": int(len(test_rgb)), "resolution": int(test_rgb.shape[1]),
              "achromatic_share": float((chroma < 10).mean()),
              "constants": {k: [round(float(v), 3) for v in c] for k, c in constants.items()}, "baselines": {}}
    for name, const in constants.items():
        result["baselines"][name] = r = score(test_rgb, const, weights, quant, image_metrics, lab, true_cf)
        metrics.plot_confusion(r["colour_class"], out_dir / f"confusion_{label}_{name}.png",
                               title=f"{name}, {label} (n={len(test_rgb)})")
    return result


def figures(out_dir, rng):
    """The augmentation grid and the old-photo simulation across decades, on Intel test photos."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from train import augment as A
    from train import oldphoto as O
    test = data.load_intel_scenes("test")
    ims = test.images[[5, 900]].astype(np.float32) / 255
    ops = [("original", ims), ("hflip", A.hflip(ims)), ("rot90", A.rot90(ims)), ("rotate 10", A.rotate(ims, 10.0)),
           ("resized crop", A.random_resized_crop(ims, ims.shape[1], rng)), ("brightness +0.15", A.brightness(ims, 0.15)),
           ("contrast x0.6", A.contrast(ims, 0.6)), ("gamma 1.5", A.gamma(ims, 1.5)), ("noise 0.05", A.noise(ims, 0.05, rng)),
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
        raise SystemExit(f"cannot write the baseline report: {e}")
    (cifar_test, cifar_train), (intel_test, intel_train) = sets["cifar10"], sets["intel"]
    report = {"seed": a.seed, "num_ab_bins": quant.num_bins, "datasets": {}}
    jobs = [("cifar10", cifar_test, cifar_train, 32), ("cifar10", cifar_test, cifar_train, 64),
            ("intel", intel_test, intel_train, 150), ("intel", intel_test, intel_train, 64)]
    for name, test, train_set, size in tqdm(jobs, desc="baseline report"):
        test_images = test.images if a.max_images is None else test.images[:a.max_images]
        train_pick = np.random.default_rng(a.seed).choice(len(train_set), min(2000, len(train_set)), replace=False)
        label = f"{name}_{size}px"
        report["datasets"][label] = evaluate(_resize(test_images, size), _resize(train_set.images[train_pick], size),
                                             quant, label, out_dir)
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
