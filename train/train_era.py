"""Train the era recogniser and cross-validate it on the real dated photos.

    python -m train.train_era [--key=value ...]   e.g. --steps=3000 --out=weights/era.npz

Every --key=value overrides a field of train.era_training.EraConfig. Writes the report to
reports/eras/recognition.json (three-era accuracy, balanced accuracy, confusion matrix, per-era
precision and recall, decade mean absolute error, each beside its baseline), its confusion-matrix
figure, and (--out) the weights trained on simulations plus every real dated photo.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from train import era_training as T
from train.config import parse_config


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    cfg = parse_config(argv, T.EraConfig(), __doc__)
    if cfg is None:
        return 0
    from train import data, metrics
    try:
        photos, real = T.load_modern(cfg), T.load_real()
    except data.DataMissingError as e:
        raise SystemExit(f"cannot train the era recogniser: {e}") from None
    t0 = time.perf_counter()
    base, report = T.run(cfg, photos, real)
    out_dir = Path("reports/eras")
    out_dir.mkdir(parents=True, exist_ok=True)
    cv = report["cross_validated"]
    acc, majority = cv["era"]["accuracy"], cv["baselines"]["majority_era_accuracy"]
    metrics.plot_confusion(cv["era"], out_dir / "confusion_eras.png",
                           title=f"eras, {cfg.folds}-fold CV (n={cv['n']})\nacc {acc:.2f}, majority {majority:.2f}")
    if cfg.out:  # the shipped model: fine-tuned with every real dated photo
        from models.era import save_era
        net = T.new_net(cfg, cfg.seed)
        net.load_state_dict(base.state_dict())
        T.train_steps(net, cfg, cfg.finetune_steps, photos, np.random.default_rng(cfg.seed + 1), real, desc="final")
        save_era(net, cfg.out, {"config": report["config"], "cross_validated_accuracy": cv["era"]["accuracy"],
                                "command": "python -m train.train_era " + " ".join(argv)})
    report["wall_seconds"] = time.perf_counter() - t0
    (out_dir / "recognition.json").write_text(json.dumps(report, indent=1))
    for name in ("simulation_only", "cross_validated"):
        r = report[name]
        b = r["baselines"]
        print(f"{name}: era accuracy {r['era']['accuracy']:.3f} (balanced {r['era']['balanced_accuracy']:.3f}; "
              f"majority {b['majority_era_accuracy']:.3f}, chance {b['chance_accuracy']:.3f}), "
              f"decade MAE {r['decade_mae_years']:.1f} years (median guess {b['median_decade_mae_years']:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
