"""Winograd F(2x2, 3x3): 3x3 convolutions with stride 1 and dilation 1 (most of a U-Net).

16 small GEMMs on transformed 4x4 tiles do the work of 36 multiply-adds per 2x2 output tile
in 16, and the transformed tiles are 4x the input rather than im2col's 9x. The weight gradient
is the exact adjoint of the same linear transforms; the input gradient is a Winograd convolution
itself (see conv_backward). The tile transforms are kernels (kernels/cpu.py, kernels/gpu.py); the chunks
run on the engine's threads (kernels/threads.py).
"""
from __future__ import annotations

import numpy as np

from .. import conv_util
from .. import kernels as K
from ..backend import get_array_module

ENABLED = True  # set False to force im2col everywhere (tests compare both paths)
# Below 3 input channels (a gray photo's first layer) the 16 transformed tiles cost more than
# they save: on 16x1x64x64 -> 32 channels, 6.8 ms by Winograd against 0.7 ms by im2col + GEMM;
# from 3 on the two are close, from 4 Winograd wins (8 channels: 3.3 against 4.3 ms).
MIN_CHANNELS = 3

# G of F(2x2, 3x3), and G (x) G mapping a flattened 3x3 filter to its flattened 4x4 transform
_G = np.array([[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]])
_GG = np.kron(_G, _G)  # (16, 9)


def applies(w_shape, stride, padding, dilation):
    """Whether a convolution with these settings runs by Winograd (3x3, stride 1, dilation 1)."""
    return (ENABLED and w_shape[2:] == (3, 3) and w_shape[1] >= MIN_CHANNELS and stride == (1, 1)
            and dilation == (1, 1) and padding[0] == padding[1] and padding[0] <= 2)


def tile_geometry(h, w, pad):
    """(OH, OW, tile rows, tile columns) of a 3x3 convolution of an h x w input padded by pad."""
    oh, ow = h + 2 * pad - 2, w + 2 * pad - 2
    return oh, ow, (oh + 1) // 2, (ow + 1) // 2


def tile_chunks(n, th, tw, channels, itemsize):
    """Yield (n0, n1, ty0, ty1): whole samples when the batch has a sample per thread and a sample fits
    SAMPLE_CHUNK_BYTES, else bands of tile rows within CHUNK_BYTES (conv_util.py).

    There are at least as many chunks as conv threads whenever the batch allows it.
    """
    row_bytes = 16 * channels * tw * itemsize  # one tile row's transformed tiles
    threads = K.threads.conv_threads()
    if n >= threads and row_bytes * th <= conv_util.SAMPLE_CHUNK_BYTES:
        per_chunk = max(1, conv_util.SAMPLE_CHUNK_BYTES // (row_bytes * th))
        step = max(1, min(per_chunk, -(-n // threads)))
        for a in range(0, n, step):
            yield a, min(n, a + step), 0, th
    else:  # a photo or two, or samples too large: bands, at least one per thread
        rows = max(1, min(conv_util.CHUNK_BYTES // row_bytes, -(-th * n // threads)))
        for a in range(n):
            for t in range(0, th, rows):
                yield a, a + 1, t, min(th, t + rows)


def filter_transform(w, xp):
    """U = G w G^T for every (out, in) filter pair: (O, C, 3, 3) -> (16, O, C)."""
    o, c = w.shape[:2]
    gg = xp.asarray(_GG, dtype=w.dtype)
    return (gg @ w.reshape(o * c, 9).T).reshape(16, o, c)


def conv(x, w, pad, bias=None):
    """Convolution of x (N, C, H, W) by 3x3 filters w (O, C, 3, 3), stride 1, padding pad, plus bias (O,)."""
    xp = get_array_module(x)
    x = xp.ascontiguousarray(x)
    n, c, h, wd = x.shape
    o = w.shape[0]
    oh, ow, th, tw = tile_geometry(h, wd, pad)
    u = filter_transform(w, xp).astype(x.dtype, copy=False)  # (16, O, C), in x's precision
    out = xp.empty((n, o, oh, ow), dtype=x.dtype)

    def run(chunk):  # chunks write disjoint output rows
        n0, n1, t0, t1 = chunk
        tiles = _piece_tiles(chunk, th, tw, x)
        K.wino_conv_chunk(x, pad, n0, n1, t0, t1, th, tw, u, bias, out,
                          K.workspace((16 * c * tiles,), x.dtype, x, slot=1),
                          K.workspace((16 * o * tiles,), x.dtype, x, slot=2))

    K.map_chunks(run, tile_chunks(n, th, tw, max(c, o), x.itemsize), xp)
    return out


def _piece_tiles(chunk, th, tw, like) -> int:
    """The most tiles one piece of a chunk holds (kernels' wino_conv_chunk): its scratch's size."""
    n0, n1, t0, t1 = chunk
    tiles = (n1 - n0) * (t1 - t0) * tw
    return min(tiles, max(K.WINO_PIECE_TILES, tw)) if K.wino_pieces(like) else tiles


def conv_backward(x_shape, x, g, w, pad, need_x, need_w):
    """(input gradient, weight gradient) of conv, each None when not needed.

    The input gradient of a stride-1 3x3 convolution is itself one: g convolved with the filters
    flipped in space and with in and out channels swapped, padded 2 - pad. Running it through
    conv's forward kernels (gather: every output pixel written once) took a third of the time of
    the exact adjoint of the input transform (scatter-add of overlapping tiles: 21 against 7.5 ms
    on 16x64x64x64, one thread); the two differ by float rounding only.
    The weight gradient is the adjoint of the forward's tile transforms, summed over chunks.
    x (the forward input) is read only for the weight gradient and may be None otherwise.
    """
    xp = get_array_module(g)
    g = xp.ascontiguousarray(g)
    gx = conv(g, xp.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)), 2 - pad) if need_x else None
    if not need_w:
        return gx, None
    n, c, h, wd = x_shape
    o = w.shape[0]
    _, _, th, tw = tile_geometry(h, wd, pad)
    x = xp.ascontiguousarray(x)

    def run(chunk):
        n0, n1, t0, t1 = chunk
        tiles = _piece_tiles(chunk, th, tw, g)
        du = xp.zeros((16, o, c), dtype=g.dtype)  # dL/dU over the chunk's tiles
        K.wino_weight_grad_chunk(x, g, pad, n0, n1, t0, t1, th, tw, du,
                                 K.workspace((16 * c * tiles,), g.dtype, g, slot=1),
                                 K.workspace((16 * o * tiles,), g.dtype, g, slot=2))
        return du

    parts = K.map_chunks(run, tile_chunks(n, th, tw, max(c, o), g.itemsize), xp)
    du = parts[0]
    for p in parts[1:]:
        du += p
    gg = xp.asarray(_GG, dtype=g.dtype)
    return gx, (gg.T @ du.reshape(16, o * c)).T.reshape(w.shape)
