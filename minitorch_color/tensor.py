"""Tensor: an array (.data), its gradient (.grad) and the op that made it (for backward).

Every operator is a one-line method that calls a differentiable op in ``ops/``.
Floats default to float32; float64 is kept when given (gradient checks use it).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import autograd
from .backend import asnumpy, device_of, get_array_module, to_device
from .rng import generator


class MaxResult(NamedTuple):
    """What Tensor.max(dim) and Tensor.min(dim) return, as in PyTorch: the values and where they are."""

    values: "Tensor"
    indices: "Tensor"


def _as_array(data, dtype=None):
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, np.generic):  # NumPy scalars (e.g. a full reduction) keep their dtype
        arr = np.asarray(data)
    elif hasattr(data, "shape") and hasattr(data, "dtype"):
        arr = data
    else:
        arr = np.asarray(data)
        if dtype is None and arr.dtype.kind == "f" and arr.dtype != np.float32:
            arr = arr.astype(np.float32)  # Python floats and lists become float32
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    return arr


class Tensor:
    """An n-dimensional array that records the operations made on it for reverse-mode autograd."""

    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad: bool = False, dtype=None):
        self.data = _as_array(data, dtype)
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating tensors can require grad, got dtype {self.data.dtype}")
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._ctx = None
        self._retains_grad = False

    # ----- properties -------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    def size(self, dim: int | None = None):
        """The shape (a tuple), or its length along dim, as in PyTorch (numel() counts elements)."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self) -> int:
        """Number of dimensions."""
        return self.data.ndim

    @property
    def device(self) -> str:
        return device_of(self.data)

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        dev = ", device='cuda'" if self.device == "cuda" else ""
        body = np.array2string(asnumpy(self.data), precision=4, separator=", ", threshold=50)
        return f"tensor({body}, dtype={self.dtype}{dev}{grad})"

    # ----- conversion ---------------------------------------------------------------
    def numpy(self) -> np.ndarray:
        """Return the data as a NumPy array (a copy from the GPU; the same memory on the CPU)."""
        return asnumpy(self.data)

    def item(self):
        """Return the single value of a one-element tensor as a Python number."""
        return asnumpy(self.data).item()

    def tolist(self):
        """Return the data as nested Python lists."""
        return asnumpy(self.data).tolist()

    def to(self, device: str) -> "Tensor":
        """Return this tensor on device ('cpu' or 'cuda'); a new leaf, or self when already there."""
        if device_of(self.data) == str(device).split(":")[0]:
            return self
        return Tensor(to_device(self.data, device), requires_grad=self.requires_grad)

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def astype(self, dtype) -> "Tensor":
        """Return a copy cast to dtype; differentiable between floating types."""
        return _ops.cast(self, dtype)

    def float(self):
        return self.astype(np.float32)

    def double(self):
        return self.astype(np.float64)

    def detach(self) -> "Tensor":
        """Return a tensor sharing this data but cut off from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        """Set requires_grad in place and return self."""
        if flag and self.dtype.kind != "f":
            raise TypeError(f"only floating tensors can require grad, got dtype {self.dtype}")
        self.requires_grad = flag
        return self

    def retain_grad(self) -> "Tensor":
        """Keep .grad on this non-leaf tensor after backward."""
        self._retains_grad = True
        return self

    def backward(self, grad=None, retain_graph: bool = False) -> None:
        """Compute gradients of this tensor with respect to every leaf that requires grad."""
        autograd.backward(self, grad, retain_graph)

    # ----- arithmetic -------------------------------------------------------------
    def __add__(self, o): return _ops.add(self, o)
    def __radd__(self, o): return _ops.add(o, self)
    def __sub__(self, o): return _ops.sub(self, o)
    def __rsub__(self, o): return _ops.sub(o, self)
    def __mul__(self, o): return _ops.mul(self, o)
    def __rmul__(self, o): return _ops.mul(o, self)
    def __truediv__(self, o): return _ops.div(self, o)
    def __rtruediv__(self, o): return _ops.div(o, self)
    def __neg__(self): return _ops.neg(self)
    def __pow__(self, p): return _ops.pow(self, p)
    def __matmul__(self, o): return _ops.matmul(self, o)
    def __rmatmul__(self, o): return _ops.matmul(o, self)
    def __getitem__(self, key): return _ops.index(self, key)

    # comparisons give plain boolean tensors (no gradient flows through a comparison)
    def __lt__(self, o): return Tensor(self.data < _raw(o))
    def __le__(self, o): return Tensor(self.data <= _raw(o))
    def __gt__(self, o): return Tensor(self.data > _raw(o))
    def __ge__(self, o): return Tensor(self.data >= _raw(o))

    def exp(self): return _ops.exp(self)
    def log(self): return _ops.log(self)
    def sqrt(self): return _ops.sqrt(self)
    def abs(self): return _ops.abs(self)
    def relu(self): return _ops.relu(self)
    def sigmoid(self): return _ops.sigmoid(self)
    def tanh(self): return _ops.tanh(self)
    def clamp(self, min=None, max=None): return _ops.clamp(self, min, max)

    # ----- reductions (PyTorch's dim/keepdim; axis/keepdims are accepted aliases) ------
    def sum(self, dim=None, keepdim=False, **alias): return _ops.sum(self, dim, keepdim, **alias)
    def mean(self, dim=None, keepdim=False, **alias): return _ops.mean(self, dim, keepdim, **alias)
    def var(self, dim=None, keepdim=False, unbiased=False, **alias):
        return _ops.var(self, dim, keepdim, unbiased, **alias)
    def amax(self, dim=None, keepdim=False, **alias): return _ops.amax(self, dim, keepdim, **alias)

    def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None):
        """The largest value; with dim, (values, indices) along it as in PyTorch.

        The older ``axis=`` spelling returns the values alone, as it always did.
        """
        if dim is None:
            return _ops.amax(self, axis=axis, keepdims=keepdims)
        values = _ops.amax(self, dim, keepdim)
        return MaxResult(values, self.argmax(dim, keepdim))

    def argmax(self, dim=None, keepdim=False, *, axis=None):
        return Tensor(_argmax(self.data, dim if axis is None else axis, keepdim))

    def numel(self) -> int:
        """Number of elements."""
        return int(self.data.size)

    def min(self, dim=None, keepdim=False):
        """The smallest value; with dim, (values, indices) along it as in PyTorch."""
        if dim is None:
            return -_ops.amax(-self)
        return MaxResult(-_ops.amax(-self, dim, keepdim), Tensor(_argmin(self.data, dim, keepdim)))

    def softmax(self, dim): return _ops.exp(_ops.log_softmax(self, dim))
    def log_softmax(self, dim): return _ops.log_softmax(self, dim)
    def pow(self, p): return _ops.pow(self, p)
    def clone(self): return _ops.mul(self, 1.0)  # a new array, and the gradient flows through
    def contiguous(self): return self  # every array op here accepts any layout

    # ----- shape ------------------------------------------------------------------
    def reshape(self, *shape): return _ops.reshape(self, _shape_arg(shape))
    def view(self, *shape): return _ops.reshape(self, _shape_arg(shape))
    def permute(self, *dims): return _ops.permute(self, _shape_arg(dims))
    def transpose(self, dim0=-2, dim1=-1): return _ops.transpose(self, dim0, dim1)
    def flatten(self, start_dim=0, end_dim=-1): return _ops.flatten(self, start_dim, end_dim)
    def unsqueeze(self, dim=None, **alias): return _ops.unsqueeze(self, dim, **alias)
    def squeeze(self, dim=None, **alias): return _ops.squeeze(self, dim, **alias)
    def expand(self, *shape): return _ops.expand(self, _shape_arg(shape))


def _raw(x):
    return x.data if isinstance(x, Tensor) else x


def _argmax(arr, dim, keepdim):
    idx = arr.argmax(axis=dim)
    return get_array_module(idx).expand_dims(idx, dim) if keepdim and dim is not None else idx


def _argmin(arr, dim, keepdim):
    idx = arr.argmin(axis=dim)
    return get_array_module(idx).expand_dims(idx, dim) if keepdim and dim is not None else idx


def _shape_arg(shape):
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


autograd.register_tensor_type(Tensor)


# ----- constructors ---------------------------------------------------------------
def tensor(data, requires_grad: bool = False, dtype=None, device: str = "cpu") -> Tensor:
    """Make a Tensor from a list, scalar or array (floats become float32 unless dtype says)."""
    arr = _as_array(data, dtype)
    if device != device_of(arr):
        arr = to_device(arr, device)
    return Tensor(arr.copy() if arr is data else arr, requires_grad=requires_grad)


def _xp(device):
    return get_array_module(to_device(np.zeros(0), device)) if device != "cpu" else np


def zeros(*shape, dtype=np.float32, device="cpu", requires_grad=False) -> Tensor:
    """Tensor of zeros."""
    return Tensor(_xp(device).zeros(_shape_arg(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape, dtype=np.float32, device="cpu", requires_grad=False) -> Tensor:
    """Tensor of ones."""
    return Tensor(_xp(device).ones(_shape_arg(shape), dtype=dtype), requires_grad=requires_grad)


def full(shape, value, dtype=np.float32, device="cpu", requires_grad=False) -> Tensor:
    """Tensor filled with value."""
    return Tensor(_xp(device).full(_shape_arg((shape,)), value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Tensor, requires_grad=False) -> Tensor:
    """Zeros of t's shape, dtype and device."""
    return Tensor(get_array_module(t.data).zeros_like(t.data), requires_grad=requires_grad)


def ones_like(t: Tensor, requires_grad=False) -> Tensor:
    """Ones of t's shape, dtype and device."""
    return Tensor(get_array_module(t.data).ones_like(t.data), requires_grad=requires_grad)


def arange(*args, dtype=None, device="cpu") -> Tensor:
    """Like numpy.arange, as a Tensor."""
    return Tensor(to_device(np.arange(*args, dtype=dtype), device))


def randn(*shape, dtype=np.float32, device="cpu", requires_grad=False) -> Tensor:
    """Standard normal samples from the engine's seeded generator."""
    arr = generator().standard_normal(_shape_arg(shape)).astype(dtype)
    return Tensor(to_device(arr, device), requires_grad=requires_grad)


def rand(*shape, dtype=np.float32, device="cpu", requires_grad=False) -> Tensor:
    """Uniform [0, 1) samples from the engine's seeded generator."""
    arr = generator().random(_shape_arg(shape)).astype(dtype)
    return Tensor(to_device(arr, device), requires_grad=requires_grad)


from . import ops as _ops  # noqa: E402  (ops need Tensor defined first)
