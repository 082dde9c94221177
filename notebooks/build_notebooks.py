"""Write (and optionally execute) the ColorNet notebooks from the cell texts below.

    python notebooks/build_notebooks.py            # write the .ipynb files without outputs
    python notebooks/build_notebooks.py --execute  # ... and run them with the shipped weights, keeping outputs

The notebooks stay thin (import, call, plot); everything they call lives in models/ and train/.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = '''import os, sys, pathlib
sys.path.insert(0, str(pathlib.Path.cwd().parent))  # run from notebooks/ or from the repository root
sys.path.insert(0, str(pathlib.Path.cwd()))
import numpy as np
import matplotlib.pyplot as plt
import io
from IPython.display import display, Image
%config InlineBackend.figure_formats = ["jpeg"]
plt.rcParams["figure.dpi"] = 60  # keeps the stored outputs small

def show(fig, dpi=60):
    """Show a matplotlib Figure (our figure helpers build them without pyplot)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg", dpi=dpi, bbox_inches="tight")
    display(Image(buf.getvalue()))

# The flag: True loads the shipped weights (weights/colornet.npz, what CI does);
# False trains a small ColorNet here first (32 px, about 1,500 steps: a few minutes on 2 cores).
USE_SHIPPED_WEIGHTS = os.environ.get("MINITORCH_COLOR_SHIPPED_WEIGHTS", "0") == "1"'''

LOAD = '''from train import data, metrics
from train.quick import get_colorizer
from train.evaluate_colornet import evaluate_split, colorize_batch, compose
from models.color import ABQuantizer, rgb_to_lab
cz = get_colorizer(USE_SHIPPED_WEIGHTS)
SIZE = cz.size if not USE_SHIPPED_WEIGHTS else 64  # the shipped model is evaluated at its training size
cz.size = SIZE
test = data.load_intel_scenes("test"); test = test.subset(~test.near_gray)
train_set = data.load_intel_scenes("train"); train_set = train_set.subset(~train_set.near_gray)
pick = np.random.default_rng(0).permutation(len(test))[:N_TEST]
test = test.subset(np.sort(pick))
test_rgb = data.resize_images(test.images, SIZE).astype(np.float64) / 255
train_rgb = data.resize_images(train_set.images[np.random.default_rng(0).choice(len(train_set), 1000, replace=False)], SIZE) / 255.0
print(f"{len(test_rgb)} Intel test photos at {SIZE} px; decoding T={cz.temperature}, prior correction {cz.prior_correction}")'''

METRICS_TABLE = '''import tempfile
result, pred_ab, scene_probs = evaluate_split(cz, test_rgb, train_rgb, ABQuantizer(), "intel", pathlib.Path(tempfile.mkdtemp()))
print(f"{'method':12s} {'pixel acc':>9s} {'balanced':>9s} {'AuC raw':>8s} {'AuC rebal':>9s} {'acc@10':>7s} {'PSNR':>6s} {'SSIM':>6s} {'colourf. gap':>12s}")
for name, m in result["methods"].items():
    cc = m["colour_class"]
    print(f"{name:12s} {cc['accuracy']:9.3f} {cc['balanced_accuracy']:9.3f} {m['auc_raw']:8.3f} {m['auc_rebalanced']:9.3f} "
          f"{m['acc_at_10']:7.3f} {m['psnr_mean']:6.2f} {m['ssim_mean']:6.3f} {m['colourfulness_gap']:12.1f}")'''

PROCESS = [
    new_markdown_cell("# The colorization process, made visible (capability 1)\n\n"
                      "ColorNet sees only the lightness L of a photo (plus optional hints). Its U-Net encoder "
                      "compresses L into features, a global branch summarises the whole scene, and the decoder "
                      "climbs back to full resolution; a small head on **every decoder level** predicts a "
                      "distribution over 261 ab colour bins, so we can watch the colours appear coarse to fine. "
                      "This notebook shows the metrics against the baselines, the stage outputs, the feature maps "
                      "of every layer (through forward hooks), the per-pixel uncertainty, and the palette of likely "
                      "colours at a pixel."),
    new_code_cell(SETUP),
    new_code_cell("N_TEST = 300\n" + LOAD),
    new_markdown_cell("## How good is it? Our model next to the trivial baselines on the same held-out photos\n\n"
                      "All-gray predicts ab = 0 everywhere; train_mean and prior_mode paint every pixel one "
                      "constant colour. The full test-split numbers are in `reports/colornet/report.json`."),
    new_code_cell(METRICS_TABLE),
    new_code_cell('''fig1 = metrics.plot_confusion(result["methods"]["colornet"]["colour_class"], title="ColorNet: colour classes")
fig2 = metrics.plot_confusion(result["methods"]["all_gray"]["colour_class"], title="all-gray baseline")
show(fig1); show(fig2)'''),
    new_markdown_cell("## Stages: the colorization taking shape, coarse to fine\n\n"
                      "Each stage head decodes ab at its own resolution (shown upsampled). The last panel is the "
                      "per-pixel entropy of the colour distribution in bits: bright where the network hesitates."),
    new_code_cell('''from models.visualize import stage_strip, activation_figure
photo = test.images[3].astype(np.float32) / 255
view = cz.process(photo, size=128)
show(stage_strip(view, title="an Intel test photo"), dpi=80)'''),
    new_code_cell('''print("layers with hooks:", cz.layer_names())
show(activation_figure(view, max_channels=16, title="first 16 feature maps of each layer"))'''),
    new_markdown_cell("## Is the uncertainty meaningful?\n\n"
                      "If the entropy map is honest, pixels whose colour class the network gets wrong should be "
                      "the ones where it was unsure."),
    new_code_cell('''logits, _ = cz.logits_batch(rgb_to_lab(test_rgb[:100])[..., 0])
p = np.exp(logits - logits.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
ent = -(p * np.log2(np.maximum(p, 1e-12))).sum(1)
from models.color import color_class
right = color_class(cz.decode(logits)) == color_class(rgb_to_lab(test_rgb[:100])[..., 1:])
fig, ax = plt.subplots(figsize=(5.5, 3))
ax.hist([ent[right], ent[~right]], bins=40, density=True, label=["colour class right", "colour class wrong"], histtype="step", lw=2)
ax.set_xlabel("entropy of the predicted colour distribution (bits)"); ax.legend(); ax.set_title("uncertainty vs error")
plt.show()
print(f"mean entropy where right {ent[right].mean():.2f} bits, where wrong {ent[~right].mean():.2f} bits")'''),
    new_markdown_cell("## The palette at a pixel\n\nThe most likely distinct colours at a clicked pixel (the "
                      "studio offers these as one-click hints), drawn with that pixel's own lightness."),
    new_code_cell('''pred = view["prediction"]
H, W = pred.image_hw
fig, ax = plt.subplots(1, 2, figsize=(8, 3.2), gridspec_kw={"width_ratios": [1, 1.4]})
ax[0].imshow(view["output"]); ax[0].axis("off")
for k, (x, y) in enumerate([(W // 4, H // 5), (W // 2, 4 * H // 5)]):
    ax[0].plot(x, y, "o", mfc="none", mec="white", ms=12, mew=2); ax[0].text(x + 6, y, str(k + 1), color="white")
    for j, s in enumerate(cz.suggestions(pred, x, y, k=5)):
        ax[1].add_patch(plt.Rectangle((j, -k), 0.9, 0.8, color=s["rgb"]))
        ax[1].text(j + 0.45, -k - 0.15, f"{s['prob']:.2f}", ha="center", fontsize=8)
ax[1].set_xlim(0, 5); ax[1].set_ylim(-1.3, 0.9); ax[1].axis("off"); ax[1].set_title("top 5 colours at points 1 (top) and 2")
plt.show()'''),
]

SCENES = [
    new_markdown_cell("# Context-aware colorization of complex scenes (capability 5)\n\n"
                      "A pixel's colour depends on what the whole picture is: gray-ish texture is rock on a "
                      "mountain, asphalt in a street, water under a sky. ColorNet pools its bottleneck into a "
                      "global vector, classifies the scene from it (trained on the Intel labels: buildings, forest, "
                      "glacier, mountain, sea, street) and fuses it back into every position. Here we measure the "
                      "scene head **from L alone**, and the value of context by comparing with the same network "
                      "trained without the global branch on the same budget. (The shipped ColorNet was fine-tuned further; "
                      "with the shipped weights the comparison uses `weights/colornet_base.npz`, the model it was "
                      "fine-tuned from, which had the same budget as the ablation.)"),
    new_code_cell(SETUP),
    new_code_cell("N_TEST = 600\n" + LOAD),
    new_code_cell('''_, pred_ab, scene_probs = evaluate_split(cz, test_rgb, train_rgb, ABQuantizer(), "intel", pathlib.Path(__import__("tempfile").mkdtemp()))
labels = np.asarray(test.labels)
rep = metrics.classification_report(labels, scene_probs.argmax(1), data.INTEL_CLASSES)
print(f"scene head from L only: accuracy {rep['accuracy']:.3f}, balanced {rep['balanced_accuracy']:.3f} on {len(labels)} test photos")
for c, r in rep["per_class"].items():
    print(f"  {c:10s} precision {r['precision']:.2f} recall {r['recall']:.2f} (n={r['support']})")
show(metrics.plot_confusion(rep, title="scene head (from L), Intel test"))'''),
    new_markdown_cell("## With and without global context, per scene class"),
    new_code_cell('''ablation = get_colorizer(USE_SHIPPED_WEIGHTS, use_global=False)
# with the shipped weights: the global-context model with the ablation's training budget
from models.inference import DEFAULT_WEIGHTS
reference = get_colorizer(True, weights=DEFAULT_WEIGHTS.with_name("colornet_base.npz")) if USE_SHIPPED_WEIGHTS else cz
for m in (ablation, reference):
    m.size, m.temperature, m.prior_correction = cz.size, cz.temperature, cz.prior_correction
abl_ab, _ = colorize_batch(ablation, test_rgb)
ref_ab = pred_ab if reference is cz else colorize_batch(reference, test_rgb)[0]
lab = rgb_to_lab(test_rgb)
from train.evaluate_colornet import per_scene
ours, theirs = per_scene(ref_ab, lab, labels, test_rgb, data.INTEL_CLASSES), per_scene(abl_ab, lab, labels, test_rgb, data.INTEL_CLASSES)
fig, ax = plt.subplots(1, 2, figsize=(10, 3.4))
x = np.arange(6)
for j, key in enumerate(["pixel_acc", "psnr_mean"]):
    ax[j].bar(x - 0.2, [ours[c][key] for c in data.INTEL_CLASSES], 0.4, label="with global context")
    ax[j].bar(x + 0.2, [theirs[c][key] for c in data.INTEL_CLASSES], 0.4, label="without")
    ax[j].set_xticks(x, data.INTEL_CLASSES, rotation=20); ax[j].set_title(key)
    lo = min(min(d[c][key] for c in data.INTEL_CLASSES) for d in (ours, theirs)); ax[j].set_ylim(lo * 0.9, None)
ax[0].legend(); plt.tight_layout(); plt.show()
for c in data.INTEL_CLASSES:
    print(f"{c:10s} pixel acc {ours[c]['pixel_acc']:.3f} vs {theirs[c]['pixel_acc']:.3f}   PSNR {ours[c]['psnr_mean']:.2f} vs {theirs[c]['psnr_mean']:.2f}")'''),
    new_markdown_cell("## Examples: what the network thinks the scene is, and the colours it chose"),
    new_code_cell('''show = [int(np.flatnonzero(labels == c)[0]) for c in range(6)]
fig, ax = plt.subplots(3, 6, figsize=(12, 6.4))
for j, i in enumerate(show):
    L = lab[i, ..., 0]
    for r, (img, title) in enumerate([(compose(L, abl_ab[i]), "no context"), (compose(L, ref_ab[i]), "with context"), (test_rgb[i], "truth")]):
        ax[r, j].imshow(np.clip(img, 0, 1)); ax[r, j].axis("off")
        ax[r, j].set_title(f"{title}: scene '{data.INTEL_CLASSES[scene_probs[i].argmax()]}'" if r == 1 else title, fontsize=8)
plt.tight_layout(); plt.show()'''),
]

HINTS = [
    new_markdown_cell("# Interactive, hint-guided colorization (capability 7)\n\n"
                      "The same network takes an ab hint map and a mask: a user clicks a pixel and picks a colour, "
                      "and ColorNet spreads it over the region it belongs to. Zero hints is automatic colorization. "
                      "In training, hints are simulated (a geometric number of 1-9 px patches with the true colour, "
                      "sometimes whole superpixel regions). Here: a simulated user session, the PSNR as hints are "
                      "added, and a deliberately unnatural request to check that the network obeys."),
    new_code_cell(SETUP),
    new_code_cell("N_TEST = 200\n" + LOAD),
    new_markdown_cell("## A session: automatic, then a few clicks with the true colours"),
    new_code_cell('''from models.hints import Hints
from train import simulate
photo = test.images[7].astype(np.float32) / 255  # 150 x 150
true_lab = rgb_to_lab(photo)
rng = np.random.default_rng(5)
clicks = [(int(x), int(y)) for x, y in rng.integers(10, 140, size=(6, 2))]
steps = {"automatic": Hints()}
h = Hints()
for n, (x, y) in enumerate(clicks, 1):
    from models.color import lab_to_rgb
    colour = lab_to_rgb(np.array([60.0, *true_lab[y, x, 1:]]))  # the true hue at that pixel
    h = Hints(points=list(h.points)).add_point(x, y, colour, radius=1)
    if n in (2, 6):
        steps[f"{n} clicks"] = h
fig, ax = plt.subplots(1, len(steps) + 1, figsize=(3 * (len(steps) + 1), 3.3))
from train.metrics import psnr
for a, (name, hints) in zip(ax, steps.items()):
    out = cz.colorize(photo, hints, size=SIZE)
    a.imshow(out); a.axis("off"); a.set_title(f"{name}: PSNR {psnr(photo, out):.1f} dB", fontsize=9)
    for p in hints.points:
        a.plot(p.x, p.y, "o", mfc=p.rgb, mec="white", ms=7)
ax[-1].imshow(photo); ax[-1].axis("off"); ax[-1].set_title("truth", fontsize=9)
plt.tight_layout(); plt.show()'''),
    new_markdown_cell("## PSNR against the number of random hints\n\nHints are drawn from the true colours as in "
                      "training (random 1-9 px patches). The dashed line is the all-gray baseline."),
    new_code_cell('''from train.evaluate_colornet import hints_curve, HINT_COUNTS
curve = hints_curve(cz, test_rgb, np.random.default_rng(2))
gray_psnr = np.mean([metrics.psnr(t, compose(rgb_to_lab(t)[..., 0], np.zeros(t.shape[:2] + (2,)))) for t in test_rgb])
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.plot([c["hints"] for c in curve], [c["psnr_mean"] for c in curve], "o-", label="ColorNet")
ax.axhline(gray_psnr, color="gray", ls="--", label="all-gray")
ax.set_xscale("symlog", linthresh=1); ax.set_xticks(HINT_COUNTS, [str(k) for k in HINT_COUNTS])
ax.set_xlabel("random point hints"); ax.set_ylabel("PSNR (dB)"); ax.legend(); plt.show()
print({c["hints"]: round(c["psnr_mean"], 2) for c in curve}, f"gain 10 vs 0 hints: {curve[4]['psnr_mean'] - curve[0]['psnr_mean']:.2f} dB")'''),
    new_markdown_cell("## Does it obey an unnatural request?\n\nA region hint asks for a magenta sky, a point "
                      "hint for an orange spot. The network should follow where asked and leave the rest alone."),
    new_code_cell('''sky = test.images[int(np.flatnonzero(np.asarray(test.labels) == data.INTEL_CLASSES.index("mountain"))[0])].astype(np.float32) / 255
req = Hints.from_dict({"regions": [{"box": [0, 0, 150, 30], "color": "#d020c0"}], "points": [{"x": 75, "y": 110, "color": "#ff8800", "radius": 2}]})
auto, asked = cz.colorize(sky, size=SIZE), cz.colorize(sky, req, size=SIZE)
cz.refine = False
asked_net = cz.colorize(sky, req, size=SIZE)  # the network's own answer, without the hint refinement
cz.refine = True
fig, ax = plt.subplots(1, 3, figsize=(9, 3.2))
for a, (img, t) in zip(ax, [(auto, "automatic"), (asked, "with the requests"), (sky, "truth")]):
    a.imshow(img); a.axis("off"); a.set_title(t)
ax[1].add_patch(plt.Rectangle((0, 0), 150, 30, fill=False, ec="white", ls="--"))
plt.tight_layout(); plt.show()
ab_auto, ab_asked = rgb_to_lab(auto)[..., 1:], rgb_to_lab(asked)[..., 1:]
want = rgb_to_lab(np.array([0xd0, 0x20, 0xc0]) / 255)[1:]
ab_net = rgb_to_lab(asked_net)[..., 1:]
print("distance to the requested ab inside the box (after sRGB gamut clipping):")
print(f"  automatic {np.linalg.norm(ab_auto[:30] - want, axis=-1).mean():.1f}, network with hints {np.linalg.norm(ab_net[:30] - want, axis=-1).mean():.1f}, with refinement {np.linalg.norm(ab_asked[:30] - want, axis=-1).mean():.1f}")
print("mean ab change below row 60 (far from the box), i.e. leakage:")
print(f"  network with hints {np.linalg.norm(ab_net[60:] - ab_auto[60:], axis=-1).mean():.1f}, with refinement {np.linalg.norm(ab_asked[60:] - ab_auto[60:], axis=-1).mean():.1f}")'''),
    new_markdown_cell("## The same from the command line\n\n```bash\n"
                      "colorize photo.jpg -o out --hint 75,110,#ff8800 --hints request.json\n```\n"
                      "with `request.json` in the format of `models/hints.py`:"),
    new_code_cell('''import json
print(json.dumps(req.to_dict(), indent=1))
p = view_pred = cz.predict(sky, req, size=SIZE)
print("palette at (75, 110):", [(tuple(round(c, 2) for c in s["rgb"]), round(s["prob"], 2)) for s in cz.suggestions(p, 75, 110, k=4)])'''),
]

NOTEBOOKS = {"colorization_process.ipynb": PROCESS, "context_aware_scenes.ipynb": SCENES,
             "interactive_hints.ipynb": HINTS}


def build(execute: bool = False, only=()):
    for name, cells in NOTEBOOKS.items():
        if only and name not in only:
            continue
        nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                                "language": "python"}})
        if execute:
            import nbclient
            os.environ["MINITORCH_COLOR_SHIPPED_WEIGHTS"] = "1"
            nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                    resources={"metadata": {"path": str(HERE)}}).execute()
        nbformat.write(nb, HERE / name)
        print("wrote", HERE / name)


if __name__ == "__main__":
    build(execute="--execute" in sys.argv[1:], only=[a for a in sys.argv[1:] if a.endswith(".ipynb")])
