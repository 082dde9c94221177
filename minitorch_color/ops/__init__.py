"""Differentiable operations on Tensors: thin functions over the primitives, plus composites.

Primitives (a Function with a hand-written backward) live one family per file; the
composites here (mean, var, transpose, stack, ...) are built from them and get their
gradients for free. Arguments follow PyTorch (``dim``, ``keepdim``); the ``axis`` and
``keepdims`` spellings of earlier versions are accepted as keyword aliases.
"""
from __future__ import annotations

from .conv import Conv2d, ConvTranspose2d
from .elementwise import (
    Abs,
    Add,
    Cast,
    Clamp,
    Div,
    Exp,
    LeakyReLU,
    Log,
    Mul,
    Neg,
    Pow,
    ReLU,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
    Where,
)
from .loss import LogSoftmax, SmoothL1, SoftCrossEntropy
from .matmul import MatMul
from .norm import BatchNorm
from .pool import AvgPool2d, MaxPool2d, UpsampleNearest
from .reduce import Max, Sum, normalize_axes
from .shape import Concat, Expand, Index, Pad, Permute, Reshape


def _raw(x):
    from ..tensor import Tensor
    return x.data if isinstance(x, Tensor) else x


def resolve_dim(dim, axis, keepdim=False, keepdims=None):
    """(dim, keepdim) from PyTorch's names or their NumPy aliases (axis, keepdims); not both."""
    if axis is not None:
        if dim is not None:
            raise TypeError("give dim or its alias axis, not both")
        dim = axis
    return dim, bool(keepdim if keepdims is None else keepdims)


# ----- elementwise ------------------------------------------------------------------
def add(a, b): return Add.apply(a, b)
def sub(a, b): return Sub.apply(a, b)
def mul(a, b): return Mul.apply(a, b)
def div(a, b): return Div.apply(a, b)
def neg(x): return Neg.apply(x)
def exp(x): return Exp.apply(x)
def log(x): return Log.apply(x)
def sqrt(x): return Sqrt.apply(x)
def abs(x): return Abs.apply(x)  # noqa: A001 (mirrors numpy.abs)
def relu(x): return ReLU.apply(x)
def leaky_relu(x, negative_slope=0.01): return LeakyReLU.apply(x, negative_slope)
def sigmoid(x): return Sigmoid.apply(x)
def tanh(x): return Tanh.apply(x)
def clamp(x, min=None, max=None): return Clamp.apply(x, min, max)  # noqa: A002
def where(cond, a, b): return Where.apply(_raw(cond), a, b)
def cast(x, dtype): return Cast.apply(x, dtype)


def pow(x, p):  # noqa: A001 (mirrors the builtin)
    """x ** p for a constant p; a Tensor exponent goes through exp(p * log x)."""
    from ..tensor import Tensor
    if isinstance(p, Tensor):
        return exp(mul(p, log(x)))
    return Pow.apply(x, p)


# ----- reductions -------------------------------------------------------------------
def sum(x, dim=None, keepdim=False, *, axis=None, keepdims=None):  # noqa: A001
    """Sum over dim (an int, a tuple, or None for all)."""
    dim, keepdim = resolve_dim(dim, axis, keepdim, keepdims)
    return Sum.apply(x, dim, keepdim)


def amax(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Largest values over dim (the gradient goes to the maxima, shared among ties)."""
    dim, keepdim = resolve_dim(dim, axis, keepdim, keepdims)
    return Max.apply(x, dim, keepdim)


def _count(x, dim):
    count = 1
    for a in normalize_axes(dim, x.ndim):
        count *= x.shape[a]
    return count


def mean(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
    """Mean over dim, composed as sum / count."""
    dim, keepdim = resolve_dim(dim, axis, keepdim, keepdims)
    return sum(x, dim, keepdim) / _count(x, dim)


def var(x, dim=None, keepdim=False, unbiased=False, *, axis=None, keepdims=None):
    """Variance over dim (biased unless unbiased=True), composed from mean."""
    dim, keepdim = resolve_dim(dim, axis, keepdim, keepdims)
    d = x - mean(x, dim, keepdim=True)
    count = _count(x, dim)
    return sum(d * d, dim, keepdim) / (count - 1 if unbiased else count)


# ----- shape ------------------------------------------------------------------------
def reshape(x, shape): return Reshape.apply(x, tuple(shape))
def permute(x, axes): return Permute.apply(x, tuple(axes))
def expand(x, shape): return Expand.apply(x, tuple(shape))
def matmul(a, b): return MatMul.apply(a, b)


def transpose(x, a=-2, b=-1):
    """Swap two axes."""
    axes = list(range(x.ndim))
    axes[a], axes[b] = axes[b], axes[a]
    return permute(x, axes)


def flatten(x, start=0, end=-1):
    """Merge axes start..end into one."""
    start, end = start % x.ndim, end % x.ndim
    n = 1
    for s in x.shape[start:end + 1]:
        n *= s
    return reshape(x, x.shape[:start] + (n,) + x.shape[end + 1:])


def unsqueeze(x, dim=None, *, axis=None):
    """Insert a dimension of length one at dim."""
    dim = resolve_dim(dim, axis)[0] % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x, dim=None, *, axis=None):
    """Drop dimensions of length one (all of them, or the given one)."""
    dim = resolve_dim(dim, axis)[0]
    if dim is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    dim = dim % x.ndim
    if x.shape[dim] != 1:
        return x
    return reshape(x, x.shape[:dim] + x.shape[dim + 1:])


def cat(tensors, dim=0, *, axis=None):
    """Concatenate along an existing dimension."""
    tensors = list(tensors)
    dim = (dim if axis is None else axis) % tensors[0].ndim
    return Concat.apply(*tensors, axis=dim)


def stack(tensors, dim=0, *, axis=None):
    """Stack along a new dimension (unsqueeze, then concatenate)."""
    tensors = list(tensors)
    dim = (dim if axis is None else axis) % (tensors[0].ndim + 1)
    return cat([unsqueeze(t, dim) for t in tensors], dim=dim)


def pad_axes(x, pad_width, value=0.0):
    """Constant padding with numpy.pad's ((before, after), ...) per axis (F.pad takes PyTorch's flat form)."""
    return Pad.apply(x, tuple(tuple(p) for p in pad_width), value)


def index(x, key):
    """x[key] for slices, integers and integer/boolean arrays (Tensors allowed in key)."""
    if isinstance(key, tuple):
        key = tuple(_raw(k) for k in key)
    else:
        key = _raw(key)
    return Index.apply(x, key)


# ----- neural-network primitives (wrapped with defaults in nn.functional) ----------
def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    return Conv2d.apply(x, w, b, stride=stride, padding=padding, dilation=dilation)


def conv_transpose2d(x, w, b=None, stride=1, padding=0, output_padding=0, dilation=1):
    return ConvTranspose2d.apply(x, w, b, stride=stride, padding=padding,
                                 output_padding=output_padding, dilation=dilation)


def max_pool2d(x, kernel_size, stride=None, padding=0):
    return MaxPool2d.apply(x, kernel_size, stride, padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return AvgPool2d.apply(x, kernel_size, stride, padding)


def upsample_nearest(x, sh, sw):
    return UpsampleNearest.apply(x, int(sh), int(sw))


def batch_norm(x, running_mean=None, running_var=None, weight=None, bias=None, training=True,
               momentum=0.1, eps=1e-5, relu=False):
    """Batch normalisation over (N, H, W) per channel, optionally fused with ReLU (PyTorch's order)."""
    return BatchNorm.apply(x, weight, bias, running_mean=running_mean, running_var=running_var,
                           training=training, momentum=momentum, eps=eps, relu=relu)


def log_softmax(x, dim=-1, *, axis=None):
    return LogSoftmax.apply(x, resolve_dim(dim, axis)[0] % x.ndim)


def soft_cross_entropy(x, target, dim=1):
    """-sum over dim of target * log_softmax(x, dim), per position (dim removed), in one primitive."""
    if tuple(target.shape) != tuple(x.shape):
        raise ValueError(f"soft target shape {tuple(target.shape)} does not match logits {tuple(x.shape)}")
    return SoftCrossEntropy.apply(x, target, dim % x.ndim)


def smooth_l1(a, b, beta=1.0):
    return SmoothL1.apply(a, b, beta)
