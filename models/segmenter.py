"""Named regions of a photo ("the sky", "the trees") from its lightness alone, by a small U-Net of ours.

    finder = RegionFinder.from_weights()              # weights/segmenter.npz (train/train_segmenter.py)
    rm = finder.find(image)                           # a RegionMap at the photo's full size
    rm.mask("sky"), rm.confidence, rm.present()

Trained on CamVid's labelled street scenes (winter Cambridge) with its 11 classes merged into
REGIONS; a pixel whose most likely region is below min_confidence belongs to no region, so an
unfamiliar photo yields fewer regions rather than wrong ones.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import minitorch_color as mt
from minitorch_color import nn

from .color import rgb_to_lab
from .colornet import ConvBlock
from .decoding import softmax
from .image_io import resize
from .weights import WeightsError, load_state, load_weights, save_weights, shipped

KIND = "segmenter"
REGIONS = ("sky", "building", "road", "pavement", "tree", "car", "person", "object")
# CamVid class id -> REGIONS index (-1: void, never learned or scored)
CAMVID_TO_REGION = np.array([0, 1, 7, 2, 3, 4, 7, 7, 5, 6, 6, -1], np.int64)
MULTIPLE = 8  # three 2x poolings
WORK_SIZE = 192  # the longer side the network reads (CamVid's frames are 192x144)
MIN_CONFIDENCE = 0.5
# A region whose pixels the segmenter gives a mean probability below this is "unsure": on CamVid's
# training frames (792 regions of 123 frames) those between 0.65 and 0.70 were right on half of their
# pixels and those below on fewer, so below 0.70 a region is more often wrong than right (the 132
# below: precision 0.40; the rest 0.84; validation: 51 of 385 below, 0.30 against 0.85). A condition
# does not paint an unsure region, and the studio marks it.
UNSURE_BELOW = 0.70


class Segmenter(nn.Module):
    """U-Net over the lightness. Shape: (N, 1, H, W) L/50 - 1, H and W multiples of 8 -> (N, len(REGIONS), H, W)."""

    def __init__(self, channels=(16, 32, 64, 128)):
        super().__init__()
        self.channels = tuple(channels)
        c = self.channels
        self.down = nn.ModuleList([ConvBlock(1, c[0])] + [ConvBlock(c[k - 1], c[k]) for k in range(1, len(c))])
        self.up = nn.ModuleList([nn.ConvTranspose2d(c[k], c[k - 1], 2, stride=2) for k in range(len(c) - 1, 0, -1)])
        self.merge = nn.ModuleList([ConvBlock(2 * c[k - 1], c[k - 1]) for k in range(len(c) - 1, 0, -1)])
        self.head = nn.Conv2d(c[0], len(REGIONS), 1)

    def forward(self, x):
        skips = []
        for k, block in enumerate(self.down):
            x = block(x if k == 0 else nn.F.max_pool2d(x, 2))
            skips.append(x)
        for up, merge, skip in zip(self.up, self.merge, reversed(skips[:-1])):
            x = merge(mt.cat([up(x), skip], 1))
        return self.head(x)


def network_input(L) -> np.ndarray:
    """Lightness (N, H, W) in 0..100 -> (N, 1, H, W) float32 network input."""
    return (np.asarray(L, np.float32) / 50 - 1)[:, None]


@dataclass
class RegionMap:
    """Where each named region is in one photo (full resolution)."""

    probabilities: np.ndarray  # (len(REGIONS), H, W) float32
    min_confidence: float
    doubted: frozenset = frozenset()  # regions the photo's context doubts (models/conditions.in_context)

    @property
    def labels(self) -> np.ndarray:
        """(H, W) REGIONS index of each pixel, -1 where no region is likely enough."""
        best = self.probabilities.argmax(0)
        return np.where(self.probabilities.max(0) >= self.min_confidence, best, -1)

    @property
    def confidence(self) -> np.ndarray:
        return self.probabilities.max(0)

    def mask(self, region: str) -> np.ndarray:
        """(H, W) bool: the pixels of a region."""
        return self.labels == REGIONS.index(region)

    def soft(self, region: str) -> np.ndarray:
        """(H, W) float32 in [0, 1]: the region's probability where it is the confident answer, else 0
        (soft edges for a condition)."""
        k = REGIONS.index(region)
        return np.where(self.labels == k, self.probabilities[k], 0).astype(np.float32)

    def trimap(self, region: str, sure: float) -> np.ndarray:
        """(H, W) int8: 1 where the region is the answer with probability at least `sure`, 0 where
        another region is, -1 elsewhere (unsure, or no region)."""
        k, labels, confident = REGIONS.index(region), self.labels, self.confidence >= sure
        out = np.full(labels.shape, -1, np.int8)
        out[confident & (labels >= 0) & (labels != k)] = 0
        out[confident & (labels == k)] = 1
        return out

    def sureness(self, region: str) -> float:
        """The mean probability the segmenter gives the region's own pixels (0 when it found none)."""
        m = self.mask(region)
        return float(self.probabilities[REGIONS.index(region)][m].mean()) if m.any() else 0.0

    def unsure(self, region: str) -> bool:
        """Whether the region is found but more likely wrong than right: its sureness is below
        UNSURE_BELOW, or the photo's context doubts it."""
        return self.mask(region).any() and (self.sureness(region) < UNSURE_BELOW or region in self.doubted)

    def present(self, min_share: float = 0.01) -> dict:
        """{region: share of the photo} for the regions covering at least min_share of it."""
        shares = np.bincount(self.labels.ravel() + 1, minlength=len(REGIONS) + 1)[1:] / self.labels.size
        return {r: float(s) for r, s in zip(REGIONS, shares) if s >= min_share}


class RegionFinder:
    """A trained Segmenter and how to run it on a photo of any size."""

    def __init__(self, net: Segmenter, metadata: dict | None = None, min_confidence: float = MIN_CONFIDENCE):
        self.net, self.metadata, self.min_confidence = net.eval(), dict(metadata or {}), float(min_confidence)

    @classmethod
    def from_weights(cls, path=None) -> "RegionFinder":
        loaded = load_weights(path or shipped("segmenter.npz"), KIND,
                              hint="train them with python -m train.train_segmenter")
        try:
            net = Segmenter(tuple(loaded.metadata["config"]["channels"]))
        except (KeyError, TypeError, ValueError) as e:
            raise WeightsError(f"{loaded.path}: segmenter configuration missing or unreadable ({e})") from e
        load_state(net, loaded)
        return cls(net, loaded.metadata)

    def probabilities_small(self, L) -> np.ndarray:
        """(len(REGIONS), h, w) at the working size for a lightness map (h, w) whose sides are multiples of
        8: the mean of the network's answers for the photo and its mirror image (a street mirrored is a
        street; on CamVid sequences it never saw, pixel accuracy +0.6 points: 0.703 -> 0.709 on 0001TP,
        0.795 -> 0.800 on 0006R0)."""
        with mt.no_grad():
            logits = self.net(mt.tensor(network_input(np.stack([L, L[:, ::-1]])))).numpy()
        p = softmax(logits.astype(np.float64), axis=1)
        return ((p[0] + p[1, :, :, ::-1]) / 2).astype(np.float32)

    def find(self, image) -> RegionMap:
        """The RegionMap of a photo: gray (H, W) or RGB (H, W, 3), uint8 or floats in [0, 1]."""
        image = np.asarray(image)
        image = image.astype(np.float32) / 255 if image.dtype == np.uint8 else image.astype(np.float32)
        L = rgb_to_lab(image)[..., 0] if image.ndim == 3 else image * 100
        H, W = L.shape
        s = WORK_SIZE / max(H, W)
        h, w = (max(MULTIPLE, round(H * s / MULTIPLE) * MULTIPLE), max(MULTIPLE, round(W * s / MULTIPLE) * MULTIPLE))
        small = self.probabilities_small(resize(L.astype(np.float32), (h, w)))
        full = np.stack([resize(p, (H, W)) for p in small])
        return RegionMap(full / full.sum(0, keepdims=True), self.min_confidence)


def save_segmenter(net: Segmenter, path, metadata: dict) -> None:
    """Write segmenter weights (float16); metadata must hold "config" with "channels"."""
    save_weights(path, net.state_dict(), KIND, {**metadata, "regions": list(REGIONS)}, half=True)
