"""Benchmarks: the engine against PyTorch CPU, and Numba kernels against their NumPy twins."""
