"""Train the region segmenter on CamVid (lightness only) and measure it on CamVid's validation split.

    python -m train.train_segmenter [--key=value ...]          e.g. --steps=2000
    python -m train.train_segmenter --resume [--steps=N]
    python -m train.train_segmenter --ship=weights/segmenter.npz [--out=runs/segmenter]   # no training
    mpiexec -n 2 python -m mpi4py -m train.train_segmenter --distributed ...  # data-parallel (docs/scale_out.md)

Every --key=value overrides a field of train.regions.training.SegConfig. Writes reports/conditions/
segmentation.json (pixel accuracy, mean IoU, confusion matrix, per-region precision and recall, the
majority-region and position-prior baselines), its confusion figure and --out/segmenter.npz; --ship
copies the weights of a finished run with their card. --hold_out_sequence=0006R0 trains without
that CamVid sequence (its report then stays in --out) for `evaluate_conditions --sequence 0006R0`.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np

from minitorch_color.memory import keep_freed_memory
from models.segmenter import RegionFinder, save_segmenter
from models.weights import sha256
from train.common import data, metrics
from train.common.config import config_dict, parse_config
from train.common.distributed import world
from train.regions import training as T

REPORTS = Path("reports/conditions")


def measure(net, cfg, report_dir: Path) -> dict:
    tr, va = T.frames("train", without=cfg.hold_out_sequence), T.frames("val")
    prior, majority = T.position_prior(tr), int(np.bincount(tr.regions[tr.regions >= 0]).argmax())
    rep = T.seg_report(T.predict(net, va.L).argmax(1), va.regions, prior, majority)
    rep["n_frames"] = int(len(va.L))
    report_dir.mkdir(parents=True, exist_ok=True)
    b = rep["baselines"]
    acc, layout = rep["pixel_accuracy"], b["position_prior_pixel_accuracy"]
    metrics.plot_confusion(rep["report"], report_dir / "confusion_regions.png",
                           title=f"regions from lightness, CamVid val (n={len(va.L)} frames)\n"
                                 f"pixel acc {acc:.2f} (layout alone {layout:.2f}), mIoU {rep['mean_iou']:.2f}")
    return rep


def main(argv=None):
    keep_freed_memory()  # the engine's malloc tuning (minitorch_color/memory.py), chosen by the entry point
    argv = list(sys.argv[1:] if argv is None else argv)
    resume, distributed = "--resume" in argv, "--distributed" in argv
    ship = next((a.split("=", 1)[1] for a in argv if a.startswith("--ship=")), None)
    argv = [a for a in argv if a not in ("--resume", "--distributed") and not a.startswith("--ship=")]
    cfg = parse_config(argv, T.SegConfig(), __doc__)
    if cfg is None:
        return 0
    out = Path(cfg.out)
    try:
        if ship:
            finder = RegionFinder.from_weights(out / "segmenter.npz")
            net, meta = finder.net, finder.metadata
        else:
            ranks = world(distributed)
            run = T.train(cfg, resume=resume, world=ranks)
            if ranks.rank != 0:  # rank 0 alone writes the weights and the report
                return 0
            net, meta = run.net, {"config": config_dict(run.config), "history": run.history,
                                  "seconds": run.history[-1]["seconds"] if run.history else 0.0,
                                  "command": "python -m train.train_segmenter " + " ".join(argv)}
            save_segmenter(net, out / "segmenter.npz", meta)
        # a segmenter trained without a sequence is a measurement (evaluate_conditions --sequence), not
        # the shipped one: its report and figure stay beside it
        report_dir = out if cfg.hold_out_sequence else REPORTS
        rep = measure(net, cfg, report_dir)
    except data.DataMissingError as e:
        raise SystemExit(f"cannot train the segmenter: {e}") from None
    (report_dir / "segmentation.json").write_text(json.dumps(rep, indent=1))
    b = rep["baselines"]
    print(f"CamVid val, lightness only: pixel accuracy {rep['pixel_accuracy']:.3f} (majority region "
          f"{b['majority_region_pixel_accuracy']:.3f}, street layout alone {b['position_prior_pixel_accuracy']:.3f}), "
          f"mean IoU {rep['mean_iou']:.3f} (layout alone {b['position_prior_mean_iou']:.3f})")
    if ship and cfg.hold_out_sequence:
        raise SystemExit("--ship: a segmenter trained without a sequence is for measuring, not shipping")
    if ship:
        dst = Path(ship)
        shutil.copyfile(out / "segmenter.npz", dst)
        card = {"name": dst.stem, "file": dst.name, "sha256": sha256(dst), "bytes": dst.stat().st_size,
                "model": "Segmenter (models/segmenter.py): U-Net over the lightness",
                "regions": meta.get("regions"),
                "config": meta.get("config"), "command": meta.get("command"), "wall_seconds": meta.get("seconds"),
                "data": {"train": "CamVid train split (367 frames, 192x144), lightness only",
                         "validation": "CamVid val split (101 frames)",
                         "source": "../shared/data/camvid_seg192.tar.gz"},
                "metrics": {k: rep[k] for k in ("pixel_accuracy", "mean_iou", "iou", "baselines", "n_frames")},
                "report": str(REPORTS / "segmentation.json")}
        dst.with_suffix(".json").write_text(json.dumps(card, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
