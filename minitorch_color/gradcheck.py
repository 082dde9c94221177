"""Finite-difference gradient checking in float64, shipped for tests and notebooks."""
from __future__ import annotations

import numpy as np

from .backend import asnumpy, to_device
from .rng import generator
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree."""


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4, seed: int | None = 0,
              raise_exception: bool = True) -> bool:
    """Compare backward() of sum(fn(*inputs) * u) with central differences, u a random upstream gradient.

    inputs: Tensors (float64 for meaningful results) and other arguments passed through;
    every Tensor with requires_grad=True is checked element by element.
    """
    rng = np.random.default_rng(seed) if seed is not None else generator()
    tensors = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not tensors:
        raise ValueError("gradcheck needs at least one input with requires_grad=True")
    for t in tensors:
        if t.dtype != np.float64:
            raise ValueError(f"gradcheck inputs should be float64, got {t.dtype}")
        t.grad = None
    out = fn(*inputs)
    u = rng.standard_normal(out.shape)
    u_arr = Tensor(to_device(u, out.device))
    (out * u_arr).sum().backward()
    analytic = [asnumpy(t.grad) if t.grad is not None else np.zeros(t.shape) for t in tensors]

    def objective():
        return float(asnumpy((fn(*inputs).data * u_arr.data).sum()))

    for t, a in zip(tensors, analytic):
        flat = t.data.reshape(-1)
        num = np.zeros(flat.size)
        for i in range(flat.size):
            orig = flat[i].item()
            flat[i] = orig + eps
            plus = objective()
            flat[i] = orig - eps
            minus = objective()
            flat[i] = orig
            num[i] = (plus - minus) / (2 * eps)
        num = num.reshape(t.shape)
        err = np.abs(a - num)
        bad = err > atol + rtol * np.abs(num)
        if bad.any():
            i = np.unravel_index(np.argmax(err - (atol + rtol * np.abs(num))), t.shape)
            msg = (f"gradient mismatch for input of shape {t.shape}: {int(bad.sum())} of {t.numel()} elements; "
                   f"worst at {tuple(int(v) for v in i)}: analytic {a[i]:.6g} vs numerical {num[i]:.6g}")
            if raise_exception:
                raise GradcheckError(msg)
            return False
    return True
