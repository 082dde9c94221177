"""Could a Winograd convolution's GEMMs be compiled by Numba, fused with the tile transforms?

    python -m benchmarks.compiled_gemm_probe [--repeats 20] [--json FILE]

Issue 34 asks for the input transform, the GEMM and the output transform in one compiled kernel per
chunk, so that the transformed tiles never leave the cache. That needs the GEMM written in Numba,
where today OpenBLAS does it. This probe times the 16 batched GEMMs of one chunk of each level of
DESIGN.md's reference U-Net ((16, O, C) @ (16, C, tiles), the tiles of one 8 MB chunk; one thread):
OpenBLAS through np.matmul against two Numba kernels, the plain triple loop (tiles innermost, the
loop LLVM vectorises) and the same blocked over four output rows and 256 tiles (the accumulators
stay in L1). Run on a quiet machine.
"""
from __future__ import annotations

import argparse
import json

import numpy as np
from numba import njit
from threadpoolctl import threadpool_limits

from benchmarks.timing import median, time_calls

# (out channels, in channels, tiles): a chunk of each level's second convolution at batch 16
SHAPES = ((32, 32, 4096), (64, 64, 2048), (128, 128, 1024), (256, 256, 256))


@njit(fastmath=True, nogil=True, boundscheck=False)
def plain(u, v, m):
    """m[k] = u[k] @ v[k] for each of the 16 tile positions k."""
    for k in range(u.shape[0]):
        for o in range(u.shape[1]):
            row = m[k, o]
            row[:] = 0
            for c in range(u.shape[2]):
                w = u[k, o, c]
                src = v[k, c]
                for t in range(row.shape[0]):
                    row[t] += w * src[t]


@njit(fastmath=True, nogil=True, boundscheck=False)
def blocked(u, v, m):
    """The same, four output rows and 256 tiles at a time (shapes: O a multiple of 4, tiles of 256)."""
    block = 256
    for k in range(u.shape[0]):
        uk, vk, mk = u[k], v[k], m[k]
        for t0 in range(0, vk.shape[1], block):
            for o in range(0, uk.shape[0], 4):
                m0, m1 = mk[o, t0:t0 + block], mk[o + 1, t0:t0 + block]
                m2, m3 = mk[o + 2, t0:t0 + block], mk[o + 3, t0:t0 + block]
                m0[:] = 0
                m1[:] = 0
                m2[:] = 0
                m3[:] = 0
                for c in range(uk.shape[1]):
                    u0, u1, u2, u3 = uk[o, c], uk[o + 1, c], uk[o + 2, c], uk[o + 3, c]
                    src = vk[c, t0:t0 + block]
                    for t in range(block):
                        x = src[t]
                        m0[t] += u0 * x
                        m1[t] += u1 * x
                        m2[t] += u2 * x
                        m3[t] += u3 * x


def measure(repeats: int) -> list[dict]:
    rows = []
    rng = np.random.default_rng(0)
    for o, c, tiles in SHAPES:
        u = rng.standard_normal((16, o, c), dtype=np.float32)
        v = rng.standard_normal((16, c, tiles), dtype=np.float32)
        want = np.matmul(u, v)
        gflop = 2 * 16 * o * c * tiles / 1e9
        row = {"out": o, "in": c, "tiles": tiles}
        for name, fn in (("openblas", lambda m: np.matmul(u, v, out=m)), ("numba plain", lambda m: plain(u, v, m)),
                         ("numba blocked", lambda m: blocked(u, v, m))):
            m = np.empty_like(want)
            fn(m)
            np.testing.assert_allclose(m, want, rtol=1e-3, atol=1e-3)  # a wrong kernel is not timed
            row[name] = {"ms": 1e3 * median(time_calls(lambda: fn(m), 2, repeats))}
            row[name]["gflops"] = gflop / row[name]["ms"] * 1e3
        rows.append(row)
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    with threadpool_limits(limits=1, user_api="blas"):
        rows = measure(a.repeats)
    print(f"{'O x C, tiles':>20s} " + " ".join(f"{n:>22s}" for n in ("openblas", "numba plain", "numba blocked")))
    for r in rows:
        print(f"{r['out']:>6d} x {r['in']:<4d} {r['tiles']:6d} " + " ".join(
            f"{r[n]['ms']:8.2f} ms {r[n]['gflops']:6.1f} GF/s" for n in ("openblas", "numba plain", "numba blocked")))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"threads": 1, "repeats": a.repeats, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
