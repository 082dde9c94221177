"""Carry a ColorNet run to a lent GPU and back in one short call: a compact data pack, a compact
resume state, a few minutes of training, a compact state returned.

    python -m train.device_run pack --out runs/device/pack.npz [--mix ...] [--budget-mib 38]
    python -m train.device_run state --run runs/colornet3 --out runs/device/state.npz
    python -m train.device_run train --pack runs/device/pack.npz --state runs/device/state.npz \\
        --minutes 9 --device cuda --out OUTDIR          (make device-train does this on the GPU machine)
    python -m train.device_run restore --state OUTDIR/state.npz --run runs/colornet3

The device machine takes at most 64 MiB of files beside the repository and gives 15 minutes in all,
so what travels is small: the pack holds each source's training photos as 64 px JPEGs with their
scene labels (as many as fit the budget, a seeded choice in the run's mixture shares; never the
test photos) and a few validation photos, under 40 MiB; the state holds the weights in float32 and
the optimiser's moments in float16, under 16 MiB. `train` resumes the run from the state exactly as
train.train_colornet --resume does (its batches drawn from the pack's photos), stops after the
minutes given with a checkpoint, and writes the compact state back; `restore` turns a state into a
run folder that train.train_colornet --resume goes on from. The same command runs on the CPU (a
test runs it for seconds).
"""
from __future__ import annotations

import argparse
import dataclasses
import io
import json
import time
from pathlib import Path

import numpy as np
from PIL import Image

import minitorch_color as mt
from minitorch_color.memory import keep_freed_memory
from models.color import ABQuantizer
from train.colornet import training as T
from train.common import data
from train.common.config import config_dict, config_from_dict

MIB = 1024 * 1024
VAL_PER_SOURCE = 128


def _jpeg(images, quality: int = 88) -> tuple:
    """(bytes as uint8, offsets (N + 1,)) of uint8 RGB images encoded as JPEG."""
    blobs = []
    for im in images:
        buf = io.BytesIO()
        Image.fromarray(im).save(buf, "JPEG", quality=quality)
        blobs.append(np.frombuffer(buf.getvalue(), np.uint8))
    return np.concatenate(blobs), np.concatenate([[0], np.cumsum([len(b) for b in blobs])])


def _unjpeg(data, offsets) -> np.ndarray:
    return np.stack([np.asarray(Image.open(io.BytesIO(data[a:b].tobytes())).convert("RGB"))
                     for a, b in zip(offsets[:-1], offsets[1:])])


def build_pack(cfg: T.TrainConfig, out: Path, budget_mib: float = 38.0, seed: int = 0, datasets=None) -> dict:
    """Write the data pack of a run's sources; returns {source: (train photos, validation photos)}."""
    datasets = datasets or T.load_training_data(dataclasses.replace(cfg, zoom_prob=0.0))
    shares = T.mixture(cfg)
    rng = np.random.default_rng(seed)
    # the rebalancing weights of the full data travel along, so the run's objective does not change
    arrays, counts = {"class_weights": T.class_weights(datasets["train"], cfg, ABQuantizer())}, {}
    per_byte = budget_mib * MIB / sum(shares.values())
    for name, share in shares.items():
        imgs, labels = datasets["train"][name]
        order = rng.permutation(len(imgs))
        probe = _jpeg(data.resize_images(imgs[order[:64]], cfg.size))[0].nbytes / 64
        n = int(min(len(imgs), share * per_byte / probe * 0.97))
        pick = np.sort(order[:n])
        arrays[f"{name}.train"], arrays[f"{name}.train_offsets"] = _jpeg(data.resize_images(imgs[pick], cfg.size))
        arrays[f"{name}.train_labels"] = np.asarray(labels)[pick]
        vimgs, vlabels = datasets["val"][name]
        arrays[f"{name}.val"], arrays[f"{name}.val_offsets"] = _jpeg(vimgs[:VAL_PER_SOURCE])
        arrays[f"{name}.val_labels"] = np.asarray(vlabels)[:VAL_PER_SOURCE]
        counts[name] = (n, min(VAL_PER_SOURCE, len(vimgs)))
    out.parent.mkdir(parents=True, exist_ok=True)
    mt.save(arrays, out, metadata={"config": config_dict(cfg), "counts": counts})
    return counts


def load_pack(path: Path) -> dict:
    """The datasets dict of train.colornet.training.train from a pack."""
    arrays = mt.load(path)
    names = sorted({k.split(".")[0] for k in arrays if "." in k})
    out = {split: {n: (_unjpeg(arrays[f"{n}.{split}"], arrays[f"{n}.{split}_offsets"]),
                       arrays[f"{n}.{split}_labels"]) for n in names} for split in ("train", "val")}
    return {**out, "class_weights": arrays["class_weights"]}


def compact_state(checkpoint: Path, out: Path) -> int:
    """Write a run's checkpoint with the optimiser's moments in float16 (weights stay float32); bytes written."""
    ck = mt.load(checkpoint)
    opt = ck["optimizer"]
    opt["state"] = {i: {k: (v.astype(np.float16) if hasattr(v, "dtype") and v.dtype == np.float32 else v)
                        for k, v in s.items()} for i, s in opt["state"].items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    mt.save(ck, out, compress=True)
    return out.stat().st_size


def restore_state(state: Path, run: Path) -> int:
    """Turn a compact state into run/checkpoint.npz (moments back in float32); the step it holds."""
    ck = mt.load(state)
    ck["optimizer"]["state"] = {i: {k: (v.astype(np.float32) if hasattr(v, "dtype") and v.dtype == np.float16
                                        else v) for k, v in s.items()} for i, s in ck["optimizer"]["state"].items()}
    run.mkdir(parents=True, exist_ok=True)
    mt.save(ck, run / "checkpoint.npz")
    return int(ck["step"])


def train_from_pack(pack: Path, state: Path, minutes: float, out: Path, device: str = "cpu") -> dict:
    """Resume the state's run on the pack's photos for `minutes`, then write out/state.npz; a summary."""
    run = out / "run"
    step0 = restore_state(state, run)
    saved = config_from_dict(T.TrainConfig, mt.load(run / "checkpoint.npz")["config"])
    cfg = dataclasses.replace(saved, out=str(run), device=device, max_minutes=minutes)
    t0 = time.perf_counter()
    history = T.train(cfg, resume=True, datasets=load_pack(pack), progress=True,
                      given={"out", "device", "max_minutes"})
    seconds = time.perf_counter() - t0
    size = compact_state(run / "checkpoint.npz", out / "state.npz")
    step1 = int(mt.load(run / "checkpoint.npz")["step"])
    summary = {"device": device, "steps": [step0, step1], "seconds": seconds,
               "images_per_s": (step1 - step0) * cfg.batch / max(seconds, 1e-9), "state_bytes": size,
               "last_validation": history[-1] if history else None}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    (run / "checkpoint.npz").unlink()  # the compact state is what comes back
    return summary


def main(argv=None) -> int:
    keep_freed_memory()  # the engine's malloc tuning (minitorch_color/memory.py), chosen by the entry point
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    a_pack = sub.add_parser("pack", help="build the data pack of a run's sources")
    a_pack.add_argument("--run", type=Path, help="a run whose mixture and size to pack (default: TrainConfig's)")
    a_pack.add_argument("--out", type=Path, required=True)
    a_pack.add_argument("--budget-mib", type=float, default=38.0)
    a_state = sub.add_parser("state", help="a run's checkpoint as a compact state")
    a_state.add_argument("--run", type=Path, required=True)
    a_state.add_argument("--out", type=Path, required=True)
    a_train = sub.add_parser("train", help="resume a compact state on a pack for some minutes")
    for name in ("--pack", "--state", "--out"):
        a_train.add_argument(name, type=Path, required=True)
    a_train.add_argument("--minutes", type=float, default=9.0)
    a_train.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    a_restore = sub.add_parser("restore", help="a compact state back into a run folder")
    a_restore.add_argument("--state", type=Path, required=True)
    a_restore.add_argument("--run", type=Path, required=True)
    a = p.parse_args(argv)
    for name in ("pack", "state"):
        path = getattr(a, name, None)
        if path is not None and not path.is_file():
            raise SystemExit(f"device_run: no such file {path}")
    if a.cmd == "pack":
        ck = a.run / "checkpoint.npz" if a.run else None
        if ck is not None and not ck.is_file():
            raise SystemExit(f"device_run: no checkpoint at {ck}")
        cfg = config_from_dict(T.TrainConfig, mt.load(ck)["config"]) if ck else T.TrainConfig()
        counts = build_pack(cfg, a.out, a.budget_mib)
        print(f"wrote {a.out} ({a.out.stat().st_size / MIB:.1f} MiB): {json.dumps(counts)}")
    elif a.cmd == "state":
        if not (a.run / "checkpoint.npz").is_file():
            raise SystemExit(f"device_run: no checkpoint at {a.run / 'checkpoint.npz'}")
        print(f"wrote {a.out} ({compact_state(a.run / 'checkpoint.npz', a.out) / MIB:.1f} MiB)")
    elif a.cmd == "train":
        print(json.dumps(train_from_pack(a.pack, a.state, a.minutes, a.out, a.device), indent=1))
    else:
        print(f"{a.run / 'checkpoint.npz'} at step {restore_state(a.state, a.run)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
