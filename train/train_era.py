"""Train the era recogniser and cross-validate it on the real dated photos.

    python -m train.train_era [--key=value ...]   e.g. --out=weights/era.npz

Every --key=value overrides a field of train.eras.training.EraConfig. Writes the report to
reports/eras/recognition.json (three-era accuracy, balanced accuracy, confusion matrix, per-era
precision and recall, decade mean absolute error, each beside its baseline, over repeated
cross-validations, the accuracy without each group of features and with fewer training photos), its
confusion-matrix and training-size figures, and (--out) the recogniser trained on every photo.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from models.weights import sha256
from train.common import data, metrics
from train.common.config import parse_config
from train.eras import training as T

REPORTS = Path("reports/eras")


def summary(report: dict) -> str:
    """The console's lines: each number beside its baseline."""
    rep, cv = report["repeats"], report["cross_validated"]
    acc, bal, mae = rep["accuracy"], rep["balanced_accuracy"]["mean"], rep["decade_mae_years"]["mean"]
    line = (f"three eras over {len(acc['runs'])} cross-validations of {cv['n']} real photos: accuracy "
            f"{acc['mean']:.3f} +- {acc['std']:.3f} (balanced {bal:.3f}; majority "
            f"{rep['majority_era_accuracy']['mean']:.3f}, chance {cv['baselines']['chance_accuracy']:.3f}); "
            f"decade MAE {mae:.1f} years (median guess {rep['median_decade_mae_years']['mean']:.1f})")
    modern, auto = cv["modern_photos"], report["auto"]
    colour = ", ".join(f"{k} {v['left_modern']:.2f}" for k, v in auto["colour_photos"].items())
    gray = ", ".join(f"{k} {v['left_modern']:.3f} (n={v['n']})" for k, v in auto["modern_gray_photos"].items())
    line += (f"\nauto: gives {auto['real_photos_given_an_era']['mean']:.2f} of the real photos an era, "
             f"{auto['era_right_when_given']['mean']:.2f} of those right; leaves modern "
             f"{auto['modern_gray_prints_left_modern']['mean']:.2f} of modern gray prints and colour photos: {colour}; "
             f"held-out modern gray photos: {gray}")
    without = ", ".join(f"{g} {v['mean']:.3f}" for g, v in report["ablation_accuracy_without"].items())
    return (f"{line}\nmodern photos held out: {modern['recognised_as_modern']:.2f} recognised as modern, "
            f"{modern['era_1920_and_later']:.2f} as 1920 and later (n={modern['n']})\naccuracy without: {without}")


def training_size_figure(report: dict, path) -> None:
    """Cross-validated accuracy against the number of real photos each fold trains on, beside the baselines."""
    from matplotlib.figure import Figure
    rows, cv = report["training_size_curve"], report["cross_validated"]
    n = [r["training_photos"] for r in rows]
    fig = Figure(figsize=(5.2, 3.4))
    ax = fig.add_subplot()
    ax.errorbar(n, [r["accuracy"]["mean"] for r in rows], yerr=[r["accuracy"]["std"] for r in rows],
                marker="o", capsize=3, label="recogniser (mean +- std over repeats)")
    ax.axhline(report["repeats"]["majority_era_accuracy"]["mean"], color="gray", ls="--", label="majority era")
    ax.axhline(cv["baselines"]["chance_accuracy"], color="gray", ls=":", label="chance")
    ax.axhline(0.55, color="tab:red", lw=0.8, label="target 0.55")
    ax.set(xlabel="real dated photos per training fold", ylabel="three-era accuracy (held-out folds)",
           title=f"more dated photos, better dating? (n={cv['n']})")
    ax.set_ylim(0.15, 0.6)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def write_card(weights_path, report: dict, command: str, n_real: int, n_modern: int) -> Path:
    """weights/<name>.json: config, data, command, wall time, cross-validated metrics with baselines, sha256."""
    path = Path(weights_path)
    cv = report["cross_validated"]
    card = {"name": path.stem, "file": path.name, "sha256": sha256(path), "bytes": path.stat().st_size,
            "model": "EraRecognizer (models/era.py): softmax regression over photo_features",
            "purpose": "recognise a photo's decade and era: colorize --era auto, the studio's Era mode",
            "config": report["config"],
            "data": {"real": f"{n_real} dated photos of ../shared/data/historical-dev (every one, after the "
                             "cross-validation)",
                     "modern": f"{int(round(report['config']['modern_share'] * n_real))} of {n_modern} "
                               "modern photos (Intel scenes, everyday objects) as clean gray prints"},
            "command": command, "wall_seconds": report["wall_seconds"],
            "metrics": {"cross_validated": report["repeats"], "baselines": cv["baselines"],
                        "per_era": cv["era"]["per_class"], "confusion_first_repeat": cv["era"]["confusion"],
                        "modern_photos_held_out": cv["modern_photos"],
                        "accuracy_without": report["ablation_accuracy_without"], "auto": report["auto"]},
            "report": str(REPORTS / "recognition.json")}
    out = path.with_suffix(".json")
    out.write_text(json.dumps(card, indent=1))
    return out


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse_config(argv, T.EraConfig(), __doc__)
    if cfg is None:
        return 0
    t0 = time.perf_counter()
    try:
        real, modern = T.load_real(), T.load_modern(cfg)
    except data.DataMissingError as e:
        raise SystemExit(f"cannot train the era recogniser: {e}") from None
    recognizer, report = T.run(cfg, real, modern)
    report["auto"]["colour_photos"] = T.color_photos_left_modern(recognizer)
    report["auto"]["modern_gray_photos"] = T.modern_gray_photos_left_modern(recognizer)
    report["wall_seconds"] = time.perf_counter() - t0
    REPORTS.mkdir(parents=True, exist_ok=True)
    cv = report["cross_validated"]
    acc, majority = cv["era"]["accuracy"], cv["baselines"]["majority_era_accuracy"]
    metrics.plot_confusion(cv["era"], REPORTS / "confusion_eras.png",
                           title=f"eras, {cfg.folds}-fold CV (n={cv['n']})\nacc {acc:.2f}, majority {majority:.2f}")
    training_size_figure(report, REPORTS / "training_size.png")
    (REPORTS / "recognition.json").write_text(json.dumps(report, indent=1))
    if cfg.out:
        command = "python -m train.train_era " + " ".join(argv)
        recognizer.save(cfg.out, {"config": report["config"], "repeats": report["repeats"], "command": command})
        write_card(cfg.out, report, command, len(real.labels), len(modern.labels))
    print(summary(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
