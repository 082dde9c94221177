"""What a style is, measured: Gram matrices of the features of a fixed network of ours.

No pre-trained VGG may be used here, so the feature networks are either a bank of fixed random
filters (random networks already carry style in their Gram statistics: Ustyuzhaninov et al. 2016;
He et al. 2016) or the colour classifiers we trained (weights/classifier_*.npz). Each bank maps RGB
(N, 3, H, W) in [0, 1] to a list of feature maps, shallow to deep; its parameters never train.

    bank = RandomBank(seed=0)
    targets = style_targets(bank, [painting, ...])        # mean Gram per layer over the paintings
    loss = style_loss(bank(x), targets)                    # relative squared Gram distance, summed
"""
from __future__ import annotations

import numpy as np

import minitorch_color as mt
from minitorch_color import nn
from models.classifier import load_classifier
from models.weights import shipped


def frozen(module: nn.Module) -> nn.Module:
    """The module in eval mode with no parameter asking for gradients."""
    for p in module.parameters():
        p.requires_grad = False
    return module.eval()


class RandomBank(nn.Module):
    """Fixed random 3x3 filters (He-scaled) at three scales: conv-ReLU, then 2x2 average pooling and
    conv-ReLU twice. The training loss network ("random")."""

    def __init__(self, seed: int = 0, widths=(32, 64, 96)):
        super().__init__()
        rng = np.random.default_rng(seed)
        convs, cin = [], 3
        for c in widths:
            conv = nn.Conv2d(cin, c, 3, padding=1, bias=False)
            conv.weight.data[...] = rng.normal(0, np.sqrt(2 / (9 * cin)), conv.weight.shape).astype(np.float32)
            convs.append(conv)
            cin = c
        self.convs = nn.ModuleList(convs)
        frozen(self)

    def forward(self, x) -> list:
        feats, h = [], x * 2 - 1
        for k, conv in enumerate(self.convs):
            if k:
                h = nn.F.avg_pool2d(h, 2)
            h = nn.F.relu(conv(h))
            feats.append(h)
        return feats


class MultiScaleBank(nn.Module):
    """RandomBank's filters applied to the image at full, half and quarter size (nine feature maps,
    shallow to deep, finest scale first): its deepest layer at the quarter size sees about 56 px,
    the size of a brush stroke or a swirl at the painting's scale. The training loss network
    ("multiscale")."""

    def __init__(self, seed: int = 0, widths=(32, 64, 96), scales: int = 3):
        super().__init__()
        self.bank, self.scales = RandomBank(seed, widths), scales

    def forward(self, x) -> list:
        feats = []
        for k in range(self.scales):
            if k:
                x = nn.F.avg_pool2d(x, 2)
            feats.extend(self.bank(x))
        return feats


class JudgeBank(nn.Module):
    """The independent judge: one layer of random 5x5 filters applied to the photo at full, half and
    quarter size (Ustyuzhaninov et al.'s single-layer multi-scale network), with its own seed. It
    is never used in training, so moving its Gram statistics toward a painting is evidence of style,
    not of fitting the loss."""

    def __init__(self, seed: int = 20161, width: int = 64):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.convs = nn.ModuleList()
        for _ in range(3):
            conv = nn.Conv2d(3, width, 5, padding=2, bias=True)
            conv.weight.data[...] = rng.normal(0, np.sqrt(2 / 75), conv.weight.shape).astype(np.float32)
            conv.bias.data[...] = rng.normal(0, 0.1, width).astype(np.float32)
            self.convs.append(conv)
        frozen(self)

    def forward(self, x) -> list:
        feats, h = [], x * 2 - 1
        for k, conv in enumerate(self.convs):
            if k:
                h = nn.F.avg_pool2d(h, 2)
            feats.append(nn.F.relu(conv(h)))
        return feats


class ClassifierBank(nn.Module):
    """The three stages of one of our colour classifiers (models/classifier.SmallClassifier, trained on
    real colour photos): the training loss network "classifier"."""

    def __init__(self, path):
        super().__init__()
        net, _ = load_classifier(path)
        self.features = frozen(net.features)

    def forward(self, x) -> list:
        feats, h, seen = [], x, 0
        for layer in self.features:
            h = layer(h)
            if isinstance(layer, nn.BatchNormReLU2d):
                seen += 1
                if seen % 2 == 0:  # the end of a stage
                    feats.append(h)
        return feats


def bank_named(name: str) -> nn.Module:
    """The training loss network: "random", "multiscale" or "classifier" (weights/classifier_intel.npz)."""
    if name == "random":
        return RandomBank()
    if name == "multiscale":
        return MultiScaleBank()
    if name == "classifier":
        return ClassifierBank(shipped("classifier_intel.npz"))
    raise ValueError(f"unknown loss network {name!r}: 'random', 'multiscale' or 'classifier'")


def as_batch(rgb) -> mt.Tensor:
    """(H, W, 3) or (N, H, W, 3) floats in [0, 1] -> a (N, 3, H, W) float32 tensor."""
    rgb = np.asarray(rgb, np.float32)
    rgb = rgb[None] if rgb.ndim == 3 else rgb
    return mt.tensor(np.ascontiguousarray(rgb.transpose(0, 3, 1, 2)))


def grams(feats) -> list:
    return [nn.F.gram_matrix(f) for f in feats]


def style_targets(bank, paintings) -> list:
    """Per layer, the mean Gram matrix (C, C) over the paintings (each (H, W, 3) in [0, 1]): a style
    learned from one canvas or from an artist's many."""
    with mt.no_grad():
        per = [[g.numpy()[0] for g in grams(bank(as_batch(p)))] for p in paintings]
    return [np.mean([p[k] for p in per], 0).astype(np.float32) for k in range(len(per[0]))]


def style_loss(feats, targets, layer_weights=None) -> mt.Tensor:
    """Sum over layers of the squared Gram distance to the target, relative to the target's size,
    averaged over the batch, each layer weighted by layer_weights (default 1); targets: per layer
    (C, C) or (N, C, C) arrays."""
    total = None
    weights = [1.0] * len(feats) if layer_weights is None else list(layer_weights)
    for g, t, w in zip(grams(feats), targets, weights):
        if not w:
            continue
        t = np.asarray(t, np.float32)
        scale = float(np.mean(t ** 2)) + 1e-12
        d = ((g - mt.tensor(t)) ** 2).mean() * (w / scale)
        total = d if total is None else total + d
    return total


def gram_distances(bank, images, targets_by_style) -> np.ndarray:
    """(N, S) relative Gram distance of each image (N, H, W, 3) to each style's targets (numbers, no
    gradients; the evaluation's measure)."""
    out = np.zeros((len(images), len(targets_by_style)))
    with mt.no_grad():
        for i, im in enumerate(images):
            gs = [g.numpy()[0] for g in grams(bank(as_batch(im)))]
            for s, targets in enumerate(targets_by_style):
                out[i, s] = sum(np.mean((g - t) ** 2) / (np.mean(t ** 2) + 1e-12) for g, t in zip(gs, targets))
    return out
