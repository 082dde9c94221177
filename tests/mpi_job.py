"""Jobs that tests/test_distributed.py runs under `mpiexec -n N python -m mpi4py tests/mpi_job.py JOB OUT ...`
(and with no mpiexec for the one-process side of a comparison). Each rank writes what it ends with
to OUT/rank{R}.npz; the test compares.

    gradients OUT               each rank's gradient is its rank + 1: the average on every rank (and
                                the engine threads each rank was given)
    mlp OUT STEPS BATCH [resume] [bn]  a two-layer perceptron (bn: with batch norm) in the common loop; the
                                global batch of step s is the same rows whatever the number of ranks,
                                each rank takes its BATCH of them (one process: BATCH = the global batch)
    colornet OUT STEPS [resume]  a tiny ColorNet (batch norm) on random photos through train()
    segmenter OUT                a tiny region segmenter (batch norm) on bright-sky-over-dark-road frames
    crash OUT                    rank 1 raises at step 2 of the mlp job; the others are in the Allreduce
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

import minitorch_color as mt
from minitorch_color import nn
from minitorch_color.kernels.threads import get_num_threads
from train.colornet import training as T
from train.common.config import parse_overrides
from train.common.distributed import world
from train.common.loop import Loop
from train.regions import training as R

ROWS, GLOBAL_BATCH = 64, 8


def save(out: Path, w, net) -> None:
    np.savez(out / f"rank{w.rank}.npz", **{k: np.asarray(v) for k, v in net.state_dict().items()})


def gradients(out: Path) -> None:
    w = world(True)
    net = nn.Linear(3, 2)
    for p in net.parameters():
        p.grad = np.full(p.data.shape, w.rank + 1.0, np.float32)
    stop = w.average_gradients(net.parameters(), stop=w.rank == 1)
    np.savez(out / f"rank{w.rank}.npz", weight=net.weight.grad, bias=net.bias.grad, stop=stop,
             threads=get_num_threads())


def mlp(out: Path, steps: int, batch: int, resume: bool, crash: bool = False, bn: bool = False) -> None:
    w = world(mt_size() > 1)
    mt.manual_seed(w.rank)  # different initial weights on every rank: the broadcast makes them equal
    net = nn.Sequential(nn.Linear(5, 16), *([nn.BatchNorm1d(16)] if bn else []), nn.ReLU(), nn.Linear(16, 1))
    opt = mt.optim.Adam(net.parameters(), lr=0.01)
    loop = Loop(net, opt, None, out / "run", {"job": "mlp"}, steps, log_every=2, world=w)
    state = loop.start(resume, seed=0)
    data = np.random.default_rng(7)
    x = data.normal(size=(ROWS, 5)).astype(np.float32)
    y = (np.sin(x).sum(1, keepdims=True)).astype(np.float32)

    def step_fn(rng):
        if crash and w.rank == 1 and state.step == 2:
            raise RuntimeError("rank 1 fails on purpose")
        rows = (state.step * GLOBAL_BATCH + np.arange(GLOBAL_BATCH)) % ROWS
        mine = rows[w.rank * batch:(w.rank + 1) * batch]
        err = net(mt.tensor(x[mine])) - mt.tensor(y[mine])
        return (err * err).mean(), {}

    loop.run(state, step_fn, lambda step, means: {}, progress=False)
    save(out, w, net)


def colornet(out: Path, steps: int, resume: bool) -> None:
    w = world(mt_size() > 1)
    rng = np.random.default_rng(0)
    imgs = (rng.random((24, 16, 16, 3)) * 255).astype(np.uint8)
    imgs[:12, :, :8] = [200, 40, 40]
    split = {"intel": (imgs, rng.integers(0, 6, 24))}
    cfg = parse_overrides([f"--steps={steps}", "--size=16", "--batch=4", "--val_every=2", "--val_images=8",
                           "--channels=8,16", "--warmup=1", f"--out={out / 'run'}", "--lr=0.01",
                           "--cifar_fraction=0"], T.TrainConfig())
    history = T.train(cfg, resume=resume, datasets={"train": split, "val": split}, progress=False,
                      given={"steps"} if resume else None, world=w)
    net_state = mt.load(out / "run" / "checkpoint.npz")["model"] if w.rank == 0 else None
    w.barrier()
    np.savez(out / f"history{w.rank}.npz", steps=[r["step"] for r in history],
             seen=[r["images_seen"] for r in history])
    if net_state is not None:
        np.savez(out / "checkpoint_model.npz", **{k: np.asarray(v) for k, v in net_state.items()})


def segmenter(out: Path) -> None:
    w = world(mt_size() > 1)
    rng = np.random.default_rng(0)
    L, regions = np.empty((6, 32, 48), np.float32), np.empty((6, 32, 48), np.int64)
    for i in range(6):
        horizon = rng.integers(8, 24)
        L[i, :horizon], regions[i, :horizon] = rng.uniform(75, 95), 0  # a bright sky
        L[i, horizon:], regions[i, horizon:] = rng.uniform(15, 35), 2  # a dark road
    frames = R.Frames(L + rng.normal(0, 3, L.shape).astype(np.float32), regions)
    cfg = R.SegConfig(channels=(4, 8, 8, 16), steps=40, batch=2, lr=1e-2, val_every=20, zoom=1.2,
                      out=str(out / "run"))
    run = R.train(cfg, data=(frames, frames), progress=False, world=w)
    np.savez(out / f"rank{w.rank}.npz", accuracy=[h["pixel_accuracy"] for h in run.history],
             **{k: np.asarray(v) for k, v in run.net.state_dict().items()})


def mt_size() -> int:
    """The number of ranks mpiexec started (1 without mpiexec), read without starting MPI."""
    return int(os.environ.get("OMPI_COMM_WORLD_SIZE", os.environ.get("PMI_SIZE", "1")))


if __name__ == "__main__":
    job, out, args = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]
    out.mkdir(parents=True, exist_ok=True)
    if job == "gradients":
        gradients(out)
    elif job == "mlp":
        mlp(out, int(args[0]), int(args[1]), "resume" in args, bn="bn" in args)
    elif job == "colornet":
        colornet(out, int(args[0]), "resume" in args)
    elif job == "segmenter":
        segmenter(out)
    elif job == "crash":
        mlp(out, 6, GLOBAL_BATCH // 2, False, crash=True)
    else:
        raise SystemExit(f"unknown job {job!r}")
