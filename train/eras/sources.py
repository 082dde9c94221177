"""Dated photos grouped by the collection they come from, and validation that holds whole collections out.

Each collection has its own look (a registration form's crop, a negative's black film border, a
glass plate's density, a club's toned prints, colour slides), and every era is dominated by one or
two of them: a model validated within collections can learn "a black border means the 1930s" and
fail everywhere else. So every photo is scored by a model that saw nothing of its collection
(leave one source out), and the spread is over sources, not photos.

    dated = dated_photos()                                        # every dated photo, with its source
    probs, modern_probs = source_held_out_probs(dated, modern, cfg)

Sources: the development photos (historical-dev) are one; historical_dated192's are its
collections (PROVENANCE.md): the 1883 London registrations, FSA/OWI (two repositories of the same
Library of Congress collection), DOCUMERICA, Prokudin-Gorskii's plates (three repositories), the
gliding club, and two small sets. A colour photo (DOCUMERICA's slides, the club's 1970s prints) is
measured as its gray lightness: the recogniser dates the prints a colorization user brings.
A collection-level span ("1935-1944") gives its era; its decade is the span's middle one.
"""
from __future__ import annotations

import numpy as np
from tqdm import tqdm

from models.color import rgb_to_lab
from models.era import ERAS, LABELS, era_of, is_color_photo, label_of, photo_features, prediction_from_probs
from train.common import data, metrics
from train.eras.training import (
    EraConfig,
    Photos,
    constant_guesses,
    era_index,
    era_report,
    predicted_eras,
    probabilities,
    train,
)

SOURCE_OF_REPO = {"marianaWest/Copy1Hackathon": "London 1883 registrations", "tmoody1973/redlined": "FSA/OWI",
                  "jbkad/ic-gliding": "gliding club", "JophiArcana/CS180-HW1": "Prokudin-Gorskii",
                  "chetanaramaiyer/Prokudin-Gorskii": "Prokudin-Gorskii",
                  "TurnoffyourTV/ColorfulPictureRecovery": "Prokudin-Gorskii",
                  "Aleee2601/TimeGuesser": "TimeGuesser", "kidpixo/piedimonte-matese-old-photos": "Piedimonte Matese"}
DEVELOPMENT = "historical-dev"


def source_of(row: dict) -> str:
    """The collection of a historical_dated192 row (its repository; distant-viewing holds two)."""
    repo = row["source_repo"]
    if repo == "distant-viewing/dvscripts":
        return "DOCUMERICA" if "DOCUMERICA" in row["note"] else "FSA/OWI"
    return SOURCE_OF_REPO.get(repo, repo)


def decade_of(value: str) -> int:
    """'1880s' -> 1880, '1937' -> 1930, '1935-1944' -> 1930 (a span: its middle year's decade)."""
    if "-" in value:
        first, last = (int(v) for v in value.split("-"))
        return int((first + last) / 2) // 10 * 10
    return int(value.rstrip("s")) // 10 * 10


def dated_photos(progress: bool = True) -> Photos:
    """Every dated photo (historical-dev and historical_dated192) as features, labels and sources."""
    feats, labels, files, sources = [], [], [], []
    for r in data.load_historical():
        if r["decade"]:
            feats.append(photo_features(r["image"]))
            labels.append(LABELS.index(label_of(r["decade"])))
            files.append(r["file"])
            sources.append(DEVELOPMENT)
    for r in tqdm(data.load_dated(), desc="dated photos", disable=not progress):
        image = r["image"].astype(np.float64) / 255
        if r["tint"] == "colour":
            image = rgb_to_lab(image)[..., 0] / 100
        feats.append(photo_features(image))
        labels.append(LABELS.index(label_of(decade_of(r["year_or_decade"]))))
        files.append(r["path"])
        sources.append(source_of(r))
    return Photos(np.stack(feats), np.array(labels), files, sources)


def source_held_out_probs(dated: Photos, modern: Photos, cfg: EraConfig) -> tuple:
    """(probabilities of each dated photo, of each modern photo, majority-era and median-year guesses
    per dated photo): each dated photo scored by a model trained without its source; the modern photos
    split round-robin over the sources and held out with theirs."""
    names = sorted(set(dated.sources))
    modern_part = np.arange(len(modern.labels)) % len(names)
    probs = np.zeros((len(dated.labels), len(LABELS)))
    modern_probs = np.zeros((len(modern.labels), len(LABELS)))
    guess_era, guess_year = np.zeros(len(dated.labels), np.int64), np.zeros(len(dated.labels))
    for k, name in enumerate(names):
        out = np.array([s == name for s in dated.sources])
        arrays = train(dated.part(~out), modern.part(modern_part != k), cfg, list(range(dated.features.shape[1])))
        probs[out] = probabilities(arrays, dated.features[out])
        modern_probs[modern_part == k] = probabilities(arrays, modern.features[modern_part == k])
        guess_era[out], guess_year[out] = constant_guesses(dated.labels[~out])
    return probs, modern_probs, guess_era, guess_year


def source_bootstrap(true, pred, sources, rng, resamples: int = 1000) -> list:
    """95% interval of the three-era balanced accuracy when whole sources are resampled with replacement."""
    names = sorted(set(sources))
    index = {n: np.flatnonzero(np.array(sources) == n) for n in names}
    values = []
    for _ in range(resamples):
        pick = np.concatenate([index[names[k]] for k in rng.integers(len(names), size=len(names))])
        values.append(metrics.classification_report(true[pick], pred[pick], ERAS).balanced_accuracy)
    return [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))]


def auto_on(probs, features, true_eras) -> dict:
    """What --era auto (models/era.py) does with held-out probabilities: the share of photos it gives an
    era, and the share of those whose era is right."""
    used = [prediction_from_probs(p, c).auto_label for p, c in zip(probs, is_color_photo(features))]
    acted = np.array([u != "modern" for u in used])
    right = [ERAS.index(era_of(u)) == t for u, t, a in zip(used, true_eras, acted) if a]
    return {"acted_on": float(acted.mean()), "n_acted": int(acted.sum()),
            "right_when_acting": float(np.mean(right)) if right else None}


def held_out_report(dated: Photos, modern: Photos, cfg: EraConfig, seed: int = 0) -> dict:
    """Leave-one-source-out metrics: three eras pooled over every source (with a source bootstrap),
    per source, the baselines, --era auto, and the modern photos left modern."""
    probs, modern_probs, guess_era, guess_year = source_held_out_probs(dated, modern, cfg)
    rep = era_report(probs, dated.labels, guess_era, guess_year)
    true, pred = era_index(dated.labels), predicted_eras(probs)
    rep["balanced_accuracy_95_over_sources"] = source_bootstrap(true, pred, dated.sources, np.random.default_rng(seed))
    rep["per_source"] = {}
    for name in sorted(set(dated.sources)):
        m = np.array([s == name for s in dated.sources])
        rep["per_source"][name] = {"n": int(m.sum()), "eras": np.bincount(true[m], minlength=len(ERAS)).tolist(),
                                   "accuracy": float((true[m] == pred[m]).mean()),
                                   "predicted": np.bincount(pred[m], minlength=len(ERAS)).tolist()}
    rep["auto"] = auto_on(probs, dated.features, true)
    modern_auto = auto_on(modern_probs, modern.features, np.full(len(modern.labels), ERAS.index(ERAS[2])))
    rep["modern_left_modern_by_auto"] = 1 - modern_auto["acted_on"]
    return rep
