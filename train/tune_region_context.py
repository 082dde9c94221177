"""Choose how much ColorNet must agree before a "tree" region outside street scenes is painted
(models/conditions.py: TREE_AGREEMENT), on Intel training photos; measure it on Intel test photos
and CamVid validation frames.

    python -m train.tune_region_context [--per-class 60] [--out reports/conditions/context.json]

No pixel labels exist outside CamVid, so the measure is per photo, by the Intel scene class: a
forest photo's tree region should be kept (painted), a glacier's or a sea's should be doubted (their
"trees" are mostly ice, water and rock; a few of those photos do hold real trees, so the numbers
are a proxy). Per photo: the segmenter's tree region (at least 2% of the photo, sure by
UNSURE_BELOW), ColorNet's recognised scene and the share of the region it colours as vegetation.
Rule: the agreement with the highest balanced accuracy of kept (forest) against doubted (glacier,
sea), ties to the lower. Mountains (which may be forested), streets and buildings are reported.
CamVid: how many validation frames with a tree region the rule would doubt (it should be none:
their scene is the segmenter's own).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.color import image_lightness
from models.conditions import SEGMENTER_SCENES, vegetation_share
from models.pipeline import Pipeline
from models.weights import WeightsError
from train.common import data

CANDIDATES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
KEEP, DOUBT = ("forest",), ("glacier", "sea")
MIN_TREE = 0.02


def tree_rows(pipe, images, names) -> list:
    """Per photo with a sure tree region: {class, scene, vegetation}."""
    rows = []
    for image, name in tqdm(list(zip(images, names)), desc="photos", leave=False):
        gray = image_lightness(image.astype(np.float32) / 255) / 100
        rm, result = pipe.finder.find(gray), pipe.colorizer.process(gray)
        tree = rm.mask("tree")
        if tree.mean() < MIN_TREE or rm.unsure("tree"):
            continue
        probs = result.scene.probabilities
        rows.append({"class": name, "scene": max(probs, key=probs.get),
                     "vegetation": vegetation_share(result.output, tree)})
    return rows


def kept(row, agreement: float) -> bool:
    return row["scene"] in SEGMENTER_SCENES or row["vegetation"] >= agreement


def shares(rows, counts: dict, agreement: float | None) -> dict:
    """{class: share of its photos whose tree region is painted} (None: no rule, every sure region)."""
    return {c: sum(1 for r in rows if r["class"] == c and (agreement is None or kept(r, agreement))) / n
            for c, n in counts.items()}


def balanced(share: dict) -> float:
    return float((np.mean([share[c] for c in KEEP]) + np.mean([1 - share[c] for c in DOUBT])) / 2)


def intel(split: str, per_class: int, seed: int) -> tuple:
    ims = data.load_intel_scenes(split)
    rng = np.random.default_rng(seed)
    usable = [[i for i in range(len(ims)) if ims.labels[i] == c and not ims.near_gray[i]]
              for c in range(len(ims.classes))]
    pick = np.concatenate([rng.permutation(u)[:per_class] for u in usable])
    names = [ims.classes[ims.labels[i]] for i in pick]
    return ims.images[pick], names, {c: names.count(c) for c in ims.classes}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--per-class", type=int, default=60)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="reports/conditions/context.json")
    a = p.parse_args(argv)
    try:
        pipe = Pipeline.load()
        train_images, train_names, train_counts = intel("train", a.per_class, a.seed)
        test_images, test_names, test_counts = intel("test", a.per_class, a.seed)
        camvid = data.load_camvid("val")
    except (WeightsError, data.DataMissingError) as e:
        print(f"tune_region_context: error: {e}", file=sys.stderr)
        return 2
    on_train = tree_rows(pipe, train_images, train_names)
    scores = {t: balanced(shares(on_train, train_counts, t)) for t in CANDIDATES}
    chosen = min((t for t in CANDIDATES if scores[t] == max(scores.values())))
    on_test = tree_rows(pipe, test_images, test_names)
    on_camvid = tree_rows(pipe, camvid.images, ["camvid"] * len(camvid))
    report = {"rule": "highest balanced accuracy of forest kept against glacier and sea doubted, on Intel train",
              "chosen": chosen, "train_balanced_accuracy": scores, "n_per_class": a.per_class,
              "train": {"no rule": shares(on_train, train_counts, None),
                        "chosen": shares(on_train, train_counts, chosen)},
              "test": {"no rule": shares(on_test, test_counts, None), "chosen": shares(on_test, test_counts, chosen)},
              "test_balanced_accuracy": {"no rule": balanced(shares(on_test, test_counts, None)),
                                         "chosen": balanced(shares(on_test, test_counts, chosen))},
              "camvid_val": {"frames": len(camvid), "with_a_sure_tree_region": len(on_camvid),
                             "doubted_by_the_rule": sum(1 for r in on_camvid if not kept(r, chosen)),
                             "scenes": {s: sum(1 for r in on_camvid if r["scene"] == s)
                                        for s in sorted({r["scene"] for r in on_camvid})}}}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(report, indent=1))
    print(f"chosen agreement {chosen} (train balanced accuracy {scores[chosen]:.3f}; no rule "
          f"{balanced(shares(on_train, train_counts, None)):.3f})")
    for variant in ("no rule", "chosen"):
        painted = ", ".join(f"{c} {v:.2f}" for c, v in report["test"][variant].items())
        print(f"test {variant:8s} tree painted on: {painted}; balanced {report['test_balanced_accuracy'][variant]:.3f}")
    print(f"CamVid validation: {report['camvid_val']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
