"""How the era recogniser does on photos from sources it never saw: leave one source out.

    python -m train.era_sources [--out reports/eras/source_held_out.json]

Every dated photo (historical-dev and historical_dated192, 449) is scored by a model trained
without its whole collection (train/eras/sources.py); the modern photos are held out in turn. For
the shipped configuration and for eras weighed equally: three-era accuracy, balanced accuracy with
a 95% interval over sources resampled, confusion, per-era precision and recall, per source, the
majority-era and chance baselines, what --era auto does (how often it acts, how often rightly) and
the modern photos it leaves modern.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, replace
from pathlib import Path

from train.common import data
from train.eras.sources import dated_photos, held_out_report
from train.eras.training import EraConfig, load_modern


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default="reports/eras/source_held_out.json")
    a = p.parse_args(argv)
    try:
        dated, modern = dated_photos(), load_modern(EraConfig())
    except data.DataMissingError as e:
        print(f"era_sources: error: {e}", file=sys.stderr)
        return 2
    report = {"n_dated": len(dated.labels), "n_modern": len(modern.labels),
              "sources": {s: dated.sources.count(s) for s in sorted(set(dated.sources))}}
    for name, cfg in (("shipped", EraConfig()), ("eras_weighed_equally", replace(EraConfig(), balance_eras=True))):
        rep = held_out_report(dated, modern, cfg)
        report[name] = {"config": asdict(cfg), **rep}
        lo, hi = rep["balanced_accuracy_95_over_sources"]
        auto = rep["auto"]
        print(f"{name:22s} three eras: accuracy {rep['era']['accuracy']:.3f} (majority "
              f"{rep['baselines']['majority_era_accuracy']:.3f}), balanced {rep['era']['balanced_accuracy']:.3f} "
              f"(95% over sources {lo:.2f}-{hi:.2f}; chance 0.333); auto acts on {auto['acted_on']:.2f}, right "
              f"{auto['right_when_acting']}; modern left modern {rep['modern_left_modern_by_auto']:.3f}")
        for source, s in rep["per_source"].items():
            print(f"    {source:28s} n={s['n']:3d} eras {s['eras']} accuracy {s['accuracy']:.2f} "
                  f"predicted {s['predicted']}")
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
