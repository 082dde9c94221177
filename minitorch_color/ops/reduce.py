"""Reductions: sum and max are primitives; mean and var are composed from them."""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module


def normalize_axes(axis, ndim):
    """Return a sorted tuple of non-negative axes (all axes for None)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(sorted(a % ndim for a in axis))


def _keepdims_shape(shape, axes):
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


class Sum(Function):
    @staticmethod
    def forward(ctx, x, axis, keepdims):
        axes = normalize_axes(axis, x.ndim)
        ctx.shape, ctx.axes = x.shape, axes
        return x.sum(axis=axes, keepdims=keepdims)

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g)
        g = g.reshape(_keepdims_shape(ctx.shape, ctx.axes))
        return xp.broadcast_to(g, ctx.shape), None, None


class Max(Function):
    """Maximum over axes; ties share the gradient equally."""

    @staticmethod
    def forward(ctx, x, axis, keepdims):
        axes = normalize_axes(axis, x.ndim)
        out = x.max(axis=axes, keepdims=True)
        mask = x == out
        ctx.save_for_backward(mask)
        ctx.axes = axes
        return out if keepdims else out.reshape([s for i, s in enumerate(out.shape) if i not in axes])

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        g = g.reshape(_keepdims_shape(mask.shape, ctx.axes))
        count = mask.sum(axis=ctx.axes, keepdims=True)
        return mask * (g / count), None, None
