"""Training utilities: gradient clipping."""
from __future__ import annotations

import math

from ..backend import get_array_module


def clip_grad_norm_(parameters, max_norm: float, eps: float = 1e-6) -> float:
    """Scale gradients in place so their global L2 norm is at most max_norm; return the norm before."""
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    xp = get_array_module(*grads)
    total = math.sqrt(sum(float(xp.vdot(g.ravel(), g.ravel())) for g in grads))
    if total > max_norm:
        scale = max_norm / (total + eps)
        for g in grads:
            g *= scale
    return total
