"""Keep freed array memory in the process instead of handing it back to the OS every step.

A training step allocates and frees the same few hundred MB of activations and gradients each
time. glibc's malloc serves blocks above its mmap threshold with fresh ``mmap`` pages and returns
the top of its heap to the OS beyond its trim threshold, so every step page-faulted ~64 MB anew:
16,400 minor faults and 50-90 ms of kernel time per step of the reference U-Net (issue 12,
measured with ``getrusage``). Raising both thresholds once (what the environment variables
MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ would do) lets those blocks be reused: the
step went from 465 to 410 ms. Entry points ask for it: ``keep_freed_memory()``.

The cost: memory freed after a large photo stays with the process (it is reused by the next).
``MINITORCH_KEEP_MEMORY=0`` in the environment turns this off; it only ever applies to glibc.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h
MMAP_THRESHOLD = 32 << 20  # glibc's upper limit on 64-bit; blocks above it still use mmap
TRIM_THRESHOLD = 1 << 30


KEPT = False  # whether keep_freed_memory() has tuned this process


def keep_freed_memory() -> bool:
    """Tune glibc's malloc as described above, for the whole process: a choice for an entry point
    (the colorize command, the studio, the training scripts) to make, never made on import.
    Return whether it was done."""
    global KEPT
    if os.environ.get("MINITORCH_KEEP_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, ...): nothing to tune
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    KEPT = bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return KEPT
