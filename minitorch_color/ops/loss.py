"""Loss primitives: log-softmax and the elementwise smooth-L1 (Huber) term."""
from __future__ import annotations

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
