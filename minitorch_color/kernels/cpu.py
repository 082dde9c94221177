"""Numba CPU kernels. Each fills a caller-allocated ``out`` and allocates nothing.

The plain Python functions (leading underscore) are the readable definitions; the
public names are the same functions compiled with ``njit(parallel=True, cache=True)``.
With ``NUMBA_DISABLE_JIT=1`` they run as plain Python, slowly but identically.
"""
from __future__ import annotations

import math

import numpy as np

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
                dst = out[n, row]
                for oy in range(oh):
                    iy = oy * sh - ph + i * dh
                    base = oy * ow
                    if iy < 0 or iy >= h:
                        dst[base:base + ow] = 0
                        continue
                    dst[base:base + lo] = 0
                    src = x[n, c, iy]
                    if sw == 1:  # contiguous run: a straight vectorised copy
                        dst[base + lo:base + hi] = src[lo + off:hi + off]
                    else:
                        for ox in range(lo, hi):
                            dst[base + ox] = src[ox * sw + off]
                    dst[base + hi:base + ow] = 0


def _col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out):
    """Fill out (N, C, H, W) with the patches of cols (N, C*KH*KW, OH*OW) summed back at their windows."""
    n_, c_, h, w = out.shape
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc % c_
        plane = out[n, c]
        plane[:, :] = 0
        for i in range(kh):
            for j in range(kw):
                row = (c * kh + i) * kw + j
                lo, hi = _valid_range_jit(j, dw, pw, sw, w, ow)
                off = j * dw - pw
                src = cols[n, row]
                for oy in range(oh):
                    iy = oy * sh - ph + i * dh
                    if iy < 0 or iy >= h:
                        continue
                    base = oy * ow
                    dst = plane[iy]
                    if sw == 1:
                        dst[lo + off:hi + off] += src[base + lo:base + hi]
                    else:
                        for ox in range(lo, hi):
                            dst[ox * sw + off] += src[base + ox]


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


# ----- Winograd F(2x2, 3x3): 4x4 input tiles, 2x2 output tiles ---------------------------
# V = B^T d B, M = sum over channels of U * V with U = G g G^T, Y = A^T M A (Lavin and Gray 2016).
# A chunk covers samples n0..n1 and tile rows ty0..ty1 of each; its tiles are the columns of
# V and M, numbered ((n - n0) * (ty1 - ty0) + (ty - ty0)) * TW + tx.

def _wino_input(x, pad, n0, n1, ty0, ty1, tw, v):
    """Fill v (16, C, tiles) with B^T d B of every 4x4 input tile d of x (N, C, H, W) in the chunk."""
    c_, h, w = x.shape[1], x.shape[2], x.shape[3]
    nty = ty1 - ty0
    wp = 2 * tw + 2
    for c in prange(c_):
        rows = np.empty((4, wp), dtype=x.dtype)  # four zero-padded input rows of one tile row
        buf = np.empty((16, tw), dtype=x.dtype)  # its tiles, gathered before 16 contiguous stores
        for n in range(n0, n1):
            for ty in range(ty0, ty1):
                for r in range(4):
                    iy = 2 * ty - pad + r
                    rows[r, :] = 0
                    if 0 <= iy < h:
                        hi = min(w, wp - pad)
                        rows[r, pad:pad + hi] = x[n, c, iy, :hi]
                for r in range(4):  # B^T along rows, then B along columns
                    for tx in range(tw):
                        q = 2 * tx
                        if r == 0:
                            a0, a1, a2, a3 = (rows[0, q] - rows[2, q], rows[0, q + 1] - rows[2, q + 1],
                                              rows[0, q + 2] - rows[2, q + 2], rows[0, q + 3] - rows[2, q + 3])
                        elif r == 1:
                            a0, a1, a2, a3 = (rows[1, q] + rows[2, q], rows[1, q + 1] + rows[2, q + 1],
                                              rows[1, q + 2] + rows[2, q + 2], rows[1, q + 3] + rows[2, q + 3])
                        elif r == 2:
                            a0, a1, a2, a3 = (rows[2, q] - rows[1, q], rows[2, q + 1] - rows[1, q + 1],
                                              rows[2, q + 2] - rows[1, q + 2], rows[2, q + 3] - rows[1, q + 3])
                        else:
                            a0, a1, a2, a3 = (rows[1, q] - rows[3, q], rows[1, q + 1] - rows[3, q + 1],
                                              rows[1, q + 2] - rows[3, q + 2], rows[1, q + 3] - rows[3, q + 3])
                        buf[4 * r + 0, tx] = a0 - a2
                        buf[4 * r + 1, tx] = a1 + a2
                        buf[4 * r + 2, tx] = a2 - a1
                        buf[4 * r + 3, tx] = a1 - a3
                col0 = ((n - n0) * nty + (ty - ty0)) * tw
                for k in range(16):
                    v[k, c, col0:col0 + tw] = buf[k]


def _wino_output(m, n0, n1, ty0, ty1, tw, out):
    """Fill out[n0:n1] (N, O, OH, OW), tile rows ty0..ty1, with A^T M A of every tile of m (16, O, tiles)."""
    o_, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    nty = ty1 - ty0
    for o in prange(o_):
        for n in range(n0, n1):
            for ty in range(ty0, ty1):
                col0 = ((n - n0) * nty + (ty - ty0)) * tw
                for tx in range(tw):
                    col = col0 + tx
                    # s = A^T M (2x4), then y = s A (2x2)
                    s00 = m[0, o, col] + m[4, o, col] + m[8, o, col]
                    s01 = m[1, o, col] + m[5, o, col] + m[9, o, col]
                    s02 = m[2, o, col] + m[6, o, col] + m[10, o, col]
                    s03 = m[3, o, col] + m[7, o, col] + m[11, o, col]
                    s10 = m[4, o, col] - m[8, o, col] - m[12, o, col]
                    s11 = m[5, o, col] - m[9, o, col] - m[13, o, col]
                    s12 = m[6, o, col] - m[10, o, col] - m[14, o, col]
                    s13 = m[7, o, col] - m[11, o, col] - m[15, o, col]
                    y, x = 2 * ty, 2 * tx
                    out[n, o, y, x] = s00 + s01 + s02
                    if x + 1 < ow:
                        out[n, o, y, x + 1] = s01 - s02 - s03
                    if y + 1 < oh:
                        out[n, o, y + 1, x] = s10 + s11 + s12
                        if x + 1 < ow:
                            out[n, o, y + 1, x + 1] = s11 - s12 - s13


def _wino_output_adjoint(g, n0, n1, ty0, ty1, tw, m):
    """Fill m (16, O, tiles) with A dY A^T of every 2x2 tile of g (N, O, OH, OW) in the chunk (adjoint of _wino_output)."""
    o_, oh, ow = g.shape[1], g.shape[2], g.shape[3]
    nty = ty1 - ty0
    for o in prange(o_):
        rows = np.empty((2, 2 * tw), dtype=g.dtype)
        buf = np.empty((16, tw), dtype=g.dtype)
        for n in range(n0, n1):
            for ty in range(ty0, ty1):
                for r in range(2):
                    y = 2 * ty + r
                    rows[r, :] = 0
                    if y < oh:
                        rows[r, :ow] = g[n, o, y, :]
                for tx in range(tw):
                    g00, g01 = rows[0, 2 * tx], rows[0, 2 * tx + 1]
                    g10, g11 = rows[1, 2 * tx], rows[1, 2 * tx + 1]
                    # A g gives rows (g0, g0 + g1, g0 - g1, -g1); each row (a, b) then becomes (a, a+b, a-b, -b)
                    for r in range(4):
                        if r == 0:
                            a, b = g00, g01
                        elif r == 1:
                            a, b = g00 + g10, g01 + g11
                        elif r == 2:
                            a, b = g00 - g10, g01 - g11
                        else:
                            a, b = -g10, -g11
                        buf[4 * r + 0, tx] = a
                        buf[4 * r + 1, tx] = a + b
                        buf[4 * r + 2, tx] = a - b
                        buf[4 * r + 3, tx] = -b
                col0 = ((n - n0) * nty + (ty - ty0)) * tw
                for k in range(16):
                    m[k, o, col0:col0 + tw] = buf[k]


def _wino_input_adjoint(v, pad, n0, n1, ty0, ty1, tw, out):
    """Add B V B^T of every tile of v (16, C, tiles) into out (N, C, H, W) at its 4x4 window (adjoint of _wino_input)."""
    c_, h, w = out.shape[1], out.shape[2], out.shape[3]
    nty = ty1 - ty0
    wp = 2 * tw + 2
    for c in prange(c_):
        buf = np.empty((16, tw), dtype=out.dtype)
        acc = np.empty((4, wp), dtype=out.dtype)  # one band of four padded rows
        e = np.empty((4, 4), dtype=out.dtype)
        for n in range(n0, n1):
            for ty in range(ty0, ty1):
                col0 = ((n - n0) * nty + (ty - ty0)) * tw
                for k in range(16):
                    buf[k] = v[k, c, col0:col0 + tw]
                acc[:, :] = 0
                for tx in range(tw):
                    q = 2 * tx
                    # columns: each tile row r (a0..a3) times B^T gives (a0, a1-a2+a3, -a0+a1+a2, -a3)
                    for r in range(4):
                        a0, a1, a2, a3 = buf[4 * r, tx], buf[4 * r + 1, tx], buf[4 * r + 2, tx], buf[4 * r + 3, tx]
                        e[r, 0] = a0
                        e[r, 1] = a1 - a2 + a3
                        e[r, 2] = a1 + a2 - a0
                        e[r, 3] = -a3
                    # rows: B times that spreads onto band rows (e0, e1-e2+e3, e1+e2-e0, -e3)
                    for j in range(4):
                        acc[0, q + j] += e[0, j]
                        acc[1, q + j] += e[1, j] - e[2, j] + e[3, j]
                        acc[2, q + j] += e[1, j] + e[2, j] - e[0, j]
                        acc[3, q + j] -= e[3, j]
                for r in range(4):
                    iy = 2 * ty - pad + r
                    if 0 <= iy < h:
                        hi = min(w, wp - pad)
                        out[n, c, iy, :hi] += acc[r, pad:pad + hi]


wino_input = _jit(_wino_input)
wino_output = _jit(_wino_output)
wino_output_adjoint = _jit(_wino_output_adjoint)
wino_input_adjoint = _jit(_wino_input_adjoint)
