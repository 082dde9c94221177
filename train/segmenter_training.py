"""Training the region segmenter (models/segmenter.py) on CamVid from lightness alone (the library
behind train/train_segmenter.py).

Batches: training frames (192x144) reduced to their lightness, mirrored half the time, zoomed by up
to 1.5x and cropped back to 192x144 (a street seen closer), with their tones jittered (gamma and
contrast: old and modern photos are lighter or darker than Cambridge in winter). Loss: cross-
entropy over the merged REGIONS, void pixels ignored, each region weighted by the inverse square
root of its share (so poles and people count without drowning the roads). Validation on CamVid's
validation split: pixel accuracy, mean IoU, confusion matrix, per-region precision and recall,
next to two baselines on the same pixels: the majority region everywhere, and the training
frames' most frequent region at each pixel position (a street's layout alone).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

import minitorch_color as mt
from minitorch_color import nn
from models.color import rgb_to_lab
from models.decoding import softmax
from models.image_io import resize
from models.segmenter import CAMVID_TO_REGION, REGIONS, Segmenter, network_input
from train import data, metrics
from train.config import config_dict, config_from_dict


@dataclass
class SegConfig:
    """Everything a run depends on (saved in every checkpoint)."""

    channels: tuple = (16, 32, 64, 128)
    steps: int = 2000
    batch: int = 8
    lr: float = 2e-3
    weight_decay: float = 1e-4
    zoom: float = 1.5  # largest zoom of the crop augmentation
    val_every: int = 250
    seed: int = 0
    out: str = "runs/segmenter"
    max_minutes: float = 0.0


RESUME_OVERRIDES = ("steps", "out", "max_minutes", "val_every")


@dataclass
class Frames:
    """Lightness (N, H, W) float32 in 0..100 and region ids (N, H, W) int64 (-1: void)."""

    L: np.ndarray
    regions: np.ndarray


def frames(split: str) -> Frames:
    s = data.load_camvid(split)
    L = np.stack([rgb_to_lab(im.astype(np.float64) / 255)[..., 0] for im in s.images]).astype(np.float32)
    return Frames(L, CAMVID_TO_REGION[s.labels])


def region_weights(train: Frames) -> np.ndarray:
    """Per region 1 / sqrt(share), normalised to mean 1 over the pixels."""
    counts = np.bincount(train.regions[train.regions >= 0], minlength=len(REGIONS)).astype(np.float64)
    share = counts / counts.sum()
    w = 1 / np.sqrt(np.maximum(share, 1e-4))
    return (w / (w * share).sum()).astype(np.float32)


def batch(train: Frames, rng, n: int, zoom: float) -> tuple:
    """(network input (n, 1, H, W), region ids (n, H, W)) of augmented training frames."""
    H, W = train.L.shape[1:]
    xs, ys = [], []
    for i in rng.integers(len(train.L), size=n):
        L, R = train.L[i], train.regions[i]
        if rng.random() < 0.5:
            L, R = L[:, ::-1], R[:, ::-1]
        z = rng.uniform(1, zoom)
        h, w = int(round(H * z)), int(round(W * z))
        if z > 1.01:
            L = resize(np.ascontiguousarray(L), (h, w))
            R = resize(np.ascontiguousarray(R).astype(np.float32), (h, w), "nearest").astype(np.int64)
            y0, x0 = rng.integers(h - H + 1), rng.integers(w - W + 1)
            L, R = L[y0:y0 + H, x0:x0 + W], R[y0:y0 + H, x0:x0 + W]
        t = np.clip(L / 100, 0, 1) ** rng.uniform(0.7, 1.4)  # gamma
        t = np.clip((t - 0.5) * rng.uniform(0.75, 1.25) + 0.5 + rng.uniform(-0.08, 0.08), 0, 1)  # contrast, level
        xs.append(t * 100)
        ys.append(R)
    return network_input(np.stack(xs)), np.stack(ys)


def loss_fn(logits, regions, weights):
    """Weighted cross-entropy over the labelled pixels (a void pixel's target is all zeros: no loss)."""
    k = logits.shape[1]
    target = (regions[:, None] == np.arange(k).reshape(1, k, 1, 1)) * weights.reshape(1, k, 1, 1)
    target = target.astype(np.float32)
    return nn.F.cross_entropy(logits, target, reduction="sum") * (1 / max(float(target.sum()), 1e-6))


def predict(net, L, chunk: int = 16) -> np.ndarray:
    """(N, len(REGIONS), H, W) probabilities for lightness frames (N, H, W)."""
    out = []
    with mt.no_grad():
        for i in range(0, len(L), chunk):
            out.append(softmax(net(mt.tensor(network_input(L[i:i + chunk]))).numpy().astype(np.float64), axis=1))
    return np.concatenate(out).astype(np.float32)


def position_prior(train: Frames) -> np.ndarray:
    """(H, W) the most frequent region at each pixel over the training frames (void left out)."""
    counts = np.stack([(train.regions == k).sum(0) for k in range(len(REGIONS))])
    return counts.argmax(0)


def seg_report(pred, truth, prior: np.ndarray, majority: int) -> dict:
    """Pixel accuracy, mean IoU, confusion, per-region precision and recall over the labelled pixels,
    beside the majority-region and position-prior baselines."""
    keep = truth >= 0
    t, p = truth[keep], pred[keep]
    rep = metrics.classification_report(t, p, list(REGIONS))
    C = np.array(rep["confusion"], np.float64)
    iou = np.diag(C) / np.maximum(C.sum(0) + C.sum(1) - np.diag(C), 1)
    prior_pred = np.broadcast_to(prior, truth.shape)[keep]
    prior_iou = iou_of(t, prior_pred)
    return {"pixels": int(keep.sum()), "pixel_accuracy": float((t == p).mean()), "mean_iou": float(iou.mean()),
            "iou": {r: float(v) for r, v in zip(REGIONS, iou)}, "report": rep,
            "baselines": {"majority_region_pixel_accuracy": float((t == majority).mean()),
                          "position_prior_pixel_accuracy": float((t == prior_pred).mean()),
                          "position_prior_mean_iou": float(prior_iou.mean())}}


def iou_of(t, p) -> np.ndarray:
    k = len(REGIONS)
    C = np.bincount(t * k + p, minlength=k * k).reshape(k, k).astype(np.float64)
    return np.diag(C) / np.maximum(C.sum(0) + C.sum(1) - np.diag(C), 1)


@dataclass
class Trained:
    net: Segmenter
    history: list
    config: SegConfig


def train(cfg: SegConfig, resume: bool = False, data=None, progress: bool = True) -> Trained:
    """Run (or resume) training; data: (train Frames, val Frames) (default: CamVid)."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_path, ckpt = out / "checkpoint.npz", None
    if resume:
        if not ckpt_path.exists():
            raise SystemExit(f"--resume: no checkpoint at {ckpt_path}")
        ckpt = mt.load(ckpt_path)
        saved = config_from_dict(SegConfig, ckpt["config"])
        for key in RESUME_OVERRIDES:
            setattr(saved, key, getattr(cfg, key))
        cfg = saved
    tr, va = data if data is not None else (frames("train"), frames("val"))
    weights = region_weights(tr)
    prior, majority = position_prior(tr), int(np.bincount(tr.regions[tr.regions >= 0]).argmax())
    mt.manual_seed(cfg.seed)
    net = Segmenter(cfg.channels)
    opt = mt.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = mt.optim.WarmupCosineLR(opt, min(100, max(1, cfg.steps // 10)), max(cfg.steps, 2), cfg.lr * 0.02)
    rng = np.random.default_rng(cfg.seed)
    step, history, best, seconds_before = 0, [], -1.0, 0.0
    if ckpt is not None:
        net.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        step, history, best = int(ckpt["step"]), json.loads(ckpt["history"]), float(ckpt["best"])
        rng.bit_generator.state = json.loads(ckpt["rng"])
        seconds_before = float(ckpt["seconds"])
    t0 = time.perf_counter()

    def checkpoint():
        mt.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                 "config": config_dict(cfg), "step": step, "history": json.dumps(history), "best": best,
                 "rng": json.dumps(rng.bit_generator.state), "seconds": seconds_before + time.perf_counter() - t0},
                ckpt_path)

    bar = tqdm(total=cfg.steps, initial=step, desc="segmenter", disable=not progress)
    while step < cfg.steps:
        x, y = batch(tr, rng, cfg.batch, cfg.zoom)
        net.train()
        loss = loss_fn(net(mt.tensor(x)), y, weights)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        step += 1
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if step % cfg.val_every == 0 or step == cfg.steps:
            net.eval()
            rep = seg_report(predict(net, va.L).argmax(1), va.regions, prior, majority)
            seconds = round(seconds_before + time.perf_counter() - t0, 1)
            history.append({"step": step, "loss": loss.item(), "seconds": seconds,
                            "pixel_accuracy": rep["pixel_accuracy"], "mean_iou": rep["mean_iou"]})
            bar.write(json.dumps(history[-1]))
            if rep["pixel_accuracy"] > best:
                best = rep["pixel_accuracy"]
                mt.save(net.state_dict(), out / "best.npz", metadata={"config": config_dict(cfg), "step": step})
            checkpoint()
        elif cfg.max_minutes and time.perf_counter() - t0 > 60 * cfg.max_minutes:
            checkpoint()
            bar.write(f"stopped after {cfg.max_minutes} minutes at step {step}; --resume goes on")
            break
    bar.close()
    return Trained(net.eval(), history, cfg)
