"""The engine's CPU threads: convolution workers, with BLAS kept to one thread while they run.

On this project's reference machine (2 cores, shared), OpenBLAS parallelising each small GEMM
by itself stalled at its per-call barriers whenever the other core was busy, and its workers,
spinning between calls, took cores from everything else. The convolutions therefore split
their work into independent chunks and run them on the engine's own threads, each calling
single-threaded BLAS: one join per convolution. ``set_num_threads(1)`` gives BLAS its own
threads back (and runs the chunks in the calling thread).
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

_lock = threading.Lock()
_threads = max(1, int(os.environ.get("MINITORCH_NUM_THREADS", os.cpu_count() or 1)))
_blas_limit = None  # threadpoolctl limit object while BLAS is held at one thread


def _apply_blas_limit():
    global _blas_limit
    if _threads > 1 and _blas_limit is None:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:  # still correct; BLAS keeps its threads
            return
        try:  # the BLAS that the Numba kernels' np.dot calls (SciPy's own OpenBLAS): loaded now, so limited too
            import scipy.linalg.cython_blas  # noqa: F401
        except ImportError:
            pass
        _blas_limit = threadpool_limits(limits=1, user_api="blas")
    elif _threads == 1 and _blas_limit is not None:
        _blas_limit.restore_original_limits()
        _blas_limit = None


def conv_threads() -> int:
    """Number of worker threads for convolution chunks (and make sure BLAS is set up for it)."""
    if (_threads > 1) != (_blas_limit is not None):
        with _lock:
            _apply_blas_limit()
    return _threads


def blas_single_threaded() -> bool:
    """Whether each BLAS call runs in one thread (the engine holds BLAS there, or the machine has one
    core): then the convolutions multiply small pieces that stay in cache; else whole chunks, which
    BLAS splits over its own threads."""
    conv_threads()
    return _blas_limit is not None or (os.cpu_count() or 1) == 1


def set_num_threads(n: int) -> None:
    """Use n engine threads on the CPU (default: all cores, or MINITORCH_NUM_THREADS)."""
    global _threads
    if int(n) < 1:
        raise ValueError(f"number of threads must be at least 1, got {n}")
    with _lock:
        _threads = int(n)
        _apply_blas_limit()


def get_num_threads() -> int:
    """Number of engine threads on the CPU."""
    return _threads


# ----- running chunks on several cores --------------------------------------------------
# Chunks are independent, so the convolutions run them in the engine's own threads, each with
# single-threaded BLAS and its own workspace: one join per convolution instead of one BLAS
# barrier per small GEMM, and the tile kernels use every core.
_pool = None  # (ThreadPoolExecutor, its number of workers)
_pool_lock = threading.Lock()


def map_chunks(fn, chunks, parallel: bool = True) -> list:
    """[fn(chunk) for chunk in chunks], spread over the engine's threads when parallel allows it.

    The caller passes parallel=False for work that must stay in its thread (GPU arrays, or
    kernels that use Numba's own thread pool).
    """
    global _pool
    chunks = list(chunks)
    workers = conv_threads()
    if not parallel or workers < 2 or len(chunks) < 2:
        return [fn(c) for c in chunks]
    with _pool_lock:
        if _pool is None or _pool[1] != workers:
            _pool = (ThreadPoolExecutor(workers, thread_name_prefix="minitorch-conv"), workers)
        pool = _pool[0]
    return list(pool.map(fn, chunks))
