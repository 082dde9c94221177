"""Measure a trained StyleNet on held-out photos, and ship it.

    python -m train.evaluate_styles --weights runs/styles/stylenet.npz [--photos 60] [--out reports/styles]
    python -m train.evaluate_styles --weights runs/styles/stylenet.npz --ship weights/stylenet.npz

Held-out photos: Intel test photos (never seen in training), colorized by the shipped ColorNet as
the product does, then painted in every style at strength 1. Per style:
- style: the relative Gram distance between the outputs and the style's paintings on the judge
  (train/styles/losses.JudgeBank, a random network never used in training) and on the training loss
  network, next to the same distance for the plain colorization, with a bootstrap interval of the
  ratio over photos;
- identification: each output's nearest style by the judge's distance; accuracy, confusion matrix,
  per-style precision and recall, against chance (1 / number of styles) and against the plain
  colorizations' nearest style;
- content: SSIM between the photo's lightness and the output's lightness.
Writes evaluation.json and figures to --out; --ship copies the weights and writes their card.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.color import rgb_to_lab
from models.inference import Colorizer
from models.stylenet import Stylizer
from models.weights import WeightsError, sha256
from train.common import data, metrics
from train.styles import losses as SL
from train.styles.training import painting_images


def held_out_photos(n: int, seed: int = 0) -> np.ndarray:
    """(n, 150, 150, 3) float32: Intel test photos (near-gray ones dropped) as the shipped ColorNet colorizes them."""
    cz = Colorizer.from_weights()
    test = data.load_intel_scenes("test")
    test = test.subset(~test.near_gray)
    pick = np.sort(np.random.default_rng(seed).permutation(len(test))[:n])
    out = []
    for im in tqdm(test.images[pick], desc="colorizing held-out photos", leave=False):
        L = rgb_to_lab(im.astype(np.float64) / 255)[..., 0] / 100
        out.append(np.clip(cz.process(L).output, 0, 1).astype(np.float32))
    return np.stack(out)


def paint_all(st, plains) -> np.ndarray:
    """(S, N, H, W, 3): every photo in every style at strength 1."""
    return np.stack([np.stack([st.stylize(p, st.blend(name)) for p in plains])
                     for name in tqdm(st.names, desc="painting", leave=False)])


def lightness(rgb) -> np.ndarray:
    return rgb_to_lab(np.asarray(rgb, np.float64))[..., 0] / 100


def lightness_ssim(a, b) -> float:
    la, lb = lightness(a), lightness(b)
    return metrics.ssim(np.stack([la] * 3, -1), np.stack([lb] * 3, -1))


def ratio_interval(d_out, d_plain, rng, resamples: int = 1000) -> list:
    """95% bootstrap interval over photos of mean(d_out) / mean(d_plain)."""
    n = len(d_out)
    r = []
    for _ in range(resamples):
        k = rng.integers(n, size=n)
        r.append(d_out[k].mean() / d_plain[k].mean())
    return [float(np.percentile(r, 2.5)), float(np.percentile(r, 97.5))]


def style_section(bank, painted, plains, targets, names, rng) -> dict:
    """Distances on one bank: per style, outputs and plain against its paintings, and the identification."""
    S, N = painted.shape[:2]
    d_plain = SL.gram_distances(bank, plains, targets)  # (N, S)
    d_out = np.stack([SL.gram_distances(bank, painted[s], targets) for s in range(S)])  # (S, N, S)
    per_style = {}
    for s, name in enumerate(names):
        mine, before = d_out[s, :, s], d_plain[:, s]
        per_style[name] = {"painted": float(mine.mean()), "plain": float(before.mean()),
                           "ratio": float(mine.mean() / before.mean()),
                           "ratio_95": ratio_interval(mine, before, rng),
                           "photos_moved_toward": float((mine < before).mean())}
    true = np.repeat(np.arange(S), N)
    pred = d_out.argmin(2).reshape(-1)
    ident = metrics.classification_report(true, pred, list(names))
    plain_pred = d_plain.argmin(1)
    return {"per_style": per_style, "identification": ident.to_dict(),
            "baselines": {"chance": 1 / S,
                          "plain_nearest_style_accuracy": float(np.mean([(plain_pred == s).mean() for s in range(S)]))},
            "every_style_moves_toward": bool(all(v["ratio_95"][1] < 1 for v in per_style.values()))}


def evaluate(st, plains, style_size: int, seed: int = 0, loss_net: str = "random") -> dict:
    """The whole report for a Stylizer on plain colorizations (N, H, W, 3)."""
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    painted = paint_all(st, plains)
    seconds = (time.perf_counter() - t0) / painted.shape[0] / painted.shape[1]
    paintings = [painting_images(s, style_size) for s in st.styles]
    report = {"n_photos": int(len(plains)), "styles": st.names, "seconds_per_photo": seconds}
    for key, bank in (("judge", SL.JudgeBank()), ("loss_network", SL.bank_named(loss_net))):
        targets = [SL.style_targets(bank, p) for p in paintings]
        report[key] = style_section(bank, painted, plains, targets, st.names, rng)
    report["lightness_ssim"] = {name: {"mean": float(np.mean(v)), "min": float(np.min(v))}
                                for name, v in ((n, [lightness_ssim(p, o) for p, o in zip(plains, painted[s])])
                                                for s, n in enumerate(st.names))}
    return report, painted


def gallery_figure(st, plains, painted, paintings, path, photos=(0, 1, 2)):
    """Rows: each style's painting, then the photos in it; the first row the plain colorizations."""
    from matplotlib.figure import Figure
    S = len(st.names)
    fig = Figure(figsize=(1.7 * (1 + len(photos)), 1.6 * (S + 1)))
    axes = fig.subplots(S + 1, 1 + len(photos))
    for j, i in enumerate(photos):
        axes[0, j + 1].imshow(plains[i])
    axes[0, 0].text(0.5, 0.5, "plain\ncolorization", ha="center", va="center", fontsize=8)
    for s, name in enumerate(st.names):
        axes[s + 1, 0].imshow(np.clip(paintings[s][0], 0, 1))
        axes[s + 1, 0].set_title(name, fontsize=6)
        for j, i in enumerate(photos):
            axes[s + 1, j + 1].imshow(np.clip(painted[s, i], 0, 1))
    for a in axes.ravel():
        a.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def card(weights: Path, report: dict, meta: dict) -> dict:
    judge = report["judge"]
    return {"name": weights.stem, "file": weights.name, "sha256": sha256(weights), "bytes": weights.stat().st_size,
            "model": "StyleNet (models/stylenet.py): conditional instance norm, one row per style",
            "purpose": "colorize --style, the studio's Styles mode",
            "config": meta.get("config"), "work_size": meta.get("work_size"),
            "styles": meta["styles"],
            "data": {"photos": "Intel training photos colorized by the shipped ColorNet (weights/colornet.npz)",
                     "styles": "../shared/data/styles and paintings_impressionist192 (files above)"},
            "command": meta.get("command"), "wall_seconds": meta.get("seconds"), "steps": meta.get("steps_done"),
            "metrics": {"n_photos_held_out": report["n_photos"],
                        "identification_accuracy": judge["identification"]["accuracy"],
                        "chance": judge["baselines"]["chance"],
                        "judge_ratio_per_style": {k: v["ratio"] for k, v in judge["per_style"].items()},
                        "lightness_ssim": report["lightness_ssim"]},
            "report": "reports/styles/evaluation.json"}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", required=True)
    p.add_argument("--photos", type=int, default=60)
    p.add_argument("--seed", type=int, default=0,
                   help="which held-out photos (a seeded draw from the Intel test split)")
    p.add_argument("--out", default="reports/styles")
    p.add_argument("--ship", default=None, help="copy the weights here and write their card")
    a = p.parse_args(argv)
    try:
        st = Stylizer.from_weights(a.weights)
        plains = held_out_photos(a.photos, a.seed)
    except (WeightsError, data.DataMissingError) as e:
        print(f"evaluate_styles: error: {e}", file=sys.stderr)
        return 2
    cfg = st.metadata.get("config", {})
    report, painted = evaluate(st, plains, int(cfg.get("style_size", 192)), loss_net=cfg.get("loss_net", "random"))
    report["weights"], report["photo_seed"] = a.weights, a.seed
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report, indent=1))
    j = report["judge"]
    acc, chance = j["identification"]["accuracy"], j["baselines"]["chance"]
    metrics.plot_confusion(j["identification"], out / "confusion_styles.png",
                           title=f"style identified by the judge (n={report['n_photos']} photos per style)\n"
                                 f"accuracy {acc:.2f}, chance {chance:.2f}")
    gallery_figure(st, plains, painted, [painting_images(s, 192) for s in st.styles], out / "gallery.png")
    for name in st.names:
        v, ss = j["per_style"][name], report["lightness_ssim"][name]
        lo, hi = v["ratio_95"]
        print(f"{name:42s} judge distance {v['painted']:.3f} vs plain {v['plain']:.3f} (ratio {v['ratio']:.2f}, "
              f"95% {lo:.2f}-{hi:.2f}); lightness SSIM {ss['mean']:.3f} (min {ss['min']:.3f})")
    base = j["baselines"]
    print(f"identification accuracy {j['identification']['accuracy']:.3f} (chance {base['chance']:.3f}, "
          f"plain colorizations {base['plain_nearest_style_accuracy']:.3f})")
    if a.ship:
        ship = Path(a.ship)
        shutil.copyfile(a.weights, ship)
        ship.with_suffix(".json").write_text(json.dumps(card(ship, report, st.metadata), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
