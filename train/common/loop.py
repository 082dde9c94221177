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
    checkpoints (ColorNet's best_val, StyleNet's styles, none of the running means) are converted.
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
    ck["history"] = json.loads(ck["history"]) if isinstance(ck.get("history"), str) else []
    ck["running"] = json.loads(ck["running"]) if isinstance(ck.get("running"), str) else {}
    ck["seconds"] = float(ck.get("seconds", 0.0))
    return ck


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

    @property
    def checkpoint_path(self) -> Path:
        return Path(self.out) / "checkpoint.npz"

    def start(self, resume: bool, seed: int, checkpoint: dict | None = None) -> LoopState:
        """A new run's state (and a clean run folder), or the state of the checkpoint read to resume
        (read_checkpoint; its model, optimiser and schedule are loaded into this loop's)."""
        out = Path(self.out)
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:  # a file of that name, or no permission
            raise SystemExit(f"--out={out}: cannot be the run's folder ({e.strerror or e})") from None
        remove_stale_temporaries(out)  # a save interrupted by a kill leaves one behind
        rng = np.random.default_rng(seed)
        if not resume:
            return LoopState(rng=rng)
        ck = checkpoint if checkpoint is not None else read_checkpoint(self.checkpoint_path)
        self.net.load_state_dict(ck["model"])
        self.opt.load_state_dict(ck["optimizer"])
        if self.sched is not None and "scheduler" in ck:
            self.sched.load_state_dict(ck["scheduler"])
        if "rng" in ck:  # the batches go on exactly where they stopped
            rng.bit_generator.state = json.loads(ck["rng"])
        else:  # a checkpoint from before the generator was saved: fresh batches
            rng = np.random.default_rng(seed + ck["step"])
        return LoopState(ck["step"], float(ck["best"]), ck["history"], rng, ck["seconds"], ck["running"], ck["extra"])

    def save_checkpoint(self, state: LoopState, seconds: float) -> None:
        mt.save({"model": self.net.state_dict(), "optimizer": self.opt.state_dict(),
                 **({"scheduler": self.sched.state_dict()} if self.sched is not None else {}),
                 "config": self.config, "step": state.step, "best": state.best,
                 "history": json.dumps(state.history), "rng": json.dumps(state.rng.bit_generator.state),
                 "seconds": seconds, "running": json.dumps(state.running), "extra": json.dumps(state.extra)},
                self.checkpoint_path)

    def run(self, state: LoopState, step_fn, log_fn, progress: bool = True) -> list:
        """Train from state.step to self.steps (or max_minutes); the history of log records."""
        bar = tqdm(total=self.steps, initial=state.step, desc=self.desc, disable=not progress)
        t0, first = time.perf_counter(), state.step

        def elapsed():
            return state.seconds + time.perf_counter() - t0

        while state.step < self.steps:
            loss, numbers = step_fn(state.rng)
            self.opt.zero_grad()
            loss.backward()
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
            if self.batch:
                shown["img_s"] = f"{(state.step - first) * self.batch / (time.perf_counter() - t0):.1f}"
            bar.set_postfix(**shown)
            if state.step % self.log_every == 0 or state.step == self.steps:
                self.log(state, log_fn, round(elapsed(), 1), bar)
                self.save_checkpoint(state, elapsed())
            elif self.max_minutes and time.perf_counter() - t0 > 60 * self.max_minutes:
                self.save_checkpoint(state, elapsed())
                bar.write(f"stopped after {self.max_minutes} minutes at step {state.step}; --resume goes on")
                break
        bar.close()
        return state.history

    def log(self, state: LoopState, log_fn, seconds: float, bar) -> None:
        """One history record; best.npz when it is the best so far by best_by."""
        means = {k: s / max(n, 1) for k, (s, n) in state.running.items()}
        record = {"step": state.step, "loss": means.pop("loss", float("nan")), "seconds": seconds,
                  **log_fn(state.step, means)}
        state.history.append(record)
        state.running = {}
        if self.echo is not None:
            bar.write(self.echo(record))
        if self.best_by is not None and record[self.best_by] > state.best:
            state.best = float(record[self.best_by])
            extra = self.best_metadata(record) if self.best_metadata is not None else {}
            mt.save(self.net.state_dict(), Path(self.out) / "best.npz",
                    metadata={"config": self.config, "step": state.step, **extra})
