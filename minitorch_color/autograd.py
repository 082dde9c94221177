"""Reverse-mode automatic differentiation: Function, Context, backward, no_grad.

A Function is a pair of static methods on raw arrays:

    forward(ctx, *arrays, **options) -> array
    backward(ctx, grad_out) -> one gradient (or None) per positional input

``Function.apply`` unwraps Tensors, runs ``forward`` and, when gradients are wanted,
records a Context on the output. ``backward`` walks that graph once in reverse
topological order. Gradients of broadcast inputs are summed back to the input's shape
here, in one place (``unbroadcast``), so no op has to think about broadcasting.
The first ``backward`` of a process keeps freed memory for reuse (memory.py): a training loop
would otherwise page-fault its activations anew every step.
"""
from __future__ import annotations

import threading

from . import memory
from .backend import get_array_module

_state = threading.local()
_Tensor = None  # set by tensor.py through register_tensor_type; avoids a circular import on the hot path


def register_tensor_type(cls) -> None:
    """Tell autograd which class wraps results (tensor.py calls this once, at import)."""
    global _Tensor
    _Tensor = cls


def is_grad_enabled() -> bool:
    """Return whether operations are being recorded for backward in this thread."""
    return getattr(_state, "enabled", True)


class _GradMode:
    _mode = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        _state.enabled = self._mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def __call__(self, fn):
        """Use as a decorator as well as a context manager."""
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Context manager / decorator: record nothing, as in inference."""

    _mode = False


class enable_grad(_GradMode):
    """Context manager / decorator: record operations again inside a no_grad block."""

    _mode = True


class Context:
    """What forward leaves for backward: saved arrays, options and which inputs need a gradient."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = needs_input_grad
        self.saved_tensors = ()
        self.fn = None
        self.inputs = ()

    def save_for_backward(self, *arrays):
        """Keep arrays for backward (released after backward unless retain_graph)."""
        self.saved_tensors = arrays


class Function:
    """Base class of differentiable primitives; subclasses define forward and backward."""

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_out):  # pragma: no cover - abstract
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run forward on the raw data of args and return a Tensor linked into the graph."""
        Tensor = _Tensor
        raw = []
        needs = []
        arrays = []
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a.data)
                arrays.append(a.data)
                needs.append(a.requires_grad)
            else:
                raw.append(a)
                needs.append(False)
                if hasattr(a, "shape"):
                    arrays.append(a)
        if len(arrays) > 1:
            get_array_module(*arrays)  # raises a clear ValueError when devices are mixed
        track = any(needs) and is_grad_enabled()
        ctx = Context(tuple(needs))
        out = cls.forward(ctx, *raw, **kwargs)
        result = Tensor(out, requires_grad=track)
        if track:
            ctx.fn = cls
            ctx.inputs = args
            result._ctx = ctx
        return result


def unbroadcast(grad, shape):
    """Sum grad over the axes that broadcasting added or stretched, giving it `shape`."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, s in enumerate(shape) if s == 1 and grad.shape[i + extra] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _topological_order(root):
    """Return the tensors reachable from root, each after all tensors that depend on it."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        ctx = node._ctx
        if ctx is not None:
            for inp in ctx.inputs:
                if isinstance(inp, _Tensor) and inp.requires_grad and id(inp) not in seen:
                    stack.append((inp, False))
    order.reverse()  # root first
    return order


def backward(tensor, grad=None, retain_graph=False):
    """Accumulate d(tensor)/d(leaf) into every leaf's .grad (grad defaults to ones for a scalar)."""
    if not tensor.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad "
                           "(no input had requires_grad=True, or it was made under no_grad)")
    memory.keep_freed_memory_for_training()
    xp = get_array_module(tensor.data)
    if grad is None:
        if tensor.data.size != 1:
            raise RuntimeError(f"grad can be implicit only for a scalar output, got shape {tensor.shape}; "
                               "pass grad=... of the output's shape")
        grad = xp.ones_like(tensor.data)
    else:
        grad = grad.data if isinstance(grad, _Tensor) else xp.asarray(grad, dtype=tensor.dtype)
        if grad.shape != tensor.shape:
            raise ValueError(f"grad shape {grad.shape} does not match output shape {tensor.shape}")
    grads = {id(tensor): grad}
    for node in _topological_order(tensor):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        g = xp.asarray(g)  # a 0-d result can come back from NumPy as a scalar, not an array
        ctx = node._ctx
        if ctx is None or node._retains_grad:
            if node.grad is None:
                # always an own copy: ops may hand one array to several inputs, and the
                # optimiser and clipping update .grad in place
                node.grad = g.astype(node.dtype, copy=True)
            else:
                node.grad = node.grad + g
        if ctx is None:
            continue
        in_grads = ctx.fn.backward(ctx, g)
        if not isinstance(in_grads, tuple):
            in_grads = (in_grads,)
        for inp, ig in zip(ctx.inputs, in_grads):
            if ig is None or not isinstance(inp, _Tensor) or not inp.requires_grad:
                continue
            ig = unbroadcast(ig, inp.shape)
            key = id(inp)
            prev = grads.get(key)
            grads[key] = ig if prev is None else prev + ig
        if not retain_graph:
            node._ctx = None  # free saved activations as soon as they are used
