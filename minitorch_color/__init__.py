"""minitorch_color: a small autograd and layer library on NumPy (CPU) or CuPy (GPU).

    import minitorch_color as mt
    x = mt.randn(4, 3, requires_grad=True)
    (x * x).sum().backward()      # x.grad == 2 * x
"""
from . import backend, kernels, memory, ops  # memory: freed arrays stay in the process (memory.py)
from .autograd import Function, enable_grad, is_grad_enabled, no_grad
from .backend import cuda_available
from .kernels.threads import get_num_threads, set_num_threads
from .ops import cat, stack
from .rng import manual_seed
from .tensor import Tensor, arange, full, ones, ones_like, rand, randn, tensor, zeros, zeros_like

__version__ = "0.1.0"

from . import nn, optim  # noqa: E402  (they build on everything above)
from .gradcheck import gradcheck  # noqa: E402
from .serialization import load, load_metadata, save  # noqa: E402

__all__ = ["Tensor", "tensor", "zeros", "ones", "full", "zeros_like", "ones_like", "arange", "randn",
           "rand", "cat", "stack", "no_grad", "enable_grad", "is_grad_enabled", "Function",
           "manual_seed", "cuda_available", "set_num_threads", "get_num_threads", "nn", "optim", "ops", "backend",
           "kernels", "save",
           "load", "load_metadata", "gradcheck"]
