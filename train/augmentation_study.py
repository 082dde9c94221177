"""The augmentation study: which augmentations make ColorNet better, by controlled runs.

    python -m train.augmentation_study                 # train every arm and seed (resumes), then report
    python -m train.augmentation_study --report-only   # rebuild reports/augmentation/ from finished runs
    python -m train.augmentation_study --steps=300 --seeds=0 --out=/tmp/s --report=/tmp/r   # a miniature

Five arms (none, geometric, photometric, degradations, all; train/augment.py) x seeds, the same
small ColorNet, budget, data order, hints and initial weights per seed (train/study.py). Each run
checkpoints atomically and resumes; scoring is cached per run. The report (report.json, figures)
gives every number with its all-gray baseline and its seed spread.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.color import ABQuantizer
from train import data
from train import study as S
from train.colornet_training import load_training_data
from train.config import config_dict, parse_config


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    report_only = "--report-only" in argv
    cfg = parse_config([a for a in argv if a != "--report-only"], S.StudyConfig(), __doc__)
    if cfg is None:
        return 0
    try:
        datasets = load_training_data(cfg.train_config("none", 0))
        variants = S.make_variants(S.intel_test(cfg.size, cfg.test_images))
    except data.DataMissingError as e:
        raise SystemExit(f"cannot run the study: {e}") from None
    runs = [(arm, seed) for arm in cfg.arms for seed in cfg.seeds]
    if not report_only:
        for arm, seed in tqdm(runs, desc="study runs", unit="run"):
            S.run_arm(cfg.train_config(arm, seed), datasets)
    quant = ABQuantizer()
    models, histories, scores = {}, {}, {}
    for arm, seed in tqdm(runs, desc="scoring", unit="run"):
        tc = cfg.train_config(arm, seed)
        if not S.run_done(tc):
            raise SystemExit(f"run {tc.out} has not finished: run the study without --report-only")
        cz, hist = S.load_run(tc, datasets)
        models[arm, seed], histories[arm, seed] = cz, (hist, tc.batch)
        cache = Path(tc.out) / f"scores_{len(variants['clean'][0])}.json"
        if cache.exists():
            scores[arm, seed] = json.loads(cache.read_text())
        else:
            scores[arm, seed] = S.score_variants(cz, variants, cz_weights(cz), quant)
            cache.write_text(json.dumps(scores[arm, seed]))
    write_report(cfg, variants, models, histories, scores, quant)
    return 0


def cz_weights(cz):
    """The rebalancing weights a Colorizer was built with (for the rebalanced AuC)."""
    return np.exp(cz.log_w.astype(np.float64))


def write_report(cfg, variants, models, histories, scores, quant):
    out = Path(cfg.report)
    out.mkdir(parents=True, exist_ok=True)
    first = models[cfg.arms[0], cfg.seeds[0]]
    arms = {arm: S.aggregate([scores[arm, s] for s in cfg.seeds]) for arm in cfg.arms}
    report = {"config": config_dict(cfg), "n_test_images": int(len(variants["clean"][0])),
              "date": time.strftime("%Y-%m-%d"),
              "note": "zero hints; decoding T=0.38 without prior correction for every arm; PSNR with the true "
                      "lightness; spread = half the range over seeds",
              "all_gray": S.gray_baseline(variants, cz_weights(first), quant), "arms": arms}
    if "none" in arms:
        report["verdicts_pixel_acc"] = S.verdicts(arms, metric="pixel_acc")
        report["verdicts_auc_rebalanced"] = S.verdicts(arms, metric="auc_rebalanced")
        S.effect_figure(arms).savefig(out / "effect_pixel_acc.png", dpi=110)
        S.effect_figure(arms, "auc_rebalanced").savefig(out / "effect_auc_rebalanced.png", dpi=110)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    S.curves_figure(histories).savefig(out / "learning_curves.png", dpi=110)
    seed = cfg.seeds[0]
    shown = {arm: models[arm, seed] for arm in ("none", "all") if arm in cfg.arms}
    picks = np.random.default_rng(4).permutation(len(variants["clean"][0]))[:8]
    S.before_after_figure({f"{a} (seed {seed})": m for a, m in shown.items()}, variants, picks).savefig(
        out / "before_after.png", dpi=110)
    try:
        photos = [(h["file"], h["image"]) for h in data.load_historical() if h["decade"]][:6]
    except data.DataMissingError:
        photos = []
    if photos:
        S.historical_figure(shown, photos, cfg.size).savefig(out / "historical.png", dpi=100)
    print(table(report))


def table(report) -> str:
    """The pixel-accuracy table: mean +- spread per arm and test set, with all-gray."""
    variants = list(report["all_gray"])
    lines = [f"{'pixel acc':14s}" + "".join(f"{v[:11]:>13s}" for v in variants),
             f"{'all-gray':14s}" + "".join(f"{report['all_gray'][v]['pixel_acc']:13.3f}" for v in variants)]
    for arm, res in report["arms"].items():
        lines.append(f"{arm:14s}" + "".join(f"{res[v]['pixel_acc']['mean']:8.3f}+-{res[v]['pixel_acc']['spread']:.3f}"
                                            for v in variants))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
