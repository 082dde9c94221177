"""Array backends: NumPy on the CPU, CuPy on a GPU when one really works.

This is the only module that imports cupy. Everything else asks the array which
module it belongs to (``xp = get_array_module(x)``), so there is no global
"current device": the data decides.
"""
from __future__ import annotations

import numpy as np

try:  # CuPy may be installed on a machine with no usable GPU: probe once.
    import cupy as _cupy

    try:
        _cupy.cuda.runtime.getDeviceCount()
        _cupy.zeros(1).sum()
        cupy = _cupy
    except Exception:  # driver missing, no device, bad toolkit
        cupy = None
except Exception:  # not installed
    cupy = None


def cuda_available() -> bool:
    """Return True when CuPy imports and a GPU answers."""
    return cupy is not None


def is_cupy_array(x) -> bool:
    """Return True for a CuPy ndarray."""
    return cupy is not None and isinstance(x, cupy.ndarray)


def get_array_module(*arrays):
    """Return numpy or cupy for the given arrays; mixing devices raises ValueError."""
    mods = {cupy if is_cupy_array(a) else np for a in arrays if a is not None and hasattr(a, "shape")}
    if len(mods) > 1:
        raise ValueError("arrays on different devices (cpu and cuda) in one operation; "
                         "move them with .to('cpu') or .to('cuda') first")
    return mods.pop() if mods else np


def device_of(x) -> str:
    """Return 'cuda' for a CuPy array, else 'cpu'."""
    return "cuda" if is_cupy_array(x) else "cpu"


def to_device(x, device: str):
    """Return x as an array on device ('cpu' or 'cuda'); no copy when already there."""
    device = str(device).split(":")[0]
    if device == "cpu":
        return asnumpy(x)
    if device == "cuda":
        if cupy is None:
            raise RuntimeError("device 'cuda' requested but CuPy with a working GPU is not available")
        return cupy.asarray(x)
    raise ValueError(f"unknown device {device!r}; use 'cpu' or 'cuda'")


def asnumpy(x):
    """Return x as a NumPy array (copying from the GPU when needed)."""
    if is_cupy_array(x):
        return cupy.asnumpy(x)
    return np.asarray(x)


def scatter_add(target, indices, values) -> None:
    """target[indices] += values, adding up repeated indices (numpy.add.at / cupyx.scatter_add)."""
    if is_cupy_array(target):
        import cupyx

        cupyx.scatter_add(target, indices, values)
    else:
        np.add.at(target, indices, values)
