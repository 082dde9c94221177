"""ColorNet's training throughput (images per second at its training size), this checkout against another.

    python -m benchmarks.colornet_speed [--against DIR] [--rounds 3] [--repeats 7] [--json FILE]
        [--device cpu|cuda] [--batch 16]

What the models gain from the engine: one full training step of ColorNet as train/ runs it
(TrainConfig's defaults: 32-64-128-256 channels, 64x64 crops, batch 16, the rebalanced soft
cross-entropy on every stage plus the scene loss, Adam), on a fixed batch. ``--against DIR``
times the same step with the engine, models and training library of another checkout (for
example ``git worktree add /tmp/before <commit>``), each in its own process; rounds alternate
the two so that a noisy neighbour hits both. Two warm-up steps per process; medians of all
timed steps. ``--device=cuda`` times the step on the CuPy backend (on a lent GPU machine: `make
device-check`), ``--batch`` a larger batch than training's 16 (what a GPU would train with).
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


def worker(warmup: int, repeats: int, device: str = "cpu", batch_size: int = 16) -> dict:
    """Time ColorNet training steps with whatever checkout is first on sys.path."""
    import numpy as np

    import minitorch_color as mt
    from benchmarks.timing import time_calls
    from models.color import ABQuantizer
    from models.colornet import ColorNet, ColorNetConfig
    from train.colornet_training import TrainConfig, loss_fn, make_batch

    mt.manual_seed(0)
    cfg = TrainConfig(augment="none", batch=batch_size, device=device)
    quant = ABQuantizer()
    net = ColorNet(ColorNetConfig(channels=cfg.channels, num_bins=quant.num_bins)).to(device)
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
    return {"times": times, "batch": cfg.batch, "size": cfg.size, "losses": losses, "device": device,
            "engine": str(Path(mt.__file__).resolve().parents[1])}


def _run(root: Path, warmup: int, repeats: int, threads: int, device: str, batch: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(root))
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    # this file runs as a script from the other checkout's folder, so it imports that checkout
    out = subprocess.run([sys.executable, str(HERE), "--worker", "--warmup", str(warmup),
                          "--repeats", str(repeats), "--device", device, "--batch", str(batch)],
                         capture_output=True, text=True, env=env, cwd=root)
    if out.returncode != 0:
        raise RuntimeError(f"ColorNet worker in {root} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(against: Path | None, rounds: int, repeats: int, warmup: int = 2, threads: int = 2,
        device: str = "cpu", batch_size: int = 16) -> dict:
    from benchmarks.timing import median
    roots = {"this checkout": ROOT} | ({"other": against.resolve()} if against else {})
    times = {k: [] for k in roots}
    losses = {}
    batch = None
    for _ in range(rounds):
        for name, root in roots.items():
            r = _run(root, warmup, repeats, threads, device, batch_size)
            times[name] += r["times"]
            losses[name] = r["losses"]
            batch = r["batch"]
    rows = {name: {"root": str(root), "median_ms": 1e3 * median(times[name]),
                   "images_per_s": batch / median(times[name]), "n_timed": len(times[name]),
                   "first_losses": losses[name][:warmup + 3]}
            for name, root in roots.items()}
    res = {"date": time.strftime("%Y-%m-%d"), "rounds": rounds, "repeats": repeats, "threads": threads,
           "device": device,
           "workload": f"ColorNet 32-64-128-256, {batch}x64x64 crops, soft CE on 4 stages + scene loss, Adam",
           "rows": rows}
    if against:
        res["speedup"] = rows["other"]["median_ms"] / rows["this checkout"]["median_ms"]
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
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if min(a.rounds, a.repeats, a.threads, a.batch) < 1:
        p.error("--rounds, --repeats, --threads and --batch must be at least 1")
    if a.worker:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(worker(a.warmup, a.repeats, a.device, a.batch)))
        return 0
    if a.device == "cuda":
        from minitorch_color.backend import cuda_available
        if not cuda_available():
            p.error("--device=cuda: CuPy with a working GPU is not available here")
    if a.against and not (a.against / "minitorch_color").is_dir():
        p.error(f"{a.against} is not a checkout of this repository (no minitorch_color/ in it)")
    res = run(a.against, a.rounds, a.repeats, a.warmup, a.threads, a.device, a.batch)
    for name, r in res["rows"].items():
        print(f"{name:14s} {r['images_per_s']:6.1f} img/s  {r['median_ms']:7.1f} ms/step  "
              f"(n={r['n_timed']}; {r['root']}); first losses {[round(v, 5) for v in r['first_losses']]}")
    if "speedup" in res:
        print(f"this checkout / other: {res['speedup']:.2f}x images per second")
    if a.json:
        a.json.write_text(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
