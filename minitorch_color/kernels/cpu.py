"""Numba CPU kernels. Each fills a caller-allocated ``out``; none allocates per element
(the Winograd kernels keep a few rows of scratch per outer-loop iteration).

Inner loops index views that start at zero wherever they can: Numba adds a negative-index
wrap-around test to any index it cannot prove non-negative, and that test alone stops
LLVM from vectorising the loop.

The plain Python functions (leading underscore) are the readable definitions; the
public names are the same functions compiled with ``njit(cache=True, nogil=True)``
(``parallel=True`` as well when ``MINITORCH_KERNEL_THREADS`` > 1).
With ``NUMBA_DISABLE_JIT=1`` they run as plain Python, slowly but identically.
"""
from __future__ import annotations

import math
import os

import numpy as np
from numba import njit, prange

_FAST = {"reassoc", "contract", "nsz", "arcp"}  # allow vectorised sums; keep NaN/inf semantics
# With one kernel thread (the default, see kernels/__init__.py) prange runs as range and the
# kernels compile without Numba's thread pool, so that the convolutions can call them from
# their own worker threads; nogil lets those threads run at once.
PARALLEL = int(os.environ.get("MINITORCH_KERNEL_THREADS", "1")) > 1


def _jit(fn, fastmath=False, parallel=None):
    parallel = PARALLEL if parallel is None else parallel
    return njit(parallel=parallel, cache=True, nogil=True, fastmath=_FAST if fastmath else False)(fn)


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
                    if sw == 1:  # contiguous run: a straight copy between views (vectorises;
                        d = dst[base + lo:base + hi]  # slice assignment would copy via a temporary)
                        s = src[lo + off:hi + off]
                        for t in range(hi - lo):
                            d[t] = s[t]
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
                        d = dst[lo + off:hi + off]
                        s = src[base + lo:base + hi]
                        for t in range(hi - lo):
                            d[t] += s[t]
                    else:
                        for ox in range(lo, hi):
                            dst[ox * sw + off] += src[base + ox]


def _max_pool2d_fwd(x, kh, kw, sh, sw, ph, pw, out, idx):
    """Fill out (N, C, OH, OW) with window maxima of x (N, C, H, W) and idx with their flat index in the plane."""
    n_, c_, h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    pool2 = kh == 2 and kw == 2 and sh == 2 and sw == 2 and ph == 0 and pw == 0
    for nc in prange(n_ * c_):
        n = nc // c_
        c = nc % c_
        if pool2:  # the U-Net's 2x2/2 pooling: every window is inside, indices are plain
            for oy in range(oh):
                top, bottom = x[n, c, 2 * oy], x[n, c, 2 * oy + 1]
                orow, irow = out[n, c, oy], idx[n, c, oy]
                base = 2 * oy * w
                for ox in range(ow):
                    best, bi = top[2 * ox], base + 2 * ox
                    if top[2 * ox + 1] > best:
                        best, bi = top[2 * ox + 1], base + 2 * ox + 1
                    if bottom[2 * ox] > best:
                        best, bi = bottom[2 * ox], base + w + 2 * ox
                    if bottom[2 * ox + 1] > best:
                        best, bi = bottom[2 * ox + 1], base + w + 2 * ox + 1
                    orow[ox] = best
                    irow[ox] = bi
            continue
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


def _bn_stats(x, mean, var, c0, c1):
    """Fill mean[c0:c1] and var[c0:c1] with the biased per-channel statistics of x (N, C, H, W)."""
    n_, _, h, w = x.shape
    m = n_ * h * w
    for c in prange(c0, c1):
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


def _bn_fwd(x, mean, invstd, weight, bias, relu, out, c0, c1):
    """Fill out[:, c0:c1] (N, C, H, W) with (x - mean) * invstd * weight + bias per channel, then ReLU if relu."""
    n_, _, h, w = x.shape
    for c in prange(c0, c1):
        scale = invstd[c] * weight[c]
        shift = bias[c] - mean[c] * scale
        for n in range(n_):
            for y in range(h):
                for x_ in range(w):
                    v = x[n, c, y, x_] * scale + shift
                    if relu and v < 0:
                        v = 0
                    out[n, c, y, x_] = v


def _bn_bwd(g, x, y, mean, invstd, weight, relu, gx, gweight, gbias, c0, c1):
    """Fill gx[:, c0:c1] (N, C, H, W), gweight[c0:c1], gbias[c0:c1] with batch-norm gradients; y masks a
    fused ReLU."""
    n_, _, h, w = x.shape
    m = n_ * h * w
    for c in prange(c0, c1):
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


def _soft_ce_stats(x, t, top, tdotx, tsum):
    """Fill top, tdotx, tsum (P,) with max over c of x (C, P), and sums over c of t*x and of t (C, P)."""
    c_, p_ = x.shape
    top[:] = x[0]
    tdotx[:] = 0
    tsum[:] = 0
    for c in range(c_):  # row by row, one store stream per loop (each loop vectorises)
        xc, tc = x[c], t[c]
        for p in range(p_):
            top[p] = max(top[p], xc[p])
        for p in range(p_):
            tdotx[p] += tc[p] * xc[p]
        for p in range(p_):
            tsum[p] += tc[p]


def _soft_ce_grad(e, t, g, scale, out):
    """Fill out (C, P) with e * (g * scale) - t * g: the soft cross-entropy's input gradient from its
    saved exp(x - max) e (C, P), targets t (C, P), upstream g (P,) and factor scale (P,), in one pass."""
    c_, p_ = e.shape
    k = np.empty(p_, dtype=out.dtype)
    for p in range(p_):
        k[p] = g[p] * scale[p]
    for c in range(c_):  # row by row: each loop reads two streams, writes one, and vectorises
        ec, tc, oc = e[c], t[c], out[c]
        for p in range(p_):
            oc[p] = ec[p] * k[p] - tc[p] * g[p]


im2col = _jit(_im2col)
col2im = _jit(_col2im)
max_pool2d_fwd = _jit(_max_pool2d_fwd)
max_pool2d_bwd = _jit(_max_pool2d_bwd)
bn_stats = _jit(_bn_stats, fastmath=True)
bn_fwd = _jit(_bn_fwd, fastmath=True)
bn_bwd = _jit(_bn_bwd, fastmath=True)
# The optimiser runs in one thread, never inside the convolution workers, so its kernel may use
# Numba's parallel backend: with even one thread its loop vectorises (4x here), because a
# parfor's arrays are known not to alias.
adam_step = _jit(_adam_step, fastmath=True, parallel=True)
soft_ce_stats = _jit(_soft_ce_stats, fastmath=True)
soft_ce_grad = _jit(_soft_ce_grad, fastmath=True)


# ----- Winograd F(2x2, 3x3): 4x4 input tiles, 2x2 output tiles ---------------------------
# V = B^T d B, M = sum over channels of U * V with U = G g G^T, Y = A^T M A (Lavin and Gray 2016).
# A chunk covers samples n0..n1 and tile rows ty0..ty1 of each; its tiles are the columns of
# V and M, numbered ((n - n0) * (ty1 - ty0) + (ty - ty0)) * TW + tx.

def _deinterleave(src, lo, n, even, odd):
    """even[j], odd[j] = row[2j], row[2j+1] of a zero-padded row whose column p is src[p - lo], len(src) = n."""
    length = even.shape[0]
    j_lo = min(length, (lo + 1) // 2)  # from here on 2j - lo >= 0
    j_hi = min(length, max(j_lo, (n - 2 + lo) // 2 + 1))  # up to here 2j - lo + 1 < n
    for j in range(j_lo):
        p = 2 * j - lo
        even[j] = src[p] if 0 <= p < n else 0
        odd[j] = src[p + 1] if 0 <= p + 1 < n else 0
    # the interior, without bounds tests; views make every index provably non-negative, so
    # Numba emits no negative-index wrap-around test and the loop vectorises
    src_in, ev, od = src[2 * j_lo - lo:], even[j_lo:], odd[j_lo:]
    for t in range(j_hi - j_lo):
        ev[t] = src_in[2 * t]
        od[t] = src_in[2 * t + 1]
    for j in range(j_hi, length):
        p = 2 * j - lo
        even[j] = src[p] if 0 <= p < n else 0
        odd[j] = src[p + 1] if 0 <= p + 1 < n else 0


_deinterleave_jit = njit(cache=True, inline="always")(_deinterleave)


def _wino_input(x, pad, n0, n1, ty0, ty1, tw, v):
    """Fill v (16, C, tiles) with B^T d B of every 4x4 input tile d of x (N, C, H, W) in the chunk."""
    c_, h, w = x.shape[1], x.shape[2], x.shape[3]
    nty = ty1 - ty0
    for c in prange(c_):
        # padded rows split into even and odd columns: tile tx reads E[tx], O[tx], E[tx+1], O[tx+1],
        # so every loop below runs over tx with unit stride
        e = np.zeros((4, tw + 1), dtype=x.dtype)
        o = np.zeros((4, tw + 1), dtype=x.dtype)
        te = np.empty((4, tw + 1), dtype=x.dtype)
        to = np.empty((4, tw + 1), dtype=x.dtype)
        for n in range(n0, n1):
            for ty in range(ty0, ty1):
                for r in range(4):
                    iy = 2 * ty - pad + r
                    if 0 <= iy < h:
                        _deinterleave_jit(x[n, c, iy], pad, w, e[r], o[r])
                    else:
                        e[r, :] = 0
                        o[r, :] = 0
                for j in range(tw + 1):  # B^T down the rows
                    te[0, j] = e[0, j] - e[2, j]
                    te[1, j] = e[1, j] + e[2, j]
                    te[2, j] = e[2, j] - e[1, j]
                    te[3, j] = e[1, j] - e[3, j]
                    to[0, j] = o[0, j] - o[2, j]
                    to[1, j] = o[1, j] + o[2, j]
                    to[2, j] = o[2, j] - o[1, j]
                    to[3, j] = o[1, j] - o[3, j]
                col0 = ((n - n0) * nty + (ty - ty0)) * tw
                for r in range(4):  # B along the columns, one output row at a time
                    d0 = v[4 * r, c, col0:col0 + tw]
                    d1 = v[4 * r + 1, c, col0:col0 + tw]
                    d2 = v[4 * r + 2, c, col0:col0 + tw]
                    d3 = v[4 * r + 3, c, col0:col0 + tw]
                    for tx in range(tw):
                        d0[tx] = te[r, tx] - te[r, tx + 1]
                    for tx in range(tw):
                        d1[tx] = to[r, tx] + te[r, tx + 1]
                    for tx in range(tw):
                        d2[tx] = te[r, tx + 1] - to[r, tx]
                    for tx in range(tw):
                        d3[tx] = to[r, tx] - to[r, tx + 1]


def _wino_output(m, bias, n0, n1, ty0, ty1, tw, out):
    """Fill out[n0:n1] (N, O, OH, OW), tile rows ty0..ty1, with A^T M A of every tile of m (16, O, tiles),
    plus bias[o] when bias has O entries (a convolution's bias costs no pass of its own)."""
    o_, oh, ow = out.shape[1], out.shape[2], out.shape[3]
    nty = ty1 - ty0
    full = ow // 2  # tiles whose two output columns both exist
    for o in prange(o_):
        s = np.empty((8, tw), dtype=out.dtype)
        b0 = bias[o] if bias.shape[0] > 0 else np.zeros(1, dtype=out.dtype)[0]
        for n in range(n0, n1):
            for ty in range(ty0, ty1):
                col0 = ((n - n0) * nty + (ty - ty0)) * tw
                for q in range(4):  # s = A^T M: rows (M0 + M1 + M2, M1 - M2 - M3) of the 4x4 tile
                    m0 = m[q, o, col0:col0 + tw]
                    m1 = m[4 + q, o, col0:col0 + tw]
                    m2 = m[8 + q, o, col0:col0 + tw]
                    m3 = m[12 + q, o, col0:col0 + tw]
                    for tx in range(tw):
                        s[q, tx] = m0[tx] + m1[tx] + m2[tx]
                        s[4 + q, tx] = m1[tx] - m2[tx] - m3[tx]
                for r in range(2):
                    y = 2 * ty + r
                    if y >= oh:
                        continue
                    row = out[n, o, y]
                    b = 4 * r
                    for tx in range(full):  # y = s A
                        row[2 * tx] = s[b, tx] + s[b + 1, tx] + s[b + 2, tx] + b0
                        row[2 * tx + 1] = s[b + 1, tx] - s[b + 2, tx] - s[b + 3, tx] + b0
                    if full < tw:
                        row[2 * full] = s[b, full] + s[b + 1, full] + s[b + 2, full] + b0


def _wino_output_adjoint(g, n0, n1, ty0, ty1, tw, m):
    """Fill m (16, O, tiles) with A dY A^T of every 2x2 tile of g (N, O, OH, OW) in the chunk.

    The adjoint of _wino_output."""
    o_, oh, ow = g.shape[1], g.shape[2], g.shape[3]
    nty = ty1 - ty0
    for o in prange(o_):
        ge = np.zeros((2, tw), dtype=g.dtype)  # even / odd output columns of the tile's two rows
        go = np.zeros((2, tw), dtype=g.dtype)
        a = np.empty((4, tw), dtype=g.dtype)
        b = np.empty((4, tw), dtype=g.dtype)
        for n in range(n0, n1):
            for ty in range(ty0, ty1):
                for r in range(2):
                    y = 2 * ty + r
                    if y < oh:
                        _deinterleave_jit(g[n, o, y], 0, ow, ge[r], go[r])
                    else:
                        ge[r, :] = 0
                        go[r, :] = 0
                for tx in range(tw):  # A g: rows (g0, g0 + g1, g0 - g1, -g1), as (even, odd) pairs
                    a[0, tx] = ge[0, tx]
                    b[0, tx] = go[0, tx]
                    a[1, tx] = ge[0, tx] + ge[1, tx]
                    b[1, tx] = go[0, tx] + go[1, tx]
                    a[2, tx] = ge[0, tx] - ge[1, tx]
                    b[2, tx] = go[0, tx] - go[1, tx]
                    a[3, tx] = -ge[1, tx]
                    b[3, tx] = -go[1, tx]
                col0 = ((n - n0) * nty + (ty - ty0)) * tw
                for r in range(4):  # then each row (a, b) times A^T: (a, a + b, a - b, -b)
                    d0 = m[4 * r, o, col0:col0 + tw]
                    d1 = m[4 * r + 1, o, col0:col0 + tw]
                    d2 = m[4 * r + 2, o, col0:col0 + tw]
                    d3 = m[4 * r + 3, o, col0:col0 + tw]
                    for tx in range(tw):
                        d0[tx] = a[r, tx]
                    for tx in range(tw):
                        d1[tx] = a[r, tx] + b[r, tx]
                    for tx in range(tw):
                        d2[tx] = a[r, tx] - b[r, tx]
                    for tx in range(tw):
                        d3[tx] = -b[r, tx]


wino_input = _jit(_wino_input)
wino_output = _jit(_wino_output)
wino_output_adjoint = _jit(_wino_output_adjoint)


# ----- a chunk's whole Winograd convolution in one call -------------------------------------
# The transforms and the 16 GEMMs of a chunk, piece by piece: each piece's transformed tiles are
# multiplied while they are still in cache (np.dot compiles to the BLAS sgemm that SciPy ships), and
# the chunk runs without the GIL from its first tile to its last.

def _wino_pieces(n0, n1, ty0, ty1, th, tw, tiles):
    """(n0, n1, ty0, ty1) pieces of a chunk of about `tiles` tiles each: whole samples together when
    the chunk has whole samples smaller than that, else bands of tile rows of one sample."""
    pieces = []
    if ty0 == 0 and ty1 == th and th * tw <= tiles:
        per = max(1, tiles // (th * tw))
        for a in range(n0, n1, per):
            pieces.append((a, min(n1, a + per), 0, th))
    else:
        rows = max(1, tiles // tw)
        for n in range(n0, n1):
            for t in range(ty0, ty1, rows):
                pieces.append((n, n + 1, t, min(ty1, t + rows)))
    return pieces


_wino_pieces_jit = njit(cache=True)(_wino_pieces)


def _wino_conv_chunk(x, pad, n0, n1, ty0, ty1, th, tw, u, bias, out, vbuf, mbuf, tiles):
    """conv's work on a chunk (ops/winograd.py): out[n0:n1], tile rows ty0..ty1, = the convolution of x
    by the filters whose transforms are u (16, O, C), plus bias; vbuf and mbuf hold a piece's tiles."""
    c, o = u.shape[2], u.shape[1]
    for a, b, t0, t1 in _wino_pieces_jit(n0, n1, ty0, ty1, th, tw, tiles):
        nt = (b - a) * (t1 - t0) * tw
        v = vbuf[:16 * c * nt].reshape((16, c, nt))
        m = mbuf[:16 * o * nt].reshape((16, o, nt))
        wino_input(x, pad, a, b, t0, t1, tw, v)
        for k in range(16):
            np.dot(u[k], v[k], m[k])
        wino_output(m, bias, a, b, t0, t1, tw, out)


def _wino_weight_grad_chunk(x, g, pad, n0, n1, ty0, ty1, th, tw, du, vbuf, mbuf, part, tiles):
    """conv_backward's weight-gradient work on a chunk: du (16, O, C) += the adjoint output transform of
    g times the input transform of x, transposed, over the chunk's tiles; part is (O, C) scratch."""
    c, o = du.shape[2], du.shape[1]
    for a, b, t0, t1 in _wino_pieces_jit(n0, n1, ty0, ty1, th, tw, tiles):
        nt = (b - a) * (t1 - t0) * tw
        v = vbuf[:16 * c * nt].reshape((16, c, nt))
        m = mbuf[:16 * o * nt].reshape((16, o, nt))
        wino_output_adjoint(g, a, b, t0, t1, tw, m)
        wino_input(x, pad, a, b, t0, t1, tw, v)
        for k in range(16):
            np.dot(m[k], v[k].T, part)
            du[k] += part


wino_conv_chunk = _jit(_wino_conv_chunk)
wino_weight_grad_chunk = _jit(_wino_weight_grad_chunk)
