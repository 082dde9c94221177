"""Evaluate shipped ColorNet weights on the held-out test splits; write a JSON report and figures.

    python -m train.evaluate_colornet [--weights weights/colornet.npz]
        [--ablation weights/colornet_noglobal.npz] [--ablation-reference weights/colornet_base.npz]
        [--out reports/colornet] [--cifar-images 2000]
    python -m train.evaluate_colornet --weights W --film-only OUT.json [--old-film-decoding 0.2,0.5]

Everything is measured on held-out photos (CIFAR-10 test, Intel scenes test without its
near-gray photos, and the validation splits of the faces and of Imagenette's everyday objects,
which no ColorNet trains on) at the working size of 64 px, next to the all-gray, training-mean and
prior-mode baselines scored by the same code on the same images, and next to another ColorNet
(--compare, by default the shipped one when --weights is a different file):
- colour-class pixel and balanced accuracy with the confusion matrix and per-class
  precision/recall, raw and rebalanced AuC, accuracy at 10 and 20, PSNR, SSIM, colourfulness gap,
  and the skin-hue recall (pixels truly red, orange or pink predicted in one of the three);
- semantic interpretability: colour-trained classifiers (weights/classifier_*.npz) on the true
  colour image, on gray and on our colorization, and the share of the gray-to-colour gap recovered;
- the scene head's accuracy, precision/recall and confusion matrix from L alone (Intel test, and
  faces and objects when the head knows those scenes), and how often it is confident enough to show;
- the context ablation per scene class: the network without the global branch against the one
  with it trained on the same budget (--ablation-reference; the shipped model was fine-tuned further);
- PSNR against the number of random point hints (0, 1, 2, 5, 10, 20, 50) on Intel test;
- for a ColorNet with film inputs: accuracy on orthochromatic and blue-sensitive grays of the Intel
  test photos, told the film against read as lightness, with the gain's bootstrap interval;
- the real historical development photos as the product colours them: how much of each comes out
  coloured, how much cool (cyan, blue, purple: the old model's blue cast), and a before/after figure
  of photos dated before 1900 (the truth is unknown: these describe, they do not score);
- figures: confusion matrices, examples (faces and objects beside the compared model), the stage
  strip and activations, the hints curve.
The card next to the weights gets the headline numbers. --film-only measures the old-film section
alone (a few minutes: to compare ColorNets' film gain, --old-film-decoding decodes every one alike).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from models.color import ABQuantizer, rgb_to_lab
from models.inference import Colorizer
from train.colornet import evaluation as E
from train.colornet import scenes
from train.common import data
from train.common.baselines import as_float_images, load_test_and_train


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default="weights/colornet.npz")
    p.add_argument("--compare", default="weights/colornet.npz",
                   help="another ColorNet scored alike ('' or the same file as --weights: none)")
    p.add_argument("--faces-images", type=int, default=0, help="faces validation photos (0: all)")
    p.add_argument("--objects-images", type=int, default=0, help="Imagenette validation photos (0: all)")
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
    p.add_argument("--film-only", type=Path, default=None, metavar="OUT.json",
                   help="only the old-film section (Intel test), written here; nothing else, no card")
    p.add_argument("--old-film-decoding", type=decoding_pair, default=None, metavar="T,ALPHA",
                   help="decode old films' grays with this temperature and prior correction (default: the card's)")
    return p


def decoding_pair(text: str) -> tuple:
    """'0.2,0.5' as (0.2, 0.5): an annealed-mean temperature above 0 and a prior correction in 0..1."""
    try:
        T, alpha = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not T,ALPHA (for example 0.2,0.5)") from None
    if not (T > 0 and 0 <= alpha <= 1):
        raise argparse.ArgumentTypeError(f"{text!r}: the temperature must be above 0, the correction within 0..1")
    return T, alpha


def film_only(cz: Colorizer, intel_test, weights: str, out: Path) -> int:
    """--film-only: the old-film section on the Intel test photos, as JSON at out."""
    if not cz.net.config.film_inputs:
        raise SystemExit(f"--film-only: {weights} has no film inputs")
    T, alpha = cz.decoding("orthochromatic")
    E.write_json(out, {"weights": weights, "n_images": len(intel_test.images),
                       "old_film_decoding": {"temperature": T, "prior_correction": alpha},
                       **E.film_section(cz, as_float_images(intel_test.images, E.SIZE))})
    print(f"wrote {out}")
    return 0


def main(argv=None):
    a = build_parser().parse_args(argv)
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    quant = ABQuantizer()
    cz = Colorizer.from_weights(a.weights, size=E.SIZE, old_film_decoding=a.old_film_decoding)
    try:
        sets = load_test_and_train()
    except data.DataMissingError as e:
        raise SystemExit(f"cannot evaluate: {e}") from None
    cifar_test, intel_test = E.pick_test_sets(sets, a.cifar_images, a.intel_images)
    if a.film_only:
        return film_only(cz, intel_test, a.weights, a.film_only)
    tests = {"intel": (intel_test, sets["intel"][1]), "cifar10": (cifar_test, sets["cifar10"][1])}
    tests.update(E.extra_sources(a.faces_images, a.objects_images))
    compare = None
    if a.compare and Path(a.compare).resolve() != Path(a.weights).resolve():
        compare = (a.compare, Colorizer.from_weights(a.compare, size=E.SIZE))
    report = {"weights": a.weights, "compared_weights": compare and compare[0],
              "decode": {"size": E.SIZE, "temperature": cz.temperature,
                         "prior_correction": cz.prior_correction}, "datasets": {}}
    results = {}
    for name, (test, train_set) in tests.items():
        results[name] = E.colour_section(cz, test, train_set, name, quant, out_dir, compare)
        report["datasets"][f"{name}_{E.SIZE}px"] = results[name].report
    for name in ("faces", "imagenette"):
        if name in results and compare is not None:
            r = results[name]
            E.examples_figure(f"{name} validation photos, zero hints ({E.SIZE} px)", r.rgb,
                              {"this ColorNet": r.ab, "compared": r.compared_ab}, out_dir / f"examples_{name}.png")
    rgb, ab = {k: r.rgb for k, r in results.items()}, {k: r.ab for k, r in results.items()}
    labels = np.asarray(intel_test.labels)
    if results["intel"].scenes is not None:
        report["scene_head"] = scene_head(cz, results, labels, out_dir, tests)
    report["semantic"] = {name: E.semantic_section(clf, rgb[name], ab[name], tests[name][0].labels)
                          for name, clf in (("intel", a.intel_clf), ("cifar10", a.cifar_clf))}
    report["per_scene"] = {"colornet": E.per_scene(ab["intel"], rgb_to_lab(rgb["intel"]), labels, rgb["intel"],
                                                   data.INTEL_CLASSES)}
    if a.ablation and Path(a.ablation).exists():
        ref = a.ablation_reference if a.ablation_reference and Path(a.ablation_reference).exists() else a.weights
        paths = {"reference": ref, "ablation": a.ablation}
        same_decoding = dict(size=E.SIZE, temperature=cz.temperature, prior_correction=cz.prior_correction)
        pair = {role: ab["intel"] if path == a.weights else
                E.colorize_batch(Colorizer.from_weights(path, **same_decoding), rgb["intel"])[0]
                for role, path in paths.items()}
        report["ablation"] = E.ablation_section(pair, paths, rgb["intel"], labels, sets["intel"][1], quant, out_dir)
    hint_pick = np.random.default_rng(1).permutation(len(rgb["intel"]))[:a.hint_images]
    report["hints"] = E.hints_section(cz, rgb["intel"][hint_pick], out_dir)
    if cz.net.config.film_inputs:  # old films' grays of the same photos, told or read as lightness
        report["film"] = E.film_section(cz, rgb["intel"])
    # real old photos as users would colour them (each model at its card's decoding and size)
    product = {"this ColorNet": Colorizer.from_weights(a.weights)}
    if compare is not None:
        product["compared"] = Colorizer.from_weights(compare[0])
    report["historical"] = E.historical_section(product, out_dir)
    E.example_figures(cz, rgb["intel"], ab["intel"], intel_test, out_dir)
    (out_dir / "report.json").write_text(json.dumps(report, indent=1))
    if not a.no_card:
        card_path = Path(a.weights).with_suffix(".json")
        card = json.loads(card_path.read_text()) if card_path.exists() else {}
        card["metrics"] = E.card_metrics(report, out_dir)
        card_path.write_text(json.dumps(card, indent=1))
    return 0


def scene_head(cz, results, intel_labels, out_dir, tests=None) -> dict:
    """The scene section over Intel test, plus faces and objects when the head has their scenes (the
    twelve classes of train/colornet/scenes.py: every source, each photo by its own label)."""
    classes = cz.scene_classes or data.INTEL_CLASSES
    labels, probs = [intel_labels], [results["intel"].scenes]
    if tuple(classes) == scenes.SCENE_CLASSES:
        for name in ("faces", "imagenette", "cifar10"):
            if name in results and tests is not None:
                y = scenes.source_labels("cifar" if name == "cifar10" else name, tests[name][0])
                labels.append(y[y >= 0])
                probs.append(results[name].scenes[y >= 0])
        return E.scene_head_section(np.concatenate(labels), np.concatenate(probs), out_dir, classes)
    for name, scene in (("faces", "portrait"), ("imagenette", "everyday object")):
        if scene in classes and name in results:
            labels.append(np.full(len(results[name].rgb), classes.index(scene)))
            probs.append(results[name].scenes)
    return E.scene_head_section(np.concatenate(labels), np.concatenate(probs), out_dir, classes)


if __name__ == "__main__":
    raise SystemExit(main())
