"""Judge ColorNet weights as a user sees them: every colour class, natural colourfulness, colour that
holds together, faces at any size, one hint, the scene head; next to all-gray and the model they
replace. Writes reports/colornet/judgement.json and its figures.

    python -m train.judge_colornet [--weights weights/colornet.npz] [--compare OLD.npz]
        [--out reports/colornet] [--per-source 0]

Every photo goes through the product's own path at the weights' default settings (Colorizer.process:
the working size and decoding of the card, recombined with the photo's full-resolution lightness),
at the photo's own size: Intel test (150 px), and the validation photos of the faces, Imagenette's
objects, colordiv64's diverse photos and CIFAR-10 (32 px), none of which any ColorNet trained on.
The judgement (train/colornet/judging.py) is per source: pixel and balanced colour-class accuracy with 95%
bootstrap intervals over the photos, recall and precision of all nine colour classes, the chroma
and colourfulness ratios, patchiness and skin-hue recall, for this model, the compared one and
all-gray alike. Then: faces at 64 to 512 px (a face fills more of the network's view at a larger
working size than in training), the scene head on its classes against the majority class and
chance, what one point hint changes (a sheet), the PSNR gain of 10 hints, and contact sheets
(original | gray | this model | compared) of varied photos of every source.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from models.color import COLOR_CLASSES, rgb_to_lab
from models.image_io import resize
from models.inference import Colorizer
from train.colornet import evaluation as E
from train.colornet import judging, scenes
from train.common import data, metrics

SOURCES = ("intel", "faces", "imagenette", "diverse", "cifar")
LABELS = {"intel": "Intel test", "faces": "faces val", "imagenette": "objects val", "diverse": "diverse val",
          "cifar": "CIFAR-10 val"}
FACE_SIZES = (64, 128, 256, 512)


def held_out(per_source: int = 0) -> dict:
    """{source: ImageSet} of the held-out photos judged here (near-gray photos dropped; per_source > 0:
    a seeded subset of each). Intel is its test split; the others their validation splits."""
    loaders = {"intel": lambda: data.load_intel_scenes("test"), "faces": lambda: data.load_faces("val"),
               "imagenette": lambda: data.load_imagenette("val"), "diverse": lambda: data.load_diverse("val"),
               "cifar": lambda: data.load_cifar10("val")}
    out = {}
    for name in SOURCES:
        try:
            images = loaders[name]()
        except data.DataMissingError as e:
            print(f"{name}: skipped ({e})")
            continue
        if images.near_gray is not None:
            images = images.subset(~images.near_gray)
        n = per_source or (2000 if name == "cifar" else 0)
        if n and n < len(images):
            images = images.subset(np.sort(np.random.default_rng(0).permutation(len(images))[:n]))
        out[name] = images
    return out


def judge_source(models: dict, photos) -> dict:
    """{name: Judgement} of each Colorizer at its defaults and of all-gray on the photos."""
    out = {}
    for name, cz in models.items():
        d = judging.Decoding.of(cz)
        stats, gray = judging.judge_photos(cz, photos, [d], progress=name)
        out[name] = judging.Judgement.of(stats[d])
        out.setdefault("all-gray", judging.Judgement.of(gray))
    return out


def recall_figure(judged: dict, path) -> None:
    """Per source, the recall of every colour class for each model and all-gray, with the headline
    numbers in the titles."""
    names = list(next(iter(judged.values())))
    fig = Figure(figsize=(12, 2.6 * len(judged) + 0.5), layout="constrained")
    ax = np.atleast_1d(fig.subplots(len(judged), 1))
    x = np.arange(len(COLOR_CLASSES))
    width = 0.8 / len(names)
    for a, (source, per) in zip(ax, judged.items()):
        for k, name in enumerate(names):
            r = [per[name].recall[c] or 0 for c in COLOR_CLASSES]
            a.bar(x + (k - (len(names) - 1) / 2) * width, r, width, label=name)
        a.set_xticks(x, COLOR_CLASSES)
        a.set_ylim(0, 1)
        a.set_ylabel("recall")
        a.set_title(f"{LABELS[source]} (n={per[names[0]].n_photos}): " + "; ".join(
            f"{n} pixel {j.pixel_accuracy:.2f} balanced {j.balanced_accuracy:.2f} chroma {j.chroma_ratio:.2f}"
            for n, j in per.items()), fontsize=8, loc="left")
    ax[0].legend(fontsize=8, ncol=len(names))
    fig.savefig(path, dpi=100)


def contact_sheet(models: dict, sets: dict, path, per_source: int = 4, per_row: int = 2, seed: int = 5) -> None:
    """Varied photos of every source, per_row to a row; for each: the original, its gray, each model's
    colorization (a photo under 128 px is enlarged to 256 first, as a user's photo would be larger)."""
    rng = np.random.default_rng(seed)
    photos = [(s, im) for s, images in sets.items()
              for im in images.images[rng.permutation(len(images))[:per_source]].astype(np.float32) / 255]
    cols = ["original", "gray"] + list(models)
    n_rows = -(-len(photos) // per_row)
    fig = Figure(figsize=(1.7 * len(cols) * per_row, 1.75 * n_rows + 0.3), layout="constrained")
    ax = fig.subplots(n_rows, len(cols) * per_row, squeeze=False)
    for a in ax.ravel():
        a.axis("off")
    for k, (source, im) in enumerate(photos):
        big = resize(im, (256, 256)) if max(im.shape[:2]) < 128 else im
        outs = [big, np.repeat(rgb_to_lab(big.astype(np.float64))[..., :1] / 100, 3, -1)]
        outs += [cz.process(big).output for cz in models.values()]
        r, c0 = divmod(k, per_row)
        for j, img in enumerate(outs):
            a = ax[r, c0 * len(cols) + j]
            a.imshow(np.clip(img, 0, 1))
            a.set_title(LABELS[source] if j == 0 else cols[j], fontsize=7)
    fig.savefig(path, dpi=90)


def patchiness_figure(cz: Colorizer, photos, path, show: int = 6) -> dict:
    """The photos whose colours break up most without region smoothing (the weights' decoding with
    smoothing 0): each beside its output without and with the default smoothing, with its patchiness,
    so that what the figure counts can be checked by looking. Returns both decodings' patchiness."""
    base = judging.Decoding.of(cz)
    plain = judging.Decoding(base.temperature, base.prior_correction, 0.0, 0, base.gray_gate)
    stats = judging.judge_photos(cz, photos, [plain, base])[0]

    def per_photo(st):
        return st.patches[:, 1] / np.maximum(st.patches[:, 0], 1)
    rough, smooth = per_photo(stats[plain]), per_photo(stats[base])
    worst = np.argsort(-rough)[:show]
    fig = Figure(figsize=(7.5, 2.2 * len(worst) + 0.4), layout="constrained")
    ax = np.atleast_2d(fig.subplots(len(worst), 3))
    for r, i in enumerate(worst):
        outs = [(photos[i], "original")]
        for d, score, name in ((plain, rough[i], "no smoothing"), (base, smooth[i], f"smoothing {base.smoothing:g}")):
            keep = (cz.smoothing, cz.gray_gate)
            cz.smoothing = d.smoothing
            outs.append((cz.process(photos[i]).output, f"{name}: patchiness {score:.2f}"))
            cz.smoothing, cz.gray_gate = keep
        for c, (img, title) in enumerate(outs):
            ax[r, c].imshow(np.clip(img, 0, 1))
            ax[r, c].set_title(title, fontsize=8)
            ax[r, c].axis("off")
    fig.suptitle("The patchiest colorizations without region smoothing, and with it", fontsize=9)
    fig.savefig(path, dpi=100)
    return {"without_smoothing": judging.summary(judging.Judgement.of(stats[plain], resamples=0)),
            "with_default_smoothing": judging.summary(judging.Judgement.of(stats[base], resamples=0))}


def faces_at_sizes(models: dict, faces, sizes=None, n: int = 200) -> dict:
    """{size: {name: {pixel_accuracy, skin_hue_recall, all_gray_pixel_accuracy}}}: the validation faces enlarged
    to each size, as photos of people come, each model at its default settings."""
    photos = faces.images[:n].astype(np.float32) / 255
    out = {}
    for size in sizes or FACE_SIZES:
        big = [resize(p, (size, size)) for p in photos]
        judged = judge_source(models, big)
        out[size] = {name: {"pixel_accuracy": j.pixel_accuracy, "balanced_accuracy": j.balanced_accuracy,
                            "skin_hue_recall": j.skin_hue_recall, "chroma_ratio": j.chroma_ratio}
                     for name, j in judged.items()}
    return out


def scene_section(cz: Colorizer, sets: dict, out_dir) -> dict | str:
    """The scene head on every held-out source with its twelve classes, against the majority class and chance."""
    if tuple(cz.scene_classes) != scenes.SCENE_CLASSES:
        return f"skipped: these weights' scene classes are {list(cz.scene_classes)}, not train/colornet/scenes.py's"
    labels, probs = [], []
    for name, images in sets.items():
        rgb = [im.astype(np.float32) / 255 for im in images.images]
        L = np.stack([resize(rgb_to_lab(im)[..., 0], (64, 64)) for im in rgb])
        probs.append(np.concatenate([cz.logits_batch(L[i:i + 64])[1] for i in range(0, len(L), 64)]))
        labels.append(scenes.source_labels(name, images))
    y, p = np.concatenate(labels), np.concatenate(probs)
    keep = y >= 0
    rep = E.scene_head_section(y[keep], p[keep], out_dir, scenes.SCENE_CLASSES)
    counts = np.bincount(y[keep], minlength=len(scenes.SCENE_CLASSES))
    rep["majority_class_accuracy"] = float(counts.max() / counts.sum())
    rep["chance_balanced_accuracy"] = 1 / int((counts > 0).sum())
    return rep


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default="weights/colornet.npz")
    p.add_argument("--compare", default="", help="the ColorNet these weights replace, judged alike")
    p.add_argument("--out", default="reports/colornet")
    p.add_argument("--per-source", type=int, default=0, help="photos per source (0: all; CIFAR-10 2,000)")
    p.add_argument("--hint-images", type=int, default=300)
    a = p.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    models = {"this ColorNet": Colorizer.from_weights(a.weights)}
    if a.compare:
        models["compared"] = Colorizer.from_weights(a.compare)
    sets = held_out(a.per_source)
    if not sets:
        raise SystemExit("cannot judge: none of the held-out photos are here (see the README's data section)")
    cz = models["this ColorNet"]
    report = {"weights": a.weights, "compared": a.compare or None,
              "decode": {"size": cz.size, "temperature": cz.temperature, "prior_correction": cz.prior_correction,
                         "smoothing": cz.smoothing, "gray_gate": cz.gray_gate, "vividness": cz.vividness},
              "rule": judging.RULE, "sources": {}}
    judged = {}
    for name, images in sets.items():
        print(f"{LABELS[name]}: {len(images)} photos")
        judged[name] = judge_source(models, [im.astype(np.float32) / 255 for im in images.images])
        report["sources"][name] = {m: asdict(j) for m, j in judged[name].items()}
        for m, j in judged[name].items():
            print(f"  {m:14s} {j.line()}")
    recall_figure(judged, out / "recall_by_colour.png")
    for name, per in judged.items():
        rep = metrics.report_from_confusion(per["this ColorNet"].confusion, COLOR_CLASSES)
        metrics.plot_confusion(rep, out / f"confusion_{name}_default.png",
                               title=f"{LABELS[name]} at the default: pixel {rep.accuracy:.3f}, "
                                     f"balanced {rep.balanced_accuracy:.3f}")
    if "faces" in sets:
        report["faces_by_size"] = faces_at_sizes(models, sets["faces"])
        print("faces by size:", json.dumps(report["faces_by_size"]))
    report["scene_head"] = scene_section(cz, sets, out)
    if "diverse" in sets:
        everyday = [im.astype(np.float32) / 255 for im in sets["diverse"].images[:300]]
        report["patchiness_check"] = patchiness_figure(cz, everyday, out / "patchiness.png")
    clicked = sets.get("diverse", next(iter(sets.values()))).images[:100]
    report["one_hint"] = E.one_hint_section(cz, [im.astype(np.float32) / 255 for im in clicked], out)
    if "intel" in sets:
        rgb = data.resize_images(sets["intel"].images[:a.hint_images], E.SIZE).astype(np.float64) / 255
        report["hints"] = E.hints_section(Colorizer.from_weights(a.weights, size=E.SIZE), rgb, out)
    contact_sheet(models, sets, out / "contact_sheet.png")
    E.write_json(out / "judgement.json", report)
    print(f"wrote {out / 'judgement.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
