"""Keep freed array memory in the process instead of handing it back to the OS every step.

A training step allocates and frees the same few hundred MB of activations and gradients each
time. glibc's malloc serves blocks above its mmap threshold with fresh ``mmap`` pages and returns
the top of its heap to the OS beyond its trim threshold, so every step page-faulted ~64 MB anew:
16,400 minor faults and 50-90 ms of kernel time per step of the reference U-Net (issue 12,
measured with ``getrusage``). Raising both thresholds once (what the environment variables
MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ would do) lets those blocks be reused: the
step went from 465 to 410 ms. (glibc caps the mmap threshold at 32 MB, so larger blocks, such as
ColorNet's 68 MB of 261-bin logits for 16 crops of 64 px, are still mapped fresh. Turning mmap off
altogether, M_MMAP_MAX = 0, halved a 261-bin head's forward alone, 24.8 -> 12.6 ms, but moved
ColorNet's step by 1.5%, within noise, and is not done: a 100-megapixel photo's gigabyte arrays
would then live on the heap.)

Importing the engine tunes nothing. Entry points ask for it (``keep_freed_memory()``: the colorize
command, the studio, the training scripts), and so does the first ``backward`` of a process
(``keep_freed_memory_for_training``): a training loop written as for PyTorch, which never asks,
ran its U-Net step in 392-407 ms instead of 360 with 13,000 page faults a step (issue 34).

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
    (the colorize command, the studio, the training scripts; the first backward asks too), never made on
    import.
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


_asked = False  # whether keep_freed_memory_for_training has run in this process


def keep_freed_memory_for_training() -> None:
    """keep_freed_memory(), once per process: what autograd's backward asks (cheap after the first)."""
    global _asked
    if not _asked:
        _asked = True
        keep_freed_memory()
