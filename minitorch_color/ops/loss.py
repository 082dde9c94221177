"""Loss primitives: log-softmax, soft-target cross-entropy and the elementwise smooth-L1 (Huber) term."""
from __future__ import annotations

import math

from .. import kernels as K
from ..autograd import Function
from ..backend import get_array_module


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, axis):
        xp = get_array_module(x)
        shifted = x - x.max(axis=axis, keepdims=True)
        out = shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        xp = get_array_module(g)
        return g - xp.exp(out) * g.sum(axis=ctx.axis, keepdims=True), None


def _blocks(shape, itemsize, budget=1 << 24):
    """(row, start, stop) blocks of positions of a (rows, C, P) array, each C x (stop - start) block
    within about budget bytes, the blocks of a row equal: the units of work for the engine's threads.
    A whole row is one contiguous block, and NumPy and the kernels run contiguous blocks fastest:
    with 16 MB a 64 x 64 crop's 261 bins (4.3 MB) stay whole, and its loss took 24 + 22 ms forward
    and backward for 16 crops instead of 37 + 29 in 4 MB pieces. (Pieces small enough to stay in a
    256 KB cache measured slower still: the hand-offs cost more than the cache saved.)"""
    rows, c, p = shape
    k = -(-p // max(8, budget // max(1, c * itemsize)))  # blocks per row
    return [(a, p * i // k, p * (i + 1) // k) for a in range(rows) for i in range(k)]


class SoftCrossEntropy(Function):
    """Per position, -sum_c t_c log softmax(x)_c over axis dim of x: one primitive instead of
    log-softmax, a product and a sum (a colorizer's 261-bin loss spent 40% of its training
    step in those three).

    Forward keeps exp(x - max) and the per-position factor sum(t) / sum(exp); the input
    gradient is then g * (softmax(x) * sum(t) - t) in one pass (kernels' soft_ce_grad), with no
    second exp. The work runs in blocks of positions on the engine's threads.
    """

    @staticmethod
    def forward(ctx, x, t, dim):
        xp = get_array_module(x)
        shape = x.shape
        rows, c = math.prod(shape[:dim]), shape[dim]
        x3 = xp.ascontiguousarray(x).reshape(rows, c, -1)
        t3 = xp.ascontiguousarray(t, dtype=x.dtype).reshape(x3.shape)
        e = xp.empty_like(x3)
        loss = xp.empty((rows, x3.shape[2]), dtype=x.dtype)
        scale = xp.empty_like(loss)
        lse = xp.empty_like(loss)

        def run(chunk):
            a, p0, p1 = chunk
            xs, ts, es = x3[a, :, p0:p1], t3[a, :, p0:p1], e[a, :, p0:p1]
            top, tdotx, tsum = K.soft_ce_stats(xs, ts)  # one pass over x and t
            xp.subtract(xs, top, out=es)
            xp.exp(es, out=es)
            s = es.sum(axis=0)
            lse[a, p0:p1] = top + xp.log(s)
            loss[a, p0:p1] = lse[a, p0:p1] * tsum - tdotx
            scale[a, p0:p1] = tsum / s

        K.map_chunks(run, _blocks(x3.shape, x.itemsize), xp)
        ctx.save_for_backward(x3, t3, e, scale, lse)
        ctx.shapes = shape, t.shape
        return loss.reshape(shape[:dim] + shape[dim + 1:])

    @staticmethod
    def backward(ctx, g):
        x3, t3, e, scale, lse = ctx.saved_tensors
        (x_shape, t_shape), xp = ctx.shapes, get_array_module(g)
        g2 = xp.ascontiguousarray(g).reshape(scale.shape)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = xp.empty_like(x3)

            def run(chunk):  # one pass: read e and t, write gx
                a, p0, p1 = chunk
                K.soft_ce_grad(e[a, :, p0:p1], t3[a, :, p0:p1], g2[a, p0:p1], scale[a, p0:p1], gx[a, :, p0:p1])

            K.map_chunks(run, _blocks(x3.shape, x3.itemsize), xp)
            gx = gx.reshape(x_shape)
        if ctx.needs_input_grad[1]:  # d/dt = -log softmax(x) * g
            gt = ((lse[:, None] - x3) * g2[:, None]).reshape(t_shape)
        return gx, gt, None


class SmoothL1(Function):
    """Elementwise 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta, for d = a - b."""

    @staticmethod
    def forward(ctx, a, b, beta):
        xp = get_array_module(a, b)
        d = a - b
        ad = xp.abs(d)
        ctx.save_for_backward(d)
        ctx.beta = beta
        return xp.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        xp = get_array_module(g)
        gd = g * xp.clip(d / ctx.beta, -1, 1)
        return (gd if ctx.needs_input_grad[0] else None,
                -gd if ctx.needs_input_grad[1] else None, None)
