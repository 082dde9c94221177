"""2-D convolution and transposed convolution by im2col + GEMM.

Each one's data gradient is the other: conv2d's input gradient is a transposed
convolution of the output gradient (``_conv_data_grad``), and conv_transpose2d's
forward is that very function. Patches are recomputed in backward rather than kept
from forward: that trades one cheap im2col for hundreds of MB of saved columns.
"""
from __future__ import annotations

from ..autograd import Function
from ..backend import get_array_module
from .. import kernels as K
from ..conv_util import pair as _pair


def _conv(x, w, stride, padding, dilation):
    """Plain convolution of x (N, C, H, W) by w (O, C, KH, KW) -> (N, O, OH, OW)."""
    n = x.shape[0]
    o, c, kh, kw = w.shape
    if x.shape[1] != c:
        raise ValueError(f"conv2d: input has {x.shape[1]} channels, weight expects {c}")
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    cols = K.im2col(x, kh, kw, sh, sw, ph, pw, dh, dw)  # (N, C*KH*KW, OH*OW)
    oh = K.conv_out_size(x.shape[2], kh, sh, ph, dh)
    ow = K.conv_out_size(x.shape[3], kw, sw, pw, dw)
    out = get_array_module(x).matmul(w.reshape(o, -1), cols)  # (N, O, OH*OW)
    return out.reshape(n, o, oh, ow)


def _conv_data_grad(g, w, in_shape, stride, padding, dilation):
    """Input gradient of _conv: g (N, O, OH, OW) and w (O, C, KH, KW) -> (N, C, H, W)."""
    n, o = g.shape[:2]
    _, c, kh, kw = w.shape
    xp = get_array_module(g)
    cols = xp.matmul(w.reshape(o, -1).T, g.reshape(n, o, -1))  # (N, C*KH*KW, OH*OW)
    return K.col2im(cols, in_shape, kh, kw, *stride, *padding, *dilation)


def _weight_grad(x, g, w_shape, stride, padding, dilation):
    """Weight gradient of _conv: sum over the batch of g_n (O, P) @ cols_n.T (P, C*KH*KW)."""
    o, c, kh, kw = w_shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    cols = K.im2col(x, kh, kw, sh, sw, ph, pw, dh, dw)  # (N, C*KH*KW, P)
    g2 = g.reshape(g.shape[0], o, -1)  # (N, O, P)
    gw = g2[0] @ cols[0].T
    for i in range(1, g2.shape[0]):
        gw += g2[i] @ cols[i].T  # one GEMM per sample keeps the (O, K) temporaries small
    return gw.reshape(w_shape)


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride=1, padding=0, dilation=1):
        stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
        ctx.save_for_backward(x, w)
        ctx.opts = stride, padding, dilation
        out = _conv(x, w, stride, padding, dilation)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = _conv_data_grad(g, w, x.shape, *ctx.opts) if need_x else None
        gw = _weight_grad(x, g, w.shape, *ctx.opts) if need_w else None
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, gw, gb


def conv_transpose_out_size(size, k, s, p, d, op):
    """Output length of a transposed convolution along one axis."""
    return (size - 1) * s - 2 * p + d * (k - 1) + op + 1


class ConvTranspose2d(Function):
    """Transposed convolution; weight (C_in, C_out, KH, KW) as in PyTorch."""

    @staticmethod
    def forward(ctx, x, w, b, stride=1, padding=0, output_padding=0, dilation=1):
        stride, padding, dilation, op = _pair(stride), _pair(padding), _pair(dilation), _pair(output_padding)
        if x.shape[1] != w.shape[0]:
            raise ValueError(f"conv_transpose2d: input has {x.shape[1]} channels, weight expects {w.shape[0]}")
        if op[0] >= max(stride[0], dilation[0]) or op[1] >= max(stride[1], dilation[1]):
            raise ValueError("output_padding must be smaller than stride or dilation")
        kh, kw = w.shape[2:]
        out_shape = (x.shape[0], w.shape[1],
                     conv_transpose_out_size(x.shape[2], kh, stride[0], padding[0], dilation[0], op[0]),
                     conv_transpose_out_size(x.shape[3], kw, stride[1], padding[1], dilation[1], op[1]))
        ctx.save_for_backward(x, w)
        ctx.opts = stride, padding, dilation
        # the transposed convolution is the data gradient of the plain one, with O=C_in, C=C_out
        out = _conv_data_grad(x, w, out_shape, stride, padding, dilation)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = _conv(g, w, *ctx.opts) if need_x else None
        gw = _weight_grad(g, x, w.shape, *ctx.opts) if need_w else None
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, gw, gb
