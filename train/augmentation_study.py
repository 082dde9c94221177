"""The augmentation study: which augmentations make ColorNet better, by controlled runs.

    python -m train.augmentation_study                 # train every arm and seed (resumes), then report
    python -m train.augmentation_study --report-only   # rebuild reports/augmentation/ from finished runs
    python -m train.augmentation_study --steps=300 --seeds=0 --out=/tmp/s --report=/tmp/r   # a miniature

Five arms (none, geometric, photometric, degradations, all; train/common/augment.py) x seeds, the same
small ColorNet, budget, data order, hints and initial weights per seed (train/augmentation/study.py). Each run
checkpoints atomically and resumes; scoring is cached per run. The report (report.json, figures)
gives every number with its all-gray baseline and its seed spread.
"""
from __future__ import annotations

import sys

from train.augmentation import study as S
from train.common import data
from train.common.config import parse_config


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    report_only = "--report-only" in argv
    cfg = parse_config([a for a in argv if a != "--report-only"], S.StudyConfig(), __doc__)
    if cfg is None:
        return 0
    try:
        report = S.run_study(cfg, report_only)
    except data.DataMissingError as e:
        raise SystemExit(f"cannot run the study: {e}") from None
    print(S.table(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
