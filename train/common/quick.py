"""A ColorNet for the notebooks: the shipped weights, or a small one trained here in a few minutes.

    from train.common.quick import get_colorizer
    cz = get_colorizer(use_shipped=True)              # weights/colornet.npz (what CI runs)
    cz = get_colorizer(use_shipped=False, steps=1500)  # train a small ColorNet at 32 px first

The small version is the same network and training loop (train/colornet/training.py) with fewer
channels, 32 px images and a short schedule; it shows the same behaviour, less well.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import minitorch_color as mt
from models.color import ABQuantizer
from models.colornet import ColorNet, ColorNetConfig
from models.inference import Colorizer
from models.weights import shipped
from train.colornet.training import TrainConfig, class_weights, load_training_data, train
from train.common import data


def small_config(steps: int = 1500, use_global: bool = True, out: str | None = None):
    return TrainConfig(size=32, batch=16, steps=steps, channels=(16, 32, 64, 128), val_every=max(steps // 3, 1),
                       val_images=64, use_global=use_global, scene_weight=0.5, cifar_fraction=0.3,
                       warmup=min(100, steps // 10 + 1), out=out or tempfile.mkdtemp(prefix="colornet-small-"))


def train_small(steps: int = 1500, use_global: bool = True, progress: bool = True) -> Colorizer:
    """Train a small ColorNet (about 0.1 s a step on 2 cores) and wrap its best checkpoint."""
    cfg = small_config(steps, use_global)
    datasets = load_training_data(cfg)
    train(cfg, datasets=datasets, progress=progress)
    net = ColorNet(ColorNetConfig(channels=cfg.channels, use_global=use_global))
    net.load_state_dict(mt.load(Path(cfg.out) / "best.npz"))
    return Colorizer(net, class_weights(datasets["train"], cfg, ABQuantizer()), size=cfg.size,
                     scene_classes=data.INTEL_CLASSES)


def get_colorizer(use_shipped: bool, steps: int = 1500, use_global: bool = True, weights=None) -> Colorizer:
    """The shipped weights (or `weights`), or a freshly trained small ColorNet."""
    if use_shipped:
        path = weights or shipped("colornet.npz" if use_global else "colornet_noglobal.npz")
        return Colorizer.from_weights(path)
    return train_small(steps, use_global)
