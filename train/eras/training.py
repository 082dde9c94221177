"""Training the era recogniser (models/era.py) and cross-validating it on the real dated photos (the
library behind train/train_era.py).

Data: the dated photos of ../shared/data/historical-dev (their photo_features and decade), and
modern photos as clean gray prints (Intel scenes and everyday objects, their lightness), class
"modern", a modern_share of the real photos' number, so a photo taken today is not dated 1930.
Every photo is scored by a model that never saw it: k folds over the real photos (each era spread
evenly over the folds), repeated with new folds for a spread; the modern photos are split the same
way. Baselines on the same photos: the majority era of the training folds, chance, and always
guessing the training folds' median decade.

What did not help, measured on the same folds (reports/eras/recognition.json has the first two):
a SmallClassifier over 96 px pixels trained on simulated prints (train/oldphoto.archive_print)
and fine-tuned with the real photos reached 0.42 three-era accuracy; on simulations alone it called
90% of real photos "1920 and later" (the simulated prints look older than the real ones). Adding
simulated prints' features to this regression lowered its accuracy (0.50 -> 0.46-0.48). Texture
features, probed on the same 5 x 5 folds (2026-11-30), left it within its spread (0.525 +- 0.018): grain
(the median high-pass residual, at 256 px or at the scan's own size) 0.527 and 0.525, gradient
energy 0.520, fine-to-coarse sharpness 0.531, local contrast 0.520, all five 0.527. Content, as
the shipped ColorNet 2 sees it (2026-12-01, same folds): its scene head's 8 log-probabilities
added 0.535 +- 0.017 (alone 0.314, chance), its bottleneck's pooled activations (mean and spread
per channel, projected on their 8 or 16 principal axes fitted on the modern photos only) 0.531
+- 0.011 and 0.501 +- 0.017 (alone 0.351 and 0.346): what a photo shows does not date it here.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from tqdm import tqdm

import minitorch_color as mt
from minitorch_color import nn
from models.color import rgb_to_lab
from models.era import (
    AUTO_CONFIDENCE,
    AUTO_ERAS,
    COLOR_PHOTO,
    DECADES,
    ERAS,
    FEATURES,
    LABELS,
    EraChooser,
    EraRecognizer,
    era_of,
    is_color_photo,
    label_of,
    photo_features,
    prediction_from_probs,
)
from train.common import data, metrics

GROUPS = {"tint": FEATURES[:13], "tone": FEATURES[13:30], "frame": FEATURES[30:]}  # for the ablation


@dataclass
class EraConfig:
    """Everything a run depends on."""

    l2: float = 0.3  # weight penalty 0.5 * l2 * |W|^2 beside the mean cross-entropy
    steps: int = 800  # full-batch gradient steps
    lr: float = 0.5
    modern_share: float = 0.1  # modern photos per real photo in training
    modern_photos: int = 150  # modern photos each source lends
    folds: int = 5
    repeats: int = 5  # cross-validations with new folds, for the spread
    balance_eras: bool = False  # weigh each era (and modern) equally, however many photos each has
    seed: int = 0
    out: str = ""  # weights file to write (.npz); empty: none


@dataclass
class Photos:
    """Photos as features, with their labels (indices into LABELS)."""

    features: np.ndarray  # (N, len(FEATURES))
    labels: np.ndarray  # (N,)
    files: list
    sources: list | None = None  # the collection of each photo (train/eras/sources.py), where known

    def part(self, keep) -> "Photos":
        pick = [bool(k) for k in keep]
        sources = None if self.sources is None else [s for s, k in zip(self.sources, pick) if k]
        return Photos(self.features[keep], self.labels[keep], [n for n, k in zip(self.files, pick) if k], sources)


def load_real(progress: bool = True) -> Photos:
    """The dated development photos (raises data.DataMissingError without them)."""
    rows = [r for r in data.load_historical() if r["decade"]]
    feats = [photo_features(r["image"]) for r in tqdm(rows, desc="real photos", disable=not progress)]
    return Photos(np.stack(feats), np.array([LABELS.index(label_of(r["decade"])) for r in rows]),
                  [r["file"] for r in rows])


def load_modern(cfg: EraConfig, progress: bool = True) -> Photos:
    """Modern photos as clean gray prints: Intel training scenes and everyday objects, their lightness."""
    rng = np.random.default_rng(cfg.seed)
    feats, files = [], []
    for loader in (data.load_intel_scenes, data.load_imagenette):
        s = loader("train")
        for i in tqdm(rng.permutation(len(s))[:cfg.modern_photos], desc="modern photos", disable=not progress):
            feats.append(photo_features(rgb_to_lab(s.images[i].astype(np.float64) / 255)[..., 0] / 100))
            files.append(f"{loader.__name__[5:]}:{i}")
    return Photos(np.stack(feats), np.full(len(feats), LABELS.index("modern")), files)


def fit(x, labels, cfg: EraConfig) -> tuple:
    """(mean, scale, weight (F, C), bias (C,)) of a softmax regression of labels on features x (N, F),
    by full-batch gradient descent with minitorch_color."""
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = mt.tensor(((x - mean) / scale).astype(np.float32))
    mt.manual_seed(cfg.seed)
    layer = nn.Linear(x.shape[1], len(LABELS))
    opt = mt.optim.SGD(layer.parameters(), lr=cfg.lr)
    weight = era_weights(labels) if cfg.balance_eras else None
    for _ in range(cfg.steps):
        loss = (nn.F.cross_entropy(layer(z), labels, weight=weight)
                + (layer.weight * layer.weight).sum() * (0.5 * cfg.l2))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return mean, scale, layer.weight.numpy().T.astype(np.float64), layer.bias.numpy().astype(np.float64)


def era_weights(labels) -> np.ndarray:
    """Per-class weights (len(LABELS),) float32 under which each era, and modern, weighs the same in total."""
    groups = np.array([LABELS[k] if LABELS[k] == "modern" else era_of(LABELS[k]) for k in range(len(LABELS))])
    counts = {g: int(np.isin(np.asarray(labels), np.flatnonzero(groups == g)).sum()) for g in set(groups)}
    present = [g for g, n in counts.items() if n]
    return np.array([len(labels) / (len(present) * counts[g]) if counts[g] else 0.0 for g in groups], np.float32)


def with_modern(real: Photos, modern: Photos, cfg: EraConfig) -> Photos:
    """The training set: the real photos and modern_share as many modern ones."""
    n = min(len(modern.labels), int(round(cfg.modern_share * len(real.labels))))
    return Photos(np.concatenate([real.features, modern.features[:n]]),
                  np.concatenate([real.labels, modern.labels[:n]]), real.files + modern.files[:n])


def train(real: Photos, modern: Photos, cfg: EraConfig, columns=None) -> EraRecognizer | tuple:
    """The recogniser trained on these photos (columns: a subset of features, for the ablation:
    then the raw (mean, scale, weight, bias) of those columns)."""
    data = with_modern(real, modern, cfg)
    x = data.features if columns is None else data.features[:, columns]
    arrays = fit(x, data.labels, cfg)
    return EraRecognizer(*arrays) if columns is None else arrays


def probabilities(arrays, x) -> np.ndarray:
    mean, scale, weight, bias = arrays
    z = ((x - mean) / scale) @ weight + bias
    z -= z.max(1, keepdims=True)
    p = np.exp(z)
    return p / p.sum(1, keepdims=True)


def folds_of(labels, k: int, seed: int = 0) -> np.ndarray:
    """Fold index (0..k-1) per photo, each era spread evenly over the folds."""
    rng = np.random.default_rng(seed)
    fold = np.empty(len(labels), np.int64)
    eras = np.array([ERAS.index(era_of(LABELS[i])) for i in labels])
    for e in range(len(ERAS)):
        idx = rng.permutation(np.flatnonzero(eras == e))
        fold[idx] = np.arange(len(idx)) % k
    return fold


YEARS = np.array(list(DECADES) + [1980])  # the year each label stands for (modern: 1980)


def era_index(labels) -> np.ndarray:
    """ERAS index of each LABELS index."""
    return np.array([ERAS.index(era_of(LABELS[i])) for i in labels])


def predicted_eras(probs) -> np.ndarray:
    """ERAS index of the most likely era (summed over its decades) of each row of probabilities."""
    by_era = np.stack([probs[:, [era_of(lab) == e for lab in LABELS]].sum(1) for e in ERAS], 1)
    return by_era.argmax(1)


def constant_guesses(train_labels) -> tuple:
    """(majority era index, median year) of training labels: the baselines' guesses."""
    return (int(np.bincount(era_index(train_labels), minlength=len(ERAS)).argmax()),
            float(np.median(YEARS[train_labels])))


def era_report(probs, labels, majority_era, median_year) -> dict:
    """Three-era and decade metrics of predicted probabilities (N, len(LABELS)) against labels, beside
    the baselines' guesses per photo (majority_era: ERAS index, median_year: a year; arrays (N,))."""
    true_era, pred_era = era_index(labels), predicted_eras(probs)
    true_year, pred_year = YEARS[labels], YEARS[np.asarray(probs).argmax(1)]
    rep = metrics.classification_report(true_era, pred_era, ERAS)
    return {"n": int(len(labels)), "era": rep.to_dict(),
            "decade_mae_years": float(np.abs(pred_year - true_year).mean()),
            "baselines": {"majority_era_accuracy": float((true_era == np.asarray(majority_era)).mean()),
                          "chance_accuracy": 1 / len(ERAS),
                          "median_decade_mae_years": float(np.abs(true_year - np.asarray(median_year)).mean())}}


def subsample(photos: Photos, fraction: float, seed: int) -> Photos:
    """About fraction of the photos, the same share of each era (at least one of each)."""
    if fraction >= 1:
        return photos
    rng, keep, eras = np.random.default_rng(seed), np.zeros(len(photos.labels), bool), era_index(photos.labels)
    for e in range(len(ERAS)):
        idx = np.flatnonzero(eras == e)
        keep[rng.permutation(idx)[:max(1, int(round(fraction * len(idx))))]] = True
    return photos.part(keep)


def cross_validated_probs(real: Photos, modern: Photos, cfg: EraConfig, seed: int, columns=None,
                          fraction: float = 1.0) -> tuple:
    """(probabilities of each real photo, of each modern photo, majority-era and median-year guesses per
    real photo), each from the fold that held it out (trained on fraction of the other folds' photos)."""
    columns = list(range(len(FEATURES))) if columns is None else list(columns)
    fold = folds_of(real.labels, cfg.folds, seed)
    modern_fold = np.random.default_rng(seed).permutation(len(modern.labels)) % cfg.folds
    probs = np.zeros((len(real.labels), len(LABELS)))
    modern_probs = np.zeros((len(modern.labels), len(LABELS)))
    guess_era, guess_year = np.zeros(len(real.labels), np.int64), np.zeros(len(real.labels))
    for f in range(cfg.folds):
        part = subsample(real.part(fold != f), fraction, seed * 100 + f)
        arrays = train(part, modern.part(modern_fold != f), cfg, columns)
        probs[fold == f] = probabilities(arrays, real.features[fold == f][:, columns])
        modern_probs[modern_fold == f] = probabilities(arrays, modern.features[modern_fold == f][:, columns])
        guess_era[fold == f], guess_year[fold == f] = constant_guesses(part.labels)
    return probs, modern_probs, guess_era, guess_year


def spread(values) -> dict:
    return {"mean": float(np.mean(values)), "std": float(np.std(values)), "runs": [float(v) for v in values]}


TRAINING_FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def training_size_curve(cfg: EraConfig, real: Photos, modern: Photos) -> list:
    """Cross-validated three-era accuracy when each fold trains on a share of its real photos: whether
    more dated photos would still help. One row per share: training photos per fold and the accuracy's
    spread over the repeats."""
    rows = []
    per_fold = len(real.labels) * (cfg.folds - 1) / cfg.folds
    for fraction in TRAINING_FRACTIONS:
        acc = [float((predicted_eras(cross_validated_probs(real, modern, cfg, cfg.seed + r, fraction=fraction)[0])
                      == era_index(real.labels)).mean()) for r in range(cfg.repeats)]
        rows.append({"fraction": fraction, "training_photos": round(fraction * per_fold), "accuracy": spread(acc)})
    return rows


def auto_rule(cfg: EraConfig, real: Photos, modern: Photos) -> dict:
    """How "auto" (models/era.py: an era only when sure, never on a colour photo) does on held-out photos,
    over the repeats: the share of real dated photos it gives an era, the share of those whose era is
    right, and the share of modern gray prints it leaves modern."""
    acted, right, kept = [], [], []
    truth = era_index(real.labels)
    for r in range(cfg.repeats):
        probs, modern_probs = cross_validated_probs(real, modern, cfg, cfg.seed + r)[:2]
        used = [prediction_from_probs(p, c).auto_label for p, c in zip(probs, is_color_photo(real.features))]
        on = np.array([u != "modern" for u in used])
        acted.append(float(on.mean()))
        right.append(float(np.mean([ERAS.index(era_of(u)) == t for u, t, o in zip(used, truth, on) if o]))
                     if on.any() else float("nan"))
        kept.append(float(np.mean([prediction_from_probs(p, c).auto_label == "modern"
                                   for p, c in zip(modern_probs, is_color_photo(modern.features))])))
    return {"auto_confidence": AUTO_CONFIDENCE, "auto_eras": list(AUTO_ERAS), "colour_photo_threshold": COLOR_PHOTO,
            "real_photos_given_an_era": spread(acted), "era_right_when_given": spread(right),
            "modern_gray_prints_left_modern": spread(kept), "n_real": int(len(real.labels)),
            "n_modern": int(len(modern.labels))}


def color_photos_left_modern(recognizer: EraRecognizer, photos_per_source: int = 200, seed: int = 5) -> dict:
    """Share of held-out colour photos (Intel test, everyday objects' validation) auto leaves modern."""
    out = {}
    for name, loader, split in (("intel_test", data.load_intel_scenes, "test"),
                                ("imagenette_val", data.load_imagenette, "val")):
        s = loader(split)
        idx = np.random.default_rng(seed).permutation(len(s))[:photos_per_source]
        out[name] = {"n": int(len(idx)), "left_modern": float(np.mean(
            [recognizer.recognize(s.images[i]).auto_label == "modern" for i in idx]))}
    return out


def modern_gray_photos_left_modern(recognizer: EraRecognizer, photos_per_source: int = 1000, seed: int = 7) -> dict:
    """Share of held-out modern photos, reduced to gray as a user's scan of a modern print would be,
    that auto leaves modern (faces' validation split, Intel's test split), and what it coloured the rest as."""
    out = {}
    for name, loader, split in (("faces_val", data.load_faces, "val"), ("intel_test", data.load_intel_scenes, "test")):
        s = loader(split)
        idx = np.random.default_rng(seed).permutation(len(s))[:photos_per_source]
        auto = EraChooser("auto", recognizer=recognizer)
        used = [auto.decide(rgb_to_lab(s.images[i].astype(np.float32) / 255)[..., 0] / 100).used for i in idx]
        out[name] = {"n": int(len(idx)), "left_modern": float(np.mean([u == "modern" for u in used])),
                     "coloured_as": {u: used.count(u) for u in sorted(set(used))}}
    return out


def run(cfg: EraConfig, real: Photos, modern: Photos, progress: bool = True) -> tuple:
    """(the recogniser trained on every photo, the report): cross-validated metrics of the first
    repeat in full, accuracy and balanced accuracy over every repeat, the feature-group ablation."""
    reports, ablation = [], {g: [] for g in GROUPS}
    for r in tqdm(range(cfg.repeats), desc="cross-validations", disable=not progress):
        probs, modern_probs, guess_era, guess_year = cross_validated_probs(real, modern, cfg, cfg.seed + r)
        rep = era_report(probs, real.labels, guess_era, guess_year)
        modern_pred = modern_probs.argmax(1)
        rep["modern_photos"] = {"n": int(len(modern_pred)),
                                "recognised_as_modern": float((modern_pred == LABELS.index("modern")).mean()),
                                "era_1920_and_later": float(np.mean([era_of(LABELS[k]) == ERAS[2]
                                                                     for k in modern_pred]))}
        if r == 0:
            rep["per_photo"] = [{"file": n, "true": LABELS[t], "predicted": prediction_from_probs(p).decade,
                                 "era_probabilities": prediction_from_probs(p).era_probabilities}
                                for n, t, p in zip(real.files, real.labels, probs)]
        reports.append(rep)
        for g, names in GROUPS.items():
            cols = [i for i, f in enumerate(FEATURES) if f not in names]
            p = cross_validated_probs(real, modern, cfg, cfg.seed + r, cols)[0]
            ablation[g].append(float((predicted_eras(p) == era_index(real.labels)).mean()))
    first = reports[0]
    report = {"config": asdict(cfg), "features": list(FEATURES), "cross_validated": first,
              "repeats": {"accuracy": spread([x["era"]["accuracy"] for x in reports]),
                          "balanced_accuracy": spread([x["era"]["balanced_accuracy"] for x in reports]),
                          "decade_mae_years": spread([x["decade_mae_years"] for x in reports]),
                          "majority_era_accuracy": spread([x["baselines"]["majority_era_accuracy"] for x in reports]),
                          "median_decade_mae_years": spread([x["baselines"]["median_decade_mae_years"]
                                                             for x in reports])},
              "ablation_accuracy_without": {g: spread(v) for g, v in ablation.items()},
              "training_size_curve": training_size_curve(cfg, real, modern),
              "auto": auto_rule(cfg, real, modern)}
    report["cross_validated"]["folds"] = cfg.folds
    return train(real, modern, cfg), report
