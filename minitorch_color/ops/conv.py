"""2-D convolution and transposed convolution by im2col + GEMM (3x3 stride 1: winograd.py).

Each one's data gradient is the other: conv2d's input gradient is a transposed
convolution of the output gradient (``_conv_data_grad``), and conv_transpose2d's
forward is that very function. Patches are recomputed in backward rather than kept
from forward: that trades one cheap im2col for hundreds of MB of saved columns, and
they are built a few samples at a time into one reused buffer that stays in cache.
The chunks run on the engine's threads (kernels/threads.py).
"""
from __future__ import annotations

from .. import conv_util
from .. import kernels as K
from ..autograd import Function
from ..backend import get_array_module
from ..conv_util import pair as _pair
from . import winograd


def _chunks(n, rows, cols, itemsize):
    """Yield sample ranges (start, stop) whose (rows, cols) patch matrices fit the chunk budget."""
    step = max(1, min(conv_util.CHUNK_BYTES // max(1, rows * cols * itemsize), -(-n // K.threads.conv_threads())))
    for start in range(0, n, step):
        yield start, min(n, start + step)


def _conv(x, w, stride, padding, dilation):
    """Plain convolution of x (N, C, H, W) by w (O, C, KH, KW) -> (N, O, OH, OW)."""
    n = x.shape[0]
    o, c, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    oh = K.conv_out_size(x.shape[2], kh, sh, ph, dh)
    ow = K.conv_out_size(x.shape[3], kw, sw, pw, dw)
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    w2 = w.reshape(o, -1)  # (O, C*KH*KW)
    out = xp.empty((n, o, oh * ow), dtype=x.dtype)

    pointwise = _pointwise(kh, kw, stride, padding)

    def run(chunk):
        a, b = chunk
        cols = None if pointwise else K.workspace((b - a, w2.shape[1], oh * ow), x.dtype, x)
        cols = K.im2col(x[a:b], kh, kw, sh, sw, ph, pw, dh, dw, out=cols)  # (n, C*KH*KW, OH*OW)
        xp.matmul(w2, cols, out=out[a:b])

    K.map_chunks(run, _chunks(n, w2.shape[1], oh * ow, x.itemsize), xp)
    return out.reshape(n, o, oh, ow)


def _pointwise(kh, kw, stride, padding):
    """Whether the patches of a convolution are its input itself (1x1, stride 1, no padding)."""
    return kh == kw == 1 and tuple(stride) == (1, 1) and tuple(padding) == (0, 0)


def _conv_data_grad(g, w, in_shape, stride, padding, dilation):
    """Input gradient of _conv: g (N, O, OH, OW) and w (O, C, KH, KW) -> (N, C, H, W)."""
    n, o = g.shape[:2]
    _, c, kh, kw = w.shape
    xp = get_array_module(g)
    g2 = xp.ascontiguousarray(g).reshape(n, o, -1)  # (N, O, P)
    wt = xp.ascontiguousarray(w.reshape(o, -1).T)  # (C*KH*KW, O)
    out = xp.empty(in_shape, dtype=g.dtype)
    pointwise = _pointwise(kh, kw, stride, padding)

    def run(chunk):  # samples are independent: chunks write disjoint parts of out
        a, b = chunk
        if pointwise:  # the columns are the gradient itself: multiply straight into it
            xp.matmul(wt, g2[a:b], out=out[a:b].reshape(b - a, c, -1))
            return
        cols = K.workspace((b - a, wt.shape[0], g2.shape[2]), g.dtype, g)
        xp.matmul(wt, g2[a:b], out=cols)
        K.col2im(cols, (b - a,) + tuple(in_shape[1:]), kh, kw, *stride, *padding, *dilation, out=out[a:b])

    K.map_chunks(run, _chunks(n, wt.shape[0], g2.shape[2], g.itemsize), xp)
    return out


def _weight_grad(x, g, w_shape, stride, padding, dilation):
    """Weight gradient of _conv: sum over the batch of g_n (O, P) @ cols_n.T (P, C*KH*KW)."""
    o, c, kh, kw = w_shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    n = x.shape[0]
    g2 = xp.ascontiguousarray(g).reshape(n, o, -1)  # (N, O, P)

    pointwise = _pointwise(kh, kw, stride, padding)

    def run(chunk):
        a, b = chunk
        if pointwise:  # the patches are x itself: no copy
            cols = x[a:b].reshape(b - a, c, -1)
        else:
            cols = K.workspace((b - a, c * kh * kw, g2.shape[2]), x.dtype, x)
            cols = K.im2col(x[a:b], kh, kw, sh, sw, ph, pw, dh, dw, out=cols)
        gw = g2[a] @ cols[0].T
        for i in range(1, b - a):
            gw += g2[a + i] @ cols[i].T  # (O, P) @ (P, C*KH*KW), one GEMM per sample
        return gw

    parts = K.map_chunks(run, _chunks(n, c * kh * kw, g2.shape[2], x.itemsize), xp)
    gw = parts[0]
    for p in parts[1:]:
        gw += p
    return gw.reshape(w_shape)


def _conv_any(x, w, stride, padding, dilation, bias=None):
    if x.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d: input of shape {x.shape} does not have the {w.shape[1]} channels "
                         f"that weight {w.shape} expects (N, C, H, W)")
    if winograd.applies(w.shape, stride, padding, dilation):
        return winograd.conv(x, w, padding[0], bias)  # the bias added by the output transform
    out = _conv(x, w, stride, padding, dilation)
    if bias is not None:
        out += bias.reshape(1, -1, 1, 1)
    return out



def _data_grad_any(g, w, in_shape, stride, padding, dilation):
    if winograd.applies(w.shape, stride, padding, dilation):
        return winograd.conv_backward(tuple(in_shape), None, g, w, padding[0], True, False)[0]
    return _conv_data_grad(g, w, in_shape, stride, padding, dilation)


def _backward_any(x, g, w, opts, need_x, need_w):
    """(input gradient, weight gradient) of _conv_any, each None when not needed."""
    if winograd.applies(w.shape, *opts):
        return winograd.conv_backward(x.shape, x, g, w, opts[1][0], need_x, need_w)
    return (_conv_data_grad(g, w, x.shape, *opts) if need_x else None,
            _weight_grad(x, g, w.shape, *opts) if need_w else None)


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride=1, padding=0, dilation=1):
        stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
        ctx.save_for_backward(x, w)
        ctx.opts = stride, padding, dilation
        return _conv_any(x, w, stride, padding, dilation, b)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx, gw = _backward_any(x, g, w, ctx.opts, need_x, need_w)
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
        out = _data_grad_any(x, w, out_shape, stride, padding, dilation)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        gx = _conv_any(g, w, *ctx.opts) if need_x else None
        gw = _backward_any(g, x, w, ctx.opts, False, True)[1] if need_w else None
        gb = g.sum(axis=(0, 2, 3)) if need_b else None
        return gx, gw, gb
