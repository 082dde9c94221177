"""ColorNet's training throughput (images per second at its training size), this checkout against another.

    python -m benchmarks.colornet_speed [--against DIR] [--rounds 3] [--repeats 7] [--json FILE]
        [--device cpu|cuda] [--batch 16] [--output-strides 1,2]

What the models gain from the engine: one full training step of ColorNet as train/ runs it
(TrainConfig's defaults: 32-64-128-256 channels, 64x64 crops, batch 16, the rebalanced soft
cross-entropy on every stage plus the scene loss, Adam), on a fixed batch. ``--against DIR``
times the same step with the engine, models and training library of another checkout (for
example ``git worktree add /tmp/before <commit>``), each in its own process; rounds alternate
the two so that a noisy neighbour hits both. Two warm-up steps per process; medians of all
timed steps. ``--device=cuda`` times the step on the CuPy backend (on a lent GPU machine: `make
device-check`), ``--batch`` a larger batch than training's 16 (what a GPU would train with).
``--output-strides 1,2`` times ColorNet with its full-resolution output (stride 1, every ColorNet
before issue 28) against the half-resolution output it trains with since (stride 2), in this
checkout, alternating. Every row also gives the images per second with the batch building
(make_batch: crops, augmentation, hints, soft targets) added, what a training run sees.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()
ROOT = HERE.parents[1]


def worker(warmup: int, repeats: int, device: str = "cpu", batch_size: int = 16, output_stride: int = 1) -> dict:
    """Time ColorNet training steps with whatever checkout is first on sys.path."""
    import numpy as np

    import minitorch_color as mt
    from benchmarks.timing import time_calls
    from models.color import ABQuantizer
    from models.colornet import ColorNet, ColorNetConfig
    try:
        from train.colornet.training import TrainConfig, loss_fn, make_batch
    except ImportError:  # a checkout from before train/ had its folders (issue 30)
        from train.colornet_training import TrainConfig, loss_fn, make_batch

    mt.manual_seed(0)
    kw = {"output_stride": output_stride} if output_stride != 1 else {}  # an older checkout knows no stride
    cfg = TrainConfig(augment="none", batch=batch_size, device=device, **kw)
    quant = ABQuantizer()
    net = ColorNet(ColorNetConfig(channels=cfg.channels, num_bins=quant.num_bins, **kw)).to(device)
    rng = np.random.default_rng(0)
    n = max(64, cfg.batch)
    imgs = (rng.random((n, cfg.size, cfg.size, 3)) * 255).astype(np.uint8)
    pools = {"cifar": (imgs, np.full(n, -1)), "intel": (imgs, rng.integers(0, 6, n))}
    batch = make_batch(pools, cfg, rng, quant, np.ones(quant.num_bins), cfg.batch)
    x = mt.tensor(batch[0], device=device)
    opt = mt.optim.Adam(net.parameters(), lr=1e-3)
    losses = []

    def step():
        opt.zero_grad()
        loss = loss_fn(net(x), *batch[1:4], cfg)
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))  # also waits for the GPU

    times = time_calls(step, warmup, repeats)
    batch_cfg = TrainConfig(batch=batch_size, **kw)  # the default augmentation recipe, as a run builds batches
    batch_times = time_calls(lambda: make_batch(pools, batch_cfg, rng, quant, np.ones(quant.num_bins), cfg.batch),
                             warmup, repeats)
    return {"times": times, "batch_times": batch_times, "batch": cfg.batch, "size": cfg.size, "losses": losses,
            "device": device, "output_stride": output_stride,
            "engine": str(Path(mt.__file__).resolve().parents[1])}


def _run(root: Path, warmup: int, repeats: int, threads: int, device: str, batch: int, stride: int = 1) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    # this file runs as a script from the other checkout's folder, so it imports that checkout
    out = subprocess.run([sys.executable, str(HERE), "--worker", "--warmup", str(warmup),
                          "--repeats", str(repeats), "--device", device, "--batch", str(batch)]
                         + (["--output-stride", str(stride)] if stride != 1 else []),
                         capture_output=True, text=True, env=env, cwd=root)
    if out.returncode != 0:
        raise RuntimeError(f"ColorNet worker in {root} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(against: Path | None, rounds: int, repeats: int, warmup: int = 2, threads: int = 2,
        device: str = "cpu", batch_size: int = 16, strides=None) -> dict:
    from benchmarks.timing import median
    if strides:
        roots = {f"stride {s}": (ROOT, s) for s in strides}
    else:
        roots = {"this checkout": (ROOT, 1)} | ({"other": (against.resolve(), 1)} if against else {})
    times, batch_times = {k: [] for k in roots}, {k: [] for k in roots}
    losses = {}
    batch = None
    for _ in range(rounds):
        for name, (root, stride) in roots.items():
            r = _run(root, warmup, repeats, threads, device, batch_size, stride)
            times[name] += r["times"]
            batch_times[name] += r.get("batch_times", [])
            losses[name] = r["losses"]
            batch = r["batch"]
    rows = {}
    for name, (root, stride) in roots.items():
        step, build = median(times[name]), median(batch_times[name]) if batch_times[name] else None
        rows[name] = {"root": str(root), "output_stride": stride, "median_ms": 1e3 * step,
                      "images_per_s": batch / step, "n_timed": len(times[name]),
                      **({"batch_build_ms": 1e3 * build, "images_per_s_with_batches": batch / (step + build)}
                         if build is not None else {}),
                      "first_losses": losses[name][:warmup + 3]}
    res = {"date": time.strftime("%Y-%m-%d"), "rounds": rounds, "repeats": repeats, "threads": threads,
           "device": device,
           "workload": f"ColorNet 32-64-128-256, {batch}x64x64 crops, soft CE on 4 stages + scene loss, Adam",
           "rows": rows}
    if against:
        res["speedup"] = rows["other"]["median_ms"] / rows["this checkout"]["median_ms"]
    if strides and len(strides) == 2:
        a, b = (rows[f"stride {s}"] for s in strides)
        res["speedup"] = a["median_ms"] / b["median_ms"]
        if "images_per_s_with_batches" in a and "images_per_s_with_batches" in b:
            res["speedup_with_batches"] = b["images_per_s_with_batches"] / a["images_per_s_with_batches"]
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--against", type=Path, help="another checkout of this repository to compare with")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", type=Path)
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--batch", type=int, default=16, help="images per step (training uses 16)")
    p.add_argument("--output-strides", default="", help="e.g. 1,2: ColorNet at each output stride, this checkout")
    p.add_argument("--output-stride", type=int, default=1, help=argparse.SUPPRESS)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if min(a.rounds, a.repeats, a.threads, a.batch) < 1:
        p.error("--rounds, --repeats, --threads and --batch must be at least 1")
    if a.worker:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(worker(a.warmup, a.repeats, a.device, a.batch, a.output_stride)))
        return 0
    if a.device == "cuda":
        from minitorch_color.backend import cuda_available
        if not cuda_available():
            p.error("--device=cuda: CuPy with a working GPU is not available here")
    if a.against and not (a.against / "minitorch_color").is_dir():
        p.error(f"{a.against} is not a checkout of this repository (no minitorch_color/ in it)")
    strides = [int(v) for v in a.output_strides.split(",")] if a.output_strides else None
    res = run(a.against, a.rounds, a.repeats, a.warmup, a.threads, a.device, a.batch, strides)
    for name, r in res["rows"].items():
        extra = (f", {r['images_per_s_with_batches']:.1f} img/s with batch building ({r['batch_build_ms']:.0f} ms)"
                 if "images_per_s_with_batches" in r else "")
        print(f"{name:14s} {r['images_per_s']:6.1f} img/s  {r['median_ms']:7.1f} ms/step{extra}  "
              f"(n={r['n_timed']}; {r['root']}); first losses {[round(v, 5) for v in r['first_losses']]}")
    if "speedup" in res:
        print(f"speed-up: {res['speedup']:.2f}x images per second (step)"
              + (f", {res['speedup_with_batches']:.2f}x with batch building" if "speedup_with_batches" in res else ""))
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
