"""The trivial colorizers every result is compared with, and the scoring they share with ours.

all_gray paints ab = 0, train_mean the training set's mean ab, prior_mode its most frequent ab
bin; score() measures any prediction with every metric on the same images (train/common/metrics.py).
"""
from __future__ import annotations

import numpy as np

from models.color import lab_to_rgb, rgb_to_lab
from train.common import data, metrics

BASELINES = ("all_gray", "train_mean", "prior_mode")


def as_float_images(images, size) -> np.ndarray:
    """uint8 images resized to size x size, as float64 in [0, 1]."""
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
    return {"colour_class": report.to_dict(), **auc,
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
