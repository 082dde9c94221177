"""2-D convolution and transposed convolution by im2col + GEMM, and Winograd for 3x3.

Each one's data gradient is the other: conv2d's input gradient is a transposed
convolution of the output gradient (``_conv_data_grad``), and conv_transpose2d's
forward is that very function. Patches are recomputed in backward rather than kept
from forward: that trades one cheap im2col for hundreds of MB of saved columns, and
they are built a few samples at a time into one reused buffer that stays in cache.

3x3 convolutions with stride 1 and dilation 1 (most of a U-Net) use Winograd's
F(2x2, 3x3) instead: 16 small GEMMs on transformed 4x4 tiles do the work of 36
multiply-adds per 2x2 output tile in 16, and the transformed tiles are 4x the input
rather than im2col's 9x. The backward passes are the exact adjoints of the same
linear transforms, so the gradients are those of the computed forward.
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..autograd import Function
from ..backend import get_array_module
from .. import kernels as K
from ..conv_util import pair as _pair


_CHUNK_BYTES = 8 << 20  # patch matrices are built a few samples at a time, to stay in cache


def _chunks(n, rows, cols, itemsize):
    """Yield sample ranges (start, stop) whose (rows, cols) patch matrices fit the chunk budget."""
    step = max(1, min(_CHUNK_BYTES // max(1, rows * cols * itemsize), -(-n // K.threads.conv_threads())))
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

    def run(chunk):
        a, b = chunk
        pointwise = kh == kw == 1 and sh == sw == 1 and ph == pw == 0  # patches are x itself
        cols = None if pointwise else K.workspace((b - a, w2.shape[1], oh * ow), x.dtype, x)
        cols = K.im2col(x[a:b], kh, kw, sh, sw, ph, pw, dh, dw, out=cols)  # (n, C*KH*KW, OH*OW)
        xp.matmul(w2, cols, out=out[a:b])

    _map_chunks(run, _chunks(n, w2.shape[1], oh * ow, x.itemsize), xp)
    return out.reshape(n, o, oh, ow)


def _conv_data_grad(g, w, in_shape, stride, padding, dilation):
    """Input gradient of _conv: g (N, O, OH, OW) and w (O, C, KH, KW) -> (N, C, H, W)."""
    n, o = g.shape[:2]
    _, c, kh, kw = w.shape
    xp = get_array_module(g)
    g2 = xp.ascontiguousarray(g).reshape(n, o, -1)  # (N, O, P)
    wt = xp.ascontiguousarray(w.reshape(o, -1).T)  # (C*KH*KW, O)
    out = xp.empty(in_shape, dtype=g.dtype)

    def run(chunk):  # samples are independent: chunks write disjoint parts of out
        a, b = chunk
        cols = K.workspace((b - a, wt.shape[0], g2.shape[2]), g.dtype, g)
        xp.matmul(wt, g2[a:b], out=cols)
        K.col2im(cols, (b - a,) + tuple(in_shape[1:]), kh, kw, *stride, *padding, *dilation, out=out[a:b])

    _map_chunks(run, _chunks(n, wt.shape[0], g2.shape[2], g.itemsize), xp)
    return out


def _weight_grad(x, g, w_shape, stride, padding, dilation):
    """Weight gradient of _conv: sum over the batch of g_n (O, P) @ cols_n.T (P, C*KH*KW)."""
    o, c, kh, kw = w_shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    n = x.shape[0]
    g2 = xp.ascontiguousarray(g).reshape(n, o, -1)  # (N, O, P)

    def run(chunk):
        a, b = chunk
        cols = K.workspace((b - a, c * kh * kw, g2.shape[2]), x.dtype, x)
        cols = K.im2col(x[a:b], kh, kw, sh, sw, ph, pw, dh, dw, out=cols)
        gw = g2[a] @ cols[0].T
        for i in range(1, b - a):
            gw += g2[a + i] @ cols[i].T  # (O, P) @ (P, C*KH*KW), one GEMM per sample
        return gw

    parts = _map_chunks(run, _chunks(n, c * kh * kw, g2.shape[2], x.itemsize), xp)
    gw = parts[0]
    for p in parts[1:]:
        gw += p
    return gw.reshape(w_shape)


# ----- running chunks on several cores --------------------------------------------------
# Chunks are independent, so the convolutions run them in the engine's own threads, each with
# single-threaded BLAS (kernels.threads sets that up) and its own workspace: one join per
# convolution instead of one BLAS barrier per small GEMM, and the tile kernels use every core.
_pool = None  # (ThreadPoolExecutor, its number of workers)
_pool_lock = threading.Lock()


def _map_chunks(fn, chunks, xp):
    """[fn(chunk) for chunk in chunks], on CPU arrays spread over the engine's threads."""
    global _pool
    chunks = list(chunks)
    workers = K.threads.conv_threads()
    # Numba's default thread pool must not be entered from several threads at once, so kernels
    # compiled for it (MINITORCH_KERNEL_THREADS > 1) keep the chunks in the calling thread
    parallel_kernels = K.cpu is not None and K.cpu._PARALLEL
    if xp is not np or workers < 2 or len(chunks) < 2 or parallel_kernels:
        return [fn(c) for c in chunks]
    with _pool_lock:
        if _pool is None or _pool[1] != workers:
            _pool = (ThreadPoolExecutor(workers, thread_name_prefix="minitorch-conv"), workers)
        pool = _pool[0]
    return list(pool.map(fn, chunks))


WINOGRAD = True  # set False to force im2col everywhere (tests compare both paths)

# G of F(2x2, 3x3), and G (x) G mapping a flattened 3x3 filter to its flattened 4x4 transform
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_GG = np.kron(_G, _G)  # (16, 9)


def _use_winograd(w_shape, stride, padding, dilation):
    return (WINOGRAD and w_shape[2:] == (3, 3) and stride == (1, 1) and dilation == (1, 1)
            and padding[0] == padding[1] and padding[0] <= 2)


def _wino_geometry(h, w, pad):
    oh, ow = h + 2 * pad - 2, w + 2 * pad - 2
    return oh, ow, (oh + 1) // 2, (ow + 1) // 2


def _wino_chunks(n, th, tw, channels, itemsize):
    """Yield (n0, n1, ty0, ty1): whole samples when they fit the budget, else bands of tile rows.

    There are at least as many chunks as conv threads whenever the batch allows it.
    """
    rows = max(1, _CHUNK_BYTES // (16 * channels * tw * itemsize))
    if rows >= th:
        step = max(1, min(rows // th, -(-n // K.threads.conv_threads())))
        for a in range(0, n, step):
            yield a, min(n, a + step), 0, th
    else:
        for a in range(n):
            for t in range(0, th, rows):
                yield a, a + 1, t, min(th, t + rows)


def _wino_weight(w, xp):
    """U = G w G^T for every (out, in) filter pair: (O, C, 3, 3) -> (16, O, C)."""
    o, c = w.shape[:2]
    gg = xp.asarray(_GG, dtype=w.dtype)
    return (gg @ w.reshape(o * c, 9).T).reshape(16, o, c)


def _conv_winograd(x, w, pad):
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    n, c, h, wd = x.shape
    o = w.shape[0]
    oh, ow, th, tw = _wino_geometry(h, wd, pad)
    u = _wino_weight(w, xp)  # (16, O, C)
    out = xp.empty((n, o, oh, ow), dtype=x.dtype)

    def run(chunk):  # chunks write disjoint output rows
        n0, n1, t0, t1 = chunk
        tiles = (n1 - n0) * (t1 - t0) * tw
        v = K.workspace((16, c, tiles), x.dtype, x, slot=1)
        K.wino_input(x, pad, n0, n1, t0, t1, tw, v)
        m = K.workspace((16, o, tiles), x.dtype, x, slot=2)
        xp.matmul(u, v, out=m)  # (16, O, C) @ (16, C, tiles)
        K.wino_output(m, n0, n1, t0, t1, tw, out)

    _map_chunks(run, _wino_chunks(n, th, tw, max(c, o), x.itemsize), xp)
    return out


def _conv_backward_winograd(x_shape, x, g, w, pad, need_x, need_w):
    """Input and weight gradients of _conv_winograd, sharing one adjoint output transform per chunk.

    x (the forward input) is read only for the weight gradient and may be None otherwise.
    """
    xp = get_array_module(g)
    g = xp.ascontiguousarray(g)
    n, c, h, wd = x_shape
    o = w.shape[0]
    _, _, th, tw = _wino_geometry(h, wd, pad)
    ut = xp.ascontiguousarray(_wino_weight(w, xp).transpose(0, 2, 1)) if need_x else None  # (16, C, O)
    gx = xp.zeros(x_shape, dtype=g.dtype) if need_x else None
    if need_w:
        x = xp.ascontiguousarray(x)

    def run(chunk):
        n0, n1, t0, t1 = chunk
        tiles = (n1 - n0) * (t1 - t0) * tw
        m = K.workspace((16, o, tiles), g.dtype, g, slot=2)
        K.wino_output_adjoint(g, n0, n1, t0, t1, tw, m)  # dL/dM
        v = K.workspace((16, c, tiles), g.dtype, g, slot=1)
        du = None
        if need_w:
            K.wino_input(x, pad, n0, n1, t0, t1, tw, v)
            du = xp.matmul(m, v.transpose(0, 2, 1))  # (16, O, tiles) @ (16, tiles, C)
        if need_x:
            xp.matmul(ut, m, out=v)  # dL/dV, reusing v's buffer
            K.wino_input_adjoint(v, pad, n0, n1, t0, t1, tw, gx)
        return du

    chunks = list(_wino_chunks(n, th, tw, max(c, o), g.itemsize))
    if need_x and chunks[0][3] - chunks[0][2] < th:
        # bands of one sample share two input rows with their neighbours: never run neighbours at once
        parts = _map_chunks(run, chunks[0::2], xp) + _map_chunks(run, chunks[1::2], xp)
    else:
        parts = _map_chunks(run, chunks, xp)
    gw = None
    if need_w:
        du = parts[0]
        for p in parts[1:]:
            du += p
        gg = xp.asarray(_GG, dtype=g.dtype)
        gw = (gg.T @ du.reshape(16, o * c)).T.reshape(w.shape)
    return gx, gw


def _conv_any(x, w, stride, padding, dilation):
    if x.ndim != 4 or x.shape[1] != w.shape[1]:
        raise ValueError(f"conv2d: input of shape {x.shape} does not have the {w.shape[1]} channels "
                         f"that weight {w.shape} expects (N, C, H, W)")
    if _use_winograd(w.shape, stride, padding, dilation):
        return _conv_winograd(x, w, padding[0])
    return _conv(x, w, stride, padding, dilation)


def _data_grad_any(g, w, in_shape, stride, padding, dilation):
    if _use_winograd(w.shape, stride, padding, dilation):
        return _conv_backward_winograd(tuple(in_shape), None, g, w, padding[0], True, False)[0]
    return _conv_data_grad(g, w, in_shape, stride, padding, dilation)


def _backward_any(x, g, w, opts, need_x, need_w):
    """(input gradient, weight gradient) of _conv_any, each None when not needed."""
    if _use_winograd(w.shape, *opts):
        return _conv_backward_winograd(x.shape, x, g, w, opts[1][0], need_x, need_w)
    return (_conv_data_grad(g, w, x.shape, *opts) if need_x else None,
            _weight_grad(x, g, w.shape, *opts) if need_w else None)


class Conv2d(Function):
    @staticmethod
    def forward(ctx, x, w, b, stride=1, padding=0, dilation=1):
        stride, padding, dilation = _pair(stride), _pair(padding), _pair(dilation)
        ctx.save_for_backward(x, w)
        ctx.opts = stride, padding, dilation
        out = _conv_any(x, w, stride, padding, dilation)
        if b is not None:
            out += b.reshape(1, -1, 1, 1)
        return out

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
