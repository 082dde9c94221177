"""Training the region segmenter (models/segmenter.py) on CamVid from lightness alone (the library
behind train/train_segmenter.py).

Batches: training frames (192x144) reduced to their lightness, mirrored half the time, zoomed by up
to 1.5x and cropped back to 192x144 (a street seen closer), with their tones jittered (gamma and
contrast: old and modern photos are lighter or darker than Cambridge in winter), and where asked
other scenes' tones (SegConfig.scenes). Loss: cross-
entropy over the merged REGIONS, void pixels ignored, each region weighted by the inverse square
root of its share (so poles and people count without drowning the roads). Validation on CamVid's
validation split: pixel accuracy, mean IoU, confusion matrix, per-region precision and recall,
next to two baselines on the same pixels: the majority region everywhere, and the training
frames' most frequent region at each pixel position (a street's layout alone).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import minitorch_color as mt
from minitorch_color import nn
from models.color import rgb_to_lab
from models.decoding import softmax
from models.image_io import resize
from models.segmenter import CAMVID_TO_REGION, REGIONS, Segmenter, network_input
from train.common import data, metrics
from train.common.config import config_dict, config_from_dict
from train.common.distributed import Single
from train.common.loop import Loop, read_checkpoint_on_every_rank


@dataclass
class SegConfig:
    """Everything a run depends on (saved in every checkpoint)."""

    channels: tuple = (16, 32, 64, 128)
    steps: int = 2000
    batch: int = 8
    lr: float = 2e-3
    weight_decay: float = 1e-4
    zoom: float = 1.5  # largest zoom of the crop augmentation
    scenes: float = 0.0  # share of frames given another scene's tones (scene_tones: sky, foliage, ground, haze)
    val_every: int = 250
    seed: int = 0
    out: str = "runs/segmenter"
    max_minutes: float = 0.0
    hold_out_sequence: str = ""  # a CamVid sequence (e.g. "0006R0") left out of training, to judge on later


RESUME_OVERRIDES = ("steps", "out", "max_minutes", "val_every")


@dataclass
class Frames:
    """Lightness (N, H, W) float32 in 0..100 and region ids (N, H, W) int64 (-1: void)."""

    L: np.ndarray
    regions: np.ndarray


def frames(split: str, without: str = "", only: str = "") -> Frames:
    """A CamVid split's frames, leaving out the sequence `without` or keeping the sequence `only`
    (file names start with their sequence: 0001TP, 0006R0, 0016E5)."""
    s = data.load_camvid(split)
    keep = np.array([(not without or not f.startswith(without)) and (not only or f.startswith(only))
                     for f in s.files], bool)
    if not keep.any():
        raise ValueError(f"no CamVid {split} frames left (without {without!r}, only {only!r})")
    L = np.stack([rgb_to_lab(im.astype(np.float64) / 255)[..., 0] for im in s.images[keep]]).astype(np.float32)
    return Frames(L, CAMVID_TO_REGION[s.labels[keep]])


def region_weights(train: Frames) -> np.ndarray:
    """Per region 1 / sqrt(share), normalised to mean 1 over the pixels."""
    counts = np.bincount(train.regions[train.regions >= 0], minlength=len(REGIONS)).astype(np.float64)
    share = counts / counts.sum()
    w = 1 / np.sqrt(np.maximum(share, 1e-4))
    return (w / (w * share).sum()).astype(np.float32)


SKY, TREE, GROUND = REGIONS.index("sky"), REGIONS.index("tree"), (REGIONS.index("road"), REGIONS.index("pavement"))


def scene_tones(L, R, rng, sky=None, foliage=None, ground=None, haze=None, draw: bool = True) -> np.ndarray:
    """A street frame's lightness L (H, W) as other seasons, weather and skies would give it, by its
    labels R: a clear sky's darker tone (L* `sky`, less a grade of up to 15 that grows towards
    the top of the frame, the clouds' texture halved), foliage lighter or darker by `foliage`, the
    ground by `ground` (wet or snowy), and haze (its strength, growing towards the horizon). Each is
    drawn at random (or not applied) when not given and draw is True; with draw False only the given
    ones apply. The region ids do not change."""
    H, W = L.shape
    L = L.astype(np.float64).copy()
    rows = np.linspace(0, 1, H)[:, None]
    if sky is None and draw and rng.random() < 0.5:
        sky = rng.uniform(50, 95)
    if sky is not None and (R == SKY).any():
        m = R == SKY
        grade = (1 - rows) * rng.uniform(0, 15) * np.ones((1, W))
        L[m] = (sky - grade[m] + 0.5 * (L[m] - L[m].mean()))
    if foliage is None and draw and rng.random() < 0.5:
        foliage = rng.uniform(-15, 10)
    if foliage is not None:
        L[R == TREE] += foliage
    if ground is None and draw and rng.random() < 0.5:
        ground = rng.uniform(-10, 25)
    if ground is not None:
        L[np.isin(R, GROUND)] += ground
    if haze is None and draw and rng.random() < 0.3:
        haze = rng.uniform(0, 0.4)
    if haze:
        w = haze * np.clip(1.2 - rows, 0, 1)  # strongest high in the frame, where the distance is
        L = (1 - w) * L + w * rng.uniform(80, 95)
    return np.clip(L, 0, 100).astype(np.float32)


def batch(train: Frames, rng, n: int, zoom: float, scenes: float = 0.0) -> tuple:
    """(network input (n, 1, H, W), region ids (n, H, W)) of augmented training frames (scenes: the
    share given another scene's tones, scene_tones)."""
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
        if scenes and rng.random() < scenes:
            L = scene_tones(L, R, rng)
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
    C = np.array(rep.confusion, np.float64)
    iou = np.diag(C) / np.maximum(C.sum(0) + C.sum(1) - np.diag(C), 1)
    prior_pred = np.broadcast_to(prior, truth.shape)[keep]
    prior_iou = iou_of(t, prior_pred)
    return {"pixels": int(keep.sum()), "pixel_accuracy": float((t == p).mean()), "mean_iou": float(iou.mean()),
            "iou": {r: float(v) for r, v in zip(REGIONS, iou)}, "report": rep.to_dict(),
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


def train(cfg: SegConfig, resume: bool = False, data=None, progress: bool = True, world=None) -> Trained:
    """Run (or resume) training in the common loop (train/common/loop.py); data: (train Frames, val
    Frames) (default: CamVid). world: the ranks of a data-parallel run (train/common/distributed.py;
    each draws its own batches), None: one process."""
    world = world or Single()
    ckpt = None
    if resume:
        ckpt = read_checkpoint_on_every_rank(Path(cfg.out) / "checkpoint.npz", world)
        saved = config_from_dict(SegConfig, ckpt["config"])
        for key in RESUME_OVERRIDES:
            setattr(saved, key, getattr(cfg, key))
        cfg = saved
    tr, va = data if data is not None else (frames("train", without=cfg.hold_out_sequence), frames("val"))
    weights = region_weights(tr)
    prior, majority = position_prior(tr), int(np.bincount(tr.regions[tr.regions >= 0]).argmax())
    mt.manual_seed(cfg.seed)
    net = Segmenter(cfg.channels)
    opt = mt.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = mt.optim.WarmupCosineLR(opt, min(100, max(1, cfg.steps // 10)), max(cfg.steps, 2), cfg.lr * 0.02)
    loop = Loop(net, opt, sched, cfg.out, config_dict(cfg), cfg.steps, cfg.val_every, cfg.max_minutes,
                best_by="pixel_accuracy", desc="segmenter", echo=json.dumps, world=world)
    state = loop.start(resume, cfg.seed, ckpt)

    def step_fn(rng):
        x, y = batch(tr, rng, cfg.batch, cfg.zoom, cfg.scenes)
        net.train()
        return loss_fn(net(mt.tensor(x)), y, weights), {}

    def log_fn(step, means):
        net.eval()
        rep = seg_report(predict(net, va.L).argmax(1), va.regions, prior, majority)
        return {"pixel_accuracy": rep["pixel_accuracy"], "mean_iou": rep["mean_iou"]}

    history = loop.run(state, step_fn, log_fn, progress)
    return Trained(net.eval(), history, cfg)
