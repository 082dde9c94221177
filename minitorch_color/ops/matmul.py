"""Matrix product with NumPy's broadcasting rules (1-D operands included)."""
from __future__ import annotations

from ..autograd import Function


def _swap(a):
    return a.swapaxes(-1, -2)


class MatMul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a @ b

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        if a.ndim == 1 and b.ndim == 1:  # dot product: g is a scalar
            return g * b, g * a
        # treat vectors as (1, n) rows / (n, 1) columns, then drop the added axis again
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = g2[..., None, :]
        if b.ndim == 1:
            g2 = g2[..., None]
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = g2 @ _swap(b2)  # (..., m, k)
            if a.ndim == 1:
                ga = ga[..., 0, :]
        if ctx.needs_input_grad[1]:
            gb = _swap(a2) @ g2  # (..., k, n)
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb
