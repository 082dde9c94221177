"""Numba CPU kernels. Each fills a caller-allocated ``out`` and allocates nothing.

The plain Python functions (leading underscore) are the readable definitions; the
public names are the same functions compiled with ``njit(parallel=True, cache=True)``.
With ``NUMBA_DISABLE_JIT=1`` they run as plain Python, slowly but identically.
"""
from __future__ import annotations

import math

from numba import njit, prange

_FAST = {"reassoc", "contract", "nsz", "arcp"}  # allow vectorised sums; keep NaN/inf semantics


def _jit(fn, fastmath=False):
    return njit(parallel=True, cache=True, fastmath=_FAST if fastmath else False)(fn)


def _valid_range(j, dw, pw, sw, w, ow):
    """Output columns ox whose input column ox*sw - pw + j*dw falls inside [0, w)."""
    lo = max(0, -((j * dw - pw) // sw))
    hi = min(ow, (w - 1 + pw - j * dw) // sw + 1)
    return lo, max(lo, hi)


_valid_range_jit = njit(cache=True, inline="always")(_valid_range)


def _im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out):
    """Fill out (N, C*KH*KW, OH*OW) with the sliding-window patches of x (N, C, H, W)."""
    n_, c_, h, w = x.shape
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc % c_
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                lo, hi = _valid_range_jit(j, dw, pw, sw, w, ow)
                off = j * dw - pw
                for oy in range(oh):
                    iy = oy * sh - ph + i * dh
                    base = oy * ow
                    if iy < 0 or iy >= h:
                        for ox in range(ow):
                            out[n, row, base + ox] = 0
                        continue
                    for ox in range(lo):
                        out[n, row, base + ox] = 0
                    for ox in range(lo, hi):
                        out[n, row, base + ox] = x[n, c, iy, ox * sw + off]
                    for ox in range(hi, ow):
                        out[n, row, base + ox] = 0


def _col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out):
    """Fill out (N, C, H, W) with the patches of cols (N, C*KH*KW, OH*OW) summed back at their windows."""
    n_, c_, h, w = out.shape
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc % c_
        for y in range(h):
            for x in range(w):
                out[n, c, y, x] = 0
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                lo, hi = _valid_range_jit(j, dw, pw, sw, w, ow)
                off = j * dw - pw
                for oy in range(oh):
                    iy = oy * sh - ph + i * dh
                    if iy < 0 or iy >= h:
                        continue
                    base = oy * ow
                    for ox in range(lo, hi):
                        out[n, c, iy, ox * sw + off] += cols[n, row, base + ox]


def _max_pool2d_fwd(x, kh, kw, sh, sw, ph, pw, out, idx):
    """Fill out (N, C, OH, OW) with window maxima of x (N, C, H, W) and idx with their flat index in the plane."""
    n_, c_, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc % c_
        for oy in range(oh):
            for ox in range(ow):
                best = -math.inf
                bi = -1
                for i in range(kh):
                    iy = oy * sh - ph + i
                    if iy < 0 or iy >= h:
                        continue
                    for j in range(kw):
                        ix = ox * sw - pw + j
                        if ix < 0 or ix >= w:
                            continue
                        v = x[n, c, iy, ix]
                        if bi < 0 or v > best:
                            best = v
                            bi = iy * w + ix
                out[n, c, oy, ox] = best
                idx[n, c, oy, ox] = bi


def _max_pool2d_bwd(g, idx, out):
    """Fill out (N, C, H, W) with g (N, C, OH, OW) routed back to the argmax positions idx."""
    n_, c_, h, w = out.shape
    oh, ow = g.shape[2], g.shape[3]
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc % c_
        for y in range(h):
            for x in range(w):
                out[n, c, y, x] = 0
        for oy in range(oh):
            for ox in range(ow):
                k = idx[n, c, oy, ox]
                if k >= 0:
                    out[n, c, k // w, k % w] += g[n, c, oy, ox]


def _bn_stats(x, mean, var):
    """Fill mean (C,) and var (C,) with the biased per-channel statistics of x (N, C, H, W)."""
    n_, c_, h, w = x.shape
    m = n_ * h * w
    for c in prange(c_):
        s = 0.0
        for n in range(n_):
            for y in range(h):
                for x_ in range(w):
                    s += x[n, c, y, x_]
        mu = s / m
        ss = 0.0
        for n in range(n_):
            for y in range(h):
                for x_ in range(w):
                    d = x[n, c, y, x_] - mu
                    ss += d * d
        mean[c] = mu
        var[c] = ss / m


def _bn_fwd(x, mean, invstd, weight, bias, relu, out):
    """Fill out (N, C, H, W) with (x - mean) * invstd * weight + bias per channel, then ReLU if relu."""
    n_, c_, h, w = x.shape
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc % c_
        scale = invstd[c] * weight[c]
        shift = bias[c] - mean[c] * scale
        for y in range(h):
            for x_ in range(w):
                v = x[n, c, y, x_] * scale + shift
                if relu and v < 0:
                    v = 0
                out[n, c, y, x_] = v


def _bn_bwd(g, x, y, mean, invstd, weight, relu, gx, gweight, gbias):
    """Fill gx (N, C, H, W), gweight (C,), gbias (C,) with batch-norm gradients; y masks a fused ReLU."""
    n_, c_, h, w = x.shape
    m = n_ * h * w
    for c in prange(c_):
        mu = mean[c]
        inv = invstd[c]
        sg = 0.0
        sgx = 0.0
        for n in range(n_):
            for r in range(h):
                for q in range(w):
                    gg = g[n, c, r, q]
                    if relu and y[n, c, r, q] <= 0:
                        gg = 0
                    sg += gg
                    sgx += gg * (x[n, c, r, q] - mu)
        sgx *= inv
        gbias[c] = sg
        gweight[c] = sgx
        k = weight[c] * inv / m
        for n in range(n_):
            for r in range(h):
                for q in range(w):
                    gg = g[n, c, r, q]
                    if relu and y[n, c, r, q] <= 0:
                        gg = 0
                    xhat = (x[n, c, r, q] - mu) * inv
                    gx[n, c, r, q] = k * (m * gg - sg - xhat * sgx)


def _adam_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2):
    """Update flat p, m, v in place by one Adam (decoupled: AdamW) step with bias corrections bc1, bc2."""
    step = lr / bc1
    rbc2 = 1.0 / math.sqrt(bc2)
    for i in prange(p.size):
        gi = g[i]
        if weight_decay != 0:
            if decoupled:
                p[i] -= lr * weight_decay * p[i]
            else:
                gi += weight_decay * p[i]
        mi = beta1 * m[i] + (1 - beta1) * gi
        vi = beta2 * v[i] + (1 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        p[i] -= step * mi / (math.sqrt(vi) * rbc2 + eps)


im2col = _jit(_im2col)
col2im = _jit(_col2im)
max_pool2d_fwd = _jit(_max_pool2d_fwd)
max_pool2d_bwd = _jit(_max_pool2d_bwd)
bn_stats = _jit(_bn_stats, fastmath=True)
bn_fwd = _jit(_bn_fwd, fastmath=True)
bn_bwd = _jit(_bn_bwd, fastmath=True)
adam_step = _jit(_adam_step, fastmath=True)
