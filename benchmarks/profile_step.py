"""Where a training step's time goes, per op and direction: the table behind issue 12.

    python -m benchmarks.profile_step [--steps 6] [--json FILE]

Every differentiable primitive (a Function subclass) has its forward and backward wrapped with a
timer for the measured steps; 3x3 stride-1 convolutions (Winograd) are told apart from the others
(im2col + GEMM). What no primitive accounts for - building the graph, autograd's bookkeeping,
Python in the modules, allocation outside the ops - is "other"; the optimiser and zero_grad are
timed apart. Three workloads: DESIGN.md's reference U-Net with the fused BatchNormReLU2d, the
same written with ordinary layers (conv bias, BatchNorm2d and ReLU modules), and ColorNet (32-64-128-256, 64 px, its
training loss). Batch 16, two warm-up steps excluded; run on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

import minitorch_color as mt
from benchmarks.unet import build_ours
from minitorch_color import nn
from minitorch_color.autograd import Function
from minitorch_color.memory import keep_freed_memory
from models.color import ABQuantizer
from models.colornet import ColorNet, ColorNetConfig
from train.colornet.training import TrainConfig, loss_fn, make_batch


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


class OpTimer:
    """Wraps every Function's forward and backward with a timer (restored by close())."""

    def __init__(self):
        self.times = defaultdict(float)
        self.on = False
        self._saved = []
        for fn in set(_subclasses(Function)):
            for direction in ("forward", "backward"):
                if direction in fn.__dict__:
                    original = fn.__dict__[direction]
                    self._saved.append((fn, direction, original))
                    setattr(fn, direction, staticmethod(self._timed(fn, direction, original.__func__)))

    def _timed(self, fn, direction, func):
        def run(ctx, *args, **kwargs):
            if not self.on:
                return func(ctx, *args, **kwargs)
            t = time.perf_counter()
            out = func(ctx, *args, **kwargs)
            self.times[self._name(fn, ctx, args), direction] += time.perf_counter() - t
            return out
        return run

    @staticmethod
    def _name(fn, ctx, args):
        if fn.__name__ in ("Conv2d", "ConvTranspose2d"):
            w = args[1] if fn.__name__ == "Conv2d" and len(args) > 1 else None
            shape = w.shape if w is not None else ctx.saved_tensors[1].shape
            return f"{fn.__name__} {shape[2]}x{shape[3]}"
        return fn.__name__

    def close(self):
        for fn, direction, original in self._saved:
            setattr(fn, direction, original)


def reference_unet(fused: bool):
    net = build_ours(variant="fused" if fused else "ordinary")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 1, 64, 64)).astype(np.float32), rng.standard_normal((16, 2, 64, 64))

    def loss():
        return nn.F.mse_loss(net(mt.tensor(x)), mt.tensor(y.astype(np.float32)))
    return net, loss


def colornet():
    cfg = TrainConfig(augment="none")
    quant = ABQuantizer()
    net = ColorNet(ColorNetConfig(channels=cfg.channels, num_bins=quant.num_bins))
    rng = np.random.default_rng(0)
    imgs = (rng.random((64, 64, 64, 3)) * 255).astype(np.uint8)
    pools = {"cifar": (imgs, np.full(64, -1)), "intel": (imgs, rng.integers(0, 6, 64))}
    batch = make_batch(pools, cfg, rng, quant, np.ones(quant.num_bins), 16)

    def loss():
        return loss_fn(net(mt.tensor(batch[0])), *batch[1:4], cfg)
    return net, loss


def profile(net, loss_fn, steps: int, timer: OpTimer) -> dict:
    opt = mt.optim.Adam(net.parameters(), lr=1e-3)
    for _ in range(2):  # warm-up: JIT compilation, first-touch allocations
        opt.zero_grad()
        loss_fn().backward()
        opt.step()
    timer.times.clear()
    parts = defaultdict(float)
    total = 0.0
    for _ in range(steps):
        t0 = time.perf_counter()
        opt.zero_grad()
        t1 = time.perf_counter()
        timer.on = True
        loss = loss_fn()
        loss.backward()
        timer.on = False
        t2 = time.perf_counter()
        opt.step()
        t3 = time.perf_counter()
        parts["zero_grad"] += t1 - t0
        parts["forward + backward"] += t2 - t1
        parts["optimizer step"] += t3 - t2
        total += t3 - t0
    ops = {f"{name} {direction}": t / steps for (name, direction), t in timer.times.items()}
    other = parts["forward + backward"] / steps - sum(ops.values())
    rows = dict(sorted(ops.items(), key=lambda kv: -kv[1]))
    rows["other (graph, autograd, Python)"] = other
    rows["optimizer step"] = parts["optimizer step"] / steps
    rows["zero_grad"] = parts["zero_grad"] / steps
    return {"step_ms": 1e3 * total / steps, "rows_ms": {k: 1e3 * v for k, v in rows.items()}}


def format_table(name, res, top: int = 14) -> str:
    lines = [f"{name}: {res['step_ms']:.0f} ms per step", f"{'part':44s} {'ms':>8s} {'share':>7s}"]
    items = list(res["rows_ms"].items())
    shown = [kv for kv in items[:-3][:top]] + items[-3:]
    for k, v in shown:
        lines.append(f"{k:44s} {v:8.1f} {v / res['step_ms']:7.1%}")
    rest = sum(v for k, v in items[:-3][top:])
    if rest:
        lines.append(f"{'(the remaining ops)':44s} {rest:8.1f} {rest / res['step_ms']:7.1%}")
    return "\n".join(lines)


def main(argv=None):
    keep_freed_memory()  # the engine's malloc tuning (minitorch_color/memory.py), chosen by the entry point
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    mt.manual_seed(0)
    timer = OpTimer()
    results = {}
    try:
        for name, make in (("reference U-Net, fused BatchNormReLU2d", lambda: reference_unet(True)),
                           ("reference U-Net, ordinary layers (conv bias, BatchNorm2d, ReLU)",
                            lambda: reference_unet(False)),
                           ("ColorNet 32-64-128-256 at 64 px", colornet)):
            results[name] = profile(*make(), a.steps, timer)
            print(format_table(name, results[name]) + "\n")
    finally:
        timer.close()
    if a.json:
        Path(a.json).write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "steps": a.steps,
                                            "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
