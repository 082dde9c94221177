"""Small from-scratch image classifiers trained on colour, for the semantic-interpretability metric.

    python -m train.train_classifier --dataset=cifar10 --out=weights/classifier_cifar10.npz
    python -m train.train_classifier --dataset=intel --out=weights/classifier_intel.npz

A colorization is semantically interpretable when a classifier that only ever saw real colour
photos recognises it as well as the real photo (Zhang et al. 2016). These classifiers are that
judge: trained here on the colour training split (CIFAR-10 at 32x32, Intel scenes at 64x64),
validated on the held-out validation split, never on gray or colorized images. Each run writes
the weights (with their config, validation accuracy and the exact command in the metadata).
"""
from __future__ import annotations

import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

import minitorch_color as mt
from minitorch_color import nn
from minitorch_color.memory import keep_freed_memory
from minitorch_color.serialization import load_metadata
from models.classifier import SmallClassifier, predict, save_classifier, to_input
from models.weights import sha256
from train.common import data
from train.common.config import parse_config


@dataclass
class ClassifierConfig:
    dataset: str = "cifar10"
    size: int = 0  # 0: 32 for cifar10, 64 for intel
    width: int = 32
    epochs: int = 8
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 5e-4
    seed: int = 0
    out: str = ""  # where to write the weights (.npz)


def load_split(dataset: str, split: str, size: int):
    """(uint8 images (N, size, size, 3), labels, class names); Intel without its near-gray photos."""
    if dataset == "cifar10":
        s = data.load_cifar10(split)
    elif dataset == "intel":
        s = data.load_intel_scenes(split)
        s = s.subset(~s.near_gray)
    else:
        raise ValueError(f"unknown dataset {dataset!r} (cifar10 or intel)")
    return data.resize_images(s.images, size), np.asarray(s.labels), tuple(s.classes)


def train(cfg: ClassifierConfig, progress: bool = True, data=None):
    """Train on the colour training split; returns (net, {'val_accuracy', 'classes', ...})."""
    size = cfg.size or (32 if cfg.dataset == "cifar10" else 64)
    mt.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    (xtr, ytr, classes), (xva, yva, _) = data or (load_split(cfg.dataset, "train", size),
                                                   load_split(cfg.dataset, "val", size))
    net = SmallClassifier(len(classes), cfg.width)
    opt = mt.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps = cfg.epochs * (len(xtr) // cfg.batch)
    sched = mt.optim.WarmupCosineLR(opt, min(100, steps // 10 + 1), max(steps, 2), cfg.lr * 0.01)
    pad = size // 8
    history = []
    bar = tqdm(total=steps, desc=f"classifier {cfg.dataset}", disable=not progress)
    t0 = time.perf_counter()
    for epoch in range(cfg.epochs):
        net.train()
        order = rng.permutation(len(xtr))
        for b in range(len(xtr) // cfg.batch):
            idx = order[b * cfg.batch:(b + 1) * cfg.batch]
            imgs = xtr[idx]
            flip = rng.random(len(idx)) < 0.5
            imgs = np.where(flip[:, None, None, None], imgs[:, :, ::-1], imgs)
            padded = np.pad(imgs, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
            dy, dx = rng.integers(0, 2 * pad + 1, 2)
            imgs = padded[:, dy:dy + size, dx:dx + size]
            loss = nn.F.cross_entropy(net(mt.tensor(to_input(imgs))), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            bar.update(1)
            bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.3f}")
        acc = float((predict(net, xva).argmax(1) == yva).mean())
        history.append({"epoch": epoch + 1, "val_accuracy": acc})
        bar.write(f"epoch {epoch + 1}: val accuracy {acc:.3f}")
    bar.close()
    return net, {"val_accuracy": history[-1]["val_accuracy"], "history": history, "classes": list(classes),
                 "size": size, "seconds": time.perf_counter() - t0, "n_train": int(len(xtr)), "n_val": int(len(xva))}


def write_card(weights_path) -> Path:
    """weights/<name>.json: config, data, command, wall time, validation accuracy and sha256 of the file."""
    import json

    path = Path(weights_path)
    meta = load_metadata(path)
    card = {"name": path.stem, "file": path.name, "sha256": sha256(path),
            "bytes": path.stat().st_size, "model": "SmallClassifier (models/classifier.py)",
            "purpose": "judge of semantic interpretability: trained on real colour photos only",
            "config": meta["config"], "classes": meta["classes"], "input_size": meta["size"],
            "data": {"train": f"{meta['config']['dataset']} train split ({meta['n_train']} colour images)",
                     "validation": f"held-out validation split ({meta['n_val']} images)",
                     "source": "../shared/data (see its README)"},
            "command": meta["command"], "wall_seconds": meta["seconds"],
            "metrics": {"val_accuracy": meta["val_accuracy"], "history": meta["history"]}}
    out = path.with_suffix(".json")
    out.write_text(json.dumps(card, indent=1))
    return out


def main(argv=None):
    keep_freed_memory()  # the engine's malloc tuning (minitorch_color/memory.py), chosen by the entry point
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse_config(argv, ClassifierConfig(), __doc__)
    if cfg is None:
        return 0
    if not cfg.out:
        raise SystemExit("--out=PATH.npz is required: where to write the weights")
    net, info = train(cfg)
    save_classifier(net, cfg.out, {"config": asdict(cfg), **info,
                                   "command": "python -m train.train_classifier " + " ".join(argv)})
    write_card(cfg.out)
    print(f"{cfg.dataset}: val accuracy {info['val_accuracy']:.3f} in {info['seconds'] / 60:.1f} min -> {cfg.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
