"""Evaluate shipped ColorNet weights on the held-out test splits; write a JSON report and figures.

    python -m train.evaluate_colornet [--weights weights/colornet.npz]
        [--ablation weights/colornet_noglobal.npz] [--ablation-reference weights/colornet_base.npz]
        [--out reports/colornet] [--cifar-images 2000]

Everything is measured on the test splits (CIFAR-10 test, Intel scenes test without its
near-gray photos) at the working size of 64 px, next to the all-gray, training-mean and
prior-mode baselines scored by the same code on the same images:
- colour-class pixel and balanced accuracy with the confusion matrix and per-class
  precision/recall, raw and rebalanced AuC, accuracy at 10 and 20, PSNR, SSIM, colourfulness gap;
- semantic interpretability: colour-trained classifiers (weights/classifier_*.npz) on the true
  colour image, on gray and on our colorization, and the share of the gray-to-colour gap recovered;
- the scene head's accuracy, precision/recall and confusion matrix on Intel test from L alone;
- the context ablation per scene class: the network without the global branch against the one
  with it trained on the same budget (--ablation-reference; the shipped model was fine-tuned further);
- PSNR against the number of random point hints (0, 1, 2, 5, 10, 20, 50) on Intel test;
- figures: confusion matrices, examples, the stage strip and activations, the hints curve.
The card next to the weights gets the headline numbers.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.color import ABQuantizer, lab_to_rgb, rgb_to_lab
from models.inference import Colorizer, _resize
from train import data, metrics
from train.report_baselines import baseline_constants, load_test_and_train, score
from train.simulate import point_hints

HINT_COUNTS = (0, 1, 2, 5, 10, 20, 50)
SIZE = 64


def _plt():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def colorize_batch(cz: Colorizer, rgb, hint_ab=None, mask=None, chunk: int = 64):
    """(predicted ab (N, h, w, 2), scene probabilities or None) for RGB images at the working size."""
    L = rgb_to_lab(rgb)[..., 0]
    abs_, scenes = [], []
    for i in range(0, len(L), chunk):
        sl = slice(i, i + chunk)
        logits, sc = cz.logits_batch(L[sl], None if hint_ab is None else hint_ab[sl], None if mask is None else mask[sl])
        abs_.append(cz.decode(logits))
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
    from train.train_classifier import load_classifier, predict
    net, meta = load_classifier(clf_path)
    size = int(meta["size"])
    down = (lambda x: x) if rgb_true.shape[1] == size else (
        lambda x: np.stack([_resize(im, (size, size)) for im in x]))
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
    training), for the network alone and with the hint refinement (models/refine.py)."""
    from models.refine import propagate
    lab = rgb_to_lab(rgb)
    out = []
    for k in tqdm(counts, desc="hints curve", leave=False):
        hint, mask = point_hints(lab[..., 1:], rng, count=k) if k else (None, None)
        ab, _ = colorize_batch(cz, rgb, hint, mask)
        row = {"hints": k}
        variants = {"network": ab}
        if k:
            variants["refined"] = np.stack([propagate(lab[i, ..., 0], ab[i], hint[i], mask[i], cz.refine_reach,
                                                      cz.refine_sigma) for i in range(len(ab))])
        else:
            variants["refined"] = ab
        for name, v in variants.items():
            ps = [metrics.psnr(t, p) for t, p in zip(rgb, compose(lab[..., 0], v))]
            suffix = "" if name == "refined" else "_network_only"
            row.update({f"psnr_mean{suffix}": float(np.mean(ps)), f"psnr_median{suffix}": float(np.median(ps)),
                        f"pixel_acc{suffix}": metrics.color_class_report(lab[..., 1:], v)["accuracy"]})
        out.append(row)
    return out


def per_scene(pred_ab, lab, labels, rgb, classes) -> dict:
    out = {}
    pred = compose(lab[..., 0], pred_ab)
    for c, name in enumerate(classes):
        sel = labels == c
        rep = metrics.color_class_report(lab[sel][..., 1:], pred_ab[sel])
        out[name] = {"n": int(sel.sum()), "pixel_acc": rep["accuracy"], "balanced_acc": rep["balanced_accuracy"],
                     "psnr_mean": float(np.mean([metrics.psnr(t, p) for t, p in zip(rgb[sel], pred[sel])]))}
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default="weights/colornet.npz")
    p.add_argument("--ablation", default="weights/colornet_noglobal.npz",
                   help="the no-global-branch weights ('' to skip)")
    p.add_argument("--ablation-reference", default="weights/colornet_base.npz",
                   help="the model with the global branch trained with the same budget as --ablation "
                        "('' or missing: --weights itself)")
    p.add_argument("--cifar-clf", default="weights/classifier_cifar10.npz")
    p.add_argument("--intel-clf", default="weights/classifier_intel.npz")
    p.add_argument("--out", default="reports/colornet")
    p.add_argument("--cifar-images", type=int, default=2000, help="CIFAR-10 test images (a seeded subset)")
    p.add_argument("--intel-images", type=int, default=0, help="Intel test images (0: all)")
    p.add_argument("--hint-images", type=int, default=600)
    p.add_argument("--no-card", action="store_true", help="do not write the headline numbers into the card")
    a = p.parse_args(argv)
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    plt = _plt()
    quant = ABQuantizer()
    cz = Colorizer.from_weights(a.weights, size=SIZE)
    try:
        sets = load_test_and_train()
    except data.DataMissingError as e:
        raise SystemExit(f"cannot evaluate: {e}")
    (cifar_test, cifar_train), (intel_test, intel_train) = sets["cifar10"], sets["intel"]
    rng = np.random.default_rng(0)
    cpick = np.sort(rng.permutation(len(cifar_test))[:a.cifar_images])
    cifar_test = cifar_test.subset(cpick)
    if a.intel_images:
        intel_test = intel_test.subset(np.sort(rng.permutation(len(intel_test))[:a.intel_images]))
    report = {"weights": a.weights, "decode": {"size": SIZE, "temperature": cz.temperature,
                                               "prior_correction": cz.prior_correction}, "datasets": {}}
    rgb = {}
    preds = {}
    for name, test, train_set in (("intel", intel_test, intel_train), ("cifar10", cifar_test, cifar_train)):
        test_rgb = data.resize_images(test.images, SIZE).astype(np.float64) / 255
        train_pick = np.random.default_rng(0).choice(len(train_set), 2000, replace=False)
        train_rgb = data.resize_images(train_set.images[train_pick], SIZE).astype(np.float64) / 255
        label = f"{name}_{SIZE}px"
        res, pred_ab, scenes = evaluate_split(cz, test_rgb, train_rgb, quant, label, out_dir)
        report["datasets"][label] = res
        rgb[name], preds[name] = test_rgb, (pred_ab, scenes)
        m = res["methods"]
        for k in ("colornet", "all_gray", "train_mean"):
            cc = m[k]["colour_class"]
            print(f"{label:12s} {k:10s} acc {cc['accuracy']:.3f} balanced {cc['balanced_accuracy']:.3f} "
                  f"AuC {m[k]['auc_raw']:.3f}/{m[k]['auc_rebalanced']:.3f} PSNR {m[k]['psnr_mean']:.2f}")

    # scene head from L alone
    labels = np.asarray(intel_test.labels)
    scenes = preds["intel"][1]
    if scenes is not None:
        rep = metrics.classification_report(labels, scenes.argmax(1), data.INTEL_CLASSES)
        report["scene_head"] = rep
        metrics.plot_confusion(rep, out_dir / "confusion_scene_head.png",
                               title=f"scene head from L, Intel test: acc {rep['accuracy']:.3f}")
        print(f"scene head: accuracy {rep['accuracy']:.3f}, balanced {rep['balanced_accuracy']:.3f}")

    # semantic interpretability
    report["semantic"] = {}
    for name, clf, test in (("intel", a.intel_clf, intel_test), ("cifar10", a.cifar_clf, cifar_test)):
        if not Path(clf).exists():
            report["semantic"][name] = f"skipped: no classifier at {clf}"
            continue
        ours = compose(rgb_to_lab(rgb[name])[..., 0], preds[name][0])
        _, meta, probs = semantic(clf, rgb[name], ours)
        r = semantic_report(probs, np.asarray(test.labels), meta["classes"])
        r["classifier_val_accuracy"] = meta.get("val_accuracy")
        report["semantic"][name] = r
        print(f"semantic {name}: {r['accuracy']} gap recovered {r['gap_recovered']}")

    # context ablation
    intel_lab = rgb_to_lab(rgb["intel"])
    report["per_scene"] = {"colornet": per_scene(preds["intel"][0], intel_lab, labels, rgb["intel"], data.INTEL_CLASSES)}
    if a.ablation and Path(a.ablation).exists():
        train_mean = baseline_constants(data.resize_images(
            intel_train.images[np.random.default_rng(0).choice(len(intel_train), 2000, replace=False)],
            SIZE).astype(np.float64) / 255, quant)[1]
        ref_path = a.ablation_reference if a.ablation_reference and Path(a.ablation_reference).exists() else a.weights
        pair = {}
        for role, path in (("reference", ref_path), ("ablation", a.ablation)):
            if path == a.weights:
                pair[role] = preds["intel"][0]
                continue
            other = Colorizer.from_weights(path, size=SIZE, temperature=cz.temperature,
                                           prior_correction=cz.prior_correction)
            pair[role] = colorize_batch(other, rgb["intel"])[0]
        r = score(rgb["intel"], pair["ablation"], train_mean, quant, 500, intel_lab)
        ref = score(rgb["intel"], pair["reference"], train_mean, quant, 500, intel_lab)
        report["ablation"] = {"weights": a.ablation, "reference_weights": ref_path,
                              "note": "the reference and the ablation share data, steps and decoding; the "
                                      "ablation has no global branch and no scene loss",
                              "intel": r, "reference_intel": ref,
                              "per_scene": per_scene(pair["ablation"], intel_lab, labels, rgb["intel"],
                                                     data.INTEL_CLASSES),
                              "reference_per_scene": per_scene(pair["reference"], intel_lab, labels, rgb["intel"],
                                                               data.INTEL_CLASSES)}
        fig, ax = plt.subplots(1, 2, figsize=(10, 3.6), constrained_layout=True)
        x = np.arange(len(data.INTEL_CLASSES))
        for j, key in enumerate(("pixel_acc", "psnr_mean")):
            for k, (nm, ps) in enumerate((("with global context", report["ablation"]["reference_per_scene"]),
                                          ("without (ablation)", report["ablation"]["per_scene"]))):
                ax[j].bar(x + (k - 0.5) * 0.38, [ps[c][key] for c in data.INTEL_CLASSES], 0.38, label=nm)
            ax[j].set_xticks(x, data.INTEL_CLASSES, rotation=20)
            ax[j].set_title({"pixel_acc": "colour-class pixel accuracy", "psnr_mean": "PSNR (dB)"}[key])
            lo = min(min(ps[c][key] for c in data.INTEL_CLASSES) for ps in
                     (report["ablation"]["reference_per_scene"], report["ablation"]["per_scene"]))
            ax[j].set_ylim(lo * 0.9, None)
        handles, names = ax[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper right", ncol=2, fontsize=8)
        fig.suptitle("Context ablation on Intel test, per scene class (same training budget)", x=0.35)
        fig.savefig(out_dir / "context_ablation.png", dpi=110)
        plt.close(fig)
        cc = r["colour_class"]
        rc = ref["colour_class"]
        print(f"ablation reference (global, same budget): acc {rc['accuracy']:.3f} balanced "
              f"{rc['balanced_accuracy']:.3f} PSNR {ref['psnr_mean']:.2f}")
        print(f"ablation (no global): acc {cc['accuracy']:.3f} balanced {cc['balanced_accuracy']:.3f} "
              f"PSNR {r['psnr_mean']:.2f}")

    # hints curve
    hpick = np.random.default_rng(1).permutation(len(rgb["intel"]))[:a.hint_images]
    curve = hints_curve(cz, rgb["intel"][hpick], np.random.default_rng(2))
    gray_psnr = float(np.mean([metrics.psnr(t, compose(rgb_to_lab(t)[..., 0], np.zeros(t.shape[:2] + (2,))))
                               for t in rgb["intel"][hpick]]))
    i10 = HINT_COUNTS.index(10)
    report["hints"] = {"n_images": int(len(hpick)), "curve": curve, "all_gray_psnr": gray_psnr,
                       "refine": {"reach": cz.refine_reach, "sigma": cz.refine_sigma},
                       "gain_10_vs_0_db": curve[i10]["psnr_mean"] - curve[0]["psnr_mean"],
                       "gain_10_vs_0_db_network_only": curve[i10]["psnr_mean_network_only"] - curve[0]["psnr_mean"]}
    fig, ax = plt.subplots(figsize=(5.5, 3.6), constrained_layout=True)
    ax.plot([c["hints"] for c in curve], [c["psnr_mean"] for c in curve], "o-", label="ColorNet + hint refinement")
    ax.plot([c["hints"] for c in curve], [c["psnr_mean_network_only"] for c in curve], "s--",
            label="ColorNet alone")
    ax.axhline(gray_psnr, color="gray", ls="--", label="all-gray baseline")
    ax.set_xscale("symlog", linthresh=1)
    ax.set_xticks(HINT_COUNTS, [str(k) for k in HINT_COUNTS])
    ax.set_xlabel("random point hints per image")
    ax.set_ylabel("PSNR (dB)")
    ax.set_title(f"Hints on Intel test ({len(hpick)} photos, {SIZE} px)")
    ax.legend()
    fig.savefig(out_dir / "psnr_vs_hints.png", dpi=110)
    plt.close(fig)
    print("hints:", [(c["hints"], round(c["psnr_mean"], 2), round(c["psnr_mean_network_only"], 2)) for c in curve])

    # examples and the process
    from models.visualize import activation_figure, stage_strip
    show = np.random.default_rng(3).permutation(len(rgb["intel"]))[:8]
    fig, ax = plt.subplots(3, len(show), figsize=(1.7 * len(show), 5.4), constrained_layout=True)
    for j, i in enumerate(show):
        t = rgb["intel"][i]
        for r_, (img, nm) in enumerate(((compose(intel_lab[i, ..., 0], np.zeros(t.shape[:2] + (2,))), "input"),
                                        (compose(intel_lab[i, ..., 0], preds["intel"][0][i]), "ColorNet"),
                                        (t, "truth"))):
            ax[r_, j].imshow(np.clip(img, 0, 1))
            ax[r_, j].axis("off")
            if j == 0:
                ax[r_, j].set_title(nm, fontsize=9, loc="left")
    fig.suptitle("Intel test photos, zero hints (64 px)")
    fig.savefig(out_dir / "examples_intel.png", dpi=110)
    plt.close(fig)
    big = intel_test.images[show[0]].astype(np.float32) / 255
    view = cz.process(big, size=128)
    for kind, make in (("stages", stage_strip), ("activations", activation_figure)):
        make(view, title=f"Intel test photo {show[0]} at 128 px").savefig(out_dir / f"process_{kind}.png", dpi=100)

    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
    if not a.no_card:
        card_path = Path(a.weights).with_suffix(".json")
        card = json.loads(card_path.read_text()) if card_path.exists() else {}
        m = report["datasets"][f"intel_{SIZE}px"]["methods"]
        card["metrics"] = {
            "source": f"{out_dir}/report.json (python -m train.evaluate_colornet)",
            "intel_test_64px": {k: {"pixel_acc": m[k]["colour_class"]["accuracy"],
                                    "balanced_acc": m[k]["colour_class"]["balanced_accuracy"],
                                    "auc_raw": m[k]["auc_raw"], "auc_rebalanced": m[k]["auc_rebalanced"],
                                    "psnr": m[k]["psnr_mean"]} for k in ("colornet", "all_gray", "train_mean")},
            "scene_head_accuracy": report.get("scene_head", {}).get("accuracy"),
            "psnr_gain_10_hints_db": report["hints"]["gain_10_vs_0_db"],
            "psnr_gain_10_hints_db_network_only": report["hints"]["gain_10_vs_0_db_network_only"],
        }
        card_path.write_text(json.dumps(card, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
