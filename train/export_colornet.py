"""Turn a ColorNet training run into shipped weights: pick the decoding on validation data, write
float16 weights and a model card.

    python -m train.export_colornet --run runs/colornet --out weights/colornet.npz [--command "..."]

The decoding (working size, temperature T, prior correction alpha and region smoothing, see
models/inference.py) is chosen on the *validation* photos of every source the run trained on, at
their own size, zero hints, through the product's own path, by the user-centred rule of
train/colornet/judging.py: the highest balanced colour-class accuracy (every colour recalled) among the
decodings whose chroma ratio is natural (0.75-1.1) and whose pixel accuracy beats all-gray's by
0.03 on every source, and (with --against) that are no patchier than the model they replace.
Pixel accuracy alone would choose sepia: all-gray nearly wins it. The hint refinement's sigma
(models/refine.py) is chosen by PSNR with 10 random hints at the fixed reach (the card keeps the
whole grid). The test splits are never looked at here. The card
(weights/<name>.json) records config, data, command, wall time, the training
curve, the decoding grid and the sha256 of the weights; train.evaluate_colornet adds the test
metrics. Its figures (learning curve, old-film decoding) go to reports/<name>/ for weights in weights/,
and beside the weights (<name>_figures/) for a candidate exported anywhere else.
"""
from __future__ import annotations

import argparse
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

import minitorch_color as mt
from minitorch_color.files import write_atomic
from models.color import COLOR_CLASSES, ABQuantizer, color_class, lab_to_rgb, rgb_to_lab
from models.colornet import FILMS, ColorNet
from models.inference import KIND, Colorizer, save_colornet
from models.refine import DEFAULT_REACH, propagate
from models.weights import WeightsError, load_weights, sha256
from train.colornet import judging
from train.colornet.training import (
    LOADERS,
    TrainConfig,
    class_weights,
    film_lightness,
    load_training_data,
    mixture,
    model_config,
    scene_classes,
)
from train.common import data, metrics
from train.common.baselines import as_float_images
from train.common.config import config_from_dict
from train.common.simulate import point_hints

TEMPERATURES = (0.2, 0.38, 0.6, 1.0)  # the old-film decoding's grid
CORRECTIONS = (0.0, 0.25, 0.5, 0.75, 1.0)
REFINE_REACHES = (0.05, 0.1, 0.2, 0.4, 1.0)
REFINE_SIGMAS = (2.0, 4.0, 8.0)


def tune_refinement(cz: Colorizer, val_rgb64, hints: int = 10, n_images: int = 150):
    """(reach, sigma) of the hint refinement by mean PSNR with `hints` random point hints."""
    rgb = val_rgb64[:n_images].astype(np.float64)
    lab = rgb_to_lab(rgb)
    hint, mask = point_hints(lab[..., 1:], np.random.default_rng(7), count=hints)
    logits, _ = cz.logits_batch(lab[..., 0], hint, mask)
    ab = cz.decode(logits)
    grid = []
    for reach in REFINE_REACHES:
        for sigma in REFINE_SIGMAS:
            ps = [metrics.psnr(rgb[i], lab_to_rgb(np.concatenate([lab[i, ..., :1], propagate(
                lab[i, ..., 0], ab[i], hint[i], mask[i], reach, sigma)], -1))) for i in range(len(rgb))]
            grid.append({"reach": reach, "sigma": sigma, "psnr_mean": float(np.mean(ps))})
    # The reach is a product decision, not tuned: with random hints of the true colours, PSNR keeps
    # rising as corrections spread further (the grid shows by how much), but a user's request
    # ("make this roof red") must not flood the picture. DEFAULT_REACH (a fifth of the picture)
    # is kept; only sigma is chosen here, by PSNR at that reach.
    at_default = [g for g in grid if g["reach"] == DEFAULT_REACH]
    return max(at_default, key=lambda g: g["psnr_mean"]), grid


def wall_time_from_log(log_path) -> float | None:
    """Seconds of training from the last tqdm 'HH:MM:SS<' (or 'MM:SS<') of a run's log."""
    try:
        text = Path(log_path).read_text(errors="replace")[-4000:]
    except OSError:
        return None
    found = re.findall(r"\[(?:(\d+):)?(\d+):(\d+)<", text)
    if not found:
        return None
    h, m, s = found[-1]
    return int(h or 0) * 3600 + int(m) * 60 + int(s)


def pixel_accuracy(true_ab, pred_ab) -> float:
    """Share of pixels whose colour class is right."""
    return float((color_class(true_ab) == color_class(pred_ab)).mean())


SOURCE_NOTES = {
    "intel": "Intel scenes train (without near-gray photos, 150 px resized to {size})",
    "faces": "UTKFace face crops (faces_utk64, 90% of the archive; near-gray dropped), 64 px",
    "imagenette": "Imagenette everyday objects (imagenette_64, 90%; near-gray dropped), 64 px",
    "cifar": "CIFAR-10 train (45,000 after the 10% validation hold-out, 32 px resized to {size})",
    "diverse": "colordiv64 diverse everyday photos (884 classes, six collections; a seeded 10% of each "
               "collection held out for validation), 64 px",
}


OLD_FILMS = ("orthochromatic", "blue-sensitive")


def tune_old_film_decoding(cz: Colorizer, val_rgb64, chunk: int = 50):
    """(choice, grid): the decoding (T, alpha) for grays read as an old film's, by the best sum of
    colour-class pixel and balanced accuracy over both old films' grays of the validation photos
    (RGB (N, 64, 64, 3) in [0, 1]) with the network told the film, the same rule as tune_decoding on
    the grays the era path meets. The grid also keeps the accuracies of reading those grays as
    lightness at each decoding (how much telling the film gains depends on the decoding)."""
    settings = [(T, a) for T in TEMPERATURES for a in CORRECTIONS]
    truth = color_class(rgb_to_lab(val_rgb64)[..., 1:]).ravel()
    classes = {}  # (film, reading, setting) -> predicted colour classes, photo chunk by chunk
    for film in OLD_FILMS:
        L = film_lightness(val_rgb64, np.full(len(val_rgb64), FILMS.index(film)))
        for reading in (film, "panchromatic"):
            for i in tqdm(range(0, len(L), chunk), desc=f"{film} read as {reading}", leave=False):
                logits = cz.logits_batch(L[i:i + chunk], film=reading)[0]
                for s in settings:
                    predicted = color_class(cz.decode(logits, *s)).astype(np.int8)
                    classes.setdefault((film, reading, s), []).append(predicted)
    grid = []
    for T, a in settings:
        row = {"temperature": T, "prior_correction": a}
        for film in OLD_FILMS:
            for reading, key in ((film, "told_the_film"), ("panchromatic", "read_as_lightness")):
                rep = metrics.classification_report(truth, np.concatenate(classes[film, reading, (T, a)]).ravel(),
                                                    COLOR_CLASSES)
                row.setdefault(film, {})[key] = {"pixel_accuracy": rep.accuracy,
                                                 "balanced_accuracy": rep.balanced_accuracy}
        grid.append(row)
    best = max(grid, key=lambda g: sum(g[f]["told_the_film"]["pixel_accuracy"]
                                       + g[f]["told_the_film"]["balanced_accuracy"] for f in OLD_FILMS))
    choice = {"temperature": best["temperature"], "prior_correction": best["prior_correction"],
              "rule": f"best pixel + balanced accuracy, told the film, summed over {' and '.join(OLD_FILMS)} grays "
                      f"of {len(val_rgb64)} Intel validation photos at 64 px"}
    return choice, grid


def old_film_figure(grid, choice, n_images: int, path) -> None:
    """Pixel accuracy on old films' grays told the film minus read as lightness, against the prior
    correction, one line per temperature and a panel per film: where telling the film pays (the
    chosen decoding ringed)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(1, len(OLD_FILMS), figsize=(9, 3.4), sharey=True)
    for ax, film in zip(axes, OLD_FILMS):
        for k, T in enumerate(TEMPERATURES):
            rows = [g for g in grid if g["temperature"] == T]
            gain = [100 * (g[film]["told_the_film"]["pixel_accuracy"] - g[film]["read_as_lightness"]["pixel_accuracy"])
                    for g in rows]
            ax.plot([g["prior_correction"] for g in rows], gain, marker="o", color=f"C{k}", label=f"T = {T}")
            if T == choice["temperature"]:
                at = [g["prior_correction"] for g in rows].index(choice["prior_correction"])
                ax.plot(choice["prior_correction"], gain[at], "o", ms=14, mfc="none", mec="black",
                        label="chosen" if ax is axes[-1] else None)
        ax.axhline(0, color="gray", lw=0.8)
        ax.set_title(f"{film} grays")
        ax.set_xlabel("prior correction alpha")
    axes[0].set_ylabel("told the film minus read as\nlightness (pixel acc., points)")
    axes[-1].legend(fontsize=8)
    fig.suptitle(f"Telling the network the film, by decoding ({n_images} Intel validation photos, 64 px)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def lineage(cfg, ckpt) -> tuple:
    """(history, wall seconds or None, steps before this run) of the run, preceded, when it started from another run's
    checkpoint (--init: a fine-tuning or a short annealing branch), by that run's up to then: steps,
    images seen and seconds counted from the start, each of this run's entries marked with its folder."""
    history = metrics.current_names(json.loads(ckpt["history"]))
    seconds = float(ckpt["seconds"]) if "seconds" in ckpt else None
    parent = mt.load(cfg.init) if cfg.init and Path(cfg.init).exists() else {}
    if "history" not in parent:
        if cfg.init:
            print(f"note: {cfg.init} (--init) is not here or has no history; the card has this run's alone")
        return history, seconds, 0
    before = metrics.current_names(json.loads(parent["history"]))
    step0, images0 = int(parent["step"]), (before[-1]["images_seen"] if before else 0)
    seconds0 = float(parent["seconds"]) if "seconds" in parent else 0.0
    after = [{**h, "step": h["step"] + step0, "images_seen": h["images_seen"] + images0,
              "seconds": h.get("seconds", 0.0) + seconds0, "run": cfg.out} for h in history]
    return before + after, (seconds or 0.0) + seconds0, step0


def validation_photos(cfg, val_pools, per_source: int) -> dict:
    """{source: up to per_source validation photos (float, at the training size)} for every source but CIFAR-10."""
    rng = np.random.default_rng(0)
    return {name: imgs[rng.permutation(len(imgs))[:per_source]].astype(np.float64) / 255
            for name, (imgs, _) in val_pools.items() if name != "cifar"}


def judged_validation(cfg, per_source: int) -> dict:
    """{source: validation photos at their own size} of every source the run trained on: what the
    decoding is chosen on (train/colornet/judging.py)."""
    return judging.validation_photos(mixture(cfg), per_source, LOADERS)


def data_card(cfg) -> dict:
    """What the run trained on, for the card."""
    shares = mixture(cfg)
    return {"train": "; ".join(f"{SOURCE_NOTES[k].format(size=cfg.size)}: share {v:.2f}" for k, v in shares.items()),
            "film": (f"{cfg.film_prob:.0%} of training grays formed by an orthochromatic or blue-sensitive film "
                     "(train/oldphoto.film_gray), the network told which" if cfg.film_inputs else "CIE lightness only"),
            "validation": "seeded 10% of each source's training folder (never trained on)",
            "source": "../shared/data (see its README)"}


def extrapolation(history, source: str = "intel", key: str = "pixel_accuracy", target: float = 0.70,
                  share: float = 0.5) -> dict | None:
    """Where a target stands on one source's in-loop validation curve: a straight line in log2(images
    seen) fitted to the last share of the points (a learning curve is roughly straight there, and
    flattens later, so the images it names are a lower bound), the gain per doubling of the data
    seen, and the images seen at which the line reaches target (None if it does not rise)."""
    rows = [h for h in history if source in h.get("sources", {})]
    rows = rows[int(len(rows) * (1 - share)):]
    if len(rows) < 3:
        return None
    x = np.log2([h.get("images_seen", h["step"]) for h in rows])
    y = np.array([h["sources"][source][key] for h in rows])
    slope, intercept = np.polyfit(x, y, 1)
    residual = float(np.std(y - (intercept + slope * x)))
    reach = float(2 ** ((target - intercept) / slope)) if slope > 0 else None
    return {"source": source, "metric": key, "target": target, "points": len(rows),
            "from_images": int(2 ** x[0]), "to_images": int(2 ** x[-1]), "gain_per_doubling": float(slope),
            "intercept": float(intercept), "residual_std": residual, "now": float(y[-1]),
            "images_for_target": reach, "doublings_needed": float(np.log2(reach) - x[-1]) if reach else None}


def learning_curve_figure(history, path) -> None:
    """Validation pixel and balanced accuracy per source against images seen, with the Intel pixel
    accuracy's extrapolation toward 0.70 (dashed)."""
    from matplotlib.figure import Figure
    rows = [h for h in history if "sources" in h]
    if not rows:
        return
    fig = Figure(figsize=(10, 3.6), layout="constrained")
    ax = fig.subplots(1, 2)
    seen = [h.get("images_seen", h["step"]) for h in rows]
    for name in rows[-1]["sources"]:
        for j, key in enumerate(("pixel_accuracy", "balanced_accuracy")):
            ax[j].plot(seen, [h["sources"][name][key] for h in rows], "o-", ms=3, label=name)
    ext = extrapolation(history)
    if ext is not None:
        xs = np.geomspace(ext["from_images"], ext["to_images"] * 2, 20)
        ax[0].plot(xs, ext["intercept"] + ext["gain_per_doubling"] * np.log2(xs), "--", color="tab:blue", lw=1,
                   label=f"intel fit: {ext['gain_per_doubling']:+.3f} per doubling")
    for j, title in enumerate(("colour-class pixel accuracy", "balanced accuracy")):
        ax[j].set_xlabel("training images seen")
        ax[j].set_title(f"validation {title} (zero or half hints)")
        ax[j].grid(alpha=0.3)
    ax[0].legend()
    fig.savefig(path, dpi=110)


def intel_validation(n: int):
    """The first n of a seeded order of the Intel validation photos (near-gray dropped), uint8 RGB at 150 px."""
    val = data.load_intel_scenes("val")
    val = val.subset(~val.near_gray)
    return val.images[np.random.default_rng(0).permutation(len(val))[:n]]


def retune_old_film(path: Path, n_images: int = 400) -> dict:
    """Choose the old-film decoding of existing ColorNet weights (tune_old_film_decoding) and rewrite
    them with it: the same float16 arrays, the decode settings gaining old_film in the file's metadata
    and in the card, with the grid, the figure and the new sha256."""
    loaded = load_weights(path, KIND)
    cz = Colorizer.from_weights(path)
    if not cz.net.config.film_inputs:
        raise SystemExit(f"{path}: these weights have no film inputs: there is no old-film decoding to choose")
    choice, grid = tune_old_film_decoding(cz, as_float_images(intel_validation(n_images), 64))
    meta = {k: v for k, v in loaded.metadata.items() if k not in ("kind", "model_config")}
    meta["decode"] = {**meta.get("decode", {}), "old_film": choice}
    card_path = path.with_suffix(".json")
    card = json.loads(card_path.read_text())
    save_colornet(cz.net, path, loaded.arrays["class_weights"], meta)
    figures = figure_folder(path)
    grids_path = figures / "decoding_grids.json"
    grids = json.loads(grids_path.read_text()) if grids_path.is_file() else {}
    card.pop("old_film_decode_grid_intel_val", None)  # cards before the grids moved to a report
    card.update(decode=meta["decode"], sha256=sha256(path), bytes=path.stat().st_size,
                decoding_grids=grids_record({**grids, "old_film_decode_grid_intel_val": grid}, grids_path))
    text = json.dumps(card, indent=1).encode()
    write_atomic(card_path, lambda f: f.write(text), overwrite=True)
    old_film_figure(grid, choice, n_images, figures / "old_film_decoding.png")
    return {"old_film": choice, "sha256": card["sha256"]}


def figure_folder(weights: Path) -> Path:
    """Where the export's figures go (created): reports/NAME/ for weights in a weights/ folder (the shipped ones),
    else NAME_figures/ beside them, so that exporting a candidate elsewhere never overwrites the shipped figures."""
    weights = Path(weights)
    folder = (Path("reports") / weights.stem if weights.parent.name == "weights"
              else weights.parent / f"{weights.stem}_figures")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass
class RunModel:
    """The network a training run ends with (or its in-loop best), with what the card says of the run."""

    net: ColorNet
    cfg: TrainConfig
    training: dict  # the card's "training" record, history included


def load_run(run: Path, which: str = "final", log=None, command: str = "") -> RunModel:
    """The run's final (or best) network and its training record; a SystemExit says what is missing."""
    missing = [f for f in ("best.npz", "checkpoint.npz") if not (run / f).is_file()]
    if missing:
        raise SystemExit(f"export_colornet: {run} is not a finished training run folder (no {', '.join(missing)})")
    best_meta = metrics.current_names(dict(mt.load_metadata(run / "best.npz")))
    ckpt = mt.load(run / "checkpoint.npz")
    saved = dict(best_meta["config"])
    cfg = config_from_dict(TrainConfig, saved)
    net = ColorNet(model_config(cfg, ABQuantizer()))
    history, seconds, step0 = lineage(cfg, ckpt)
    if which == "final":
        net.load_state_dict(ckpt["model"])
        chosen_step, chosen_val = step0 + int(ckpt["step"]), (history[-1] if history else {})
    else:
        net.load_state_dict(mt.load(run / "best.npz"))
        chosen_step, chosen_val = best_meta["step"], best_meta["val"]
    seconds = seconds if seconds is not None else wall_time_from_log(log or f"{run}.log")
    training = {"config": saved, "exported": which, "exported_step": chosen_step, "exported_val": chosen_val,
                "in_loop_val_note": f"in-loop validation: {cfg.val_images} validation photos, an equal share per "
                                    "source (half with hints), T=0.38, no prior correction",
                "steps": step0 + int(ckpt["step"]), "history": history, "wall_seconds": seconds,
                **({"initialised_from": {"checkpoint": cfg.init, "step": step0}} if step0 else {}),
                "target_extrapolation": extrapolation(history),
                "command": command or f"python -m train.train_colornet --out={run} ..."}
    return RunModel(net.eval(), cfg, training)


def choose_decodings(cz: Colorizer, cfg, val_by_source: dict, intel_val, against=None, judged_photos=None,
                     grid=None) -> tuple[dict, dict]:
    """(the decode record the weights ship with, the card's grids): working size, temperature, prior
    correction and smoothing by the user-centred rule (train/colornet/judging.py) on judged_photos ({source:
    validation photos at their own size}), then the hint refinement and, with film inputs, the
    old-film decoding, each chosen on validation photos; sets cz's decoding to the choice."""
    judged_photos = judged_photos or val_by_source
    chosen = judging.choose_decoding(cz, judged_photos, grid or judging.decoding_grid(), against)
    d = chosen.decoding
    choice = {**d.to_dict(), "size": d.size or cz.size, "rule": chosen.rule, "meets_rule": chosen.meets_rule}
    cz.temperature, cz.prior_correction, cz.smoothing, cz.gray_gate = (d.temperature, d.prior_correction,
                                                                       d.smoothing, d.gray_gate)
    cz.size = choice["size"]
    best_refine, refine_grid = tune_refinement(cz, np.concatenate(list(val_by_source.values())))
    choice.update(refine_reach=best_refine["reach"], refine_sigma=best_refine["sigma"])
    grids = {"decode_grid_val": chosen.table, "decode_all_gray_val": chosen.gray,
             "decode_replaced_model_val": chosen.reference, "refine_grid_val_10_hints": refine_grid}
    if cfg.film_inputs:
        choice["old_film"], grids["old_film_decode_grid_intel_val"] = tune_old_film_decoding(
            cz, as_float_images(intel_val[:400], 64))
    return choice, grids


def grids_record(grids: dict, path: Path) -> dict:
    """Write every decoding tried, with its scores, to path (a report: the card stays small) and return the
    card's record of it: where it is and how many of each were tried."""
    text = json.dumps(grids, indent=1).encode()
    write_atomic(path, lambda f: f.write(text), overwrite=True)
    return {"file": str(path), **{name: len(rows) for name, rows in grids.items() if isinstance(rows, list)}}


def float16_change(cz: Colorizer, saved: Path, val64, choice: dict) -> float:
    """The largest change of a decoded ab value that the float16 file makes, on 32 validation photos."""
    cz16 = Colorizer.from_weights(saved)
    L = rgb_to_lab(val64[:32])[..., 0]
    T, alpha = choice["temperature"], choice["prior_correction"]
    d = cz.decode(cz.logits_batch(L)[0], T, alpha) - cz16.decode(cz16.logits_batch(L)[0], T, alpha)
    return float(np.abs(d).max())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--run", help="training output folder (best.npz, checkpoint.npz)")
    p.add_argument("--out", required=True, help="weights file to write, e.g. weights/colornet.npz")
    p.add_argument("--log", default=None, help="the run's log (for the wall time); default RUN.log")
    p.add_argument("--command", default="", help="the exact training command, for the card")
    p.add_argument("--val-images", type=int, default=600)
    p.add_argument("--judge-images", type=int, default=300,
                   help="validation photos per source the decoding is chosen on (at their own size)")
    p.add_argument("--against", default=None,
                   help="the weights these would replace (e.g. a copy of the shipped ones): the chosen decoding "
                        "must not be patchier than theirs at their default on any source")
    p.add_argument("--which", choices=("final", "best"), default="final",
                   help="the model at the end of the schedule (default) or the in-loop validation best")
    p.add_argument("--retune-old-film", action="store_true",
                   help="only choose the old-film decoding of the weights at --out again and rewrite them with it")
    return p


def main(argv=None):
    p = build_parser()
    a = p.parse_args(argv)
    if a.retune_old_film:
        try:
            print(json.dumps(retune_old_film(Path(a.out)), indent=1))
        except WeightsError as e:
            raise SystemExit(f"export_colornet: {e}") from None
        return 0
    if not a.run:
        p.error("--run is required (or --retune-old-film)")
    rm = load_run(Path(a.run), a.which, a.log, a.command)
    pools = load_training_data(rm.cfg)
    weights = class_weights(pools["train"], rm.cfg, ABQuantizer())
    per_source = a.val_images // max(1, len(set(pools["val"]) - {"cifar"}))
    val_by_source = validation_photos(rm.cfg, pools["val"], per_source)
    classes = list(scene_classes(rm.cfg))
    cz = Colorizer(rm.net, weights, scene_classes=classes)
    against = Colorizer.from_weights(a.against) if a.against and Path(a.against).exists() else None
    judged = judged_validation(rm.cfg, a.judge_images)
    choice, grids = choose_decodings(cz, rm.cfg, val_by_source, intel_validation(a.val_images), against, judged)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").unlink(missing_ok=True)  # the replaced weights' card (its sha256 no longer holds)
    save_colornet(rm.net, out, weights, {"decode": choice, "scene_classes": classes,
                                        "training": {k: v for k, v in rm.training.items() if k != "history"}})
    figures = figure_folder(out)
    learning_curve_figure(rm.training["history"], figures / "learning_curve.png")
    if "old_film" in choice:
        old_film_figure(grids["old_film_decode_grid_intel_val"], choice["old_film"], 400,
                        figures / "old_film_decoding.png")
    card = {"name": out.stem, "file": out.name, "sha256": sha256(out), "bytes": out.stat().st_size,
            "model": "ColorNet (models/colornet.py)", "model_config": rm.net.config.to_dict(),
            "parameters": int(sum(np.prod(q.shape) for q in rm.net.parameters())),
            "storage": "float16 (loaded as float32)",
            "float16_max_ab_change": float16_change(cz, out, np.concatenate(list(val_by_source.values())), choice),
            "data": data_card(rm.cfg), "scene_classes": classes, "decode": choice,
            "decoding_grids": grids_record(grids, figures / "decoding_grids.json"),
            "training": rm.training,
            "metrics": "see reports/colornet/judgement.json (train.judge_colornet) and "
                       "reports/colornet/network64/report.json (train.evaluate_colornet)"}
    text = json.dumps(card, indent=1).encode()
    write_atomic(out.with_suffix(".json"), lambda f: f.write(text), overwrite=True)
    print(json.dumps({"decode": choice, "sha256": card["sha256"], "bytes": card["bytes"],
                      "float16_max_ab_change": card["float16_max_ab_change"]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
