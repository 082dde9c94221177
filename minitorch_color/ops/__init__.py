"""Differentiable operations on Tensors: thin functions over the primitives, plus composites.

Primitives (a Function with a hand-written backward) live one family per file; the
composites here (mean, var, transpose, stack, ...) are built from them and get their
gradients for free.
"""
from __future__ import annotations

from .conv import Conv2d, ConvTranspose2d
from .elementwise import (Abs, Add, Cast, Clamp, Div, Exp, LeakyReLU, Log, Mul, Neg, Pow, ReLU,
                          Sigmoid, Sqrt, Sub, Tanh, Where)
from .loss import LogSoftmax, SmoothL1
from .matmul import MatMul
from .norm import BatchNorm
from .pool import AvgPool2d, MaxPool2d, UpsampleNearest
from .reduce import Max, Sum, normalize_axes
from .shape import Concat, Expand, Index, Pad, Permute, Reshape


def _raw(x):
    from ..tensor import Tensor
    return x.data if isinstance(x, Tensor) else x


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
def sum(x, axis=None, keepdims=False): return Sum.apply(x, axis, keepdims)  # noqa: A001
def max(x, axis=None, keepdims=False): return Max.apply(x, axis, keepdims)  # noqa: A001


def mean(x, axis=None, keepdims=False):
    """Mean over axes, composed as sum / count."""
    count = 1
    for a in normalize_axes(axis, x.ndim):
        count *= x.shape[a]
    return sum(x, axis, keepdims) / count


def var(x, axis=None, keepdims=False, unbiased=False):
    """Variance over axes (biased unless unbiased=True), composed from mean."""
    d = x - mean(x, axis, keepdims=True)
    count = 1
    for a in normalize_axes(axis, x.ndim):
        count *= x.shape[a]
    return sum(d * d, axis, keepdims) / (count - 1 if unbiased else count)


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


def unsqueeze(x, axis):
    """Insert an axis of length one."""
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def squeeze(x, axis=None):
    """Drop axes of length one (all of them, or the given one)."""
    if axis is None:
        return reshape(x, tuple(s for s in x.shape if s != 1))
    axis = axis % x.ndim
    if x.shape[axis] != 1:
        return x
    return reshape(x, x.shape[:axis] + x.shape[axis + 1:])


def cat(tensors, axis=0):
    """Concatenate along an existing axis."""
    tensors = list(tensors)
    axis = axis % tensors[0].ndim
    return Concat.apply(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Stack along a new axis (unsqueeze, then concatenate)."""
    tensors = list(tensors)
    return cat([unsqueeze(t, axis) for t in tensors], axis=axis % (tensors[0].ndim + 1))


def pad(x, pad_width, value=0.0):
    """Constant padding with numpy.pad's ((before, after), ...) per axis."""
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


def batch_norm(x, weight, bias, running_mean=None, running_var=None, training=True,
               momentum=0.1, eps=1e-5, relu=False):
    return BatchNorm.apply(x, weight, bias, running_mean=running_mean, running_var=running_var,
                           training=training, momentum=momentum, eps=eps, relu=relu)


def log_softmax(x, axis=-1):
    return LogSoftmax.apply(x, axis % x.ndim)


def smooth_l1(a, b, beta=1.0):
    return SmoothL1.apply(a, b, beta)
