"""Measure a trained StyleNet on held-out photos, and ship it.

    python -m train.evaluate_styles --weights runs/styles/stylenet.npz [--photos 48] [--out reports/styles]
    python -m train.evaluate_styles --weights runs/styles/stylenet.npz --ship weights/stylenet.npz

Held-out photos: real old photographs (../shared/data/historical-dev, never used in training) at
PHOTO_SIZE on the longer side, colorized by the shipped ColorNet, then painted in every style at
strength 1 exactly as the product paints them (the network at its working size, its change
upsampled onto the photo). Every judge (train/styles/judging.py) sees the painted photo and the
paintings at one size, so brushwork counts at the painting's scale. Per judge and style:
- the distance to the style's paintings, painted against plain, with a bootstrap interval of the ratio;
- identification: each output's nearest style; accuracy, confusion matrix, per-style precision and
  recall, against chance (1 / number of styles) and the plain colorizations' nearest style.
Per style, the lightness SSIM between the plain colorization and the painted photo at full size.
Judges: the training loss network ("loss_network"), JudgeBank ("random_judge"), the statistics judge
("statistics_judge": no network) and its stroke histograms alone ("strokes_only").
Writes evaluation.json, a confusion figure per judge and sheet.jpg (every style on SHEET_PHOTOS
photos beside its painting) to --out; --ship copies the weights and writes their card.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from tqdm import tqdm

from models.color import image_lightness, rgb_to_lab
from models.image_io import resize
from models.inference import Colorizer
from models.stylenet import Stylizer
from models.weights import WeightsError, sha256
from train.common import data, metrics
from train.styles import judging as J
from train.styles import losses as SL
from train.styles.training import LOOKS, painting_images

PHOTO_SIZE = 512  # the held-out photos' longer side: what a user paints
SHEET_PHOTOS = 6


def held_out_photos(n: int, seed: int = 0, size: int = PHOTO_SIZE, offset: int = 0) -> list:
    """n real old photos (historical-dev: entries offset..offset+n of a seeded shuffle, so offsets 0 and n
    give disjoint sets) at `size` on the longer side, as the shipped ColorNet colorizes them: a list of
    (H, W, 3) float32 arrays in [0, 1]."""
    cz = Colorizer.from_weights()
    rows = data.load_historical()
    if offset + n > len(rows):
        raise data.DataMissingError(f"historical-dev has {len(rows)} photos, not {offset + n}")
    pick = np.sort(np.random.default_rng(seed).permutation(len(rows))[offset:offset + n])
    out = []
    for k in tqdm(pick, desc="colorizing held-out photos", leave=False):
        im = rows[k]["image"]
        h, w = im.shape[:2]
        s = min(1.0, size / max(h, w))
        im = resize(im, (round(h * s), round(w * s))) if s < 1 else im
        out.append(np.clip(cz.process(image_lightness(im) / 100).output, 0, 1).astype(np.float32))
    return out


def lightness_ssim(a, b) -> float:
    la, lb = (rgb_to_lab(np.asarray(x, np.float64))[..., 0] / 100 for x in (a, b))
    return metrics.ssim(np.stack([la] * 3, -1), np.stack([lb] * 3, -1))


def paint_all(st, plains, keep: int) -> tuple:
    """Every photo in every style at strength 1, as the product paints it: (the outputs at the judges'
    size [S][N], the first `keep` outputs at full size [S][keep], lightness SSIM (S, N), seconds per photo)."""
    small, full, ssim, seconds = [], [], np.zeros((len(st.names), len(plains))), []
    for s, name in enumerate(tqdm(st.names, desc="painting", leave=False)):
        row_small, row_full = [], []
        for i, p in enumerate(plains):
            t0 = time.perf_counter()
            out = st.stylize(p, st.blend(name))
            seconds.append(time.perf_counter() - t0)
            ssim[s, i] = lightness_ssim(p, out)
            row_small.append(J.at_judge_size(out))
            if i < keep:
                row_full.append(out)
        small.append(row_small)
        full.append(row_full)
    return small, full, ssim, float(np.median(seconds))


def ratio_interval(d_out, d_plain, rng, resamples: int = 1000) -> list:
    """95% bootstrap interval over photos of mean(d_out) / mean(d_plain)."""
    n = len(d_out)
    r = []
    for _ in range(resamples):
        k = rng.integers(n, size=n)
        r.append(d_out[k].mean() / d_plain[k].mean())
    return [float(np.percentile(r, 2.5)), float(np.percentile(r, 97.5))]


def judge_section(distances, painted, plains, names, rng) -> dict:
    """One judge: distances(images, ...) -> (N, S) to every style. Per style, painted and plain
    distances to it; the identification of every output; the baselines."""
    S, N = len(painted), len(plains)
    d_plain = distances(plains)  # (N, S)
    d_out = np.stack([distances(painted[s]) for s in range(S)])  # (S, N, S)
    per_style = {}
    for s, name in enumerate(names):
        mine, before = d_out[s, :, s], d_plain[:, s]
        per_style[name] = {"painted": float(mine.mean()), "plain": float(before.mean()),
                           "ratio": float(mine.mean() / before.mean()),
                           "ratio_95": ratio_interval(mine, before, rng),
                           "photos_moved_toward": float((mine < before).mean())}
    true = np.repeat(np.arange(S), N)
    ident = metrics.classification_report(true, d_out.argmin(2).reshape(-1), list(names))
    correct = (d_out.argmin(2) == np.arange(S)[:, None]).mean(0)  # per photo, share of styles named right
    plain_pred = d_plain.argmin(1)
    return {"per_style": per_style, "identification": ident.to_dict(),
            "accuracy_95": mean_interval(correct, rng),
            "baselines": {"chance": 1 / S,
                          "plain_nearest_style_accuracy": float(np.mean([(plain_pred == s).mean() for s in range(S)]))}}


def mean_interval(values, rng, resamples: int = 1000) -> list:
    """95% bootstrap interval of the mean of per-photo values."""
    means = [values[rng.integers(len(values), size=len(values))].mean() for _ in range(resamples)]
    return [float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))]


def judges(loss_net: str) -> dict:
    """name -> (distances(images, targets) -> (N, S), targets(paintings) -> per-style targets)."""
    out = {}
    for key, bank in (("loss_network", SL.bank_named(loss_net)), ("random_judge", SL.JudgeBank())):
        out[key] = (lambda ims, t, b=bank: SL.gram_distances(b, ims, t),
                    lambda ps, b=bank: SL.style_targets(b, ps))
    for key, judge in (("statistics_judge", J.StatisticsJudge()), ("strokes_only", J.StatisticsJudge(True))):
        out[key] = (judge.distances, judge.targets)
    return out


def evaluate(st, plains, seed: int = 0, loss_net: str = "multiscale", keep: int = SHEET_PHOTOS) -> tuple:
    """(the report, the first `keep` photos painted at full size [S][keep]) for a Stylizer on plain
    colorizations (a list of (H, W, 3))."""
    rng = np.random.default_rng(seed)
    small, full, ssim, seconds = paint_all(st, plains, keep)
    plains_small = [J.at_judge_size(p) for p in plains]
    paintings = [[J.at_judge_size(p) for p in painting_images(s, J.JUDGE_SIZE)] for s in st.styles]
    report = {"n_photos": len(plains), "photo_size": PHOTO_SIZE, "judge_size": J.JUDGE_SIZE, "styles": st.names,
              "seconds_per_photo_median": seconds, "looks": {n: LOOKS.get(n, "") for n in st.names}}
    for key, (distances, targets_of) in tqdm(judges(loss_net).items(), desc="judging", leave=False):
        targets = [targets_of(p) for p in paintings]
        report[key] = judge_section(lambda ims, t=targets: distances(ims, t), small, plains_small, st.names, rng)
    report["lightness_ssim"] = {n: {"mean": float(ssim[s].mean()), "min": float(ssim[s].min()),
                                    "p10": float(np.percentile(ssim[s], 10))} for s, n in enumerate(st.names)}
    return report, full


def sheet_figure(st, plains, full, path, dpi: int = 72):
    """Rows: the plain colorizations, then each style: its painting, what to recognise, the photos in it."""
    S, P = len(st.names), len(full[0])
    paintings = [painting_images(s, J.JUDGE_SIZE)[0] for s in st.styles]
    fig = Figure(figsize=(2.6 * (P + 1), 2.3 * (S + 1)))
    axes = fig.subplots(S + 1, P + 1)
    axes[0, 0].text(0.5, 0.5, "plain colorization\n(ColorNet, held-out\nold photos)", ha="center", va="center",
                    fontsize=10)
    for j in range(P):
        axes[0, j + 1].imshow(np.clip(plains[j], 0, 1))
    for s, name in enumerate(st.names):
        axes[s + 1, 0].imshow(np.clip(paintings[s], 0, 1))
        axes[s + 1, 0].set_title(name, fontsize=9)
        axes[s + 1, 1].set_title(LOOKS.get(name, ""), fontsize=8, loc="left")
        for j in range(P):
            axes[s + 1, j + 1].imshow(np.clip(full[s][j], 0, 1))
    for a in axes.ravel():
        a.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi, pil_kwargs={"quality": 85} if str(path).endswith(".jpg") else None)


def card(weights: Path, report: dict, meta: dict) -> dict:
    return {"name": weights.stem, "file": weights.name, "sha256": sha256(weights), "bytes": weights.stat().st_size,
            "model": "StyleNet (models/stylenet.py): conditional instance norm, one row per style"
                     + ("; then each style's brushwork (models/brushwork.py): its paintings' palette, strokes, "
                        "flat patches, ink" if meta.get("brushes") else ""),
            "brushes": {s["name"]: b for s, b in zip(meta["styles"], meta.get("brushes") or [])},
            "purpose": "colorize --style, the studio's Styles mode",
            "config": meta.get("config"), "work_size": meta.get("work_size"),
            "styles": meta["styles"],
            "data": {"photos": "Intel training photos colorized by the shipped ColorNet (weights/colornet.npz)",
                     "styles": "../shared/data/styles and paintings_impressionist192 (files above); each "
                               "style's palette: 4,096 CIELAB pixels of its paintings at 256 px (shipped)"},
            "command": meta.get("command"), "wall_seconds": meta.get("seconds"), "steps": meta.get("steps_done"),
            "metrics": {"n_photos_held_out": report["n_photos"], "photo_size": report["photo_size"],
                        "chance": report["loss_network"]["baselines"]["chance"],
                        "identification_accuracy": {k: report[k]["identification"]["accuracy"]
                                                    for k in ("loss_network", "random_judge", "statistics_judge",
                                                              "strokes_only")},
                        "lightness_ssim": report["lightness_ssim"]},
            "report": "reports/styles/evaluation.json"}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", required=True)
    p.add_argument("--photos", type=int, default=48)
    p.add_argument("--seed", type=int, default=0, help="which held-out photos (a seeded draw from historical-dev)")
    p.add_argument("--offset", type=int, default=0,
                   help="skip this many photos of the draw (--offset 48: 48 photos disjoint from the default's)")
    p.add_argument("--out", default="reports/styles")
    p.add_argument("--ship", default=None, help="copy the weights here and write their card")
    a = p.parse_args(argv)
    try:
        st = Stylizer.from_weights(a.weights)
        plains = held_out_photos(a.photos, a.seed, offset=a.offset)
    except (WeightsError, data.DataMissingError) as e:
        print(f"evaluate_styles: error: {e}", file=sys.stderr)
        return 2
    report, full = evaluate(st, plains, loss_net=st.metadata.get("config", {}).get("loss_net", "random"))
    report["weights"], report["photo_seed"], report["photo_offset"] = a.weights, a.seed, a.offset
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report, indent=1))
    for key in ("loss_network", "random_judge", "statistics_judge", "strokes_only"):
        j = report[key]
        acc, (lo, hi) = j["identification"]["accuracy"], j["accuracy_95"]
        metrics.plot_confusion(j["identification"], out / f"confusion_{key}.png",
                               title=f"style named by the {key.replace('_', ' ')} (n={report['n_photos']} photos "
                                     f"per style)\naccuracy {acc:.2f} (95% {lo:.2f}-{hi:.2f}), chance "
                                     f"{j['baselines']['chance']:.2f}")
        print(f"{key:17s} identification {acc:.3f} (95% {lo:.3f}-{hi:.3f}; chance {j['baselines']['chance']:.3f}, "
              f"plain colorizations {j['baselines']['plain_nearest_style_accuracy']:.3f})")
    sheet_figure(st, plains, full, out / "sheet.jpg")
    for name in st.names:
        ss, rec = report["lightness_ssim"][name], report["statistics_judge"]["identification"]["per_class"]
        print(f"{name:42s} lightness SSIM {ss['mean']:.3f} (min {ss['min']:.3f}); recall: loss network "
              f"{report['loss_network']['identification']['per_class'][name]['recall']:.2f}, statistics "
              f"{rec[name]['recall']:.2f}")
    print(f"median {report['seconds_per_photo_median']:.3f} s per {PHOTO_SIZE} px photo (the style alone)")
    if a.ship:
        ship = Path(a.ship)
        if ship.resolve() != Path(a.weights).resolve():
            shutil.copyfile(a.weights, ship)
        ship.with_suffix(".json").write_text(json.dumps(card(ship, report, st.metadata), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
