"""Training the era recogniser (models/era.py): simulated old photos, the real dated photos, and
cross-validation over the real ones (the library behind train/train_era.py).

Simulated photos: modern colour photos (Intel scenes, everyday objects) passed through
train/oldphoto.archive_print (a print of a decade drawn uniformly from the 1850s to the 1970s, as it
reaches an archive: film, grain, toning, mounts, little damage), or kept
modern (their lightness as a clean gray photo). Real photos: the dated photos of
../shared/data/historical-dev. A model is first trained on simulations alone and scored on every
real dated photo (none was seen); then, fold by fold, it is fine-tuned with the real photos of the
other folds mixed into its batches and scored on the held-out fold, so that no photo is ever in
the train and test parts of one fold. Baselines on the same photos: the majority era of the
training folds, chance, and always guessing the training folds' median decade.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from tqdm import tqdm

import minitorch_color as mt
from minitorch_color import nn
from models.classifier import SmallClassifier
from models.color import rgb_to_lab
from models.era import DECADES, ERAS, LABELS, era_input, era_of, label_of, prediction_from_probs
from train import metrics, oldphoto


@dataclass
class EraConfig:
    """Everything a run depends on."""

    width: int = 24
    steps: int = 3000
    finetune_steps: int = 400
    batch: int = 32
    lr: float = 2e-3
    weight_decay: float = 5e-4
    real_fraction: float = 0.25  # share of a fine-tuning batch drawn from the real training photos
    folds: int = 5
    photos_per_source: int = 3000  # modern photos each source lends to the simulation
    seed: int = 0
    out: str = ""  # weights file to write (.npz); empty: none


@dataclass
class RealPhotos:
    """The dated real photos as network inputs, with their labels."""

    inputs: np.ndarray  # (N, 3, SIZE, SIZE)
    labels: np.ndarray  # (N,) indices into LABELS
    files: list


def load_real() -> RealPhotos:
    """The dated development photos (raises data.DataMissingError without them)."""
    from train import data
    rows = [r for r in data.load_historical() if r["decade"]]
    return RealPhotos(np.stack([era_input(r["image"]) for r in rows]),
                      np.array([LABELS.index(label_of(r["decade"])) for r in rows]), [r["file"] for r in rows])


def load_modern(cfg: EraConfig) -> list:
    """Modern colour photos (float RGB) to age: Intel training photos at 150 px and everyday objects
    (with the people using them) at 64. Not the faces: tight 64 px crops, unlike any old print."""
    from train import data
    rng = np.random.default_rng(cfg.seed)
    photos = []
    for loader in (data.load_intel_scenes, data.load_imagenette):
        s = loader("train")
        s = s.subset(~s.near_gray)
        pick = rng.permutation(len(s))[:cfg.photos_per_source]
        photos += [im.astype(np.float32) / 255 for im in s.images[pick]]
    return photos


def simulated(photo, label: int, rng) -> np.ndarray:
    """A modern photo as photographed and aged in the decade LABELS[label] (modern: a clean gray)."""
    if LABELS[label] == "modern":
        L = rgb_to_lab(photo.astype(np.float64))[..., 0] / 100
        return era_input(L)
    return era_input(oldphoto.archive_print(photo, DECADES[label], rng))


def simulated_batch(photos, rng, n: int) -> tuple:
    """(inputs (n, 3, SIZE, SIZE), labels (n,)): random photos in random decades, classes balanced."""
    labels = rng.integers(len(LABELS), size=n)
    inputs = np.stack([simulated(photos[rng.integers(len(photos))], int(k), rng) for k in labels])
    return inputs, labels


def augment(inputs, rng) -> np.ndarray:
    """Mirror half of the photos (the only change that keeps a real photo's era evidence intact)."""
    flip = rng.random(len(inputs)) < 0.5
    out = inputs.copy()
    out[flip] = out[flip][..., ::-1]
    return out


def train_steps(net, cfg: EraConfig, steps: int, photos, rng, real: RealPhotos | None = None,
                desc: str = "era") -> list:
    """Train net for steps batches (simulated, plus real photos when given); returns the losses."""
    opt = mt.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = mt.optim.WarmupCosineLR(opt, min(100, max(1, steps // 10)), max(steps, 2), cfg.lr * 0.02)
    n_real = int(round(cfg.batch * cfg.real_fraction)) if real is not None and len(real.labels) else 0
    losses = []
    net.train()
    for _ in tqdm(range(steps), desc=desc, leave=False):
        x, y = simulated_batch(photos, rng, cfg.batch - n_real)
        if n_real:
            pick = rng.integers(len(real.labels), size=n_real)
            x, y = np.concatenate([x, real.inputs[pick]]), np.concatenate([y, real.labels[pick]])
        loss = nn.F.cross_entropy(net(mt.tensor(augment(x, rng))), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses


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


def constant_guesses(train_labels) -> tuple:
    """(majority era index, median year) of training labels: the baselines' guesses."""
    return (int(np.bincount(era_index(train_labels), minlength=len(ERAS)).argmax()),
            float(np.median(YEARS[train_labels])))


def era_report(probs, labels, majority_era, median_year) -> dict:
    """Three-era and decade metrics of predicted probabilities (N, len(LABELS)) against labels, beside
    the baselines' guesses per photo (majority_era: ERAS index, median_year: a year; arrays (N,))."""
    preds = [prediction_from_probs(p) for p in probs]
    true_era = era_index(labels)
    pred_era = np.array([ERAS.index(p.era) for p in preds])
    true_year, pred_year = YEARS[labels], YEARS[[LABELS.index(p.decade) for p in preds]]
    rep = metrics.classification_report(true_era, pred_era, ERAS)
    return {"n": int(len(labels)), "era": rep,
            "decade_mae_years": float(np.abs(pred_year - true_year).mean()),
            "baselines": {"majority_era_accuracy": float((true_era == np.asarray(majority_era)).mean()),
                          "chance_accuracy": 1 / len(ERAS),
                          "median_decade_mae_years": float(np.abs(true_year - np.asarray(median_year)).mean())}}


def new_net(cfg: EraConfig, seed: int) -> SmallClassifier:
    mt.manual_seed(seed)
    return SmallClassifier(len(LABELS), cfg.width)


def run(cfg: EraConfig, photos=None, real: RealPhotos | None = None, progress: bool = True) -> tuple:
    """(the model trained on simulations alone, the report): its score on every real dated photo,
    then k-fold fine-tuning with the real photos of the other folds, scored on each held-out fold."""
    from models.era import EraRecognizer
    photos = photos if photos is not None else load_modern(cfg)
    real = real if real is not None else load_real()
    rng = np.random.default_rng(cfg.seed)
    base = new_net(cfg, cfg.seed)
    train_steps(base, cfg, cfg.steps, photos, rng, desc="simulations")
    base_state = {k: v.copy() for k, v in base.state_dict().items()}
    best_era, best_year = constant_guesses(real.labels)  # the best constant guesses on these very photos
    report = {"config": asdict(cfg),
              "simulation_only": era_report(EraRecognizer(base).probabilities(real.inputs), real.labels,
                                            np.full(len(real.labels), best_era), np.full(len(real.labels), best_year))}
    fold = folds_of(real.labels, cfg.folds, cfg.seed)
    probs = np.zeros((len(real.labels), len(LABELS)))
    guess_era, guess_year = np.zeros(len(real.labels), np.int64), np.zeros(len(real.labels))
    for f in tqdm(range(cfg.folds), desc="folds", disable=not progress):
        net = new_net(cfg, cfg.seed)
        net.load_state_dict(base_state)
        train_part = RealPhotos(real.inputs[fold != f], real.labels[fold != f],
                                [n for n, k in zip(real.files, fold) if k != f])
        train_steps(net, cfg, cfg.finetune_steps, photos, rng, train_part, desc=f"fold {f}")
        probs[fold == f] = EraRecognizer(net).probabilities(real.inputs[fold == f])
        guess_era[fold == f], guess_year[fold == f] = constant_guesses(train_part.labels)
    # every photo scored by the model, and the baselines, of the fold that held it out
    report["cross_validated"] = era_report(probs, real.labels, guess_era, guess_year)
    report["cross_validated"]["folds"] = cfg.folds
    report["per_photo"] = [{"file": n, "true": LABELS[t], "predicted": prediction_from_probs(p).decade,
                            "era_probabilities": prediction_from_probs(p).era_probabilities}
                           for n, t, p in zip(real.files, real.labels, probs)]
    return base, report
