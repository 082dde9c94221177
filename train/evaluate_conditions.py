"""Are colour conditions honoured, and do they leak? Measured on CamVid's validation frames.

    python -m train.evaluate_conditions [--segmenter weights/segmenter.npz] [--frames 101] [--out reports/conditions]
    python -m train.evaluate_conditions --segmenter runs/seg_no0006R0/segmenter.npz --sequence 0006R0 --out DIR

For every validation frame and every request (a region and a saturated colour: the sky blue,
orange or purple, the trees green, red or yellow), where the frame's labelled region covers at
least 5% of it: the condition goes through the product's path (the segmenter finds the region
from the lightness, models/conditions.resolve and paint over the shipped ColorNet's colorization),
and is judged against the *labelled* region, so the segmenter's mistakes count:
- honoured: the share of the region's pixels whose colour class (models/color.COLOR_CLASSES) is the
  requested colour's, and the mean Delta E 2000 between the request (at each pixel's lightness)
  and the output; only pixels where sRGB can show the requested colour at that lightness are
  judged (a white sky at L = 99 cannot be deep blue), and their share is reported, as is the share
  of the whole region (the unjudgeable pixels counted as failures);
- leak: the share of pixels outside the region whose colour class changed against the same frame
  colorized without the condition.
Baseline: the unconditioned colorization's share of region pixels already in the requested class.
Also measured: the opt-in --fit-lightness, and the conditions given to ColorNet as dense hints
instead of painted (the design this replaced: it leaks). And colours named dark or light (the
trees dark green and light green, the sky dark blue and light blue, written as a user would): the
share of frames whose painted region's median lightness lies in the asked class (dark below L* 40,
light above 70: models/color_text.LIGHTNESS_CLASSES), the share of the region's pixels that do,
and the leak.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.color import color_class, rgb_to_lab
from models.color_text import LIGHTNESS_CLASSES, Condition, parse_color, parse_condition
from models.conditions import paint, resolve, with_fitted_lightness
from models.hints import Hints
from models.inference import Colorizer
from models.segmenter import CAMVID_TO_REGION, REGIONS, RegionFinder
from models.weights import WeightsError
from train.common import data
from train.regions.judging import MIN_SHARE, in_gamut, sequence_frames

REQUESTS = (("sky", "blue", "#1e5adc"), ("sky", "orange", "#f08c1e"), ("sky", "purple", "#8c3cc8"),
            ("tree", "green", "#2e8b2e"), ("tree", "red", "#c8281e"), ("tree", "yellow", "#e6d228"))
def judge(out_rgb, plain_rgb, region, request_rgb) -> dict:
    """Honoured and leak numbers of one conditioned output against the unconditioned one."""
    from skimage.color import deltaE_ciede2000

    lab, plain_lab = rgb_to_lab(out_rgb), rgb_to_lab(plain_rgb)
    req_ab = rgb_to_lab(np.asarray(request_rgb, np.float64))[1:]
    want = int(color_class(req_ab))
    judged = region & in_gamut(lab[..., 0], req_ab)
    cls, plain_cls = color_class(lab[..., 1:]), color_class(plain_lab[..., 1:])
    req_lab = np.concatenate([lab[..., :1], np.broadcast_to(req_ab, lab.shape[:2] + (2,))], -1)
    outside = ~region
    return {"judged_share": float(judged.sum() / max(region.sum(), 1)),
            "honoured": float((cls[judged] == want).mean()) if judged.any() else None,
            "honoured_of_region": float((cls[region] == want).mean()),  # unjudgeable pixels counted as failures
            "plain_already": float((plain_cls[judged] == want).mean()) if judged.any() else None,
            "delta_e": float(deltaE_ciede2000(req_lab[judged], lab[judged]).mean()) if judged.any() else None,
            "leak": float((cls[outside] != plain_cls[outside]).mean()) if outside.any() else 0.0}


NAMED = ("tree: dark green", "tree: light green", "sky: dark blue", "sky: light blue")


def lightness_row(out_rgb, plain_rgb, region, condition) -> dict:
    """Whether a colour named dark or light brought its region into that lightness class."""
    L, plain_cls = rgb_to_lab(out_rgb)[..., 0], color_class(rgb_to_lab(plain_rgb)[..., 1:])
    lo, hi = LIGHTNESS_CLASSES[condition.lightness]
    inside = (L[region] >= lo) & (L[region] <= hi)
    cls = color_class(rgb_to_lab(out_rgb)[..., 1:])
    return {"request": condition.label, "median_in_class": bool(lo <= np.median(L[region]) <= hi),
            "pixels_in_class": float(inside.mean()), "median_lightness": float(np.median(L[region])),
            "leak": float((cls[~region] != plain_cls[~region]).mean())}


def summarise_lightness(rows) -> dict:
    out = {}
    for key in dict.fromkeys(r["request"] for r in rows):
        mine = [r for r in rows if r["request"] == key]
        out[key] = {"n_frames": len(mine),
                    "frames_median_in_class": float(np.mean([r["median_in_class"] for r in mine])),
                    **{k: {"mean": float(np.mean([r[k] for r in mine])), "std": float(np.std([r[k] for r in mine]))}
                       for k in ("pixels_in_class", "median_lightness", "leak")}}
    return out


def summarise(rows, variant: str | None = None) -> dict:
    """Per request: mean and spread over frames of each number, and n (variant: "fit_lightness" reads
    the opt-in's numbers)."""
    out = {}
    rows = [r[variant] | {"request": r["request"]} for r in rows if r.get(variant)] if variant else rows
    for key in sorted({r["request"] for r in rows}):
        mine = [r for r in rows if r["request"] == key and r["honoured"] is not None]
        if not mine:
            continue
        stats = {}
        for k in ("honoured", "honoured_of_region", "plain_already", "delta_e", "leak", "judged_share"):
            v = np.array([r[k] for r in mine], np.float64)
            stats[k] = {"mean": float(v.mean()), "std": float(v.std())}
        out[key] = {"n_frames": len(mine), **stats}
    return out


def figure(report: dict, path) -> None:
    """Bars per request: the share of the region's judged pixels in the requested class and the leak, painted
    with the photo's lightness, with --fit-lightness and as ColorNet hints, beside the targets."""
    from matplotlib.figure import Figure
    keys = list(report["summary"])
    variants = (("summary", "painted, photo's lightness"), ("summary_fit_lightness", "painted, --fit-lightness"),
                ("summary_as_hints", "as ColorNet hints"))
    fig = Figure(figsize=(12, 4))
    axes = fig.subplots(1, 2)
    x = np.arange(len(keys))
    for k, (variant, label) in enumerate(variants):
        s = report[variant]
        for ax, metric in zip(axes, ("honoured", "leak")):
            ax.bar(x + 0.22 * k, [s[q][metric]["mean"] for q in keys], 0.22,
                   yerr=[s[q][metric]["std"] for q in keys], label=label)
    axes[0].axhline(0.8, color="tab:red", ls="--", label="target")
    axes[1].axhline(0.05, color="tab:red", ls="--", label="limit")
    for ax, title in zip(axes, ("share of the region's pixels that sRGB can show it at, in the requested class",
                                "share of the other pixels whose colour class changed")):
        ax.set_xticks(x + 0.22, keys, rotation=20)
        ax.set_title(title, fontsize=10)
        ax.set_ylim(0, 1.05)
        ax.legend(fontsize=7)
    where = report.get("judged_on", "CamVid val")
    fig.suptitle(f"region conditions on {where} (n up to {report['frames']} per request)")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--segmenter", default=None)
    p.add_argument("--frames", type=int, default=101)
    p.add_argument("--out", default="reports/conditions")
    p.add_argument("--sequence", default="",
                   help="judge on this CamVid sequence's train frames instead (0001TP, 0006R0, 0016E5): only with a "
                        "segmenter trained without it (train_segmenter --hold_out_sequence)")
    a = p.parse_args(argv)
    try:
        finder, cz = RegionFinder.from_weights(a.segmenter), Colorizer.from_weights()
        val = sequence_frames(a.sequence, finder) if a.sequence else data.load_camvid("val")
    except (WeightsError, data.DataMissingError, ValueError) as e:
        print(f"evaluate_conditions: error: {e}", file=sys.stderr)
        return 2
    rows, named_rows = [], []
    named = [parse_condition(text) for text in NAMED]
    for i in tqdm(range(min(a.frames, len(val))), desc="frames"):
        image = val.images[i].astype(np.float32) / 255
        truth = CAMVID_TO_REGION[val.labels[i]]
        rm = finder.find(image)
        plain = cz.process(image)
        for region, name, hexcol in REQUESTS:
            mask = truth == REGIONS.index(region)
            if mask.mean() < MIN_SHARE:
                continue
            rgb = parse_color(hexcol)
            regions, covered = resolve([Condition(rgb, region)], rm)
            row = {"frame": str(val.files[i]), "request": f"{region} {name}", "found_pixels": covered[region],
                   **judge(paint(plain, regions).output, plain.output, mask, rgb)}
            if regions:
                # the opt-in: the region's lightness moved just enough for the colour to show
                fitted = paint(cz.process(with_fitted_lightness(image, regions)), regions).output
                row["fit_lightness"] = judge(fitted, plain.output, mask, rgb)
                # the road not taken: the conditions as dense hints for ColorNet (with its refinement)
                row["as_hints"] = judge(cz.process(image, Hints(regions=regions)).output, plain.output, mask, rgb)
            rows.append(row)
        for cond in named:
            mask = truth == REGIONS.index(cond.region)
            if mask.mean() >= MIN_SHARE:
                named_rows.append(lightness_row(paint(plain, resolve([cond], rm)[0]).output, plain.output, mask, cond))
    report = {"frames": int(min(a.frames, len(val))), "requests": [list(r) for r in REQUESTS],
              "judged_on": f"CamVid train frames of sequence {a.sequence}, the segmenter trained without it"
              if a.sequence else "CamVid val",
              "segmenter": {k: finder.metadata.get(k) for k in ("command", "config")},
              "min_region_share": MIN_SHARE, "summary": summarise(rows),
              "summary_fit_lightness": summarise(rows, "fit_lightness"),
              "summary_as_hints": summarise(rows, "as_hints"), "named_lightness": summarise_lightness(named_rows),
              "rows": rows, "named_rows": named_rows}
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "honoured.json").write_text(json.dumps(report, indent=1))
    figure(report, out / "honoured.png")
    for key, s in [(k, v) for k, v in report["summary"].items()] + \
            [(k + " (fit L)", v) for k, v in report["summary_fit_lightness"].items()] + \
            [(k + " (as hints)", v) for k, v in report["summary_as_hints"].items()]:
        print(f"{key:22s} honoured {s['honoured']['mean']:.3f} +- {s['honoured']['std']:.3f} "
              f"({s['honoured_of_region']['mean']:.3f} of the whole region; unconditioned "
              f"{s['plain_already']['mean']:.3f}); Delta E {s['delta_e']['mean']:.1f}; leak {s['leak']['mean']:.3f} "
              f"+- {s['leak']['std']:.3f}; judged {s['judged_share']['mean']:.2f} of the region; n={s['n_frames']}")
    for key, s in report["named_lightness"].items():
        print(f"{key:22s} median in the class on {s['frames_median_in_class']:.2f} of the frames; "
              f"{s['pixels_in_class']['mean']:.2f} of the region's pixels; "
              f"median L {s['median_lightness']['mean']:.0f}; "
              f"leak {s['leak']['mean']:.3f}; n={s['n_frames']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
