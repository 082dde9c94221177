"""Data-parallel training on MPI: the Allreduce of ColorNet's gradient, a training step on 1 and 2
ranks, and a cost model for 8 to 64 nodes.

    python -m benchmarks.data_parallel [--steps 12] [--json FILE]

Each measurement runs in its own process under `mpiexec -n N python -m mpi4py` (this script with
--rank-job). ColorNet is the shipped one's architecture (weights/colornet.json model_config) at
training's crop (64x64) and batch (16 photos a rank), the step as train/common/loop.py takes it:
forward, the rebalanced loss, backward, the gradient averaged by one Allreduce of one float32
buffer (train/common/distributed.py), clipping, AdamW; a barrier before the Allreduce (only
here) separates waiting for the slower rank from the Allreduce itself. Medians over --steps steps after two
warm-up steps. Rows: one rank with 1 thread and with 2 threads, two ranks with 1 thread each (this
machine has 2 cores). The Allreduce alone is timed on 2 ranks for buffers from 64 KB to 32 MB; here
it goes through shared memory, not a network, so it says what the code costs, not a cluster.

The cost model (labelled as such in the output): a step on N nodes takes the compute of one node
plus a ring Allreduce of S bytes, 2 (N-1)/N S / B + 2 (N-1) a, with B the link's bandwidth at 90%
of its nominal rate and a = 50 us per message on TCP over Ethernet; the Allreduce starts after
the backward pass (this loop does not overlap them). The compute is this machine's measured step
(2 cores, one rank of 2 threads), and, to show when the network starts to matter, a node ten times
faster (a GPU's order of magnitude).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import minitorch_color as mt
from minitorch_color import nn
from models.color import ABQuantizer
from models.colornet import ColorNet, ColorNetConfig
from train.colornet.training import TrainConfig, loss_fn, make_batch
from train.common.distributed import MPIWorld

ROOT = Path(__file__).resolve().parents[1]
MPI_ENV = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
LINKS_GBIT = (10, 25)
NODES = (1, 2, 8, 16, 32, 64)
LATENCY_S = 50e-6
LINK_EFFICIENCY = 0.9


def rank_job(steps: int, out: Path) -> None:
    """Time training steps on every rank of COMM_WORLD; rank 0 writes the medians to out."""
    world = MPIWorld()
    card = json.loads((ROOT / "weights" / "colornet.json").read_text())
    mt.manual_seed(0)
    quant = ABQuantizer()
    shipped = card["model_config"]
    net = ColorNet(ColorNetConfig(**{**shipped, "channels": tuple(shipped["channels"]), "num_bins": quant.num_bins}))
    cfg = TrainConfig(augment="none", batch=16, size=64, channels=tuple(shipped["channels"]),
                      output_stride=shipped["output_stride"], film_inputs=shipped["film_inputs"], scene_set="v2")
    rng = np.random.default_rng(world.rank)
    n = 64
    imgs = (rng.random((n, cfg.size, cfg.size, 3)) * 255).astype(np.uint8)
    pools = {"intel": (imgs, rng.integers(0, 6, n))}
    x, targets, pix_w, scenes, _ = make_batch(pools, cfg, rng, quant, np.ones(quant.num_bins), cfg.batch)
    world.broadcast_model(net)
    opt = mt.optim.AdamW(net.parameters(), lr=1e-4)
    compute, wait, reduce, total = [], [], [], []
    for i in range(steps + 2):
        world.barrier()
        t0 = time.perf_counter()
        loss = loss_fn(net(mt.tensor(x)), targets, pix_w, scenes, cfg)
        opt.zero_grad()
        loss.backward()
        t1 = time.perf_counter()
        world.barrier()  # (not in the loop: here it tells waiting for the slower rank from the Allreduce)
        t1b = time.perf_counter()
        world.average_gradients(net.parameters())
        t2 = time.perf_counter()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        t3 = time.perf_counter()
        if i >= 2:
            compute.append((t1 - t0) + (t3 - t2))
            wait.append(t1b - t1)
            reduce.append(t2 - t1b)
            total.append(t3 - t0)
    sizes = [2 ** k for k in range(14, 24)]  # float32 values: 64 KB .. 32 MB
    allreduce = {}
    if world.size > 1:
        for count in sizes + [sum(p.data.size for p in net.parameters()) + 1]:
            buf = np.ones(count, np.float32)
            times = []
            for _ in range(12):
                world.barrier()
                t0 = time.perf_counter()
                world.comm.Allreduce(world.MPI.IN_PLACE, buf, op=world.MPI.SUM)
                times.append(time.perf_counter() - t0)
            allreduce[str(count * 4)] = float(np.median(times[2:]))
    medians = world.gather({"compute": float(np.median(compute)), "allreduce": float(np.median(reduce)),
                            "wait": float(np.median(wait)), "step": float(np.median(total))})
    if world.rank == 0:
        step = max(m["step"] for m in medians)  # the slowest rank sets the pace
        out.write_text(json.dumps({
            "ranks": world.size, "threads_per_rank": int(os.environ.get("OMP_NUM_THREADS", "0")),
            "batch_per_rank": cfg.batch, "parameters": int(sum(p.data.size for p in net.parameters())),
            "gradient_bytes": int(4 * (sum(p.data.size for p in net.parameters()) + 1)),
            "step_s": step, "compute_s": max(m["compute"] for m in medians),
            "allreduce_in_step_s": max(m["allreduce"] for m in medians),
            "waiting_for_the_slower_rank_s": max(m["wait"] for m in medians),
            "images_per_s": world.size * cfg.batch / step, "allreduce_s_by_bytes": allreduce}))


def measure(ranks: int, threads: int, steps: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "row.json"
        env = {**os.environ, **MPI_ENV, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(threads),
               "NUMBA_NUM_THREADS": str(threads), "MINITORCH_NUM_THREADS": str(threads)}
        mpiexec = Path(sys.executable).with_name("mpiexec")
        command = [str(mpiexec), "-n", str(ranks), "--oversubscribe", "--bind-to", "none", sys.executable, "-m",
                   "mpi4py", "-m", "benchmarks.data_parallel", "--rank-job", str(out), "--steps", str(steps)]
        subprocess.run(command, env=env, cwd=ROOT, check=True, timeout=1800)
        return json.loads(out.read_text())


def ring_allreduce_s(nodes: int, nbytes: int, gbit: float) -> float:
    """The model's time of a ring Allreduce of nbytes over nodes on a gbit link."""
    if nodes == 1:
        return 0.0
    bandwidth = gbit * 1e9 / 8 * LINK_EFFICIENCY
    return 2 * (nodes - 1) / nodes * nbytes / bandwidth + 2 * (nodes - 1) * LATENCY_S


def cost_model(compute_s: float, nbytes: int, batch: int) -> list:
    rows = []
    for label, c in (("a node like this machine", compute_s), ("a node 10x faster", compute_s / 10)):
        for gbit in LINKS_GBIT:
            for n in NODES:
                comm = ring_allreduce_s(n, nbytes, gbit)
                rows.append({"node": label, "link_gbit": gbit, "nodes": n, "compute_s": c, "allreduce_s": comm,
                             "images_per_s": n * batch / (c + comm), "efficiency": c / (c + comm)})
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=12)
    p.add_argument("--json", default=None)
    p.add_argument("--rank-job", default=None, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.rank_job:
        rank_job(a.steps, Path(a.rank_job))
        return 0
    rows = [measure(1, 1, a.steps), measure(1, 2, a.steps), measure(2, 1, a.steps)]
    for r in rows:
        print(f"{r['ranks']} rank(s) x {r['threads_per_rank']} thread(s): step {1000 * r['step_s']:.0f} ms "
              f"(Allreduce {1000 * r['allreduce_in_step_s']:.1f} ms, waiting for the slower rank "
              f"{1000 * r['waiting_for_the_slower_rank_s']:.0f} ms), {r['images_per_s']:.1f} images/s")
    two = rows[2]
    print("Allreduce on 2 ranks (shared memory): " + ", ".join(
        f"{int(b) / 2**20:.2f} MB {1000 * t:.2f} ms" for b, t in two["allreduce_s_by_bytes"].items()))
    model = cost_model(rows[1]["compute_s"], two["gradient_bytes"], two["batch_per_rank"])
    print("A MODEL, not a measurement (ring Allreduce, 90% of the link, 50 us a message):")
    for m in model:
        if m["nodes"] in (8, 64):
            print(f"  {m['node']}, {m['link_gbit']} Gb/s, {m['nodes']} nodes: {m['images_per_s']:.0f} images/s, "
                  f"efficiency {m['efficiency']:.2f}")
    if a.json:
        Path(a.json).write_text(json.dumps({
            "date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "rows": rows,
            "cost_model": {"what": "a model, not a measurement: step = one node's measured compute + ring Allreduce "
                                   "2(N-1)/N S/B + 2(N-1)a, no overlap with the backward pass",
                           "link_efficiency": LINK_EFFICIENCY, "latency_s": LATENCY_S,
                           "gradient_bytes": two["gradient_bytes"], "rows": model}}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
