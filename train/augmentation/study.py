"""The augmentation study's machinery: its arms and runs, the robustness test sets, scoring and figures.

Every arm trains the same small ColorNet with the same budget, the same data order, hints and
initial weights per seed (train/colornet/training.py draws augmentation from its own generator);
only the recipe (train/common/augment.py) differs. Each finished run is scored, zero hints, on the
clean Intel test split and on robustness variants of it built once with fixed seeds:

- geometric and photometric variants (rotated, mirrored, brighter, darker, low contrast) change
  the photo, so the truth is the changed photo;
- degraded variants (noisy, blurred, old photos of the 1870s, 1900s and 1930s) change only what
  the network sees: the truth is the clean photo's colours.

Metrics are those of train/common/baselines.py (colour-class pixel and balanced accuracy, rebalanced AuC,
PSNR with the true lightness, colourfulness gap), next to the all-gray baseline on the same images.
train/augmentation_study.py runs it all; the notebook reads the report.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

import minitorch_color as mt
from models.color import ABQuantizer, lab_to_rgb, rgb_to_lab
from models.colornet import ColorNet, ColorNetConfig
from models.inference import Colorizer
from train.colornet.training import TrainConfig, class_weights, load_training_data, train
from train.common import augment as A
from train.common import data, metrics
from train.common.baselines import as_float_images, score
from train.common.config import config_dict, config_from_dict

ARMS = ("none", "geometric", "photometric", "degradations", "all")
METRICS = ("pixel_accuracy", "balanced_accuracy", "auc_rebalanced", "psnr", "colourfulness_gap")
HIGHER_IS_BETTER = {"pixel_accuracy": True, "balanced_accuracy": True, "auc_rebalanced": True, "psnr": True,
                    "colourfulness_gap": False}
VARIANTS = ("clean", "rotated", "mirrored", "brighter", "darker", "low_contrast", "noisy", "blurred",
            "old_1870s", "old_1900s", "old_1930s")
DEGRADED = ("noisy", "blurred", "old_1870s", "old_1900s", "old_1930s")


@dataclass
class StudyConfig:
    """The study: one small network and budget for every arm (chosen by the pilot in the README)."""

    size: int = 32
    channels: tuple = (16, 32, 64, 128)
    steps: int = 2500
    batch: int = 16
    seeds: tuple = (0, 1)
    arms: tuple = ARMS
    val_every: int = 500
    test_images: int = 0  # Intel test photos to score (0: all)
    out: str = "runs/augmentation_study"
    report: str = "reports/augmentation"

    def train_config(self, arm: str, seed: int) -> TrainConfig:
        """The run of one arm and seed: identical but for the recipe and the seed."""
        return TrainConfig(size=self.size, batch=self.batch, steps=self.steps, channels=tuple(self.channels),
                           lr=2e-3, warmup=min(200, self.steps // 10 + 1), val_every=self.val_every,
                           val_images=256, cifar_fraction=0.3, scene_weight=0.5, augment=arm, seed=seed,
                           out=str(Path(self.out) / f"{arm}-seed{seed}"))


# ----- training ---------------------------------------------------------------------------------
def run_done(cfg: TrainConfig) -> bool:
    """Whether a run's checkpoint has reached its last step."""
    ckpt = Path(cfg.out) / "checkpoint.npz"
    return ckpt.exists() and int(mt.load(ckpt)["step"]) >= cfg.steps


def run_arm(cfg: TrainConfig, datasets, progress: bool = True) -> None:
    """Train one run, resuming from its checkpoint when there is one; nothing to do when finished."""
    if run_done(cfg):
        return
    resume = (Path(cfg.out) / "checkpoint.npz").exists()
    train(cfg, resume=resume, datasets=datasets, progress=progress)


def load_run(cfg: TrainConfig, datasets) -> tuple:
    """(Colorizer of the run's final model, its validation history)."""
    ckpt = mt.load(Path(cfg.out) / "checkpoint.npz")
    saved = config_from_dict(TrainConfig, ckpt["config"])
    quant = ABQuantizer()
    net = ColorNet(ColorNetConfig(channels=saved.channels, num_bins=quant.num_bins, use_global=saved.use_global))
    net.load_state_dict(ckpt["model"])
    weights = class_weights(datasets["train"], saved, quant)
    cz = Colorizer(net, weights, size=saved.size, temperature=saved.temperature, scene_classes=data.INTEL_CLASSES)
    return cz, json.loads(ckpt["history"])


# ----- test sets --------------------------------------------------------------------------------
def intel_test(size: int, n: int = 0) -> np.ndarray:
    """The Intel test photos without the near-gray ones, at size x size, float64 (a seeded subset when n)."""
    test = data.load_intel_scenes("test")
    test = test.subset(~test.near_gray)
    if n:
        test = test.subset(np.sort(np.random.default_rng(0).permutation(len(test))[:n]))
    return as_float_images(test.images, size)


def make_variants(rgb, seed: int = 0) -> dict:
    """{variant: (input RGB, true RGB)} built once from clean test photos with fixed seeds."""
    rng = np.random.default_rng(seed)
    f = rgb.astype(np.float32)
    n = len(f)
    out = {"clean": (f, f)}
    changed = {"rotated": A.rotate(f, rng.choice([-1.0, 1.0], n) * rng.uniform(6, 12, n)),
               "mirrored": A.hflip(f), "brighter": A.brightness(f, 0.15), "darker": A.brightness(f, -0.15),
               "low_contrast": A.contrast(f, 0.5)}
    out.update({k: (v, v) for k, v in changed.items()})
    out["noisy"] = (A.noise(f, 0.06, rng), f)
    out["blurred"] = (A.blur(f, 1.0), f)
    for decade in (1870, 1900, 1930):
        out[f"old_{decade}s"] = (A.old_photos(f, rng, decades=(decade,)), f)
    return out


# ----- scoring ----------------------------------------------------------------------------------
def predict_ab(cz: Colorizer, inputs, batch: int = 128) -> np.ndarray:
    """Zero-hint ab (N, h, w, 2) for input RGB photos at the network's size."""
    L = rgb_to_lab(inputs.astype(np.float64))[..., 0]
    return np.concatenate([cz.decode(cz.logits_batch(L[i:i + batch])[0]) for i in range(0, len(L), batch)])


def summarise(m: dict) -> dict:
    """The study's five numbers from a train/common/baselines.score() result."""
    colour = m["colour_class"]
    return {"pixel_accuracy": colour["accuracy"], "balanced_accuracy": colour["balanced_accuracy"],
            "auc_rebalanced": m["auc_rebalanced"], "psnr": m["psnr_mean"], "colourfulness_gap": m["colourfulness_gap"]}


def score_variants(cz: Colorizer, variants: dict, weights, quant) -> dict:
    """{variant: the five numbers} of one model."""
    out = {}
    for name, (inp, truth) in variants.items():
        truth = truth.astype(np.float64)
        out[name] = summarise(score(truth, predict_ab(cz, inp), weights, quant, 500, rgb_to_lab(truth)))
    return out


def gray_baseline(variants: dict, weights, quant) -> dict:
    """{variant: the five numbers} of the all-gray colorization (ab = 0)."""
    return {name: summarise(score(truth.astype(np.float64), np.zeros(2), weights, quant, 500))
            for name, (_, truth) in variants.items()}


def aggregate(per_seed: list) -> dict:
    """{variant: {metric: {mean, spread, values}}} over seeds; spread is half the range (max - min) / 2."""
    out = {}
    for variant in per_seed[0]:
        out[variant] = {}
        for metric in METRICS:
            vals = [float(s[variant][metric]) for s in per_seed]
            out[variant][metric] = {"mean": float(np.mean(vals)), "spread": (max(vals) - min(vals)) / 2,
                                    "values": vals}
    return out


def verdicts(arms: dict, reference: str = "none", metric: str = "pixel_accuracy") -> dict:
    """{arm: {variant: difference to the reference arm, and whether it exceeds both spreads}}."""
    out = {}
    ref = arms[reference]
    for arm, res in arms.items():
        if arm == reference:
            continue
        out[arm] = {}
        for variant in res:
            a, b = res[variant][metric], ref[variant][metric]
            diff = a["mean"] - b["mean"]
            noise = a["spread"] + b["spread"]
            sign = 1 if HIGHER_IS_BETTER[metric] else -1
            out[arm][variant] = {"difference": diff, "seed_spread": noise,
                                 "verdict": "better" if sign * diff > noise else "worse" if -sign * diff > noise
                                 else "within spread"}
    return out


# ----- the whole study ----------------------------------------------------------------------------
def run_study(cfg: StudyConfig, report_only: bool = False, progress: bool = True) -> dict:
    """Train every arm and seed (resuming; finished runs are skipped), score them (cached per run) and
    write the report; report_only scores finished runs only."""
    datasets = load_training_data(cfg.train_config("none", 0))
    variants = make_variants(intel_test(cfg.size, cfg.test_images))
    runs = [(arm, seed) for arm in cfg.arms for seed in cfg.seeds]
    if not report_only:
        for arm, seed in tqdm(runs, desc="study runs", unit="run", disable=not progress):
            run_arm(cfg.train_config(arm, seed), datasets, progress)
    quant = ABQuantizer()
    models, histories, scores = {}, {}, {}
    for arm, seed in tqdm(runs, desc="scoring", unit="run", disable=not progress):
        tc = cfg.train_config(arm, seed)
        if not run_done(tc):
            raise SystemExit(f"run {tc.out} has not finished: run the study without --report-only")
        cz, hist = load_run(tc, datasets)
        models[arm, seed], histories[arm, seed] = cz, (hist, tc.batch)
        cache = Path(tc.out) / f"scores_{len(variants['clean'][0])}.json"
        if cache.exists():
            scores[arm, seed] = metrics.current_names(json.loads(cache.read_text()))  # names of earlier runs
        else:
            scores[arm, seed] = score_variants(cz, variants, cz_weights(cz), quant)
            cache.write_text(json.dumps(scores[arm, seed]))
    return write_report(cfg, variants, models, histories, scores, quant)


def cz_weights(cz):
    """The rebalancing weights a Colorizer was built with (for the rebalanced AuC)."""
    return np.exp(cz.log_w.astype(np.float64))


def write_report(cfg, variants, models, histories, scores, quant) -> dict:
    """Write report.json and the figures into cfg.report; returns the report."""
    out = Path(cfg.report)
    out.mkdir(parents=True, exist_ok=True)
    first = models[cfg.arms[0], cfg.seeds[0]]
    arms = {arm: aggregate([scores[arm, s] for s in cfg.seeds]) for arm in cfg.arms}
    report = {"config": config_dict(cfg), "n_test_images": int(len(variants["clean"][0])),
              "date": time.strftime("%Y-%m-%d"),
              "note": "zero hints; decoding T=0.38 without prior correction for every arm; PSNR with the true "
                      "lightness; spread = half the range over seeds",
              "all_gray": gray_baseline(variants, cz_weights(first), quant), "arms": arms}
    if "none" in arms:
        report["verdicts_pixel_accuracy"] = verdicts(arms, metric="pixel_accuracy")
        report["verdicts_auc_rebalanced"] = verdicts(arms, metric="auc_rebalanced")
        report["conclusion"] = {m: conclusion(report[f"verdicts_{m}"], m) for m in ("pixel_accuracy", "auc_rebalanced")}
        effect_figure(arms).savefig(out / "effect_pixel_accuracy.png", dpi=110)
        effect_figure(arms, "auc_rebalanced").savefig(out / "effect_auc_rebalanced.png", dpi=110)
    (out / "report.json").write_text(json.dumps(report, indent=1))
    curves_figure(histories).savefig(out / "learning_curves.png", dpi=110)
    seed = cfg.seeds[0]
    shown = {arm: models[arm, seed] for arm in ("none", "degradations") if arm in cfg.arms}  # the chosen default
    picks = np.random.default_rng(4).permutation(len(variants["clean"][0]))[:8]
    before_after_figure({f"{a} (seed {seed})": m for a, m in shown.items()}, variants, picks).savefig(
        out / "before_after.png", dpi=110)
    try:
        photos = [(f"{h['decade']}s", h["image"]) for h in data.load_historical() if h["decade"]][:6]
    except data.DataMissingError:
        photos = []
    if photos:
        historical_figure(shown, photos, cfg.size).savefig(out / "historical.png", dpi=100)
    return report


def conclusion(v: dict, metric: str) -> dict:
    """{arm: one plain sentence}: on how many robustness variants the arm beats no augmentation beyond
    the seed spread, on how many it loses, and what it does on the clean test split."""
    out = {}
    for arm, per in v.items():
        robust = [t for t in per if t != "clean"]
        better = [t for t in robust if per[t]["verdict"] == "better"]
        worse = [t for t in robust if per[t]["verdict"] == "worse"]
        clean = per["clean"]
        out[arm] = (f"{metric}: better than no augmentation on {len(better)} of {len(robust)} robustness variants"
                    + (f" ({', '.join(better)})" if better else "")
                    + (f", worse on {len(worse)} ({', '.join(worse)})" if worse else ", worse on none")
                    + f"; on the clean split {clean['difference']:+.3f} ({clean['verdict']}, seed spread "
                      f"{clean['seed_spread']:.3f})")
    return out


def table(report) -> str:
    """The pixel-accuracy table: mean +- seed spread per arm and test set, with all-gray."""
    variants = list(report["all_gray"])
    cell = "{:>14s}".format
    lines = [f"{'pixel acc':13s}" + "".join(cell(v[:13]) for v in variants),
             f"{'all-gray':13s}" + "".join(cell(f"{report['all_gray'][v]['pixel_accuracy']:.3f}") for v in variants)]
    for arm, res in report["arms"].items():
        acc = {v: res[v]["pixel_accuracy"] for v in variants}
        lines.append(f"{arm:13s}" + "".join(cell(f"{acc[v]['mean']:.3f}+-{acc[v]['spread']:.3f}") for v in variants))
    return "\n".join(lines)


# ----- figures ----------------------------------------------------------------------------------
def compose(L, ab) -> np.ndarray:
    return np.clip(lab_to_rgb(np.concatenate([L[..., None], ab], -1)), 0, 1)


def before_after_figure(models: dict, variants: dict, picks, names=("clean", "old_1900s", "noisy")):
    """Rows: for each named variant, the input and each model's colorization of it (with the input's own
    lightness, as a user would get it); last, the true colour photo. Columns: photos."""
    from matplotlib.figure import Figure
    rows = []
    for v in names:
        inp, truth = variants[v]
        L = rgb_to_lab(inp[picks].astype(np.float64))[..., 0]  # what the user's photo holds
        rows.append((f"{v}: input (L)", np.repeat(L[..., None] / 100, 3, -1)))  # all the network sees
        for label, cz in models.items():
            rows.append((f"{v}: {label}", compose(L, predict_ab(cz, inp[picks]))))
    rows.append(("truth", variants["clean"][1][picks]))
    fig = Figure(figsize=(1.25 * len(picks) + 1.6, 1.3 * len(rows)), layout="constrained")
    ax = fig.subplots(len(rows), len(picks), squeeze=False)
    for r, (label, imgs) in enumerate(rows):
        for j, img in enumerate(imgs):
            ax[r, j].imshow(np.clip(img, 0, 1), interpolation="nearest")
            ax[r, j].set_xticks([])
            ax[r, j].set_yticks([])
        ax[r, 0].set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    fig.suptitle("The same photos colorized by the model trained without augmentation and with it", fontsize=9)
    return fig


def historical_figure(models: dict, photos: list, size: int):
    """Real historical photos (no truth): the input and each model's colorization at full resolution."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(1.9 * len(photos), 1.9 * (1 + len(models))), layout="constrained")
    ax = fig.subplots(1 + len(models), len(photos), squeeze=False)
    for j, (name, img) in enumerate(photos):
        ax[0, j].imshow(img)
        ax[0, j].set_title(name[:22], fontsize=6)
        for r, (label, cz) in enumerate(models.items(), 1):
            ax[r, j].imshow(np.clip(cz.colorize(img, size=size * 2), 0, 1))
            if j == 0:
                ax[r, j].set_ylabel(label, fontsize=8)
    for a in ax.flat:
        a.set_xticks([])
        a.set_yticks([])
    fig.suptitle("Real historical photos (historical-dev, no colour truth)", fontsize=9)
    return fig


def curves_figure(histories: dict):
    """Validation pixel accuracy against the images seen, one line per run, coloured by arm."""
    from matplotlib.figure import Figure
    fig = Figure(figsize=(6.4, 3.6), layout="constrained")
    ax = fig.subplots()
    colours = dict(zip(ARMS, ("black", "tab:blue", "tab:orange", "tab:green", "tab:red")))
    for (arm, seed), (hist, batch) in histories.items():
        ax.plot([h["step"] * batch for h in hist], [h["pixel_accuracy"] for h in hist], "-o", ms=3,
                color=colours.get(arm, "gray"), alpha=0.8, label=arm if seed == min(s for a, s in histories
                                                                                    if a == arm) else None)
    ax.set_xlabel("training images seen")
    ax.set_ylabel("validation colour-class pixel accuracy")
    ax.set_title("Learning curves (in-loop validation: 256 CIFAR + Intel photos, half with hints)", fontsize=8)
    ax.legend(fontsize=8)
    return fig


def effect_figure(arms: dict, metric: str = "pixel_accuracy"):
    """Each arm's difference to no augmentation per test set, with the seed spread as an error bar."""
    from matplotlib.figure import Figure
    v = verdicts(arms, metric=metric)
    variants = list(next(iter(arms.values())))
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots()
    others = [a for a in arms if a != "none"]
    width = 0.8 / max(1, len(others))
    x = np.arange(len(variants))
    for k, arm in enumerate(others):
        ax.bar(x + (k - (len(others) - 1) / 2) * width, [v[arm][t]["difference"] for t in variants], width,
               yerr=[v[arm][t]["seed_spread"] for t in variants], label=arm, capsize=2)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(x, variants, rotation=25, fontsize=8)
    ax.set_ylabel(f"{metric} minus no augmentation")
    ax.set_title("Effect of each augmentation family (error bars: seed spreads of both arms added)", fontsize=9)
    ax.legend(fontsize=8, ncol=len(others))
    return fig
