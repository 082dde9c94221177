"""Where the 3x3 convolutions' time goes, part by part: the table behind issue 34.

    python -m benchmarks.winograd_parts [--repeats 5] [--json FILE]

Every Winograd convolution of DESIGN.md's reference U-Net (benchmarks/unet.py; batch 16, 64 px)
in a training step, in one thread and in the chunks the engine cuts (ops/winograd.py): the forward
(input transform, GEMM, output transform), the input gradient (the same three on the output
gradient) and the weight gradient (adjoint output transform, input transform again, GEMM). Each
part is timed by itself (median of --repeats), summed over the layers, and set beside the engine's
own conv and conv_backward on the same shapes, in one thread (the difference is the bookkeeping
around the parts) and in two (how well the work splits over this machine's two cores). GEMMs
also as GFLOP/s against NumPy's float32 matmul peak measured in the same run.
Run on a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks.unet import CHANNELS
from minitorch_color import kernels as K
from minitorch_color.memory import keep_freed_memory
from minitorch_color.ops import winograd as W

BATCH, SIZE = 16, 64
PARTS = ("forward: input transform", "forward: GEMM", "forward: output transform",
         "input gradient: input transform", "input gradient: GEMM", "input gradient: output transform",
         "weight gradient: adjoint output transform", "weight gradient: input transform", "weight gradient: GEMM")


def unet_layers(channels=CHANNELS, size=SIZE):
    """(C, O, size) of every 3x3 convolution of the U-Net that runs by Winograd."""
    layers, c_prev, s = [], 1, size
    for i, c in enumerate(channels):
        layers += [(c_prev, c, s), (c, c, s)]
        c_prev = c
        if i < len(channels) - 1:
            s //= 2
    for c in reversed(channels[:-1]):
        s *= 2
        layers += [(2 * c, c, s), (c, c, s)]
    return [layer for layer in layers if layer[0] >= W.MIN_CHANNELS]


def _median_ms(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(times))


def _conv_parts(x, w, pad, repeats):
    """{part: ms} of one Winograd convolution x (N, C, H, W) by w (O, C, 3, 3) over the engine's chunks."""
    n, c, h, wd = x.shape
    o = w.shape[0]
    _, _, th, tw = W.tile_geometry(h, wd, pad)
    u = W.filter_transform(w, np)
    out = np.empty((n, o, h + 2 * pad - 2, wd + 2 * pad - 2), np.float32)
    parts = {"input transform": 0.0, "GEMM": 0.0, "output transform": 0.0}
    for n0, n1, t0, t1 in W.tile_chunks(n, th, tw, max(c, o), x.itemsize):
        tiles = (n1 - n0) * (t1 - t0) * tw
        v, m = np.empty((16, c, tiles), np.float32), np.empty((16, o, tiles), np.float32)
        parts["input transform"] += _median_ms(lambda: K.wino_input(x, pad, n0, n1, t0, t1, tw, v), repeats)
        parts["GEMM"] += _median_ms(lambda: np.matmul(u, v, out=m), repeats)
        parts["output transform"] += _median_ms(lambda: K.wino_output(m, n0, n1, t0, t1, tw, out), repeats)
    return parts


def _weight_parts(x, g, pad, repeats):
    n, c, h, wd = x.shape
    o = g.shape[1]
    _, _, th, tw = W.tile_geometry(h, wd, pad)
    parts = {"adjoint output transform": 0.0, "input transform": 0.0, "GEMM": 0.0}
    for n0, n1, t0, t1 in W.tile_chunks(n, th, tw, max(c, o), x.itemsize):
        tiles = (n1 - n0) * (t1 - t0) * tw
        v, m = np.empty((16, c, tiles), np.float32), np.empty((16, o, tiles), np.float32)
        parts["adjoint output transform"] += _median_ms(
            lambda: K.wino_output_adjoint(g, n0, n1, t0, t1, tw, m), repeats)
        parts["input transform"] += _median_ms(lambda: K.wino_input(x, pad, n0, n1, t0, t1, tw, v), repeats)
        parts["GEMM"] += _median_ms(lambda: np.matmul(m, v.transpose(0, 2, 1)), repeats)
    return parts


def run(repeats=5):
    """Measure every layer in one thread; return the results dict (also what --json writes)."""
    keep_freed_memory()  # as training does: freed activations reused, not page-faulted anew
    K.threads.set_num_threads(1)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4096, 3072), dtype=np.float32)
    b = rng.standard_normal((3072, 4096), dtype=np.float32)
    peak = 2 * 4096 * 3072 * 4096 / (_median_ms(lambda: a @ b, 3) / 1e3) / 1e9
    totals, engine_ms, engine2_ms, gemm_flops, rows = dict.fromkeys(PARTS, 0.0), 0.0, 0.0, 0.0, []
    for c, o, s in unet_layers():
        x = rng.standard_normal((BATCH, c, s, s), dtype=np.float32)
        w = rng.standard_normal((o, c, 3, 3), dtype=np.float32)
        g = rng.standard_normal((BATCH, o, s, s), dtype=np.float32)
        flipped = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
        layer = {}
        for prefix, parts in (("forward", _conv_parts(x, w, 1, repeats)),
                              ("input gradient", _conv_parts(g, flipped, 1, repeats)),
                              ("weight gradient", _weight_parts(x, g, 1, repeats))):
            for k, v in parts.items():
                layer[f"{prefix}: {k}"] = v
        engine = (_median_ms(lambda: W.conv(x, w, 1), repeats)
                  + _median_ms(lambda: W.conv_backward(x.shape, x, g, w, 1, True, True), repeats))
        K.threads.set_num_threads(2)  # the engine's two threads (BLAS held at one each)
        engine2 = (_median_ms(lambda: W.conv(x, w, 1), repeats)
                   + _median_ms(lambda: W.conv_backward(x.shape, x, g, w, 1, True, True), repeats))
        K.threads.set_num_threads(1)
        tiles = BATCH * ((s + 1) // 2) ** 2
        gemm_flops += 3 * 2 * 16 * c * o * tiles
        for k in PARTS:
            totals[k] += layer[k]
        engine_ms += engine
        engine2_ms += engine2
        rows.append({"in": c, "out": o, "size": s, "parts_ms": layer, "engine_ms": engine,
                     "engine_two_threads_ms": engine2})
    parts_ms = sum(totals.values())
    gemm_ms = sum(v for k, v in totals.items() if k.endswith("GEMM"))
    return {"threads": 1, "batch": BATCH, "repeats": repeats, "numpy_matmul_gflops": peak,
            "totals_ms": totals, "parts_ms": parts_ms, "engine_conv_ms": engine_ms,
            "engine_conv_two_threads_ms": engine2_ms, "two_thread_speedup": engine_ms / engine2_ms,
            "gemm_share": gemm_ms / parts_ms, "gemm_gflops": gemm_flops / (gemm_ms / 1e3) / 1e9,
            "gemm_pct_matmul_peak": 100 * gemm_flops / (gemm_ms / 1e3) / 1e9 / peak, "layers": rows}


def format_table(res):
    lines = [f"3x3 convolutions of one U-Net training step (batch {res['batch']}, one thread), by part:"]
    for k, v in res["totals_ms"].items():
        lines.append(f"  {k:45s} {v:8.1f} ms  {100 * v / res['parts_ms']:5.1f}%")
    lines.append(f"  {'sum of the parts':45s} {res['parts_ms']:8.1f} ms; the engine's conv + conv_backward "
                 f"{res['engine_conv_ms']:.1f} ms")
    lines.append(f"  the engine on two threads: {res['engine_conv_two_threads_ms']:.1f} ms "
                 f"({res['two_thread_speedup']:.2f}x one thread)")
    lines.append(f"GEMMs: {100 * res['gemm_share']:.0f}% of the parts, {res['gemm_gflops']:.0f} GFLOP/s = "
                 f"{res['gemm_pct_matmul_peak']:.0f}% of NumPy's matmul peak ({res['numpy_matmul_gflops']:.0f} "
                 "GFLOP/s, one thread)")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    if a.repeats < 1:
        p.error("--repeats must be at least 1")
    with threadpool_limits(limits=1, user_api="blas"):  # one thread for BLAS too
        res = run(a.repeats)
    print(format_table(res))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
