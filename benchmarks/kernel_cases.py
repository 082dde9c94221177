"""Each hot kernel twice: the Numba version (kernels/cpu.py) against its NumPy twin (kernels/gpu.py).

The cases and the table; run by `python -m benchmarks.kernels` and by benchmarks.engine_vs_torch.
"""
from __future__ import annotations

import importlib

import numpy as np

from benchmarks.timing import median, time_calls
from minitorch_color.kernels import conv_out_size, gpu


def _median_time(fn, repeats):
    return median(time_calls(fn, 1, repeats))


def _cases():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 32, 64, 64)).astype(np.float32)
    cases = []
    cols = np.empty((16, 32 * 9, 64 * 64), np.float32)
    cases.append(("im2col 3x3 16x32x64x64", "im2col", (x, 3, 3, 1, 1, 1, 1, 1, 1, 64, 64, cols)))
    img = np.empty_like(x)
    cases.append(("col2im 3x3 16x32x64x64", "col2im", (cols, 3, 3, 1, 1, 1, 1, 1, 1, 64, 64, img)))
    oh = conv_out_size(64, 2, 2, 0, 1)
    pooled = np.empty((16, 32, oh, oh), np.float32)
    idx = np.empty((16, 32, oh, oh), np.int32)
    cases.append(("max_pool2d fwd 2x2", "max_pool2d_fwd", (x, 2, 2, 2, 2, 0, 0, pooled, idx)))
    gp = rng.standard_normal(pooled.shape).astype(np.float32)
    cases.append(("max_pool2d bwd 2x2", "max_pool2d_bwd", (gp, idx, img)))
    mean, var = np.empty(32, np.float32), np.empty(32, np.float32)
    cases.append(("batch-norm statistics", "bn_stats", (x, mean, var, 0, 32)))
    w, b = np.ones(32, np.float32), np.zeros(32, np.float32)
    inv = np.ones(32, np.float32)
    cases.append(("batch-norm + ReLU fwd", "bn_fwd", (x, mean, inv, w, b, True, img, 0, 32)))
    g = rng.standard_normal(x.shape).astype(np.float32)
    gx, gw, gb = np.empty_like(x), np.empty(32, np.float32), np.empty(32, np.float32)
    cases.append(("batch-norm + ReLU bwd", "bn_bwd", (g, x, x, mean, inv, w, True, gx, gw, gb, 0, 32)))
    tiles = 16 * 32 * 32
    v = np.empty((16, 32, tiles), np.float32)
    cases.append(("winograd input tiles", "wino_input", (x, 1, 0, 16, 0, 32, 32, v)))
    out = np.empty_like(x)
    cases.append(("winograd output tiles + bias", "wino_output", (v, b, 0, 16, 0, 32, 32, out)))
    cases.append(("winograd output adjoint", "wino_output_adjoint", (x, 0, 16, 0, 32, 32, v)))
    e, t = rng.random((261, 4096)).astype(np.float32), rng.random((261, 4096)).astype(np.float32)
    gs, scale, ce_out = np.ones(4096, np.float32), rng.random(4096).astype(np.float32), np.empty_like(e)
    cases.append(("soft cross-entropy gradient 261x4096", "soft_ce_grad", (e, t, gs, scale, ce_out)))
    p = rng.standard_normal(2_000_000).astype(np.float32)
    gg, m, vv = p.copy(), np.zeros_like(p), np.zeros_like(p)
    cases.append(("adam step 2M params", "adam_step", (p, gg, m, vv, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, 0.1, 0.001)))
    return cases


def run_kernels(repeats=5):
    """Return [{op, numpy_ms, numba_ms, speedup}] for the hot kernels."""
    # the Numba kernels themselves, whichever kernels the engine has chosen (the package's `cpu` is None
    # until a kernel first needs it, and stays None when the array kernels are chosen)
    cpu = importlib.import_module("minitorch_color.kernels.cpu")
    rows = []
    for label, name, args in _cases():
        t_np = _median_time(lambda: getattr(gpu, name)(*args), repeats)
        t_nb = _median_time(lambda: getattr(cpu, name)(*args), repeats)
        rows.append({"op": label, "numpy_ms": 1e3 * t_np, "numba_ms": 1e3 * t_nb, "speedup": t_np / t_nb})
    return rows


def format_kernels(rows):
    """Return the kernel rows as a text table."""
    lines = [f"{'kernel (float32)':28s} {'NumPy ms':>9s} {'Numba ms':>9s} {'speed-up':>9s}"]
    for r in rows:
        lines.append(f"{r['op']:28s} {r['numpy_ms']:9.2f} {r['numba_ms']:9.2f} {r['speedup']:8.1f}x")
    return "\n".join(lines)

