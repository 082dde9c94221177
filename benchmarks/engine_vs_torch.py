"""minitorch_color against PyTorch CPU on DESIGN.md's reference workload.

    python -m benchmarks.engine_vs_torch [--threads 2] [--repeats 7] [--rounds 2] [--busy 1] [--json FILE]

Training step: U-Net 32-64-128-256 (benchmarks/unet.py), batch 16x1x64x64, MSE, Adam.
Inference: one 1x1x256x256 image in eval mode without gradients. Each network is written two
ways (benchmarks/unet.py): "ordinary" PyTorch-style layers (Conv2d with bias, BatchNorm2d, ReLU)
and "fused" (no conv bias; our BatchNormReLU2d). Each framework runs in
its own process (two frameworks in one process slow each other down) with the same
number of BLAS threads; rounds alternate the frameworks so that a noisy neighbour hurts
both alike. JIT compilation and first-call costs are excluded by warm-up iterations;
the times are medians over every timed iteration of every round. Peak RSS is the
process's high-water mark (ru_maxrss), including the framework's own import.
--busy N keeps N cores busy with another program (a spinning process each) for the whole run,
as on a shared machine.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys

import minitorch_color as mt
from benchmarks.kernel_cases import format_kernels, run_kernels
from benchmarks.timing import median, time_calls
from benchmarks.unet import VARIANTS, build_ours, build_torch, conv_flops

BATCH, TRAIN_SIZE, INFER_SIZE = 16, 64, 256


def _rss_mb():
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _framework(name, threads, variant):
    """What differs between the two frameworks: model, tensors, optimiser, loss, no-grad."""
    if name == "ours":
        mt.manual_seed(0)
        return dict(model=build_ours(variant=variant), tensor=mt.tensor, adam=mt.optim.Adam,
                    mse=mt.nn.F.mse_loss, no_grad=mt.no_grad)
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    return dict(model=build_torch(variant=variant), tensor=torch.from_numpy, adam=torch.optim.Adam,
                mse=torch.nn.functional.mse_loss, no_grad=torch.no_grad)


def worker(name, task, warmup, repeats, threads, variant):
    """Time one task of one framework's network variant in this process; return times and memory."""
    import numpy as np

    fw = _framework(name, threads, variant)
    model = fw["model"]
    base = _rss_mb()
    rng = np.random.default_rng(0)
    if task == "train":
        opt = fw["adam"](model.parameters(), lr=1e-3)
        x = fw["tensor"](rng.standard_normal((BATCH, 1, TRAIN_SIZE, TRAIN_SIZE)).astype(np.float32))
        y = fw["tensor"](rng.standard_normal((BATCH, 2, TRAIN_SIZE, TRAIN_SIZE)).astype(np.float32))

        def step():
            opt.zero_grad()
            loss = fw["mse"](model(x), y)
            loss.backward()
            opt.step()
    else:
        model.eval()
        x = fw["tensor"](rng.standard_normal((1, 1, INFER_SIZE, INFER_SIZE)).astype(np.float32))

        def step():
            with fw["no_grad"]():
                model(x)
    times = time_calls(step, warmup, repeats)
    return {"times": times, "peak_rss_mb": _rss_mb(), "base_rss_mb": base}


def worker_matmul(repeats):
    import numpy as np
    a = np.random.default_rng(0).standard_normal((4096, 3072)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((3072, 4096)).astype(np.float32)
    times = time_calls(lambda: a @ b, 2, repeats)
    return {"times": times, "flop": 2 * 4096 * 3072 * 4096}


def _run_worker(args, threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, "-m", "benchmarks.engine_vs_torch", "--worker", *args,
                          "--threads", str(threads)], capture_output=True, text=True, env=env, cwd=root)
    if out.returncode != 0:
        raise RuntimeError(f"worker {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


@contextlib.contextmanager
def busy_cores(n):
    """Keep n cores busy with spinning processes while the block runs."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in spinners:
            proc.kill()
            proc.wait()


def torch_available():
    import importlib.util
    return importlib.util.find_spec("torch") is not None


def run(threads=2, repeats=7, rounds=2, warmup=2, kernels=True):
    """Measure everything and return the results dict (also what --json writes)."""

    frameworks = ["minitorch_color"] + (["pytorch"] if torch_available() else [])
    raw = {(f, v, t): {"times": [], "peak": 0.0, "base": 0.0}
           for v in VARIANTS for f in frameworks for t in ("train", "infer")}
    mm = []
    for _ in range(rounds):
        mm += _run_worker(["matmul", "--repeats", str(repeats)], threads)["times"]
        for task in ("train", "infer"):
            for v in VARIANTS:
                for f in frameworks:
                    r = _run_worker([{"minitorch_color": "ours", "pytorch": "torch"}[f], "--task", task,
                                     "--variant", v, "--repeats", str(repeats), "--warmup", str(warmup)], threads)
                    slot = raw[(f, v, task)]
                    slot["times"] += r["times"]
                    slot["peak"] = max(slot["peak"], r["peak_rss_mb"])
                    slot["base"] = max(slot["base"], r["base_rss_mb"])
    peak_gflops = 2 * 4096 * 3072 * 4096 / median(mm) / 1e9
    flops = {"train": 3 * conv_flops(size=TRAIN_SIZE, batch=BATCH), "infer": conv_flops(size=INFER_SIZE)}
    images = {"train": BATCH, "infer": 1}
    rows = []
    for (f, v, task), slot in raw.items():
        t = median(slot["times"])
        rows.append({"framework": f, "layers": v, "task": task, "median_ms": 1e3 * t, "images_per_s": images[task] / t,
                     "peak_rss_mb": slot["peak"], "rss_above_import_mb": slot["peak"] - slot["base"],
                     "gflops": flops[task] / t / 1e9, "pct_matmul_peak": 100 * flops[task] / t / 1e9 / peak_gflops,
                     "n_timed": len(slot["times"])})
    ratios = {}
    if "pytorch" in frameworks:
        by = {(r["framework"], r["layers"], r["task"]): r for r in rows}
        for v, task in ((v, t) for v in VARIANTS for t in ("train", "infer")):
            ours, peer = by[("minitorch_color", v, task)], by[("pytorch", v, task)]
            ratios[f"{v} {task}"] = {"speed_ours_over_torch": peer["median_ms"] / ours["median_ms"],
                            "peak_rss_ours_over_torch": ours["peak_rss_mb"] / peer["peak_rss_mb"]}
    result = {"threads": threads, "repeats": repeats, "rounds": rounds, "numpy_matmul_gflops": peak_gflops,
              "workload": {"train": f"U-Net 32-64-128-256, {BATCH}x1x{TRAIN_SIZE}x{TRAIN_SIZE}, MSE + Adam",
                           "infer": f"same U-Net, eval, 1x1x{INFER_SIZE}x{INFER_SIZE}"},
              "rows": rows, "ratios": ratios}
    if kernels:
        result["kernels"] = run_kernels(repeats=repeats)
    return result


def format_table(res):
    """Return the results as a text table."""
    lines = [f"NumPy float32 matmul (4096x3072 @ 3072x4096) peak in this run: "
             f"{res['numpy_matmul_gflops']:.0f} GFLOP/s; "
             f"{res['threads']} threads; medians of {res['rounds']}x{res['repeats']} timed runs"
             + (f"; {res['busy_cores']} core(s) kept busy by another program" if res.get("busy_cores") else ""),
             f"{'framework':16s} {'layers':9s} {'task':6s} {'img/s':>8s} {'ms':>8s} {'peak RSS MB':>12s} "
             f"{'(above import)':>14s} "
             f"{'GFLOP/s':>8s} {'% matmul':>9s}"]
    for r in res["rows"]:
        lines.append(f"{r['framework']:16s} {r['layers']:9s} {r['task']:6s} {r['images_per_s']:8.1f} "
                     f"{r['median_ms']:8.1f} "
                     f"{r['peak_rss_mb']:12.0f} {r['rss_above_import_mb']:14.0f} {r['gflops']:8.1f} "
                     f"{r['pct_matmul_peak']:8.1f}%")
    for task, rr in res.get("ratios", {}).items():
        lines.append(f"ours/PyTorch {task}: speed {rr['speed_ours_over_torch']:.2f}x "
                     f"(>1 = faster), peak RSS {rr['peak_rss_ours_over_torch']:.2f}x")
    if not res.get("ratios"):
        lines.append("PyTorch is not installed: no ratios (pip install -r requirements-peer.txt)")
    if "kernels" in res:
        lines.append("")
        lines.append(format_kernels(res["kernels"]))
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--busy", type=int, default=0, help="cores kept busy by another program meanwhile")
    p.add_argument("--json", help="also write the results to this JSON file")
    p.add_argument("--no-kernels", action="store_true", help="skip the NumPy-vs-Numba kernel table")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    p.add_argument("--task", default="train", help=argparse.SUPPRESS)
    p.add_argument("--variant", default="fused", help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.repeats < 1 or a.rounds < 1 or a.threads < 1:
        p.error("--repeats, --rounds and --threads must be at least 1")
    if a.worker in ("ours", "torch"):
        print(json.dumps(worker(a.worker, a.task, a.warmup, a.repeats, a.threads, a.variant)))
        return 0
    if a.worker == "matmul":
        print(json.dumps(worker_matmul(a.repeats)))
        return 0
    if a.busy < 0:
        p.error("--busy must be at least 0")
    with busy_cores(a.busy):
        res = run(a.threads, a.repeats, a.rounds, a.warmup, kernels=not a.no_kernels)
    res["busy_cores"] = a.busy
    print(format_table(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
