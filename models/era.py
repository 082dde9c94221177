"""When was a photo taken? The decade (1850s to 1970s, or modern) and the era, from the photo as
the user has it: tone, grain, contrast, sharpness, borders and content all count.

    rec = EraRecognizer.from_weights()            # weights/era.npz (trained by train/train_era.py)
    p = rec.recognise(image)                      # an EraPrediction
    p.era, p.era_probabilities, p.decade, p.probabilities

The network is models/classifier.SmallClassifier over the whole photo squashed to SIZE x SIZE
(borders and vignettes are evidence, so nothing is cropped). Eras are sums of decades.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import minitorch_color as mt

from .classifier import SmallClassifier, to_input
from .decoding import softmax
from .image_io import resize
from .weights import WeightsError, load_state, load_weights, save_weights, shipped

KIND = "era_classifier"
SIZE = 96
DECADES = tuple(range(1850, 1980, 10))  # the first year of each decade the recogniser tells apart
LABELS = tuple(f"{d}s" for d in DECADES) + ("modern",)  # its classes, in order
ERAS = ("before 1900", "1900-1919", "1920 and later")


def era_of(label: str) -> str:
    """The era of a decade label ("1880s" -> "before 1900"; "modern" -> "1920 and later")."""
    if label == "modern":
        return ERAS[2]
    decade = int(label[:4])
    return ERAS[0] if decade < 1900 else ERAS[1] if decade < 1920 else ERAS[2]


def label_of(decade: int) -> str:
    """The class label of a year or decade (1907 -> "1900s"; from 1980 on: "modern")."""
    decade = int(decade) // 10 * 10
    if decade < DECADES[0]:
        raise ValueError(f"{decade}: the recogniser starts at the {DECADES[0]}s")
    return LABELS[-1] if decade > DECADES[-1] else f"{decade}s"


def era_input(image) -> np.ndarray:
    """The network input (3, SIZE, SIZE) float32 of a photo: gray (H, W) or RGB (H, W, 3), uint8 or
    floats in [0, 1], squashed to SIZE x SIZE."""
    image = np.asarray(image)
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / 255
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, -1)
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected a gray (H, W) or RGB (H, W, 3) image, got shape {image.shape}")
    small = resize(np.clip(image.astype(np.float32), 0, 1), (SIZE, SIZE))
    return to_input(small[None])[0]


@dataclass
class EraPrediction:
    """The recogniser's answer for one photo."""

    probabilities: dict  # {decade label: probability}, LABELS order
    era_probabilities: dict  # {era: probability}, ERAS order

    @property
    def decade(self) -> str:
        """The most likely decade label."""
        return max(self.probabilities, key=self.probabilities.get)

    @property
    def era(self) -> str:
        """The most likely era (by the summed probabilities of its decades)."""
        return max(self.era_probabilities, key=self.era_probabilities.get)


def prediction_from_probs(probs) -> EraPrediction:
    """An EraPrediction from class probabilities (len(LABELS),)."""
    probs = np.asarray(probs, np.float64)
    by_label = {lab: float(p) for lab, p in zip(LABELS, probs)}
    by_era = {e: float(sum(p for lab, p in by_label.items() if era_of(lab) == e)) for e in ERAS}
    return EraPrediction(by_label, by_era)


class EraRecognizer:
    """The era classifier and what it needs to read a photo."""

    def __init__(self, net: SmallClassifier, metadata=None):
        if net.fc.weight.shape[0] != len(LABELS):
            raise WeightsError(f"era network has {net.fc.weight.shape[0]} classes, expected {len(LABELS)}")
        self.net = net.eval()
        self.metadata = dict(metadata or {})

    @classmethod
    def from_weights(cls, path=None) -> "EraRecognizer":
        """Load era weights (default: the shipped weights/era.npz; no pickle)."""
        loaded = load_weights(path or shipped("era.npz"), KIND, hint="train them with python -m train.train_era")
        try:
            net = SmallClassifier(len(LABELS), int(loaded.metadata["config"]["width"]))
        except (KeyError, TypeError, ValueError) as e:
            raise WeightsError(f"{path}: era network configuration missing or unreadable ({e})") from e
        load_state(net, loaded)
        return cls(net, loaded.metadata)

    def probabilities(self, inputs, batch: int = 64) -> np.ndarray:
        """Class probabilities (N, len(LABELS)) of network inputs (N, 3, SIZE, SIZE)."""
        out = []
        with mt.no_grad():
            for i in range(0, len(inputs), batch):
                logits = self.net(mt.tensor(np.ascontiguousarray(inputs[i:i + batch]))).numpy()
                out.append(softmax(logits.astype(np.float64), axis=1))
        return np.concatenate(out)

    def recognise(self, image) -> EraPrediction:
        """The decade and era of one photo."""
        return prediction_from_probs(self.probabilities(era_input(image)[None])[0])


def save_era(net: SmallClassifier, path, metadata: dict) -> None:
    """Write era weights; metadata must hold "config" (with "width")."""
    save_weights(path, net.state_dict(), KIND, {**metadata, "labels": list(LABELS), "eras": list(ERAS)}, half=True)


def film_for(label: str) -> str:
    """The film response (models.colornet.FILMS) that most photos of that decade were taken on:
    blue-sensitive plates to the 1870s, orthochromatic film to the 1910s, panchromatic after."""
    if label == "modern" or int(label[:4]) >= 1920:
        return "panchromatic"
    return "blue-sensitive" if int(label[:4]) < 1880 else "orthochromatic"


ERA_CHOICES = ("auto",) + LABELS  # what the colorize command's --era takes


@dataclass
class EraDecision:
    """Which decade a photo is coloured as: the recogniser's answer (None when the user chose) and the one used."""

    used: str
    recognised: EraPrediction | None = None

    def to_report(self) -> dict:
        """The report's "era" record: decade labels, probabilities rounded to 3 places."""
        rec = self.recognised
        return {"recognised": rec.decade if rec else None,
                "probabilities": {k: round(v, 3) for k, v in rec.probabilities.items()} if rec else None,
                "used": self.used}


class EraChooser:
    """--era for a batch: "auto" recognises each photo (the recogniser loaded once), a decade label is used as is."""

    def __init__(self, choice: str = "auto", weights=None):
        if choice not in ERA_CHOICES:
            raise ValueError(f"unknown era {choice!r}; one of: {', '.join(ERA_CHOICES)}")
        self.choice = choice
        self.recogniser = EraRecognizer.from_weights(weights) if choice == "auto" else None

    def decide(self, image) -> EraDecision:
        if self.recogniser is None:
            return EraDecision(self.choice)
        pred = self.recogniser.recognise(image)
        return EraDecision(pred.decade, pred)
