"""Kernel dispatch: Numba kernels for NumPy arrays, array-module kernels for CuPy (or without Numba).

The wrappers here allocate the outputs and compute output sizes; the kernels only fill them.
"""
from __future__ import annotations

import importlib
import os
import sys
import threading

import numpy as np

from ..backend import get_array_module
from . import gpu, threads

# Numba's thread count is fixed when Numba is first imported (set_num_threads is per thread),
# so choose it before the kernels are loaded; see numba_kernels for why 1. If the caller
# imported Numba already, its environment must stay as it was: Numba re-reads it on every
# compilation and refuses a changed thread count.
_KERNEL_THREADS = os.environ.get("MINITORCH_KERNEL_THREADS", "1")
if "numba" not in sys.modules:
    os.environ.setdefault("NUMBA_NUM_THREADS", _KERNEL_THREADS)

# Which kernels run NumPy arrays: "numba", the compiled loops of cpu.py (fastest per call; loading
# Numba and its cached kernels costs about 0.3 s once per process), or "array", the whole-array twins
# of gpu.py (no start-up cost, slower per call: a 64 px colorization 0.10 s against 0.08 s). Numba is
# loaded only when a kernel first needs it, so a process that chose "array" (the colorize command for
# one photo) never pays for it. The default is MINITORCH_KERNELS, else "numba"; use_kernels() changes it.
KERNEL_CHOICES = ("numba", "array")
_choice = os.environ.get("MINITORCH_KERNELS", "numba")
cpu = None  # the Numba kernels (kernels/cpu.py) once loaded; None before, without Numba, or with "array"
_cpu_tried = False


def use_kernels(kind: str) -> None:
    """Run NumPy arrays through kind's kernels from now on: "numba" or "array" (see above)."""
    global _choice
    if kind not in KERNEL_CHOICES:
        raise ValueError(f"unknown kernels {kind!r}; one of {KERNEL_CHOICES}")
    _choice = kind


def kernels_in_use() -> str:
    """The kernels chosen for NumPy arrays: "numba" or "array"."""
    return _choice


def numba_kernels():
    """The Numba kernels module, loaded on first use; None when the array kernels are chosen or Numba is
    missing (the array kernels then serve NumPy too: still correct, only slower)."""
    global cpu, _cpu_tried
    if _choice != "numba":
        return None
    if not _cpu_tried:
        _cpu_tried = True
        try:  # by name: `from . import cpu` would return this module's own `cpu` (None), never the kernels
            compiled = importlib.import_module(f"{__name__}.cpu")
        except ImportError:
            return None
        import numba

        # The engine parallelises across convolution chunks on its own threads (threads.py), so
        # each kernel runs single-threaded by default: a second pool of Numba threads only fought
        # the BLAS and conv threads for 2 cores (a training step ran 1.5-2x slower with it, see
        # benchmarks/README.md). MINITORCH_KERNEL_THREADS > 1 compiles them with prange parallel.
        numba.set_num_threads(max(1, min(numba.config.NUMBA_NUM_THREADS, int(_KERNEL_THREADS))))
        cpu = compiled
    return cpu


def parallel_kernels() -> bool:
    """Whether the NumPy kernels run on Numba's own thread pool (MINITORCH_KERNEL_THREADS > 1)."""
    compiled = numba_kernels()
    return compiled is not None and compiled.PARALLEL


def map_chunks(fn, chunks, xp) -> list:
    """[fn(chunk) for chunk in chunks]: on the engine's threads for NumPy arrays and single-threaded
    kernels, in the calling thread otherwise (CuPy, or kernels on Numba's own pool: it must not be
    entered from several threads at once)."""
    return threads.map_chunks(fn, chunks, parallel=xp is np and not parallel_kernels())


def _impl(name, arr):
    if isinstance(arr, np.ndarray):
        compiled = numba_kernels()
        if compiled is not None:
            return getattr(compiled, name)
    return getattr(gpu, name)


def _contig(x):
    return get_array_module(x).ascontiguousarray(x)


def conv_out_size(size, k, s, p, d):
    """Output length of a convolution along one axis."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def im2col(x, kh, kw, sh=1, sw=1, ph=0, pw=0, dh=1, dw=1, out=None):
    """Return the patches of x (N, C, H, W) as (N, C*KH*KW, OH*OW), written into out when given."""
    n, c, h, w = x.shape
    oh, ow = conv_out_size(h, kh, sh, ph, dh), conv_out_size(w, kw, sw, pw, dw)
    if oh <= 0 or ow <= 0:
        raise ValueError(f"kernel {kh}x{kw} (dilation {dh},{dw}, padding {ph},{pw}) does not fit input {h}x{w}")
    if kh == kw == 1 and sh == sw == 1 and ph == pw == 0 and out is None:
        return _contig(x).reshape(n, c, h * w)  # 1x1 convolution: no copy needed
    if out is None:
        out = get_array_module(x).empty((n, c * kh * kw, oh * ow), dtype=x.dtype)
    _impl("im2col", x)(_contig(x), kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out)
    return out


def col2im(cols, shape, kh, kw, sh=1, sw=1, ph=0, pw=0, dh=1, dw=1, out=None):
    """Sum the patches cols (N, C*KH*KW, OH*OW) back into an image of shape (N, C, H, W)."""
    n, c, h, w = shape
    oh, ow = conv_out_size(h, kh, sh, ph, dh), conv_out_size(w, kw, sw, pw, dw)
    if cols.shape != (n, c * kh * kw, oh * ow):
        raise ValueError(f"cols shape {cols.shape} does not match image {shape} with kernel {kh}x{kw}")
    if kh == kw == 1 and sh == sw == 1 and ph == pw == 0 and out is None:
        return cols.reshape(shape)
    if out is None:
        out = get_array_module(cols).empty(shape, dtype=cols.dtype)
    _impl("col2im", cols)(_contig(cols), kh, kw, sh, sw, ph, pw, dh, dw, oh, ow, out)
    return out


_scratch = threading.local()


def workspace(shape, dtype, like, slot=0):
    """Return a reusable scratch array of shape and dtype on like's device (one per thread).

    Convolutions write their patch matrices here chunk by chunk: reusing one buffer that
    fits in cache avoids page-faulting fresh hundreds of MB on every call.
    """
    xp = get_array_module(like)
    key = (xp.__name__, np.dtype(dtype).str, slot)
    store = getattr(_scratch, "buffers", None)
    if store is None:
        store = _scratch.buffers = {}
    size = int(np.prod(shape))
    buf = store.get(key)
    if buf is None or buf.size < size:
        buf = store[key] = xp.empty(size, dtype=dtype)
    return buf[:size].reshape(shape)


def max_pool2d_fwd(x, kh, kw, sh, sw, ph, pw):
    """Return (out, idx): window maxima of x (N, C, H, W) and their flat positions in each plane."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    oh, ow = conv_out_size(h, kh, sh, ph, 1), conv_out_size(w, kw, sw, pw, 1)
    out = xp.empty((n, c, oh, ow), dtype=x.dtype)
    idx = xp.empty((n, c, oh, ow), dtype=np.int32 if h * w < 2**31 else np.int64)
    _impl("max_pool2d_fwd", x)(_contig(x), kh, kw, sh, sw, ph, pw, out, idx)
    return out, idx


def max_pool2d_bwd(g, idx, shape):
    """Return the gradient (N, C, H, W) of max pooling given g (N, C, OH, OW) and the argmax idx."""
    out = get_array_module(g).empty(shape, dtype=g.dtype)
    _impl("max_pool2d_bwd", g)(_contig(g), idx, out)
    return out


def _channel_ranges(c):
    """Split C channels into one contiguous range per engine thread (per-channel kernels)."""
    k = max(1, min(c, threads.conv_threads()))
    return [(c * i // k, c * (i + 1) // k) for i in range(k)]


def _by_channels(name, x, *args):
    """Run kernel name(*args, c0, c1) over the channels of x (N, C, H, W), a range per thread."""
    xp = get_array_module(x)
    kernel = _impl(name, x)
    map_chunks(lambda r: kernel(*args, *r), _channel_ranges(x.shape[1]), xp)


def bn_stats(x):
    """Return the per-channel mean and biased variance of x (N, C, H, W)."""
    xp = get_array_module(x)
    c = x.shape[1]
    mean, var = xp.empty(c, dtype=x.dtype), xp.empty(c, dtype=x.dtype)
    x = _contig(x)
    _by_channels("bn_stats", x, x, mean, var)
    return mean, var


def bn_fwd(x, mean, invstd, weight, bias, relu):
    """Return (x - mean) * invstd * weight + bias per channel, with a fused ReLU when relu."""
    x = _contig(x)
    out = get_array_module(x).empty_like(x)
    _by_channels("bn_fwd", x, x, mean, invstd, weight, bias, bool(relu), out)
    return out


def bn_bwd(g, x, y, mean, invstd, weight, relu):
    """Return (gx, gweight, gbias) of training-mode batch norm; y is the forward output (ReLU mask)."""
    xp = get_array_module(g)
    g, x, y = _contig(g), _contig(x), _contig(y)
    gx = xp.empty_like(x)
    gw, gb = xp.empty_like(weight), xp.empty_like(weight)
    _by_channels("bn_bwd", g, g, x, y, mean, invstd, weight, bool(relu), gx, gw, gb)
    return gx, gw, gb


def soft_ce_stats(x, t):
    """Return (max over c, sum over c of t * x, sum over c of t) of x and t (C, P), each (P,)."""
    xp = get_array_module(x)
    top, tdotx, tsum = (xp.empty(x.shape[1], dtype=x.dtype) for _ in range(3))
    _impl("soft_ce_stats", x)(x, t, top, tdotx, tsum)
    return top, tdotx, tsum


def soft_ce_grad(e, t, g, scale, out):
    """Fill out (C, P) with e * (g * scale) - t * g, for e, t (C, P) and g, scale (P,)."""
    _impl("soft_ce_grad", e)(e, t, g, scale, out)


def adam_step(p, g, m, v, lr, beta1, beta2, eps, weight_decay, decoupled, bc1, bc2):
    """One Adam(W) step on contiguous arrays p, m, v (updated in place) with gradient g."""
    if not (p.flags.c_contiguous and m.flags.c_contiguous and v.flags.c_contiguous):
        raise ValueError("adam_step updates in place and needs C-contiguous parameter and state arrays")
    _impl("adam_step", p)(p.reshape(-1), _contig(g).reshape(-1), m.reshape(-1), v.reshape(-1),
                          float(lr), float(beta1), float(beta2), float(eps), float(weight_decay),
                          bool(decoupled), float(bc1), float(bc2))


# ----- Winograd F(2x2, 3x3) tile transforms (fill caller-allocated chunk buffers) ---------
def wino_input(x, pad, n0, n1, ty0, ty1, tw, v):
    """Fill v (16, C, tiles) with the transformed 4x4 input tiles of the chunk."""
    _impl("wino_input", x)(x, int(pad), n0, n1, ty0, ty1, tw, v)


def wino_output(m, n0, n1, ty0, ty1, tw, out, bias=None):
    """Write the 2x2 output tiles of m (16, O, tiles) into out (N, O, OH, OW), adding bias (O,) if given."""
    xp = get_array_module(m)
    bias = xp.empty(0, dtype=out.dtype) if bias is None else xp.ascontiguousarray(bias, dtype=out.dtype)
    _impl("wino_output", m)(m, bias, n0, n1, ty0, ty1, tw, out)


def wino_output_adjoint(g, n0, n1, ty0, ty1, tw, m):
    """Fill m (16, O, tiles) with the adjoint output transform of g (N, O, OH, OW)."""
    _impl("wino_output_adjoint", g)(g, n0, n1, ty0, ty1, tw, m)


def wino_pieces(x) -> bool:
    """Whether a Winograd chunk runs as pieces in one compiled call (wino_conv_chunk): with the Numba
    kernels and single-threaded BLAS. Otherwise its GEMMs go to NumPy's matmul whole, which BLAS with
    threads of its own splits (in one engine thread on two cores 1.2x faster than pieces)."""
    return isinstance(x, np.ndarray) and numba_kernels() is not None and threads.blas_single_threaded()


# A piece's 16 GEMMs multiply (O x C) filters by C x 256 tiles: long enough for BLAS to reuse each
# filter matrix it packs, short enough that a narrow layer's tiles stay in cache between the
# transforms and the GEMMs (per layer of the reference U-Net, pieces of a fixed size in bytes were
# best at 256 KB for 32 channels and 2 MB for 256; 256 tiles matched the best of each).
WINO_PIECE_TILES = 256


def wino_conv_chunk(x, pad, n0, n1, ty0, ty1, th, tw, u, bias, out, vbuf, mbuf):
    """Write a chunk of a Winograd convolution into out (ops/winograd.py: conv): the input transform,
    the 16 GEMMs by u (16, O, C) and the output transform (plus bias (O,) if given); vbuf and mbuf are
    flat scratch for 16 x C and 16 x O rows of the tiles (of a piece when wino_pieces(x), else of the
    chunk)."""
    xp = get_array_module(x)
    if wino_pieces(x):
        b = xp.empty(0, dtype=out.dtype) if bias is None else xp.ascontiguousarray(bias, dtype=out.dtype)
        numba_kernels().wino_conv_chunk(x, int(pad), n0, n1, ty0, ty1, th, tw, u, b, out, vbuf, mbuf,
                                        WINO_PIECE_TILES)
        return
    nt = (n1 - n0) * (ty1 - ty0) * tw
    v, m = vbuf[:16 * u.shape[2] * nt].reshape(16, -1, nt), mbuf[:16 * u.shape[1] * nt].reshape(16, -1, nt)
    wino_input(x, pad, n0, n1, ty0, ty1, tw, v)
    xp.matmul(u, v, out=m)
    wino_output(m, n0, n1, ty0, ty1, tw, out, bias)


def wino_weight_grad_chunk(x, g, pad, n0, n1, ty0, ty1, th, tw, du, vbuf, mbuf):
    """Add a chunk's share of a Winograd convolution's filter-transform gradient into du (16, O, C): the
    adjoint output transform of g times the input transform of x, transposed (scratch as above)."""
    xp = get_array_module(g)
    if wino_pieces(g):
        part = xp.empty(du.shape[1:], dtype=du.dtype)
        numba_kernels().wino_weight_grad_chunk(x, g, int(pad), n0, n1, ty0, ty1, th, tw, du, vbuf, mbuf, part,
                                               WINO_PIECE_TILES)
        return
    nt = (n1 - n0) * (ty1 - ty0) * tw
    v, m = vbuf[:16 * du.shape[2] * nt].reshape(16, -1, nt), mbuf[:16 * du.shape[1] * nt].reshape(16, -1, nt)
    wino_output_adjoint(g, n0, n1, ty0, ty1, tw, m)
    wino_input(x, pad, n0, n1, ty0, ty1, tw, v)
    du += xp.matmul(m, v.transpose(0, 2, 1))
