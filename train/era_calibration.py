"""Can the era recogniser's confidence be calibrated on collections it never saw? (Measured: no.)

    python -m train.era_calibration [--out reports/eras/calibration.json]

Each of the 449 dated photos (historical-dev and historical_dated192, eight collections) is scored
by a model trained without its collection (train/eras/sources.py, the shipped configuration), and
those scores are calibrated by one temperature for the logits (train/eras/calibration.py), itself
fitted without the photo's collection: every number is on photos whose collection neither the model
nor the temperature saw. Reported beside the uncalibrated scores and a baseline that ignores the
photo (the other collections' era shares): era log-likelihood against
chance, expected calibration error with its reliability table, three-era accuracy and balanced
accuracy against majority and chance, per-era precision and recall, the confusion matrix, what
--era auto would do (how often it acts, how often rightly), and the temperature fitted without each
collection. Writes the report and calibration.png beside it.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from models.decoding import softmax
from models.era import ERAS, LABELS
from train.common import data, metrics
from train.eras import calibration as C
from train.eras import training as T
from train.eras.sources import auto_on, dated_photos, source_held_out_probs

REPORTS = Path("reports/eras")


def measure(probs, features, true_eras) -> dict:
    """Calibration, recognition and auto on held-out probabilities (N, len(LABELS))."""
    era_probs = C.era_probabilities(probs)
    ece, rows = C.calibration_error(era_probs, true_eras)
    rep = metrics.classification_report(true_eras, era_probs.argmax(1), ERAS)
    majority = np.bincount(true_eras, minlength=len(ERAS)).max() / len(true_eras)
    return {"n": int(len(true_eras)), "era_nll": C.era_nll(probs, true_eras), "chance_nll": float(np.log(len(ERAS))),
            "calibration_error": ece, "reliability": rows, "accuracy": rep.accuracy,
            "balanced_accuracy": rep.balanced_accuracy, "majority_era_accuracy": float(majority),
            "chance_balanced_accuracy": 1 / len(ERAS), "per_era": rep.to_dict()["per_class"],
            "confusion": rep.to_dict()["confusion"], "auto": auto_on(probs, features, true_eras)}


def prior_probs(labels, sources) -> np.ndarray:
    """The baseline that knows nothing of the photo: each photo's decade probabilities are the label
    shares of the other collections."""
    probs = np.zeros((len(labels), len(LABELS)))
    for name in set(sources.tolist()):
        out = sources == name
        probs[out] = np.bincount(labels[~out], minlength=len(LABELS)) / (~out).sum()
    return probs


def reliability_figure(before: dict, after: dict, path) -> None:
    fig = Figure(figsize=(5.2, 4.4))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color="gray", ls="--", label="calibrated")
    for rep, name, colour in ((before, "as trained (T = 1)", "tab:red"), (after, "with temperature", "tab:blue")):
        rows = [r for r in rep["reliability"] if r["n"]]
        ax.plot([r["confidence"] for r in rows], [r["accuracy"] for r in rows], "o-", color=colour,
                label=f"{name}: ECE {rep['calibration_error']:.2f}")
        for r in rows:
            ax.annotate(str(r["n"]), (r["confidence"], r["accuracy"]), fontsize=7, color=colour,
                        textcoords="offset points", xytext=(4, -10))
    ax.axvline(0.7, color="black", lw=0.6, ls=":")
    ax.text(0.71, 0.05, "auto acts\nfrom here", fontsize=7)
    ax.set(xlim=(0.3, 1), ylim=(0, 1), xlabel="probability of the likeliest era",
           ylabel="share whose likeliest era is right",
           title=f"Era recogniser on {before['n']} photos, each collection held out")
    ax.legend(fontsize=8, loc="lower left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=str(REPORTS / "calibration.json"))
    a = p.parse_args(argv)
    cfg = T.EraConfig()
    try:
        dated, modern = dated_photos(), T.load_modern(cfg)
    except data.DataMissingError as e:
        print(f"era_calibration: error: {e}", file=sys.stderr)
        return 2
    true, sources = T.era_index(dated.labels), np.array(dated.sources)
    probs, _, _, _ = source_held_out_probs(dated, modern, cfg)
    logits = np.log(np.clip(probs, 1e-300, 1.0))  # log-probabilities: logits up to a constant per photo
    held_out, temps = C.held_out_calibrated(logits, true, sources)
    temperature = C.fit_temperature(logits, true)
    report = {"data": f"{len(true)} dated photos of {len(temps)} collections (historical-dev and "
                      "historical_dated192), every one",
              "collections": {s: int((sources == s).sum()) for s in temps},
              "temperature": temperature, "temperature_fitted_without_each_collection": temps,
              "as_trained": measure(softmax(logits, axis=1), dated.features, true),
              "calibrated_held_out": measure(held_out, dated.features, true),
              "prior_held_out": measure(prior_probs(dated.labels, sources), dated.features, true)}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    reliability_figure(report["as_trained"], report["calibrated_held_out"], out.with_suffix(".png"))
    for name in ("as_trained", "calibrated_held_out", "prior_held_out"):
        r = report[name]
        print(f"{name:20s} era NLL {r['era_nll']:.3f} (chance {r['chance_nll']:.3f}), "
              f"ECE {r['calibration_error']:.3f}, balanced accuracy {r['balanced_accuracy']:.3f} (chance 0.333), "
              f"accuracy {r['accuracy']:.3f} "
              f"(majority {r['majority_era_accuracy']:.3f}); auto acts on {r['auto']['n_acted']}/{r['n']}, "
              f"right {r['auto']['right_when_acting']}")
    print(f"temperature {temperature:.2f} (without each collection: "
          + ", ".join(f"{k} {v:.2f}" for k, v in temps.items()) + ")")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
