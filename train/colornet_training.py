"""Training ColorNet: the run's configuration, its data and batches, the loss, validation and the
loop with atomic checkpoints and resume (the library behind train/train_colornet.py).

Mixed CIFAR-10 and Intel training images (Intel near-gray photos excluded from colour targets),
augmentation, simulated point and region hints, class-rebalanced soft cross-entropy over the ab
bins plus deep supervision on the stage heads and a scene loss on the Intel samples.
"""
from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

import minitorch_color as mt
from minitorch_color import nn
from minitorch_color.backend import cuda_available, device_of, to_device
from minitorch_color.serialization import remove_stale_temporaries
from models.color import ABQuantizer, lab_to_rgb, rgb_to_lab
from models.colornet import ColorNet, ColorNetConfig, encode_input
from train import augment as A
from train import metrics, simulate
from train.config import config_dict, config_from_dict


@dataclass
class TrainConfig:
    """Everything a run depends on (saved in every checkpoint)."""

    size: int = 64
    batch: int = 16
    steps: int = 10000
    lr: float = 1e-3
    weight_decay: float = 1e-4
    warmup: int = 200
    val_every: int = 500
    val_images: int = 256
    cifar_fraction: float = 0.5
    hint_prob: float = 0.5
    region_prob: float = 0.1
    stage_weight: float = 0.25
    scene_weight: float = 0.1
    rebalance_lambda: float = 0.5
    temperature: float = 0.38
    # a recipe of train/augment.py; "degradations" won the augmentation study (reports/augmentation/);
    # "standard" is what the shipped ColorNet was trained with
    augment: str = "degradations"
    channels: tuple = (32, 64, 128, 256)
    use_global: bool = True
    max_train_images: int = 0  # 0: all
    device: str = "cpu"  # or "cuda" (CuPy); batches are built on the CPU and copied over
    init: str = ""  # start from these weights (a checkpoint.npz or best.npz of an earlier run): fine-tuning
    seed: int = 0
    out: str = "runs/colornet"
    extra: dict = field(default_factory=dict)


def load_training_data(cfg: TrainConfig):
    """{'train': (images uint8, scene labels or -1), 'val': (...)} from CIFAR-10 and Intel."""
    from train import data
    out = {}
    for split in ("train", "val"):
        cifar = data.load_cifar10(split)
        intel = data.load_intel_scenes(split)
        intel = intel.subset(~intel.near_gray)
        if cfg.max_train_images:
            cifar, intel = cifar.subset(slice(0, cfg.max_train_images)), intel.subset(slice(0, cfg.max_train_images))
        out[split] = {"cifar": (data.resize_images(cifar.images, cfg.size), np.full(len(cifar), -1)),
                      "intel": (data.resize_images(intel.images, cfg.size), intel.labels)}
    return out


def class_weights(pools, cfg, quant) -> np.ndarray:
    """Rebalancing weights of the ab bins from the colour prior of 500 CIFAR + 500 Intel training images."""
    prior_ab = rgb_to_lab(np.concatenate([pools["cifar"][0][:500], pools["intel"][0][:500]]).astype(np.float64) / 255)
    return quant.rebalance_weights(quant.prior(prior_ab[..., 1:]), cfg.rebalance_lambda)


def make_batch(pools, cfg, rng, quant, weights, n, augment=True):
    """Network input (N, 4, S, S), soft targets per stage, pixel weights, scene labels, true RGB."""
    take_cifar = rng.random(n) < cfg.cifar_fraction
    images, scenes = [], []
    for use_cifar in take_cifar:
        imgs, labels = pools["cifar" if use_cifar else "intel"]
        i = rng.integers(len(imgs))
        images.append(imgs[i])
        scenes.append(labels[i])
    rgb = np.stack(images).astype(np.float32) / 255
    inp = rgb
    if augment:  # its own generator, one draw from rng: every recipe sees the same images and hints
        inp, rgb = A.recipe(cfg.augment)(rgb, np.random.default_rng(rng.integers(2 ** 63)))
    lab = rgb_to_lab(rgb.astype(np.float64))
    L, ab = (lab if inp is rgb else rgb_to_lab(inp.astype(np.float64)))[..., 0], lab[..., 1:]
    hint, mask = simulate.point_hints(ab, rng)
    no_hint = rng.random(n) >= cfg.hint_prob
    hint[no_hint], mask[no_hint] = 0, 0
    regions = rng.random(n) < cfg.region_prob
    if regions.any():
        rh, rm = simulate.region_hints(L[regions], ab[regions], rng)
        hint[regions] = np.where(rm > 0, rh, hint[regions])
        mask[regions] = np.maximum(mask[regions], rm)
    x = encode_input(L, hint, mask)  # (N, 4, S, S)
    targets, pix_w = [], []
    s = cfg.size
    for level in range(len(cfg.channels)):  # finest first; stages are listed coarse to fine
        f = 2 ** level
        ab_l = ab.reshape(n, s // f, f, s // f, f, 2).mean((2, 4))
        targets.append(quant.soft_encode(ab_l, exact=False, channels_first=True))
        pix_w.append(weights[quant.nearest(ab_l)].astype(np.float32))
    return (x, targets[::-1], pix_w[::-1],
            np.array(scenes, np.int64), rgb)


def loss_fn(out, targets, pix_w, scenes, cfg):
    """Rebalanced soft cross-entropy on every stage (the last in full) plus the scene loss."""
    total = None
    for k, (logits, t, w) in enumerate(zip(out.stages, targets, pix_w)):
        ce = nn.F.cross_entropy(logits, t, reduction="none")  # (N, h, w)
        scale = 1.0 if k == len(targets) - 1 else cfg.stage_weight
        term = (ce * mt.tensor(w, device=device_of(logits.data))).mean() * scale
        total = term if total is None else total + term
    labelled = scenes >= 0
    if out.scene_logits is not None and labelled.any():
        rows = to_device(np.nonzero(labelled)[0], device_of(out.scene_logits.data))
        ce = nn.F.cross_entropy(out.scene_logits[rows], scenes[labelled])
        total = total + cfg.scene_weight * ce
    return total


def evaluate(net, batches, quant, cfg):
    """Colour-class accuracy, AuC and PSNR of the annealed-mean colorization on fixed batches."""
    net.eval()
    trues, preds, psnrs = [], [], []
    with mt.no_grad():
        for x, _, _, _, rgb in batches:
            probs = nn.F.softmax(net(mt.tensor(x, device=cfg.device)).logits, dim=1).numpy()
            ab = quant.decode(probs, cfg.temperature, axis=1).transpose(0, 2, 3, 1)
            lab = rgb_to_lab(rgb.astype(np.float64))
            pred_rgb = lab_to_rgb(np.concatenate([lab[..., :1], ab], -1))
            trues.append(lab[..., 1:])
            preds.append(ab)
            psnrs += [metrics.psnr(t, p) for t, p in zip(rgb, pred_rgb)]
    net.train()
    t, p = np.concatenate(trues), np.concatenate(preds)
    cc = metrics.color_class_report(t, p)
    return {"pixel_acc": cc["accuracy"], "balanced_acc": cc["balanced_accuracy"],
            "auc_raw": metrics.ab_auc(t, p)["auc_raw"], "psnr": float(np.mean(psnrs))}


RESUME_OVERRIDES = ("steps", "device", "out")  # all that --resume may change; the rest is the run's


def resume_config(saved: TrainConfig, requested: TrainConfig, step: int, given=None) -> TrainConfig:
    """The configuration of a resumed run: the checkpoint's, with only RESUME_OVERRIDES taken from the request.

    given: the settings the user named (None: every field of requested counts). A named setting that
    contradicts the run is an error, not silently ignored; --steps may extend the run (the cosine
    decay is then re-planned over the new length from the current step) but not cut it below the
    step reached.
    """
    names = [f.name for f in dataclasses.fields(TrainConfig) if f.name != "extra"]
    given = set(names if given is None else given)
    conflicts = [k for k in names if k in given and k not in RESUME_OVERRIDES
                 and getattr(requested, k) != getattr(saved, k)]
    if conflicts:
        raise SystemExit("--resume continues a run with its own configuration; "
                         + ", ".join(f"--{k}={getattr(requested, k)!r} (the run has {getattr(saved, k)!r})"
                                     for k in conflicts)
                         + "; only " + ", ".join(f"--{k}" for k in RESUME_OVERRIDES) + " may change")
    cfg = dataclasses.replace(saved, out=requested.out, device=requested.device if "device" in given else saved.device)
    if "steps" in given:
        if requested.steps < step:
            raise SystemExit(f"--steps={requested.steps}: the run has already done {step} steps")
        cfg.steps = requested.steps
    return cfg


def train(cfg: TrainConfig, resume: bool = False, datasets=None, progress: bool = True, given=None):
    """Run (or resume) training; returns the history of logged metrics.

    given: on resume, the settings the user named (see resume_config); None compares them all.
    """
    out_dir = Path(cfg.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)  # a save interrupted by a kill leaves one behind
    ckpt_path = out_dir / "checkpoint.npz"
    if resume:
        if not ckpt_path.exists():
            raise SystemExit(f"--resume: no checkpoint at {ckpt_path}")
        ckpt = mt.load(ckpt_path)
        cfg = resume_config(config_from_dict(TrainConfig, ckpt["config"]), cfg, int(ckpt["step"]), given)
    try:
        A.recipe(cfg.augment)
    except ValueError as e:
        raise SystemExit(f"--augment: {e}") from None
    if cfg.device not in ("cpu", "cuda"):
        raise SystemExit(f"--device: 'cpu' or 'cuda', not {cfg.device!r}")
    if cfg.device == "cuda" and not cuda_available():
        raise SystemExit("--device=cuda: CuPy with a working GPU is not available here")
    mt.manual_seed(cfg.seed)
    quant = ABQuantizer()
    datasets = datasets or load_training_data(cfg)
    pools, val_pools = datasets["train"], datasets["val"]
    weights = class_weights(pools, cfg, quant)
    net = ColorNet(ColorNetConfig(channels=tuple(cfg.channels), num_bins=quant.num_bins, use_global=cfg.use_global))
    if cfg.init and not resume:
        init_weights(net, cfg.init)
    if resume:
        net.load_state_dict(ckpt["model"])
    net.to(cfg.device)
    opt = mt.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = mt.optim.WarmupCosineLR(opt, min(cfg.warmup, max(1, cfg.steps - 1)), max(cfg.steps, 2), cfg.lr * 0.02)
    step, best, history = 0, -1.0, []
    if resume:
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        step, best, history = int(ckpt["step"]), float(ckpt["best_val"]), json.loads(ckpt["history"])
    rng = np.random.default_rng(cfg.seed + step)  # a resumed run continues with fresh batches
    val_rng = np.random.default_rng(12345)
    val_batches = [make_batch(val_pools, cfg, val_rng, quant, weights, min(cfg.batch, cfg.val_images), augment=False)
                   for _ in range(max(1, cfg.val_images // cfg.batch))]
    bar = tqdm(total=cfg.steps, initial=step, desc="train", disable=not progress)
    t0, seen = time.perf_counter(), 0
    while step < cfg.steps:
        x, targets, pix_w, scenes, _ = make_batch(pools, cfg, rng, quant, weights, cfg.batch)
        loss = loss_fn(net(mt.tensor(x, device=cfg.device)), targets, pix_w, scenes, cfg)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        sched.step()
        step += 1
        seen += cfg.batch
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}", img_s=f"{seen / (time.perf_counter() - t0):.1f}")
        if step % cfg.val_every == 0 or step == cfg.steps:
            val = evaluate(net, val_batches, quant, cfg)
            history.append({"step": step, "loss": loss.item(), **val})
            bar.write(json.dumps(history[-1]))
            if val["pixel_acc"] > best:
                best = val["pixel_acc"]
                mt.save(net.state_dict(), out_dir / "best.npz",
                        metadata={"config": config_dict(cfg), "step": step, "val": val})
            mt.save({"model": net.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                     "config": config_dict(cfg), "step": step, "best_val": best, "history": json.dumps(history)},
                    ckpt_path)
    bar.close()
    return history


def init_weights(net, path) -> None:
    """Load a model state from an earlier run's checkpoint.npz or best.npz (shapes must match)."""
    if not Path(path).exists():
        raise SystemExit(f"--init: no such file {path}")
    state = mt.load(path)
    state = state.get("model", state)
    try:
        net.load_state_dict(state)
    except (KeyError, ValueError) as e:
        raise SystemExit(f"--init: {path} does not fit this model's configuration: {e}") from None
