"""Array-module kernels: the same signatures as cpu.py, written with whole-array operations.

They run on CuPy arrays (the GPU path) and equally on NumPy arrays, which makes them
the reference that the Numba kernels are tested against.
"""
from __future__ import annotations

import math

from ..backend import get_array_module, scatter_add


def _windows(kh, kw, sh, sw, dh, dw, oh, ow):
    """Yield (i, j, row-slice, column-slice) of every kernel tap inside a padded image."""
    for i in range(kh):
        for j in range(kw):
            yield i, j, slice(i * dh, i * dh + sh * (oh - 1) + 1, sh), slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)


def im2col(x, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out):
    """Fill out (N, C*KH*KW, OH*OW) with the sliding-window patches of x (N, C, H, W)."""
    xp = get_array_module(x)
    n, c = x.shape[:2]
    xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    view = out.reshape(n, c, kh, kw, oh, ow)
    for i, j, rs, cs in _windows(kh, kw, sh, sw, dh, dw, oh, ow):
        view[:, :, i, j] = xpad[:, :, rs, cs]


def col2im(cols, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out):
    """Fill out (N, C, H, W) with the patches of cols (N, C*KH*KW, OH*OW) summed back at their windows."""
    xp = get_array_module(cols)
    n, c, h, w = out.shape
    # the padded canvas must also hold windows that run past the bottom/right edge
    hp = max(h + 2 * ph, (oh - 1) * sh + (kh - 1) * dh + 1)
    wp = max(w + 2 * pw, (ow - 1) * sw + (kw - 1) * dw + 1)
    canvas = xp.zeros((n, c, hp, wp), dtype=out.dtype)
    view = cols.reshape(n, c, kh, kw, oh, ow)
    for i, j, rs, cs in _windows(kh, kw, sh, sw, dh, dw, oh, ow):
        canvas[:, :, rs, cs] += view[:, :, i, j]
    out[...] = canvas[:, :, ph:ph + h, pw:pw + w]


def max_pool2d_fwd(x, kh, kw, sh, sw, ph, pw, out, idx):
    """Fill out (N, C, OH, OW) with window maxima of x (N, C, H, W) and idx with their flat index in the plane."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    oh, ow = out.shape[2:]
    xpad = xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=-xp.inf)
    taps = xp.stack([xpad[:, :, rs, cs] for _, _, rs, cs in _windows(kh, kw, sh, sw, 1, 1, oh, ow)])
    k = taps.argmax(axis=0)  # (N, C, OH, OW) tap number
    out[...] = xp.take_along_axis(taps, k[None], axis=0)[0]
    ki, kj = k // kw, k % kw
    iy = xp.arange(oh).reshape(-1, 1) * sh - ph + ki
    ix = xp.arange(ow).reshape(1, -1) * sw - pw + kj
    idx[...] = iy * w + ix


def max_pool2d_bwd(g, idx, out):
    """Fill out (N, C, H, W) with g (N, C, OH, OW) routed back to the argmax positions idx."""
    xp = get_array_module(g)
    n, c, h, w = out.shape
    flat = xp.zeros((n * c, h * w), dtype=out.dtype)
    rows = xp.repeat(xp.arange(n * c), idx.shape[2] * idx.shape[3])
    scatter_add(flat, (rows, idx.reshape(-1)), g.reshape(-1))
    out[...] = flat.reshape(n, c, h, w)


def bn_stats(x, mean, var, c0, c1):
    """Fill mean[c0:c1] and var[c0:c1] with the biased per-channel statistics of x (N, C, H, W)."""
    mean[c0:c1] = x[:, c0:c1].mean(axis=(0, 2, 3))
    var[c0:c1] = x[:, c0:c1].var(axis=(0, 2, 3))


def bn_fwd(x, mean, invstd, weight, bias, relu, out, c0, c1):
    """Fill out[:, c0:c1] (N, C, H, W) with (x - mean) * invstd * weight + bias per channel, then ReLU if relu."""
    xp = get_array_module(x)
    scale = (invstd * weight)[c0:c1].reshape(1, -1, 1, 1)
    shift = (bias - mean * invstd * weight)[c0:c1].reshape(1, -1, 1, 1)
    y = x[:, c0:c1] * scale + shift
    out[:, c0:c1] = xp.maximum(y, 0) if relu else y


def bn_bwd(g, x, y, mean, invstd, weight, relu, gx, gweight, gbias, c0, c1):
    """Fill gx[:, c0:c1] (N, C, H, W), gweight[c0:c1], gbias[c0:c1] with batch-norm gradients; y masks a
    fused ReLU."""
    g, x, y = g[:, c0:c1], x[:, c0:c1], y[:, c0:c1]
    mean, invstd, weight = mean[c0:c1], invstd[c0:c1], weight[c0:c1]
    if relu:
        g = g * (y > 0)
    m = x.shape[0] * x.shape[2] * x.shape[3]
    inv = invstd.reshape(1, -1, 1, 1)
    xhat = (x - mean.reshape(1, -1, 1, 1)) * inv
    sg = g.sum(axis=(0, 2, 3))
    sgx = (g * xhat).sum(axis=(0, 2, 3))
    gbias[c0:c1] = sg
    gweight[c0:c1] = sgx
    k = (weight * invstd / m).reshape(1, -1, 1, 1)
    gx[:, c0:c1] = k * (m * g - sg.reshape(1, -1, 1, 1) - xhat * sgx.reshape(1, -1, 1, 1))


def adam_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2):
    """Update flat p, m, v in place by one Adam (decoupled: AdamW) step with bias corrections bc1, bc2."""
    xp = get_array_module(p)
    if weight_decay != 0:
        if decoupled:
            p *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * p
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g * g
    p -= (lr / bc1) * m / (xp.sqrt(v) / math.sqrt(bc2) + eps)


def soft_ce_stats(x, t, top, tdotx, tsum):
    """Fill top, tdotx, tsum (P,) with max over c of x (C, P), and sums over c of t*x and of t (C, P)."""
    top[...] = x.max(axis=0)
    tdotx[...] = (t * x).sum(axis=0)
    tsum[...] = t.sum(axis=0)


def soft_ce_grad(e, t, g, scale, out):
    """Fill out (C, P) with e * (g * scale) - t * g (the soft cross-entropy's input gradient)."""
    out[...] = e * (g * scale) - t * g


# ----- Winograd F(2x2, 3x3) (see cpu.py for the layout of tiles) --------------------------
_BT = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]
_AT = [[1, 1, 1, 0], [0, 1, -1, -1]]


def _tile_view(a, pad, n0, n1, ty0, ty1, tw, size, stride):
    """Return (n, C, nty, tw, size, size) windows of a[n0:n1], zero-padded by pad, step stride."""
    xp = get_array_module(a)
    nty = ty1 - ty0
    h, w = a.shape[2] + 2 * pad, a.shape[3] + 2 * pad
    extra_h = max(0, stride * (ty1 - 1) + size - h)
    extra_w = max(0, stride * (tw - 1) + size - w)
    sub = xp.pad(a[n0:n1], ((0, 0), (0, 0), (pad, pad + extra_h), (pad, pad + extra_w)))
    out = xp.empty(sub.shape[:2] + (nty, tw, size, size), dtype=a.dtype)
    for r in range(size):
        for q in range(size):
            top = stride * ty0 + r
            out[..., r, q] = sub[:, :, top:top + stride * (nty - 1) + 1:stride, q:q + stride * (tw - 1) + 1:stride]
    return out


def wino_input(x, pad, n0, n1, ty0, ty1, tw, v):
    """Fill v (16, C, tiles) with B^T d B of every 4x4 input tile d of x (N, C, H, W) in the chunk."""
    xp = get_array_module(x)
    bt = xp.asarray(_BT, dtype=x.dtype)
    d = _tile_view(x, pad, n0, n1, ty0, ty1, tw, 4, 2)  # (n, C, nty, tw, 4, 4)
    t = xp.einsum("ar,ncyxrq,bq->abcnyx", bt, d, bt)
    v[...] = t.reshape(16, x.shape[1], -1)


def wino_output(m, bias, n0, n1, ty0, ty1, tw, out):
    """Fill out[n0:n1] (N, O, OH, OW), tile rows ty0..ty1, with A^T M A of every tile of m (16, O, tiles),
    plus bias[o] when bias has O entries."""
    xp = get_array_module(m)
    at = xp.asarray(_AT, dtype=m.dtype)
    o, oh, ow = out.shape[1:]
    nty = ty1 - ty0
    mm = m.reshape(4, 4, o, n1 - n0, nty, tw)
    y = xp.einsum("ar,rqonyx,bq->onyaxb", at, mm, at).reshape(o, n1 - n0, 2 * nty, 2 * tw)
    rows = min(oh, 2 * ty1) - 2 * ty0
    out[n0:n1, :, 2 * ty0:2 * ty0 + rows] = y[:, :, :rows, :ow].transpose(1, 0, 2, 3)
    if bias.shape[0]:
        out[n0:n1, :, 2 * ty0:2 * ty0 + rows] += bias.reshape(1, -1, 1, 1)


def wino_output_adjoint(g, n0, n1, ty0, ty1, tw, m):
    """Fill m (16, O, tiles) with A dY A^T of every 2x2 tile of g (N, O, OH, OW) in the chunk."""
    xp = get_array_module(g)
    at = xp.asarray(_AT, dtype=g.dtype)
    d = _tile_view(g, 0, n0, n1, ty0, ty1, tw, 2, 2)  # (n, O, nty, tw, 2, 2)
    t = xp.einsum("ra,noyxrq,qb->abonyx", at, d, at)
    m[...] = t.reshape(16, g.shape[1], -1)

