"""Honest metrics: colour-class accuracy with confusion matrices, AuC of ab errors (raw and
rebalanced), PSNR, SSIM, colourfulness, and classifier reports. Every function takes plain
arrays; baselines are scored by the same code.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import numpy as np

from models.color import COLOR_CLASSES, ABQuantizer, color_class

# One figure, one name: a colour-class report's accuracy over pixels is "pixel_accuracy" wherever it
# is summarised, its balanced accuracy "balanced_accuracy". Files written before (issue 30) named them
# pixel_acc and balanced_acc, alone or inside a longer name (all_gray_pixel_acc, pixel_acc_by_source).
_OLD_NAMES = re.compile(r"(pixel|balanced)_acc(?![a-z])")


def current_names(obj):
    """obj (JSON-like: dicts, lists, strings, numbers) with every old metric name replaced by today's,
    in keys and in string values (a run's best_by); what holds no old name is returned as it is."""
    if isinstance(obj, dict):
        return {current_names(k): current_names(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [current_names(v) for v in obj]
    if isinstance(obj, str):
        return _OLD_NAMES.sub(r"\1_accuracy", obj)
    return obj


def confusion_matrix(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Counts (K, K): row = true class, column = predicted class."""
    y_true, y_pred = np.asarray(y_true).ravel(), np.asarray(y_pred).ravel()
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)


@dataclass(frozen=True)
class ClassScores:
    """One class of a classification report (None where undefined: a class never true or never predicted)."""

    precision: float | None
    recall: float | None
    f1: float | None
    support: int


@dataclass(frozen=True)
class ClassificationReport:
    """What every classifier reports: accuracy, balanced accuracy (mean recall over the classes
    present), per-class precision / recall / F1 / support, and the confusion matrix (row = true class,
    column = predicted; counts and row-normalised). to_dict() is its JSON form, from_dict reads it back."""

    n: int
    accuracy: float
    balanced_accuracy: float
    per_class: dict  # {class name: ClassScores}
    confusion: list  # counts, (K, K)
    confusion_normalized: list  # rows summing to 1 (0 for a class never true)
    classes: list

    def to_dict(self) -> dict:
        return {"n": self.n, "accuracy": self.accuracy, "balanced_accuracy": self.balanced_accuracy,
                "per_class": {c: asdict(v) for c, v in self.per_class.items()}, "confusion": self.confusion,
                "confusion_normalized": self.confusion_normalized, "classes": self.classes}

    @classmethod
    def from_dict(cls, d: dict) -> ClassificationReport:
        return cls(d["n"], d["accuracy"], d["balanced_accuracy"],
                   {c: ClassScores(**v) for c, v in d["per_class"].items()}, d["confusion"],
                   d["confusion_normalized"], list(d["classes"]))


def classification_report(y_true, y_pred, classes) -> ClassificationReport:
    """The ClassificationReport of predicted class indices against true ones (both integer arrays)."""
    return report_from_confusion(confusion_matrix(y_true, y_pred, len(classes)), classes)


def report_from_confusion(confusion, classes) -> ClassificationReport:
    """The ClassificationReport of a confusion matrix of counts (K, K): row = true, column = predicted."""
    cm = np.asarray(confusion).astype(np.int64)
    support = cm.sum(1)
    predicted = cm.sum(0)
    tp = np.diag(cm)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(support > 0, tp / support, np.nan)
        precision = np.where(predicted > 0, tp / predicted, np.nan)
        f1 = np.where((precision + recall) > 0, 2 * precision * recall / (precision + recall), 0.0)
        normalized = np.where(support[:, None] > 0, cm / support[:, None], 0.0)
    f1 = np.where(np.isnan(precision) | np.isnan(recall), np.nan, f1)
    total = cm.sum()
    return ClassificationReport(
        n=int(total), accuracy=float(tp.sum() / total) if total else float("nan"),
        balanced_accuracy=float(np.nanmean(recall)) if np.any(support > 0) else float("nan"),
        per_class={c: ClassScores(_f(precision[i]), _f(recall[i]), _f(f1[i]), int(support[i]))
                   for i, c in enumerate(classes)},
        confusion=cm.tolist(), confusion_normalized=normalized.tolist(), classes=list(classes))


def _f(v):
    return None if np.isnan(v) else float(v)


def color_class_report(ab_true, ab_pred) -> ClassificationReport:
    """classification_report over the nine named colour classes, pixel by pixel: its accuracy is the
    pixel accuracy, its balanced accuracy every colour class recalled."""
    return classification_report(color_class(ab_true), color_class(ab_pred), COLOR_CLASSES)


SKIN_CLASSES = ("red", "orange", "pink")  # skin straddles the red / orange boundary; pink for fair skin


def skin_hue_recall(ab_true, ab_pred) -> dict:
    """Of the pixels whose true colour class is red, orange or pink, the share predicted in any of
    the three (None when there are none), and their number."""
    skin = [COLOR_CLASSES.index(c) for c in SKIN_CLASSES]
    true, pred = np.isin(color_class(ab_true), skin), np.isin(color_class(ab_pred), skin)
    n = int(true.sum())
    return {"recall": float(pred[true].mean()) if n else None, "n_pixels": n}


def ab_auc(ab_true, ab_pred, max_threshold: int = 150, class_weights=None, quantizer=None) -> dict:
    """Fraction of pixels with ab error (Euclidean) <= t for t = 0..max_threshold, its area
    (normalised to [0, 1]) raw and rebalanced by per-pixel weights of the true colour's bin,
    and the accuracy at 10 and 20."""
    ab_true = np.asarray(ab_true, dtype=np.float64).reshape(-1, 2)
    err = np.linalg.norm(ab_true - np.asarray(ab_pred, dtype=np.float64).reshape(-1, 2), axis=1)
    # err <= t exactly when ceil(err) <= t for integer t: a cumulative histogram, O(pixels) memory
    bins = np.minimum(np.ceil(err), max_threshold + 1).astype(np.int64)

    def curve(weights=None):
        counts = np.bincount(bins, weights=weights, minlength=max_threshold + 2)[:max_threshold + 1]
        return np.cumsum(counts) / (len(err) if weights is None else weights.sum())

    out = {"auc_raw": float(curve().mean()), "acc_at_10": float((err <= 10).mean()),
           "acc_at_20": float((err <= 20).mean())}
    if class_weights is not None:
        q = quantizer or ABQuantizer()
        out["auc_rebalanced"] = float(curve(np.asarray(class_weights, np.float64)[q.nearest(ab_true)]).mean())
    return out


def psnr(rgb_true, rgb_pred, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB over all pixels and channels (inf for identical images)."""
    mse = np.mean((np.asarray(rgb_true, np.float64) - np.asarray(rgb_pred, np.float64)) ** 2)
    return float("inf") if mse == 0 else float(10 * np.log10(data_range ** 2 / mse))


def ssim(rgb_true, rgb_pred, data_range: float = 1.0) -> float:
    """Structural similarity of two RGB images (H, W, 3), as scikit-image computes it."""
    from skimage.metrics import structural_similarity
    a, b = np.asarray(rgb_true, np.float64), np.asarray(rgb_pred, np.float64)
    win = min(7, min(a.shape[:2]) // 2 * 2 - 1 if min(a.shape[:2]) < 7 else 7)
    return float(structural_similarity(a, b, channel_axis=-1, data_range=data_range, win_size=max(3, win)))


def colorfulness(rgb) -> float:
    """Hasler and Suesstrunk (2003) colourfulness of an RGB image in [0, 1] (on the 0-255 scale)."""
    rgb = np.asarray(rgb, np.float64) * 255
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def plot_confusion(report: dict, path=None, title: str = "", normalized: bool = True):
    """Draw the confusion matrix of a ClassificationReport (or its to_dict()) as a heat map with the numbers.

    Returns the matplotlib Figure (built without pyplot, so it never changes the caller's
    backend) and saves it as a PNG when path is given.
    """
    from matplotlib.figure import Figure
    if isinstance(report, dict):
        report = ClassificationReport.from_dict(report)
    cm = np.array(report.confusion_normalized if normalized else report.confusion)
    classes = report.classes
    fig = Figure(figsize=(1.0 + 0.75 * len(classes), 0.8 + 0.7 * len(classes)))
    ax = fig.add_subplot()
    im = ax.imshow(cm, cmap="Blues", vmin=0, vmax=1 if normalized else None)
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(classes)):
        for j in range(len(classes)):
            v = cm[i, j]
            ax.text(j, i, f"{v:.2f}" if normalized else str(int(v)), ha="center", va="center", fontsize=7,
                    color="white" if v > (0.5 if normalized else cm.max() / 2) else "black")
    ax.set_title(title or f"accuracy {report.accuracy:.3f}, balanced {report.balanced_accuracy:.3f}")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig
