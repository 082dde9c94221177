"""A small from-scratch image classifier: the judge of semantic interpretability, and a feature
network of our own (eras and styles will build on it).

    from models.classifier import load_classifier, predict
    net, meta = load_classifier(shipped("classifier_intel.npz"))
    probs = predict(net, rgb)          # (N, H, W, 3) in [0, 1] or uint8 -> (N, classes)

Trained by train/train_classifier.py on colour photos only.
"""
from __future__ import annotations

import numpy as np

import minitorch_color as mt
from minitorch_color import nn

from .decoding import softmax
from .weights import WeightsError, load_state, load_weights, save_weights

KIND = "colour_classifier"


class SmallClassifier(nn.Module):
    """Three stages of two 3x3 conv + BN-ReLU, max-pooled, then global average pooling and a linear layer.

    Shape: (N, 3, H, W) RGB in [0, 1] -> (N, num_classes) logits.
    """

    def __init__(self, num_classes: int, width: int = 32):
        super().__init__()
        layers, cin = [], 3
        for k, c in enumerate((width, 2 * width, 4 * width)):
            layers += [nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNormReLU2d(c),
                       nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNormReLU2d(c)]
            if k < 2:
                layers.append(nn.MaxPool2d(2))
            cin = c
        self.features = nn.Sequential(*layers)
        self.pool = nn.GlobalAvgPool2d()
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)))


def to_input(rgb) -> np.ndarray:
    """(N, H, W, 3) floats in [0, 1] or uint8 -> (N, 3, H, W) float32 network input."""
    rgb = np.asarray(rgb)
    x = rgb.astype(np.float32) / 255 if rgb.dtype == np.uint8 else rgb.astype(np.float32)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def predict(net, rgb, batch: int = 128) -> np.ndarray:
    """Class probabilities (N, classes) for images (N, H, W, 3)."""
    net.eval()
    out = []
    with mt.no_grad():
        for i in range(0, len(rgb), batch):
            logits = net(mt.tensor(to_input(rgb[i:i + batch]))).numpy().astype(np.float64)
            out.append(softmax(logits, axis=1))
    return np.concatenate(out)


def save_classifier(net: SmallClassifier, path, metadata: dict) -> None:
    """Write a classifier; metadata must hold "classes" and "config" (with "width")."""
    save_weights(path, net.state_dict(), KIND, metadata, half=False)


def load_classifier(path):
    """(net in eval mode, metadata) from a classifier file (no pickle), or a WeightsError."""
    loaded = load_weights(path, KIND)
    try:
        net = SmallClassifier(len(loaded.metadata["classes"]), int(loaded.metadata["config"]["width"]))
    except (KeyError, TypeError, ValueError) as e:
        raise WeightsError(f"{path}: classifier configuration missing or unreadable ({e})") from e
    load_state(net, loaded)
    return net.eval(), loaded.metadata
