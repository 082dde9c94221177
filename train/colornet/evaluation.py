"""Evaluating ColorNet on held-out photos: one function per section of the report.

Each section function takes what it measures, returns a JSON-ready dict and writes its figures
into out_dir; train/evaluate_colornet.py runs them in order and the notebooks call them directly.
Baselines are scored by the same code on the same images (train/common/baselines.py).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from tqdm import tqdm

from models.classifier import load_classifier, predict
from models.color import COLOR_CLASSES, color_class, lab_to_rgb, rgb_to_lab
from models.colornet import FILMS
from models.era import film_for, label_of
from models.hints import Hints, Point
from models.image_io import resize
from models.inference import SCENE_CONFIDENCE, Colorizer
from models.refine import localize, propagate
from models.visualize import activation_figure, stage_strip
from train.colornet.training import film_lightness
from train.common import data, metrics
from train.common.baselines import as_float_images, baseline_constants, score
from train.common.simulate import point_hints

HINT_COUNTS = (0, 1, 2, 5, 10, 20, 50)
SIZE = 64


def colorize_batch(cz: Colorizer, rgb, hint_ab=None, mask=None, chunk: int = 64):
    """(predicted ab (N, h, w, 2), scene probabilities or None) for RGB images at the working size."""
    L = rgb_to_lab(rgb)[..., 0]
    abs_, scenes = [], []
    for i in range(0, len(L), chunk):
        sl = slice(i, i + chunk)
        logits, sc = cz.logits_batch(L[sl], None if hint_ab is None else hint_ab[sl],
                                     None if mask is None else mask[sl])
        abs_.append(cz.decode(logits, L=L[sl]))  # with the card's region smoothing, as the product decodes
        scenes.append(sc)
    return np.concatenate(abs_), (None if scenes[0] is None else np.concatenate(scenes))


def evaluate_split(cz, test_rgb, train_rgb, quant, label, out_dir, image_metrics=500):
    """Our model and the baselines on one test set at the working size."""
    lab = rgb_to_lab(test_rgb)
    constants, weights = baseline_constants(train_rgb, quant)
    true_cf = np.array([metrics.colorfulness(im) for im in test_rgb[:image_metrics]])
    t0 = time.perf_counter()
    pred_ab, scenes = colorize_batch(cz, test_rgb)
    seconds = time.perf_counter() - t0
    result = {"n_images": int(len(test_rgb)), "resolution": int(test_rgb.shape[1]),
              "seconds_per_image": seconds / len(test_rgb), "methods": {}}
    preds = {"colornet": pred_ab, **{k: np.broadcast_to(c, lab[..., 1:].shape) for k, c in constants.items()}}
    for name, ab in preds.items():
        r = score(test_rgb, ab, weights, quant, image_metrics, lab, true_cf)
        result["methods"][name] = r
        if name in ("colornet", "all_gray"):
            metrics.plot_confusion(r["colour_class"], out_dir / f"confusion_{label}_{name}.png",
                                   title=f"{name}, {label}: acc {r['colour_class']['accuracy']:.3f}, "
                                         f"balanced {r['colour_class']['balanced_accuracy']:.3f}")
    return result, pred_ab, scenes


def compose(L, ab):
    return lab_to_rgb(np.concatenate([L[..., None], ab], -1)).astype(np.float32)


def semantic(clf_path, rgb_true, rgb_ours):
    """Class probabilities of a colour-trained classifier on true colour, gray and our colorization,
    all at the classifier's input size (the lightness is the true one at that size in all three)."""
    net, meta = load_classifier(clf_path)
    size = int(meta["size"])
    down = (lambda x: x) if rgb_true.shape[1] == size else (
        lambda x: np.stack([resize(im, (size, size)) for im in x]))
    true_s = np.clip(down(rgb_true), 0, 1)
    L = rgb_to_lab(true_s)[..., 0]
    gray = compose(L, np.zeros(L.shape + (2,)))
    ours = compose(L, rgb_to_lab(np.clip(down(rgb_ours), 0, 1))[..., 1:])  # our ab with the true L at this size
    return net, meta, {"true_colour": predict(net, true_s), "gray": predict(net, gray), "colornet": predict(net, ours)}


def semantic_report(probs, labels, classes) -> dict:
    acc = {k: float((p.argmax(1) == labels).mean()) for k, p in probs.items()}
    gap = acc["true_colour"] - acc["gray"]
    return {"accuracy": acc, "gap_recovered": (acc["colornet"] - acc["gray"]) / gap if gap > 0 else None,
            "n": int(len(labels)), "classes": list(classes)}


def hints_curve(cz, rgb, rng, counts=HINT_COUNTS):
    """PSNR and pixel accuracy against the number of random point hints (drawn from the truth as in
    training), for the network alone and as the product refines it (the network's answer kept where
    the hints reach, then the hints made to hold: models/refine.py)."""
    lab = rgb_to_lab(rgb)
    free = colorize_batch(cz, rgb)[0]
    out = []
    for k in tqdm(counts, desc="hints curve", leave=False):
        hint, mask = point_hints(lab[..., 1:], rng, count=k) if k else (None, None)
        ab = colorize_batch(cz, rgb, hint, mask)[0] if k else free
        row = {"hints": k}
        variants = {"network": ab}
        if k:
            variants["refined"] = np.stack([propagate(lab[i, ..., 0], localize(
                lab[i, ..., 0], free[i], ab[i], mask[i], cz.refine_reach, cz.refine_sigma), hint[i], mask[i],
                cz.refine_reach, cz.refine_sigma) for i in range(len(ab))])
        else:
            variants["refined"] = ab
        for name, v in variants.items():
            ps = [metrics.psnr(t, p) for t, p in zip(rgb, compose(lab[..., 0], v))]
            suffix = "" if name == "refined" else "_network_only"
            row.update({f"psnr_mean{suffix}": float(np.mean(ps)), f"psnr_median{suffix}": float(np.median(ps)),
                        f"pixel_accuracy{suffix}": metrics.color_class_report(lab[..., 1:], v).accuracy})
        out.append(row)
    return out


def per_scene(pred_ab, lab, labels, rgb, classes) -> dict:
    out = {}
    pred = compose(lab[..., 0], pred_ab)
    for c, name in enumerate(classes):
        sel = labels == c
        rep = metrics.color_class_report(lab[sel][..., 1:], pred_ab[sel])
        out[name] = {"n": int(sel.sum()), "pixel_accuracy": rep.accuracy, "balanced_accuracy": rep.balanced_accuracy,
                     "psnr_mean": float(np.mean([metrics.psnr(t, p) for t, p in zip(rgb[sel], pred[sel])]))}
    return out


# ----- the report's sections -----------------------------------------------------------------
def pick_test_sets(sets: dict, cifar_images: int, intel_images: int = 0) -> tuple:
    """(cifar test, intel test): seeded subsets of the test splits (intel_images 0: all)."""
    (cifar_test, _), (intel_test, _) = sets["cifar10"], sets["intel"]
    rng = np.random.default_rng(0)
    cifar_test = cifar_test.subset(np.sort(rng.permutation(len(cifar_test))[:cifar_images]))
    if intel_images:
        intel_test = intel_test.subset(np.sort(rng.permutation(len(intel_test))[:intel_images]))
    return cifar_test, intel_test


def extra_sources(faces_images: int, objects_images: int) -> dict:
    """{"faces": (val, train), "imagenette": (val, train)} without their near-gray photos; a source
    whose data are absent is left out with a message."""
    rng = np.random.default_rng(0)
    out = {}
    for name, loader, count in (("faces", data.load_faces, faces_images),
                                ("imagenette", data.load_imagenette, objects_images)):
        try:
            val, train = loader("val"), loader("train")
        except data.DataMissingError as e:
            print(f"{name}: skipped ({e})")
            continue
        val, train = val.subset(~val.near_gray), train.subset(~train.near_gray)
        if count:
            val = val.subset(np.sort(rng.permutation(len(val))[:count]))
        out[name] = (val, train)
    return out


def train_sample(train_set, n: int = 2000) -> np.ndarray:
    """A seeded sample of training photos at the evaluation size (for the baselines' constants)."""
    pick = np.random.default_rng(0).choice(len(train_set), min(n, len(train_set)), replace=False)
    return as_float_images(train_set.images[pick], SIZE)


@dataclass
class SourceResult:
    """One test set through ColorNet: the JSON report, the photos and what was predicted."""

    report: dict  # evaluate_split's, with "compared" and skin-hue recall added
    rgb: np.ndarray  # (N, SIZE, SIZE, 3) test photos
    ab: np.ndarray  # ColorNet's ab
    scenes: np.ndarray | None  # scene probabilities
    compared_ab: np.ndarray | None  # the compared ColorNet's ab


def colour_section(cz: Colorizer, test, train_set, name: str, quant, out_dir, compare: tuple | None = None
                   ) -> SourceResult:
    """One test set scored with the baselines and the skin-hue recall of each; compare = (weights
    path, Colorizer): another ColorNet scored alike (report key "compared"), e.g. the shipped one."""
    test_rgb = as_float_images(test.images, SIZE)
    label = f"{name}_{SIZE}px"
    res, pred_ab, scenes = evaluate_split(cz, test_rgb, train_sample(train_set), quant, label, out_dir)
    m = res["methods"]
    lab = rgb_to_lab(test_rgb)
    if compare is not None:
        other_ab = colorize_batch(compare[1], test_rgb)[0]
        m["compared"] = score(test_rgb, other_ab, baseline_constants(train_sample(train_set), quant)[1], quant,
                              500, lab)
        m["compared"]["skin_hue"] = metrics.skin_hue_recall(lab[..., 1:], other_ab)
        m["compared"]["weights"] = str(compare[0])
    else:
        other_ab = None
    m["colornet"]["skin_hue"] = metrics.skin_hue_recall(lab[..., 1:], pred_ab)
    m["all_gray"]["skin_hue"] = metrics.skin_hue_recall(lab[..., 1:], np.zeros_like(pred_ab))
    for k in [k for k in ("colornet", "compared", "all_gray", "train_mean") if k in m]:
        cc = m[k]["colour_class"]
        skin = m[k].get("skin_hue", {}).get("recall")
        print(f"{label:16s} {k:10s} acc {cc['accuracy']:.3f} balanced {cc['balanced_accuracy']:.3f} "
              f"AuC {m[k]['auc_raw']:.3f}/{m[k]['auc_rebalanced']:.3f} PSNR {m[k]['psnr_mean']:.2f}"
              + (f" skin-hue recall {skin:.3f}" if skin is not None else ""))
    return SourceResult(res, test_rgb, pred_ab, scenes, other_ab)


def examples_figure(title: str, test_rgb, predictions: dict, path, count: int = 8) -> None:
    """count photos in columns; rows: the gray input, each prediction (name: ab), the truth."""
    lab = rgb_to_lab(test_rgb)
    show = np.random.default_rng(3).permutation(len(test_rgb))[:count]
    rows = 2 + len(predictions)
    fig = Figure(figsize=(1.5 * len(show), 1.6 * rows + 0.4), layout="constrained")
    ax = fig.subplots(rows, len(show))
    for j, i in enumerate(show):
        images = [(compose(lab[i, ..., 0], np.zeros(test_rgb.shape[1:3] + (2,))), "input")]
        images += [(compose(lab[i, ..., 0], ab[i]), name) for name, ab in predictions.items()]
        images.append((test_rgb[i], "truth"))
        for r, (img, nm) in enumerate(images):
            ax[r, j].imshow(np.clip(img, 0, 1))
            ax[r, j].axis("off")
            if j == 0:
                ax[r, j].set_title(nm, fontsize=9, loc="left")
    fig.suptitle(title)
    fig.savefig(path, dpi=110)


def scene_head_section(labels, scene_probs, out_dir, classes=data.INTEL_CLASSES) -> dict:
    """Accuracy, precision/recall and confusion matrix of the scene head from L alone, and how
    often it is confident enough to be shown (SCENE_CONFIDENCE) and right when it is."""
    report = metrics.classification_report(labels, scene_probs.argmax(1), classes)
    metrics.plot_confusion(report, Path(out_dir) / "confusion_scene_head.png",
                           title=f"scene head from L (n={len(labels)}): acc {report.accuracy:.3f}")
    shown = scene_probs.max(1) >= SCENE_CONFIDENCE
    rep = report.to_dict()
    rep["shown"] = {"threshold": SCENE_CONFIDENCE, "share": float(shown.mean()),
                    "accuracy_when_shown": float((scene_probs.argmax(1) == labels)[shown].mean()) if shown.any()
                    else None}
    print(f"scene head: accuracy {rep['accuracy']:.3f}, balanced {rep['balanced_accuracy']:.3f}; shown for "
          f"{rep['shown']['share']:.0%} of photos, right on {rep['shown']['accuracy_when_shown']}")
    return rep


def semantic_section(clf_path, test_rgb, pred_ab, labels) -> dict | str:
    """A colour-trained classifier on true colour, gray and our colorization of the same photos."""
    if not Path(clf_path).exists():
        return f"skipped: no classifier at {clf_path}"
    ours = compose(rgb_to_lab(test_rgb)[..., 0], pred_ab)
    _, meta, probs = semantic(clf_path, test_rgb, ours)
    r = semantic_report(probs, np.asarray(labels), meta["classes"])
    r["classifier_val_accuracy"] = meta.get("val_accuracy")
    print(f"semantic: {r['accuracy']} gap recovered {r['gap_recovered']}")
    return r


def ablation_section(pair_ab: dict, paths: dict, test_rgb, labels, train_set, quant, out_dir) -> dict:
    """The network without the global branch against the one with it, trained on the same budget.

    pair_ab: {"reference": ab, "ablation": ab} on test_rgb; paths: the same roles' weights files.
    """
    lab = rgb_to_lab(test_rgb)
    train_mean = baseline_constants(train_sample(train_set), quant)[1]
    r = score(test_rgb, pair_ab["ablation"], train_mean, quant, 500, lab)
    ref = score(test_rgb, pair_ab["reference"], train_mean, quant, 500, lab)
    report = {"weights": paths["ablation"], "reference_weights": paths["reference"],
              "note": "the reference and the ablation share data, steps and decoding; the "
                      "ablation has no global branch and no scene loss",
              "intel": r, "reference_intel": ref,
              "per_scene": per_scene(pair_ab["ablation"], lab, labels, test_rgb, data.INTEL_CLASSES),
              "reference_per_scene": per_scene(pair_ab["reference"], lab, labels, test_rgb, data.INTEL_CLASSES)}
    ablation_figure(report).savefig(Path(out_dir) / "context_ablation.png", dpi=110)
    for name, m in (("ablation reference (global, same budget)", ref), ("ablation (no global)", r)):
        cc = m["colour_class"]
        print(f"{name}: acc {cc['accuracy']:.3f} balanced {cc['balanced_accuracy']:.3f} PSNR {m['psnr_mean']:.2f}")
    return report


def ablation_figure(report: dict) -> Figure:
    """Per scene class, pixel accuracy and PSNR with and without the global branch."""
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots(1, 2)
    x = np.arange(len(data.INTEL_CLASSES))
    both = (("with global context", report["reference_per_scene"]), ("without (ablation)", report["per_scene"]))
    for j, key in enumerate(("pixel_accuracy", "psnr_mean")):
        for k, (nm, ps) in enumerate(both):
            ax[j].bar(x + (k - 0.5) * 0.38, [ps[c][key] for c in data.INTEL_CLASSES], 0.38, label=nm)
        ax[j].set_xticks(x, data.INTEL_CLASSES, rotation=20)
        ax[j].set_title({"pixel_accuracy": "colour-class pixel accuracy", "psnr_mean": "PSNR (dB)"}[key])
        lo = min(min(ps[c][key] for c in data.INTEL_CLASSES) for _, ps in both)
        ax[j].set_ylim(lo * 0.9, None)
    handles, names = ax[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="upper right", ncol=2, fontsize=8)
    fig.suptitle("Context ablation on Intel test, per scene class (same training budget)", x=0.35)
    return fig


def hints_section(cz: Colorizer, rgb, out_dir) -> dict:
    """PSNR against the number of random point hints on these photos, with the all-gray line."""
    curve = hints_curve(cz, rgb, np.random.default_rng(2))
    gray_psnr = float(np.mean([metrics.psnr(t, compose(rgb_to_lab(t)[..., 0], np.zeros(t.shape[:2] + (2,))))
                               for t in rgb]))
    i10 = HINT_COUNTS.index(10)
    report = {"n_images": int(len(rgb)), "curve": curve, "all_gray_psnr": gray_psnr,
              "refine": {"reach": cz.refine_reach, "sigma": cz.refine_sigma},
              "gain_10_vs_0_db": curve[i10]["psnr_mean"] - curve[0]["psnr_mean"],
              "gain_10_vs_0_db_network_only": curve[i10]["psnr_mean_network_only"] - curve[0]["psnr_mean"]}
    hints_figure(report).savefig(Path(out_dir) / "psnr_vs_hints.png", dpi=110)
    print("hints:", [(c["hints"], round(c["psnr_mean"], 2), round(c["psnr_mean_network_only"], 2)) for c in curve])
    return report


ONE_HINT_CHANGE = 10.0  # ab units: a pixel counts as changed by a hint when its colour moved this far


def one_hint_section(cz: Colorizer, photos, out_dir, seed: int = 0, sheet: int = 6) -> dict:
    """What one point hint changes: on each photo (RGB at its own size) one hint of the true colour at
    a random clearly coloured pixel, as a user would click an object; the share of the photo's pixels
    whose colour moves by more than ONE_HINT_CHANGE, for the network's own answer and for the product's
    (kept where the hint reaches, then made to hold). A sheet shows the first `sheet` photos."""
    rng = np.random.default_rng(seed)
    shares = {"network": [], "product": []}
    shown = []
    for im in tqdm(photos, desc="one hint", leave=False):
        lab = rgb_to_lab(np.asarray(im, np.float64))
        ys, xs = np.nonzero(np.hypot(lab[..., 1], lab[..., 2]) > 20)
        if not len(ys):
            continue
        k = rng.integers(len(ys))
        colour = tuple(float(v) for v in np.clip(im[ys[k], xs[k]], 0, 1))
        hints = Hints(points=[Point(float(xs[k]), float(ys[k]), colour)])
        free, pred = cz.predict(im), cz.predict(im, hints)
        before = cz.ab(free)
        outs = {"network": cz.ab(pred, refine=False), "product": cz.ab(pred)}
        for name, ab in outs.items():
            shares[name].append(float((np.hypot(*np.moveaxis(ab - before, -1, 0)) > ONE_HINT_CHANGE).mean()))
        if len(shown) < sheet:
            shown.append((im, (xs[k], ys[k]), cz.compose(free, before), cz.compose(pred, outs["network"]),
                          cz.compose(pred, outs["product"])))
    report = {"n_photos": len(shares["product"]), "threshold_ab": ONE_HINT_CHANGE, "work_size": cz.size}
    for name, v in shares.items():
        v = np.array(v)
        report[name] = {"mean": float(v.mean()), "median": float(np.median(v)), "p90": float(np.percentile(v, 90)),
                        "max": float(v.max()), "over_half": float((v > 0.5).mean())}
    one_hint_figure(shown, report).savefig(Path(out_dir) / "one_hint.png", dpi=110)
    print(f"one hint: the product changes {report['product']['mean']:.1%} of a photo on average (90% of photos: "
          f"under {report['product']['p90']:.1%}); the network alone {report['network']['mean']:.1%}")
    return report


def one_hint_figure(shown, report) -> Figure:
    """Rows: photos; columns: the gray with the hint, without the hint, the network's answer, the product's."""
    fig = Figure(figsize=(9, 2.2 * len(shown) + 0.5), layout="constrained")
    ax = np.atleast_2d(fig.subplots(len(shown), 4))
    titles = ("gray + the hint (true colour)", "no hint", "network's answer", "product: kept where it reaches")
    for i, (im, (x, y), *outs) in enumerate(shown):
        gray = np.repeat(rgb_to_lab(np.asarray(im, np.float64))[..., :1] / 100, 3, -1)
        for j, img in enumerate([gray] + outs):
            ax[i, j].imshow(np.clip(img, 0, 1))
            ax[i, j].axis("off")
            if i == 0:
                ax[i, j].set_title(titles[j], fontsize=8)
        ax[i, 0].plot([x], [y], "o", ms=7, mfc=tuple(np.clip(im[y, x], 0, 1)), mec="white", mew=1.5)
    fig.suptitle(f"One point hint: pixels changed by > {report['threshold_ab']:g} ab, mean over "
                 f"{report['n_photos']} photos: network {report['network']['mean']:.1%}, "
                 f"product {report['product']['mean']:.1%}", fontsize=9)
    return fig


def hints_figure(report: dict) -> Figure:
    """The PSNR-against-hints curve, with and without the refinement, and the all-gray line."""
    curve = report["curve"]
    fig = Figure(figsize=(5.5, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.plot([c["hints"] for c in curve], [c["psnr_mean"] for c in curve], "o-", label="ColorNet + hint refinement")
    ax.plot([c["hints"] for c in curve], [c["psnr_mean_network_only"] for c in curve], "s--", label="ColorNet alone")
    ax.axhline(report["all_gray_psnr"], color="gray", ls="--", label="all-gray baseline")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xticks(HINT_COUNTS, [str(k) for k in HINT_COUNTS])
    ax.set_xlabel("random point hints per image")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title(f"Hints on Intel test ({report['n_images']} photos, {SIZE} px)")
    ax.legend()
    return fig


def example_figures(cz: Colorizer, test_rgb, pred_ab, test_set, out_dir) -> None:
    """Eight test photos (input, ColorNet, truth) and the process of one of them at 128 px."""
    lab = rgb_to_lab(test_rgb)
    show = np.random.default_rng(3).permutation(len(test_rgb))[:8]
    fig = Figure(figsize=(1.7 * len(show), 5.4), layout="constrained")
    ax = fig.subplots(3, len(show))
    for j, i in enumerate(show):
        t = test_rgb[i]
        rows = ((compose(lab[i, ..., 0], np.zeros(t.shape[:2] + (2,))), "input"),
                (compose(lab[i, ..., 0], pred_ab[i]), "ColorNet"), (t, "truth"))
        for r, (img, nm) in enumerate(rows):
            ax[r, j].imshow(np.clip(img, 0, 1))
            ax[r, j].axis("off")
            if j == 0:
                ax[r, j].set_title(nm, fontsize=9, loc="left")
    fig.suptitle("Intel test photos, zero hints (64 px)")
    fig.savefig(Path(out_dir) / "examples_intel.png", dpi=110)
    big = test_set.images[show[0]].astype(np.float32) / 255
    result = cz.process(big, size=128, layers=cz.layer_names(), explain=True)
    for kind, make in (("stages", stage_strip), ("activations", activation_figure)):
        make(result, title=f"Intel test photo {show[0]} at 128 px").savefig(Path(out_dir) / f"process_{kind}.png",
                                                                             dpi=100)


def write_json(path, data) -> None:
    """Write a report as indented JSON, making its folder."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(data, indent=1))


def chunked_logits(cz: Colorizer, L, chunk: int = 64) -> np.ndarray:
    """The network's ab-bin logits for a batch of lightness images, computed chunk photos at a time."""
    return np.concatenate([cz.logits_batch(L[i:i + chunk])[0] for i in range(0, len(L), chunk)])


def paired_gain(diff, picks) -> tuple:
    """(mean, [2.5%, 97.5%]) of per-photo differences between two methods on the same photos: the
    mean and its bootstrap interval over the resamples `picks` (index arrays into the photos)."""
    boot = np.array([diff[k].mean() for k in picks])
    return float(diff.mean()), [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))]


def class_counts(true_cls, pred_cls, num_classes: int) -> tuple:
    """(hits, support), each (N, num_classes): per photo, the pixels of each true colour class and
    how many of them were predicted in it; sums over any photos give that set's balanced accuracy."""
    n = len(true_cls)
    t, right = true_cls.reshape(n, -1), (true_cls == pred_cls).reshape(n, -1)
    support = np.stack([np.bincount(row, minlength=num_classes) for row in t])
    hits = np.stack([np.bincount(row[ok], minlength=num_classes) for row, ok in zip(t, right)])
    return hits, support


def balanced_from_counts(hits, support) -> float:
    """Mean recall over the classes present, from counts summed over photos."""
    h, s = np.asarray(hits).sum(0), np.asarray(support).sum(0)
    return float((h[s > 0] / s[s > 0]).mean())


def paired_balanced_gain(hits_a, hits_b, support, picks) -> tuple:
    """(gain, [2.5%, 97.5%]) of balanced accuracy of method a over b on the same photos (class_counts
    of each against the same truth), the interval over resamples of the photos."""
    boot = [balanced_from_counts(hits_a[k], support[k]) - balanced_from_counts(hits_b[k], support[k]) for k in picks]
    gain = balanced_from_counts(hits_a, support) - balanced_from_counts(hits_b, support)
    return gain, [float(np.percentile(boot, 2.5)), float(np.percentile(boot, 97.5))]


def film_section(cz: Colorizer, test_rgb, films=("orthochromatic", "blue-sensitive"), resamples: int = 1000,
                 seed: int = 0, chunk: int = 64) -> dict:
    """Colour-class accuracy and PSNR on grays formed by old films, with the network told the film
    against the same grays read as lightness (panchromatic), both decoded alike (the weights' old-film
    decoding, Colorizer.decoding): the gain of the conditioning alone, per film, with its bootstrap
    spread over photos (95% interval of the per-photo differences' mean). Also the era path as a user
    gets it (told the film, old-film decoding) against the plain path (read as lightness, the default
    decoding). Colour-class pixel accuracy, balanced accuracy (its interval over the same resamples)
    and PSNR, which puts the predicted colours on the scene's true lightness, as the other sections
    do. Needs a ColorNet with film inputs."""
    if not cz.net.config.film_inputs:
        raise ValueError("film_section needs a ColorNet trained with film inputs")
    lab = rgb_to_lab(test_rgb)
    true_cls = color_class(lab[..., 1:])
    rng = np.random.default_rng(seed)
    out = {"n_images": int(len(test_rgb))}
    for film in films:
        L = film_lightness(test_rgb, np.full(len(test_rgb), FILMS.index(film)))
        decodings = {film: cz.decoding(film), "panchromatic": cz.decoding(film), "plain": cz.decoding()}
        ab = {k: [] for k in decodings}
        for i in range(0, len(L), chunk):  # in chunks: the logits of 2,000 photos would not fit in memory
            for reading in (film, "panchromatic"):
                logits = cz.logits_batch(L[i:i + chunk], film=reading)[0]
                for k in ([film] if reading == film else ["panchromatic", "plain"]):
                    ab[k].append(cz.decode(logits, *decodings[k]))
        acc, db, hits = {}, {}, {}
        for k, parts in ab.items():
            a = np.concatenate(parts)
            pred_cls = color_class(a)
            acc[k] = (true_cls == pred_cls).reshape(len(L), -1).mean(1)  # per photo
            hits[k], support = class_counts(true_cls, pred_cls, len(COLOR_CLASSES))
            db[k] = np.array([metrics.psnr(t, compose(lab[i, ..., 0], a[i])) for i, t in enumerate(test_rgb)])
        picks = [rng.integers(len(L), size=len(L)) for _ in range(resamples)]  # the same resamples for all
        pairs = ((acc, "panchromatic"), (db, "panchromatic"), (acc, "plain"))
        (g, g95), (gp, gp95), (pg, pg95) = (paired_gain(m[film] - m[base], picks) for m, base in pairs)
        bg, bg95 = paired_balanced_gain(hits[film], hits["panchromatic"], support, picks)
        T, alpha = decodings[film]
        out[film] = {"decode": {"temperature": T, "prior_correction": alpha},
                     "told_the_film": float(acc[film].mean()), "read_as_lightness": float(acc["panchromatic"].mean()),
                     "gain": g, "gain_95": g95,
                     "balanced_told_the_film": balanced_from_counts(hits[film], support),
                     "balanced_read_as_lightness": balanced_from_counts(hits["panchromatic"], support),
                     "balanced_gain": bg, "balanced_gain_95": bg95, "psnr_told_the_film": float(db[film].mean()),
                     "psnr_read_as_lightness": float(db["panchromatic"].mean()), "psnr_gain": gp,
                     "psnr_gain_95": gp95, "plain_path": float(acc["plain"].mean()),
                     "plain_decode": dict(zip(("temperature", "prior_correction"), decodings["plain"])),
                     "era_path_gain": pg, "era_path_gain_95": pg95}
        print(f"{film} (T {T}, alpha {alpha}): told {out[film]['told_the_film']:.3f}, read as lightness "
              f"{out[film]['read_as_lightness']:.3f}, gain {g:+.3f} (95% {g95[0]:+.3f}..{g95[1]:+.3f}); balanced "
              f"gain {bg:+.3f} (95% {bg95[0]:+.3f}..{bg95[1]:+.3f}); PSNR gain "
              f"{gp:+.2f} dB (95% {gp95[0]:+.2f}..{gp95[1]:+.2f}); era path against the plain one {pg:+.3f} "
              f"(95% {pg95[0]:+.3f}..{pg95[1]:+.3f})")
    return out


def card_metrics(report: dict, out_dir) -> dict:
    """The headline numbers the weights' card records (every source evaluated, Intel first)."""
    def headline(r):
        keys = [k for k in ("colornet", "compared", "all_gray", "train_mean") if k in r]
        return {k: {"pixel_accuracy": r[k]["colour_class"]["accuracy"],
                    "balanced_accuracy": r[k]["colour_class"]["balanced_accuracy"],
                    "auc_raw": r[k]["auc_raw"], "auc_rebalanced": r[k]["auc_rebalanced"],
                    "psnr": r[k]["psnr_mean"], "colourfulness_gap": r[k]["colourfulness_gap"],
                    **({"skin_hue_recall": r[k]["skin_hue"]["recall"]} if "skin_hue" in r[k] else {})}
                for k in keys}
    out = {"source": f"{out_dir}/report.json (python -m train.evaluate_colornet)"}
    for name, res in report["datasets"].items():
        out["intel_test_64px" if name == f"intel_{SIZE}px" else name] = {"n_images": res["n_images"],
                                                                        **headline(res["methods"])}
    out.update({"scene_head_accuracy": report.get("scene_head", {}).get("accuracy"),
                "scene_head_shown": report.get("scene_head", {}).get("shown"),
                "psnr_gain_10_hints_db": report["hints"]["gain_10_vs_0_db"],
                "psnr_gain_10_hints_db_network_only": report["hints"]["gain_10_vs_0_db_network_only"],
                **({"film": report["film"]} if "film" in report else {})})
    return out


COOL = ("cyan", "blue", "purple")  # the hues of the shipped ColorNet's typical failure on old photos


def cast_of(ab) -> dict:
    """What colours a colorization of an old photo (ab (H, W, 2)) uses: the share of its pixels with
    any colour (chroma >= 10), of cool ones (COOL), and its most common colour class besides gray."""
    counts = np.bincount(color_class(ab).ravel(), minlength=len(COLOR_CLASSES)) / ab[..., 0].size
    cool = float(sum(counts[COLOR_CLASSES.index(c)] for c in COOL))
    dominant = COLOR_CLASSES[1 + int(counts[1:].argmax())] if counts[1:].max() > 0 else "achromatic"
    return {"coloured": float(1 - counts[0]), "cool": cool, "dominant": dominant}


def historical_section(models: dict, out_dir, size: int | None = None, photo_size: int = 384,
                       figure_before: int = 1900, figure_count: int = 5) -> dict | str:
    """The real historical development photos (longer side photo_size) colorized by each model (name ->
    Colorizer, at size or its own working size, as the product does): per model,
    the mean share of coloured and of cool pixels and how many photos come out mostly cool (the blue
    cast on walls, skin and white shirts); the truth is unknown, so these describe rather than score.
    The figure (historical.png) shows only photos dated before figure_before (public domain by age)."""
    try:
        rows = data.load_historical()
    except data.DataMissingError as e:
        return f"skipped: {e}"
    casts = {name: [] for name in models}
    shown = [r for r in rows if r["decade"] and r["decade"] < figure_before]
    shown = shown[::max(1, len(shown) // figure_count)][:figure_count]
    pictures = {id(r): {} for r in shown}
    for r in tqdm(rows, desc="historical photos"):
        gray = rgb_to_lab(resize(r["image"].astype(np.float32), _fit(r["image"].shape[:2], photo_size)))[..., 0]
        for name, cz in models.items():
            out = cz.process(lightness=gray, size=size).output
            casts[name].append(cast_of(rgb_to_lab(np.asarray(out, np.float64))[..., 1:]))
            if id(r) in pictures:
                pictures[id(r)][name] = out
    report = {"n_photos": len(rows), "photo_size": photo_size,
              "work_size": {name: size or cz.size for name, cz in models.items()}, "models": {}}
    for name, cs in casts.items():
        report["models"][name] = {"coloured": float(np.mean([c["coloured"] for c in cs])),
                                  "cool": float(np.mean([c["cool"] for c in cs])),
                                  "photos_mostly_cool": int(sum(c["dominant"] in COOL for c in cs)),
                                  "dominant_colours": {k: sum(c["dominant"] == k for c in cs)
                                                       for k in sorted({c["dominant"] for c in cs})}}
    if shown:
        historical_figure(shown, pictures, list(models), Path(out_dir) / "historical.png")
    return report


def _fit(hw, size: int) -> tuple:
    """(h, w) with the longer side size, the aspect kept."""
    s = size / max(hw)
    return max(8, round(hw[0] * s)), max(8, round(hw[1] * s))


def historical_figure(rows, pictures: dict, names: list, path) -> None:
    """Rows: photos; columns: the photo as it is, each model's colorization."""
    fig = Figure(figsize=(2.6 * (1 + len(names)), 2.5 * len(rows)), layout="constrained")
    ax = np.atleast_2d(fig.subplots(len(rows), 1 + len(names)))
    for i, r in enumerate(rows):
        ax[i, 0].imshow(np.clip(r["image"], 0, 1))
        ax[i, 0].set_title(f"{r['year_label']} (as it is)", fontsize=8)
        for j, name in enumerate(names):
            ax[i, j + 1].imshow(np.clip(pictures[id(r)][name], 0, 1))
            ax[i, j + 1].set_title(name, fontsize=8)
    for a in ax.ravel():
        a.axis("off")
    fig.savefig(path, dpi=100)


def film_reading_figure(cz: Colorizer, rows, photo_size: int = 384) -> Figure:
    """Real dated photos (rows from data.load_historical) coloured twice by a ColorNet with film
    inputs: the gray read as a modern camera's lightness, and read as the film of its decade
    (models.era.film_for). Columns: the photo as it is, then the two readings."""
    fig = Figure(figsize=(8, 2.6 * len(rows)), layout="constrained")
    ax = np.atleast_2d(fig.subplots(len(rows), 3))
    for i, r in enumerate(rows):
        gray = rgb_to_lab(resize(r["image"].astype(np.float32), _fit(r["image"].shape[:2], photo_size)))[..., 0]
        film = film_for(label_of(r["decade"]))
        ax[i, 0].imshow(np.clip(r["image"], 0, 1))
        ax[i, 0].set_title(f"{r['year_label']} (as it is)", fontsize=8)
        for j, reading in enumerate(("panchromatic", film)):
            ax[i, j + 1].imshow(np.clip(cz.process(lightness=gray, film=reading).output, 0, 1))
            ax[i, j + 1].set_title("read as modern lightness" if j == 0 else f"read as {film} film", fontsize=8)
    for a in ax.ravel():
        a.axis("off")
    return fig
