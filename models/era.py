"""When was a photo taken? The decade (1850s to 1970s, or modern) and the era, from the photo as
the user has it: its tint, its tones and its frame.

    rec = EraRecognizer.from_weights()            # weights/era.npz (trained by train/train_era.py)
    p = rec.recognize(image)                      # an EraPrediction
    p.era, p.era_probabilities, p.decade, p.probabilities

The recogniser is a multinomial logistic regression over FEATURES, a few dozen measurements of the
whole photo (photo_features): the tint of its shadows, mid-tones and highlights (albumen and
toned prints of the 19th century are brown or purple, gelatin-silver prints of the 20th neutral),
its lightness histogram and contrast, and its frame (mounts, vignettes, the shape of the print).
With 93 dated real photos to learn from, a small model over measurements a photographer would name
cross-validates better than a convolutional network over the pixels (train/eras/training.py; the
numbers in reports/eras/recognition.json). Eras are sums of decades.

"auto" (p.auto_label, what colorize --era auto and the studio use) takes the recognised decade only
when the recogniser is sure of its era (AUTO_CONFIDENCE) and the photo is not a colour photo
(COLOUR_PHOTO); otherwise "modern", which changes nothing. Dating is weak (about half right on
three eras), so auto is built to be right when it acts and to leave modern photos alone: the
numbers behind both thresholds are in reports/eras/recognition.json ("auto").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .color import rgb_to_lab
from .decoding import softmax
from .image_io import resize
from .weights import WeightsError, load_weights, save_weights, shipped

KIND = "era_classifier"
VERSION = 2  # 1: a SmallClassifier over 96 px pixels (cross-validated worse; never shipped)
SIZE = 256  # photos are measured squashed to SIZE x SIZE (borders and vignettes are evidence: no crop)
DECADES = tuple(range(1850, 1980, 10))  # the first year of each decade the recogniser tells apart
LABELS = tuple(f"{d}s" for d in DECADES) + ("modern",)  # its classes, in order
ERAS = ("before 1900", "1900-1919", "1920 and later")


def era_of(label: str) -> str:
    """The era of a decade label ("1880s" -> "before 1900"; "modern" -> "1920 and later")."""
    if label == "modern":
        return ERAS[2]
    decade = int(label[:4])
    return ERAS[0] if decade < 1900 else ERAS[1] if decade < 1920 else ERAS[2]


def spoken(label: str) -> str:
    """A label as a sentence names it: "the 1890s", "modern"."""
    return label if label == "modern" else f"the {label}"


def label_of(decade: int) -> str:
    """The class label of a year or decade (1907 -> "1900s"; from 1980 on: "modern")."""
    decade = int(decade) // 10 * 10
    if decade < DECADES[0]:
        raise ValueError(f"{decade}: the recogniser starts at the {DECADES[0]}s")
    return LABELS[-1] if decade > DECADES[-1] else f"{decade}s"


TONE_BANDS = (("shadows", 0.0, 0.35), ("midtones", 0.35, 0.7), ("highlights", 0.7, 1.01))
PERCENTILES = (1, 5, 25, 50, 75, 95, 99)
HISTOGRAM_BINS = 8
FEATURES = (("chroma", "chroma_spread", "a", "b", "hue_cos", "hue_sin", "colour_variety")
            + tuple(f"{c}_{band}" for band, _, _ in TONE_BANDS for c in "ab")
            + tuple(f"L{p}" for p in PERCENTILES) + ("L_std", "contrast")
            + tuple(f"L_hist{i}" for i in range(HISTOGRAM_BINS))
            + ("vignette", "border_offset", "border_spread", "aspect", "squareness"))
MARGIN = 24  # pixels (of SIZE) left out of the tint and tone measurements: the frame has its own
AUTO_CONFIDENCE = 0.7  # auto uses an era only this sure of it (cross-validated: 0.8 of those right)
# the eras auto may colour a photo as: a print from 1920 on is a panchromatic gelatin-silver print like a
# modern gray photo, and its decade is beyond these measurements (MAE no better than a constant guess),
# so auto leaves it modern (it had coloured 149 of 853 modern gray face photos as the 1920s)
AUTO_ERAS = ERAS[:2]
# what the recogniser is worth on photos from a collection it never saw (train/era_sources.py,
# train/era_calibration.py): the studio says it beside every recognition
HELD_OUT_NOTE = ("A suggestion only: on photos from collections it\nnever saw, the recogniser is right no more often\n"
                 "than chance (balanced accuracy 0.33 over 449 dated\nphotos of 8 collections). Choose the decade if\n"
                 "you know it.")
COLOR_PHOTO = 7.5  # colour_variety above every dated print of the development set (max 6.9): colour


MIN_SIDE = 16  # a photo narrower than this on a side holds too little print to date: auto leaves it modern
WORK_SIDE = 2 * SIZE  # the features are measured on a copy whose longer side is at most this


def as_rgb(image) -> np.ndarray:
    """A gray (H, W) or RGB (H, W, 3) photo, uint8, uint16 or floats in [0, 1], as float64 RGB, reduced
    first to a working copy whose longer side is at most WORK_SIDE (a 100-megapixel photo stays small)."""
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3) or min(image.shape[:2]) < 1:
        raise ValueError(f"expected a gray (H, W) or RGB (H, W, 3) image, got shape {image.shape}")
    step = max(1, -(-max(image.shape[:2]) // WORK_SIDE))
    image = image[::step, ::step]  # a view: nothing of the full photo is copied
    scale = 255.0 if image.dtype == np.uint8 else 65535.0 if image.dtype == np.uint16 else 1.0
    image = image.astype(np.float64) / scale
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, -1)
    return np.clip(image, 0, 1)


def tint_features(L, a, b) -> list:
    """The print's colour: its mean tint, how much the tint varies, and the tint by tone band."""
    chroma = np.hypot(a, b)
    hue = np.arctan2(b.mean(), a.mean())
    weight = min(chroma.mean(), 10) / 10  # a hue only counts as far as there is a tint to have one
    out = [chroma.mean(), chroma.std(), a.mean(), b.mean(), np.cos(hue) * weight, np.sin(hue) * weight,
           np.hypot(a - a.mean(), b - b.mean()).mean()]
    for _, lo, hi in TONE_BANDS:
        band = (L >= lo) & (L < hi)
        out += [a[band].mean(), b[band].mean()] if band.any() else [0.0, 0.0]
    return out


def tone_features(L) -> list:
    """Lightness percentiles, spread, contrast and histogram (L in [0, 1])."""
    pct = np.percentile(L, PERCENTILES)
    hist = np.histogram(L, bins=HISTOGRAM_BINS, range=(0, 1))[0] / L.size
    return list(pct) + [L.std(), pct[5] - pct[1]] + list(hist)


def frame_features(L, aspect: float) -> list:
    """Corners against the centre (vignettes), the outer ring against the inside (mounts, borders) and
    the print's shape (L: the whole SIZE x SIZE lightness)."""
    n, q, c = L.shape[0], L.shape[0] // 8, L.shape[0] * 3 // 8
    corners = np.mean([L[:q, :q].mean(), L[:q, -q:].mean(), L[-q:, :q].mean(), L[-q:, -q:].mean()])
    ring = np.concatenate([L[:6].ravel(), L[-6:].ravel(), L[:, :6].ravel(), L[:, -6:].ravel()])
    inside = L[MARGIN:n - MARGIN, MARGIN:n - MARGIN]
    return [corners - L[c:n - c, c:n - c].mean(), ring.mean() - inside.mean(), ring.std(), np.log(aspect),
            abs(np.log(aspect))]


def photo_features(image) -> np.ndarray:
    """The FEATURES of one photo, float64 (len(FEATURES),)."""
    rgb = as_rgb(image)
    lab = rgb_to_lab(resize(rgb.astype(np.float32), (SIZE, SIZE)).astype(np.float64))
    L, a, b = lab[..., 0] / 100, lab[..., 1], lab[..., 2]
    inner = (slice(MARGIN, SIZE - MARGIN),) * 2
    out = (tint_features(L[inner], a[inner], b[inner]) + tone_features(L[inner])
           + frame_features(L, rgb.shape[1] / rgb.shape[0]))
    return np.asarray(out, np.float64)


@dataclass
class EraPrediction:
    """The recogniser's answer for one photo."""

    probabilities: dict  # {decade label: probability}, LABELS order
    era_probabilities: dict  # {era: probability}, ERAS order
    color_photo: bool = False  # its colours vary like a colour photo's, not like a toned print's

    @property
    def decade(self) -> str:
        """The most likely decade label."""
        return max(self.probabilities, key=self.probabilities.get)

    @property
    def era(self) -> str:
        """The most likely era (by the summed probabilities of its decades)."""
        return max(self.era_probabilities, key=self.era_probabilities.get)

    @property
    def sure(self) -> bool:
        """Sure enough for auto to act: a print (not a colour photo) whose era is AUTO_CONFIDENCE likely."""
        return not self.color_photo and self.era_probabilities[self.era] >= AUTO_CONFIDENCE

    @property
    def era_decade(self) -> str:
        """The likeliest decade of the likeliest era (what the era's own probabilities point at)."""
        return max((lab for lab in LABELS if era_of(lab) == self.era), key=self.probabilities.get)

    @property
    def auto_label(self) -> str:
        """What "auto" colours the photo as: era_decade when sure of an era before 1920 (AUTO_ERAS), else modern."""
        if not self.sure or self.era not in AUTO_ERAS:
            return "modern"
        return self.era_decade


def prediction_from_probs(probs, color_photo: bool = False) -> EraPrediction:
    """An EraPrediction from class probabilities (len(LABELS),)."""
    probs = np.asarray(probs, np.float64)
    by_label = {lab: float(p) for lab, p in zip(LABELS, probs)}
    by_era = {e: float(sum(p for lab, p in by_label.items() if era_of(lab) == e)) for e in ERAS}
    return EraPrediction(by_label, by_era, bool(color_photo))


def is_color_photo(features) -> np.ndarray:
    """Whether photo_features rows (N, F) or one row (F,) are colour photos (COLOUR_PHOTO)."""
    return np.asarray(features)[..., FEATURES.index("colour_variety")] > COLOR_PHOTO


@dataclass
class EraRecognizer:
    """Softmax regression over standardised FEATURES: probabilities = softmax(((x - mean) / scale) @ weight + bias)."""

    mean: np.ndarray  # (F,)
    scale: np.ndarray  # (F,)
    weight: np.ndarray  # (F, len(LABELS))
    bias: np.ndarray  # (len(LABELS),)
    metadata: dict | None = None

    def __post_init__(self):
        f, c = len(FEATURES), len(LABELS)
        shapes = {"mean": (f,), "scale": (f,), "weight": (f, c), "bias": (c,)}
        for name, shape in shapes.items():
            value = np.asarray(getattr(self, name), np.float64)
            if value.shape != shape:
                raise WeightsError(f"era recogniser {name} has shape {value.shape}, expected {shape}")
            setattr(self, name, value)
        self.metadata = dict(self.metadata or {})

    @classmethod
    def from_weights(cls, path=None) -> "EraRecognizer":
        """Load era weights (default: the shipped weights/era.npz; no pickle)."""
        loaded = load_weights(path or shipped("era.npz"), KIND, hint="train them with python -m train.train_era")
        if loaded.metadata.get("version") != VERSION:
            raise WeightsError(f"{loaded.path}: era weights of version {loaded.metadata.get('version')!r}, "
                               f"this program reads version {VERSION}; retrain with python -m train.train_era")
        try:
            return cls(*(loaded.arrays[k] for k in ("mean", "scale", "weight", "bias")), loaded.metadata)
        except KeyError as e:
            raise WeightsError(f"{loaded.path}: era weights lack {e}") from None

    def probabilities(self, features) -> np.ndarray:
        """Class probabilities (N, len(LABELS)) of photo_features rows (N, F)."""
        z = (np.atleast_2d(features) - self.mean) / self.scale
        return softmax(z @ self.weight + self.bias, axis=1)

    def recognize(self, image) -> EraPrediction:
        """The decade and era of one photo."""
        features = photo_features(image)
        return prediction_from_probs(self.probabilities(features)[0], is_color_photo(features))

    def save(self, path, metadata: dict) -> None:
        """Write the recogniser (float64: it is a few kilobytes) with its metadata."""
        arrays = {"mean": self.mean, "scale": self.scale, "weight": self.weight, "bias": self.bias}
        save_weights(path, {}, KIND, {**metadata, "version": VERSION, "labels": list(LABELS), "eras": list(ERAS),
                                      "features": list(FEATURES)}, arrays=arrays, half=False)


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
    recognized: EraPrediction | None = None

    def describe(self) -> str:
        """One line for the console: what was recognised, how sure, and what was used."""
        rec, used = self.recognized, spoken(self.used)
        if rec is None:
            return f"coloured as {used} (chosen)"
        seen = (f"recognised {rec.era} ({rec.era_probabilities[rec.era]:.0%}; most likely "
                f"{spoken(rec.era_decade)})")
        if rec.color_photo:
            return f"{seen}, but it is a colour photo: coloured as {used}"
        if not rec.sure:
            return f"{seen}, not sure enough (under {AUTO_CONFIDENCE:.0%}): coloured as {used}"
        if rec.era not in AUTO_ERAS:
            return f"{seen}: a print from 1920 on looks modern: coloured as {used}"
        return f"{seen}, coloured as {used}"

    def to_report(self) -> dict:
        """The report's "era" record: decade labels, probabilities rounded to 3 places."""
        rec = self.recognized
        return {"recognised": rec.decade if rec else None,
                "probabilities": {k: round(v, 3) for k, v in rec.probabilities.items()} if rec else None,
                "sure": rec.sure if rec else None, "colour_photo": rec.color_photo if rec else None,
                "used": self.used}


class EraChooser:
    """--era for a batch: "auto" recognises each photo (the recogniser loaded once), a decade label is used as is."""

    def __init__(self, choice: str = "auto", weights=None, recognizer: EraRecognizer | None = None):
        """choice: "auto" or a label; for "auto", the recogniser given, else the one in weights (default shipped)."""
        if choice not in ERA_CHOICES:
            raise ValueError(f"unknown era {choice!r}; one of: {', '.join(ERA_CHOICES)}")
        self.choice = choice
        if choice != "auto":
            self.recognizer = None
        else:
            self.recognizer = recognizer if recognizer is not None else EraRecognizer.from_weights(weights)

    def decide(self, image) -> EraDecision:
        if self.recognizer is None:
            return EraDecision(self.choice)
        if min(np.shape(image)[:2]) < MIN_SIDE:  # too little print to tell its age: modern, as when unsure
            return EraDecision("modern")
        pred = self.recognizer.recognize(image)
        return EraDecision(pred.auto_label, pred)
