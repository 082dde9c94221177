"""Pooling and nearest upsampling primitives (bilinear upsampling is composed in functional)."""
from __future__ import annotations

from .. import kernels as K
from ..autograd import Function
from ..backend import get_array_module
from ..conv_util import pair as _pair


class MaxPool2d(Function):
    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        (kh, kw), (ph, pw) = _pair(kernel_size), _pair(padding)
        sh, sw = _pair(stride) if stride is not None else (kh, kw)
        if ph > kh // 2 or pw > kw // 2:
            raise ValueError("max_pool2d: padding must be at most half the kernel size")
        out, idx = K.max_pool2d_fwd(x, kh, kw, sh, sw, ph, pw)
        ctx.save_for_backward(idx)
        ctx.shape = x.shape
        return out

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        return K.max_pool2d_bwd(g, idx, ctx.shape), None, None, None


class AvgPool2d(Function):
    """Average pooling; zero padding counts in the divisor (PyTorch's count_include_pad=True)."""

    @staticmethod
    def forward(ctx, x, kernel_size, stride=None, padding=0):
        (kh, kw), (ph, pw) = _pair(kernel_size), _pair(padding)
        sh, sw = _pair(stride) if stride is not None else (kh, kw)
        n, c, h, w = x.shape
        ctx.opts = (kh, kw, sh, sw, ph, pw)
        ctx.shape = x.shape
        # each channel is its own one-channel image, so the patch mean is over the kernel taps
        cols = K.im2col(x.reshape(n * c, 1, h, w), kh, kw, sh, sw, ph, pw)  # (N*C, KH*KW, OH*OW)
        oh, ow = K.conv_out_size(h, kh, sh, ph, 1), K.conv_out_size(w, kw, sw, pw, 1)
        return cols.mean(axis=1).reshape(n, c, oh, ow).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        kh, kw, sh, sw, ph, pw = ctx.opts
        n, c, h, w = ctx.shape
        xp = get_array_module(g)
        cols = xp.broadcast_to((g / (kh * kw)).reshape(n * c, 1, -1), (n * c, kh * kw, g.shape[2] * g.shape[3]))
        gx = K.col2im(xp.ascontiguousarray(cols), (n * c, 1, h, w), kh, kw, sh, sw, ph, pw)
        return gx.reshape(ctx.shape), None, None, None


class UpsampleNearest(Function):
    """Nearest-neighbour upsampling by integer factors (sh, sw)."""

    @staticmethod
    def forward(ctx, x, sh, sw):
        n, c, h, w = x.shape
        ctx.factors = sh, sw
        xp = get_array_module(x)
        out = xp.broadcast_to(x[:, :, :, None, :, None], (n, c, h, sh, w, sw))
        return out.reshape(n, c, h * sh, w * sw)

    @staticmethod
    def backward(ctx, g):
        sh, sw = ctx.factors
        n, c, oh, ow = g.shape
        return g.reshape(n, c, oh // sh, sh, ow // sw, sw).sum(axis=(3, 5)), None, None
