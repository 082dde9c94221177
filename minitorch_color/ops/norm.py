"""Batch normalisation, the one normalisation primitive; instance norms are composed from it."""
from __future__ import annotations

from .. import kernels as K
from ..autograd import Function
from ..backend import get_array_module


class BatchNorm(Function):
    """Batch norm over (N, H, W) per channel of x (N, C, H, W), optionally fused with ReLU.

    In training it normalises with the batch statistics and, when running buffers are
    given, updates them in place (unbiased variance, as PyTorch); in eval it uses them.
    """

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean=None, running_var=None, training=True,
                momentum=0.1, eps=1e-5, relu=False):
        xp = get_array_module(x)
        c = x.shape[1]
        w = weight if weight is not None else xp.ones(c, dtype=x.dtype)
        b = bias if bias is not None else xp.zeros(c, dtype=x.dtype)
        if training:
            mean, var = K.bn_stats(x)
            if running_mean is not None:
                m = x.size // c
                running_mean *= 1 - momentum
                running_mean += momentum * mean
                running_var *= 1 - momentum
                running_var += momentum * var * (m / max(m - 1, 1))
        else:
            if running_mean is None:
                raise ValueError("batch_norm in eval mode needs running_mean and running_var")
            mean, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
        invstd = (1.0 / xp.sqrt(var + eps)).astype(x.dtype)
        out = K.bn_fwd(x, mean, invstd, w, b, relu)
        ctx.save_for_backward(x, out if relu else x, mean, invstd, w)
        ctx.training, ctx.relu = training, relu
        return out

    @staticmethod
    def backward(ctx, g):
        x, y, mean, invstd, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if ctx.training:
            gx, gw, gb = K.bn_bwd(g, x, y, mean, invstd, w, ctx.relu)
        else:  # statistics are constants: a per-channel affine map
            if ctx.relu:
                g = g * (y > 0)
            shape = (1, -1, 1, 1)
            gx = g * (w * invstd).reshape(shape)
            gb = g.sum(axis=(0, 2, 3))
            gw = (g * (x - mean.reshape(shape)) * invstd.reshape(shape)).sum(axis=(0, 2, 3))
        return (gx if need_x else None, gw if need_w else None, gb if need_b else None,
                None, None, None, None, None, None)
