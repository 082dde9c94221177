"""Shape primitives: reshape, permute, concat, pad, index, expand."""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from ..backend import get_array_module, scatter_add


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Permute(Function):
    @staticmethod
    def forward(ctx, x, axes):
        axes = tuple(a % x.ndim for a in axes)
        if sorted(axes) != list(range(x.ndim)):
            raise ValueError(f"permute axes {axes} are not a permutation of {x.ndim} dims")
        ctx.inverse = tuple(np.argsort(axes))
        return x.transpose(axes)

    @staticmethod
    def backward(ctx, g):
        return g.transpose(ctx.inverse), None


class Concat(Function):
    """Join tensors along an axis: concat(a, b, ..., axis=k)."""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return get_array_module(*xs).concatenate(xs, axis=axis)

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        index = [slice(None)] * g.ndim
        for n, size in enumerate(ctx.sizes):
            if ctx.needs_input_grad[n]:
                index[ctx.axis] = slice(start, start + size)
                out.append(g[tuple(index)])
            else:
                out.append(None)
            start += size
        return tuple(out)


class Pad(Function):
    """Constant padding; pad_width as for numpy.pad: ((before, after), ...) per axis."""

    @staticmethod
    def forward(ctx, x, pad_width, value):
        ctx.slices = tuple(slice(b, b + s) for (b, _), s in zip(pad_width, x.shape))
        return get_array_module(x).pad(x, pad_width, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, g):
        return g[ctx.slices], None, None


def _is_basic_index(key):
    items = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice)) or k is None or k is Ellipsis for k in items)


class Index(Function):
    """x[key] for basic slicing and integer/boolean array indexing."""

    @staticmethod
    def forward(ctx, x, key):
        ctx.shape, ctx.dtype, ctx.key = x.shape, x.dtype, key
        return x[key]

    @staticmethod
    def backward(ctx, g):
        xp = get_array_module(g)
        out = xp.zeros(ctx.shape, dtype=ctx.dtype)
        if _is_basic_index(ctx.key):
            out[ctx.key] = g
        else:  # repeated indices must add up
            scatter_add(out, ctx.key, g)
        return out, None


class Expand(Function):
    """Broadcast to a larger shape without copying; backward sums via unbroadcast."""

    @staticmethod
    def forward(ctx, x, shape):
        return get_array_module(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None
