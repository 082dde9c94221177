"""The one resumable training loop: ColorNet, the region segmenter and StyleNet all run it.

    loop = Loop(net, opt, sched, out="runs/x", config=config_dict(cfg), steps=cfg.steps, log_every=cfg.val_every)
    state = loop.start(resume=True, seed=cfg.seed)             # a new run, or the checkpoint's state
    history = loop.run(state, step_fn, log_fn)                 # until cfg.steps, or --max_minutes

Contract
- step_fn(rng) -> (loss Tensor, {name: number}) makes one batch and its loss; the loop does the rest
  of a step (zero_grad, backward, optional gradient clipping, optimiser and scheduler step). The
  numbers are averaged between logs.
- Every log_every steps and at the last one, log_fn(step, means) -> {name: value} adds a record to
  the history ({"step", "loss" (the mean since the last log), "seconds", **its record}); when
  best_by names one of its values and that value is the best so far, OUT/best.npz is written
  (the model, with best_metadata(record) beside the config and the step). Then the checkpoint.
- OUT/checkpoint.npz, written atomically after every log and when max_minutes have passed, always
  has the keys CHECKPOINT_KEYS; a checkpoint written before this loop (its own keys per trainer)
  is read as if it had them (read_checkpoint). Resumed, the batches go on exactly where they
  stopped (the random generator's state is in the checkpoint).
- world (train/common/distributed.py) makes it data-parallel on MPI: rank 0's weights broadcast at
  the start, the gradients averaged over the ranks before the optimiser steps, the log's means
  averaged over the ranks, log_fn run and the files written by rank 0 alone. Single() (the
  default) is one process, unchanged.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

import minitorch_color as mt
from minitorch_color import nn
from minitorch_color.serialization import SerializationError, remove_stale_temporaries
from train.common.distributed import Single
from train.common.metrics import current_names

CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "config", "step", "best", "history", "rng", "seconds",
                   "running", "extra")


@dataclass
class LoopState:
    """Where a run is: what a checkpoint holds besides the model, optimiser and scheduler."""

    step: int = 0
    best: float = -np.inf
    history: list = field(default_factory=list)
    rng: np.random.Generator = None
    seconds: float = 0.0  # training time before this sitting
    running: dict = field(default_factory=dict)  # {name: [sum, count]} since the last log
    extra: dict = field(default_factory=dict)  # what a trainer keeps with its run (StyleNet: its menu)


def read_checkpoint(path) -> dict:
    """A checkpoint with CHECKPOINT_KEYS, whichever trainer wrote it and when: the keys of earlier
    checkpoints (ColorNet's best_val, StyleNet's styles, none of the running means) and the old
    metric names in its history and config (metrics.current_names) are converted.
    A SystemExit says what is wrong with a file that is no checkpoint."""
    path = Path(path)
    if not path.exists():
        raise SystemExit(f"--resume: no checkpoint at {path}")
    try:
        ck = mt.load(path)
        ck["step"], ck["config"] = int(ck["step"]), dict(ck["config"])
    except (SerializationError, KeyError, TypeError, ValueError) as e:
        raise SystemExit(f"--resume: {path} is not a checkpoint of a training run ({e})") from None
    ck.setdefault("best", ck.pop("best_val", -np.inf))
    extra = json.loads(ck["extra"]) if isinstance(ck.get("extra"), str) else {}
    if "styles" in ck:  # StyleNet's menu, before it went into extra
        extra.setdefault("styles", json.loads(ck.pop("styles")))
    ck["extra"] = extra
    ck["history"] = current_names(json.loads(ck["history"])) if isinstance(ck.get("history"), str) else []
    ck["config"] = current_names(ck["config"])  # a best_by of an old name
    ck["running"] = json.loads(ck["running"]) if isinstance(ck.get("running"), str) else {}
    ck["seconds"] = float(ck.get("seconds", 0.0))
    return ck


def read_checkpoint_on_every_rank(path, world) -> dict:
    """read_checkpoint by rank 0, its result (or its SystemExit) on every rank of world."""
    ck, error = None, None
    if world.rank == 0:
        try:
            ck = read_checkpoint(path)
        except SystemExit as e:
            error = e.code
    ck, error = world.bcast((ck, error))
    if error is not None:
        raise SystemExit(error)
    return ck


def rank_rng(seed: int, world, saved=None, step: int = 0) -> np.random.Generator:
    """The rank's random stream: seed's alone in one process; (seed, rank) for each of several ranks.
    saved (a checkpoint's "rng": one state, or a list of one per rank) goes on where it stopped when
    it has one state per rank; with another number of ranks the streams start from (seed, step, rank)."""
    states = saved if isinstance(saved, list) else [saved] if saved is not None else None
    if states is None:
        return np.random.default_rng(seed if world.size == 1 else [seed, world.rank])
    if len(states) != world.size:
        return np.random.default_rng([seed, step, world.rank])
    rng = np.random.default_rng(seed)
    rng.bit_generator.state = states[world.rank]
    return rng


@dataclass
class Loop:
    """A network, its optimiser and schedule, and where and how long to train it."""

    net: object  # a minitorch_color Module
    opt: object  # a minitorch_color optimiser
    sched: object | None  # a learning-rate schedule, or None
    out: Path | str  # the run's folder: checkpoint.npz, best.npz
    config: dict  # the run's configuration, as saved (train.common.config.config_dict)
    steps: int
    log_every: int
    max_minutes: float = 0.0  # stop (checkpointed) after this long; 0: no limit
    clip: float | None = None  # clip the gradients' global norm to this
    best_by: str | None = None  # keep OUT/best.npz by this value of the log records (higher is better)
    best_metadata: object = None  # record -> extra metadata for best.npz
    batch: int = 0  # photos per step, for the images/s on the progress bar (0: not shown)
    desc: str = "train"
    echo: object = None  # record -> the line to print after each log (None: nothing printed)
    world: object = field(default_factory=Single)  # the ranks of a data-parallel run (distributed.py)

    @property
    def checkpoint_path(self) -> Path:
        return Path(self.out) / "checkpoint.npz"

    def start(self, resume: bool, seed: int, checkpoint: dict | None = None) -> LoopState:
        """A new run's state (and a clean run folder), or the state of the checkpoint read to resume
        (read_checkpoint; its model, optimiser and schedule are loaded into this loop's). Every rank
        of the world then holds rank 0's weights."""
        if self.world.rank == 0:
            self._make_folder()
        if not resume:
            self.world.broadcast_model(self.net)
            return LoopState(rng=rank_rng(seed, self.world))
        ck = checkpoint if checkpoint is not None else read_checkpoint_on_every_rank(self.checkpoint_path, self.world)
        self.net.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["optimizer"])
        if self.sched is not None and "scheduler" in ck:
            self.sched.load_state_dict(ck["scheduler"])
        self.world.broadcast_model(self.net)
        if "rng" in ck:  # the batches go on exactly where they stopped
            rng = rank_rng(seed, self.world, json.loads(ck["rng"]), ck["step"])
        else:  # a checkpoint from before the generator was saved: fresh batches
            rng = np.random.default_rng(seed + ck["step"] if self.world.size == 1
                                        else [seed, ck["step"], self.world.rank])
        return LoopState(ck["step"], float(ck["best"]), ck["history"], rng, ck["seconds"], ck["running"], ck["extra"])

    def _make_folder(self) -> None:
        out = Path(self.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # a file of that name, or no permission
            raise SystemExit(f"--out={out}: cannot be the run's folder ({e.strerror or e})") from None
        remove_stale_temporaries(out)  # a save interrupted by a kill leaves one behind

    def save_checkpoint(self, state: LoopState, seconds: float) -> None:
        """OUT/checkpoint.npz, written by rank 0 (with every rank's random state)."""
        states = self.world.gather(state.rng.bit_generator.state)
        if self.world.rank != 0:
            return
        rng = states[0] if self.world.size == 1 else states
        mt.save({"model": self.net.state_dict(), "optimizer": self.opt.state_dict(),
                 **({"scheduler": self.sched.state_dict()} if self.sched is not None else {}),
                 "config": self.config, "step": state.step, "best": state.best,
                 "history": json.dumps(state.history), "rng": json.dumps(rng),
                 "seconds": seconds, "running": json.dumps(state.running), "extra": json.dumps(state.extra)},
                self.checkpoint_path)

    def run(self, state: LoopState, step_fn, log_fn, progress: bool = True) -> list:
        """Train from state.step to self.steps (or max_minutes); the history of log records."""
        lead = self.world.rank == 0
        bar = tqdm(total=self.steps, initial=state.step, desc=self.desc, disable=not (progress and lead))
        t0, first = time.perf_counter(), state.step

        def elapsed():
            return state.seconds + time.perf_counter() - t0

        while state.step < self.steps:
            loss, numbers = step_fn(state.rng)
            self.opt.zero_grad()
            loss.backward()
            over = bool(self.max_minutes) and time.perf_counter() - t0 > 60 * self.max_minutes
            over = self.world.average_gradients(self.net.parameters(), over)  # any rank past the limit: all stop
            if self.clip:
                nn.utils.clip_grad_norm_(self.net.parameters(), self.clip)
            self.opt.step()
            if self.sched is not None:
                self.sched.step()
            state.step += 1
            for k, v in {"loss": loss.item(), **numbers}.items():
                s = state.running.setdefault(k, [0.0, 0])
                s[0], s[1] = s[0] + float(v), s[1] + 1
            bar.update(1)
            shown = {"loss": f"{loss.item():.3f}"}
            if self.batch:  # photos a second over every rank
                rate = (state.step - first) * self.batch * self.world.size / (time.perf_counter() - t0)
                shown["img_s"] = f"{rate:.1f}"
            bar.set_postfix(**shown)
            if state.step % self.log_every == 0 or state.step == self.steps:
                self.log(state, log_fn, round(elapsed(), 1), bar)
                self.save_checkpoint(state, elapsed())
            elif over:
                self.save_checkpoint(state, elapsed())
                if lead:
                    bar.write(f"stopped after {self.max_minutes} minutes at step {state.step}; --resume goes on")
                break
        bar.close()
        return state.history

    def log(self, state: LoopState, log_fn, seconds: float, bar) -> None:
        """One history record (made by rank 0, kept by every rank); best.npz when it is the best so
        far by best_by."""
        means = self.world.mean_numbers({k: s / max(n, 1) for k, (s, n) in state.running.items()})
        self.world.average_buffers(self.net)  # one model: batch norm's running statistics of every rank
        lead = self.world.rank == 0
        record = None
        if lead:
            record = {"step": state.step, "loss": means.pop("loss", float("nan")), "seconds": seconds,
                      **log_fn(state.step, means)}
        record = self.world.bcast(record)
        state.history.append(record)
        state.running = {}
        if self.echo is not None and lead:
            bar.write(self.echo(record))
        if self.best_by is not None and record[self.best_by] > state.best:
            state.best = float(record[self.best_by])
            extra = self.best_metadata(record) if self.best_metadata is not None else {}
            if lead:
                mt.save(self.net.state_dict(), Path(self.out) / "best.npz",
                        metadata={"config": self.config, "step": state.step, **extra})
