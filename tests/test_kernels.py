"""The Numba kernels against their array-module twins (which also serve CuPy), and the no-JIT mode."""
import os
import subprocess
import sys

import numpy as np
import pytest

from benchmarks.kernel_cases import run_kernels
from minitorch_color import kernels
from minitorch_color.kernels import gpu
from minitorch_color.ops import winograd

cpu = pytest.importorskip("minitorch_color.kernels.cpu")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("geom", [(3, 3, 1, 1, 1, 1, 1, 1), (3, 2, 2, 1, 1, 0, 1, 2), (2, 2, 2, 2, 0, 0, 1, 1),
                                  (5, 3, 3, 1, 2, 1, 1, 1)])
def test_im2col_col2im_twins(geom, dtype, rng):
    kh, kw, sh, sw, ph, pw, dh, dw = geom
    x = rng.standard_normal((2, 3, 9, 8)).astype(dtype)
    a = kernels.im2col(x, kh, kw, sh, sw, ph, pw, dh, dw)
    oh = kernels.conv_out_size(9, kh, sh, ph, dh)
    ow = kernels.conv_out_size(8, kw, sw, pw, dw)
    b = np.empty_like(a)
    gpu.im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, b)
    np.testing.assert_array_equal(a, b)
    c1 = kernels.col2im(a, x.shape, kh, kw, sh, sw, ph, pw, dh, dw)
    c2 = np.empty_like(x)
    gpu.col2im(a, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, c2)
    np.testing.assert_allclose(c1, c2, rtol=1e-6, atol=1e-6)
    # col2im is the adjoint of im2col: <im2col(x), y> == <x, col2im(y)>
    y = rng.standard_normal(a.shape).astype(dtype)
    lhs = float((a.astype(np.float64) * y).sum())
    rhs = float((x.astype(np.float64) * kernels.col2im(y, x.shape, kh, kw, sh, sw, ph, pw, dh, dw)).sum())
    assert abs(lhs - rhs) < 1e-3 * max(1.0, abs(lhs))


def test_pool_bn_adam_twins(rng):
    x = rng.standard_normal((2, 3, 7, 6)).astype(np.float32)
    o1, i1 = kernels.max_pool2d_fwd(x, 3, 3, 2, 2, 1, 1)
    o2, i2 = np.empty_like(o1), np.empty_like(i1)
    gpu.max_pool2d_fwd(x, 3, 3, 2, 2, 1, 1, o2, i2)
    np.testing.assert_array_equal(o1, o2)
    np.testing.assert_array_equal(i1, i2)
    g = rng.standard_normal(o1.shape).astype(np.float32)
    b1 = kernels.max_pool2d_bwd(g, i1, x.shape)
    b2 = np.empty_like(x)
    gpu.max_pool2d_bwd(g, i1, b2)
    np.testing.assert_allclose(b1, b2, rtol=1e-6)

    m1, v1 = kernels.bn_stats(x)
    np.testing.assert_allclose(m1, x.mean(axis=(0, 2, 3)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(v1, x.var(axis=(0, 2, 3)), rtol=1e-5)
    inv = (1 / np.sqrt(v1 + 1e-5)).astype(np.float32)
    w, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    y1 = kernels.bn_fwd(x, m1, inv, w, b, True)
    y2 = np.empty_like(x)
    for c0, c1 in ((0, 1), (1, 3)):  # the wrappers run channel ranges on the engine's threads
        gpu.bn_fwd(x, m1, inv, w, b, True, y2, c0, c1)
    np.testing.assert_allclose(y1, y2, rtol=1e-5, atol=1e-6)
    gy = rng.standard_normal(x.shape).astype(np.float32)
    r1 = kernels.bn_bwd(gy, x, y1, m1, inv, w, True)
    r2 = [np.empty_like(x), np.empty(3, np.float32), np.empty(3, np.float32)]
    for c0, c1 in ((0, 2), (2, 3)):
        gpu.bn_bwd(gy, x, y1, m1, inv, w, True, *r2, c0, c1)
    for a, c in zip(r1, r2):
        np.testing.assert_allclose(a, c, rtol=1e-4, atol=1e-5)

    p = rng.standard_normal(50).astype(np.float32)
    gr = rng.standard_normal(50).astype(np.float32)
    states = [(p.copy(), np.zeros(50, np.float32), np.zeros(50, np.float32)) for _ in range(2)]
    for decoupled in (False, True):
        for fn, (pp, mm, vv) in zip((cpu.adam_step, gpu.adam_step), states):
            fn(pp, gr, mm, vv, 1e-2, 0.9, 0.999, 1e-8, 0.1, decoupled, 0.1, 0.001)
        np.testing.assert_allclose(states[0][0], states[1][0], rtol=1e-5)
        np.testing.assert_allclose(states[0][1], states[1][1], rtol=1e-5)


def test_adam_kernel_refuses_non_contiguous():
    p = np.zeros((4, 4), np.float32)[:, ::2]
    with pytest.raises(ValueError, match="contiguous"):
        kernels.adam_step(p, p, p, p, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, 0.1, 0.001)


@pytest.mark.parametrize("pad,chunks", [(1, [(0, 2, 0, 4)]), (1, [(0, 1, 0, 2), (0, 1, 2, 4), (1, 2, 0, 4)]),
                                        (0, [(0, 2, 0, 3)]), (2, [(0, 2, 0, 5)])])
def test_winograd_twins(pad, chunks, rng):
    n, c, h, w = 2, 3, 7, 8
    x = rng.standard_normal((n, c, h, w))
    oh, ow = h + 2 * pad - 2, w + 2 * pad - 2
    th, tw = (oh + 1) // 2, (ow + 1) // 2
    assert max(t1 for *_, t1 in chunks) == th
    g = rng.standard_normal((n, c, oh, ow))
    bias = rng.standard_normal(c) if pad == 1 else np.empty(0)  # with and without a bias
    outs = {k: np.zeros((n, c, oh, ow)) for k in ("cpu", "gpu")}
    for n0, n1, t0, t1 in chunks:
        tiles = (n1 - n0) * (t1 - t0) * tw
        for name, mod in (("cpu", cpu), ("gpu", gpu)):
            v = np.zeros((16, c, tiles))
            mod.wino_input(x, pad, n0, n1, t0, t1, tw, v)
            m = np.zeros((16, c, tiles))
            mod.wino_output_adjoint(g, n0, n1, t0, t1, tw, m)
            mod.wino_output(v, bias, n0, n1, t0, t1, tw, outs[name])
            if name == "cpu":
                v_cpu, m_cpu = v, m
            else:
                np.testing.assert_allclose(v_cpu, v, atol=1e-12)
                np.testing.assert_allclose(m_cpu, m, atol=1e-12)
    np.testing.assert_allclose(outs["cpu"], outs["gpu"], atol=1e-12)


@pytest.mark.parametrize("shape,pad", [((3, 5, 9, 11, 4), 1), ((4, 3, 6, 6, 7), 0), ((2, 6, 13, 5, 3), 2)])
def test_winograd_chunks_in_pieces_equal_whole_chunks(shape, pad, rng, monkeypatch):
    """A chunk run as pieces in one compiled call (bands of tile rows of one sample, or several whole
    samples) gives the convolution and both gradients of the chunk run whole."""
    if kernels.numba_kernels() is None:
        pytest.skip("the pieces run only with the Numba kernels")
    n, c, h, w, o = shape
    x, wt = rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c, 3, 3))
    g = rng.standard_normal((n, o, h + 2 * pad - 2, w + 2 * pad - 2))
    bias = rng.standard_normal(o)
    results = {}
    for pieces, tiles in ((False, 0), (True, 1), (True, 4), (True, 10_000)):
        monkeypatch.setattr(kernels.threads, "blas_single_threaded", lambda p=pieces: p)
        monkeypatch.setattr(kernels, "WINO_PIECE_TILES", tiles)
        assert kernels.wino_pieces(x) == pieces
        grads = winograd.conv_backward(x.shape, x, g, wt, pad, True, True)
        results[pieces, tiles] = (winograd.conv(x, wt, pad, bias),) + grads
    for key, got in results.items():
        for a, b in zip(results[False, 0], got):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10, err_msg=str(key))


def test_winograd_takes_filters_of_another_precision_than_its_input(rng):
    """A float64 photo through float32 filters (a network loaded from float16 weights) runs in the input's
    precision, as im2col does."""
    x, w = rng.standard_normal((2, 4, 9, 9)), rng.standard_normal((5, 4, 3, 3)).astype(np.float32)
    got = winograd.conv(x, w, 1)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, winograd.conv(x, w.astype(np.float64), 1), rtol=1e-5, atol=1e-5)


def test_kernels_run_with_jit_disabled():
    code = ("import numpy as np, minitorch_color as mt\n"
            "from minitorch_color import nn\n"
            "x = mt.tensor(np.random.default_rng(0).standard_normal((1, 2, 6, 6)), requires_grad=True)\n"
            "w = mt.tensor(np.random.default_rng(1).standard_normal((2, 2, 3, 3)), requires_grad=True)\n"
            "y = nn.F.max_pool2d(nn.F.batch_norm_relu(nn.F.conv2d(x, w, padding=1), None, None, training=True), 2)\n"
            "y.sum().backward()\n"
            "print(float(y.sum().item()), float(np.abs(x.grad).sum()))\n")
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root
    results = []
    for disable in ("1", "0"):
        env["NUMBA_DISABLE_JIT"] = disable
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        results.append([float(v) for v in out.stdout.split()])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9)


def test_importing_numba_first_does_not_break_later_compilation():
    """Numba re-reads its environment when compiling; the engine must not change it under Numba."""
    code = ("import numba\n"
            "import numpy as np, minitorch_color as mt\n"
            "@numba.njit(parallel=True)\n"
            "def f(a):\n"
            "    for i in numba.prange(a.size):\n"
            "        a[i] += 1\n"
            "x = mt.randn(2, 3, 8, 8, requires_grad=True)\n"
            "mt.nn.F.max_pool2d(mt.nn.F.conv2d(x, mt.randn(4, 3, 3, 3), padding=1), 2).sum().backward()\n"
            "a = np.zeros(4); f(a); print(a.sum())\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_NUM_THREADS"}
    env["PYTHONPATH"] = root
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "4.0"


def test_soft_ce_stats_twins(rng):
    x = rng.standard_normal((7, 13)).astype(np.float32)
    t = rng.random((7, 13)).astype(np.float32)
    expect = (x.max(axis=0), (t * x).sum(axis=0), t.sum(axis=0))
    for mod in (cpu, gpu):
        outs = [np.empty(13, np.float32) for _ in range(3)]
        mod.soft_ce_stats(x[:, :], t, *outs)
        for got, want in zip(outs, expect):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    strided = np.ascontiguousarray(np.concatenate([x, x], axis=1))[:, :13]  # a block of a wider array
    np.testing.assert_allclose(kernels.soft_ce_stats(strided, t)[0], expect[0])


def test_soft_ce_grad_twins(rng):
    e, t = rng.random((7, 26)).astype(np.float32), rng.random((7, 26)).astype(np.float32)
    g, scale = rng.standard_normal(26).astype(np.float32), rng.random(26).astype(np.float32)
    expect = e * (g * scale) - t * g
    for mod in (cpu, gpu):
        out = np.full((7, 26), np.nan, np.float32)
        mod.soft_ce_grad(e[:, :], t, g, scale, out)
        np.testing.assert_allclose(out, expect, rtol=1e-6, atol=1e-6)
    wide = np.full((7, 40), np.nan, np.float32)  # a block of a wider array, as the loss passes it
    kernels.soft_ce_grad(e[:, 3:16], t[:, 3:16], g[3:16], scale[3:16], wide[:, 5:18])
    np.testing.assert_allclose(wide[:, 5:18], expect[:, 3:16], rtol=1e-6, atol=1e-6)
    assert np.isnan(wide[:, :5]).all() and np.isnan(wide[:, 18:]).all()


def _with_and_without_kept_memory(code):
    """{"1": words printed, "0": words printed} by code run in a fresh process with MINITORCH_KEEP_MEMORY
    at 1 and at 0."""
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    seen = {}
    for keep in ("1", "0"):
        env["MINITORCH_KEEP_MEMORY"] = keep
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        seen[keep] = out.stdout.split()
    return seen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the malloc tuning applies to glibc only")
def test_freed_arrays_are_reused_without_page_faults():
    """memory.py: a step's worth of 4-20 MB arrays, freed and allocated again, costs no new pages."""
    code = ("import resource, numpy as np, minitorch_color as mt\n"
            "assert not mt.memory.KEPT  # importing the engine tunes nothing: the entry point asks\n"
            "mt.memory.keep_freed_memory()\n"
            "def step():\n"
            "    arrs = [np.ones(s, np.float32) for s in (1 << 20, 3 << 20, 2 << 20, 5 << 20, 4 << 20)]\n"
            "for _ in range(3):\n"
            "    step()\n"
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
            "for _ in range(5):\n"
            "    step()\n"
            "print(mt.memory.KEPT, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n")
    seen = _with_and_without_kept_memory(code)
    faults = {}
    for keep in ("1", "0"):
        kept, faults[keep] = seen[keep]
        if kept == "False" and keep == "1":
            pytest.skip("not glibc: malloc cannot be tuned here")
        assert kept == ("True" if keep == "1" else "False")
    assert int(faults["1"]) < 100 < int(faults["0"])  # 75 MB of fresh pages per round when not kept


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the malloc tuning applies to glibc only")
def test_the_first_backward_keeps_freed_memory():
    """memory.py: a training loop that never asks (written as for PyTorch) is tuned by its first backward,
    not by importing the engine nor by inference; MINITORCH_KEEP_MEMORY=0 still turns it off."""
    code = ("import minitorch_color as mt\n"
            "x = mt.tensor([1.0, 2.0], requires_grad=True)\n"
            "y = (x * x).sum()\n"
            "before = mt.memory.KEPT\n"
            "y.backward()\n"
            "print(before, mt.memory.KEPT, float(x.grad[1]))\n")
    seen = _with_and_without_kept_memory(code)
    if seen["1"][1] == "False":
        pytest.skip("not glibc: malloc cannot be tuned here")
    assert seen["1"] == ["False", "True", "4.0"] and seen["0"] == ["False", "False", "4.0"]


@pytest.mark.parametrize("choice,expected", [("numba", "minitorch_color.kernels.cpu"), ("array", "None")])
def test_the_engine_really_runs_the_kernels_it_chose(choice, expected):
    """The Numba kernels are what a default process runs (a lazy import once returned the package's own
    placeholder instead, and every process ran the slower array kernels without a word)."""
    code = ("from minitorch_color.kernels import numba_kernels\n"
            "m = numba_kernels()\n"
            "print(m.__name__ if m is not None else None)\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {**os.environ, "PYTHONPATH": root, "MINITORCH_KERNELS": choice}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected


def test_the_kernel_benchmark_runs_every_case():
    """benchmarks/kernel_cases.py (make bench's kernel table) ran into the lazily loaded kernels' None once;
    no timing is asserted, only that every case runs both twins."""
    rows = run_kernels(repeats=1)
    assert len(rows) == 12 and len({r["op"] for r in rows}) == 12
    assert all(r["numpy_ms"] > 0 and r["numba_ms"] > 0 for r in rows)


def test_every_test_starts_with_the_kernels_the_process_began_with():
    """conftest.py puts the choice back after each test: the colorize command's in-process runs in
    test_colorize_cli.py (before this file) choose the array kernels for a few photos, and the Numba
    kernels had then gone untested in the rest of the suite."""
    expected = os.environ.get("MINITORCH_KERNELS", "numba")
    assert kernels.kernels_in_use() == expected
