"""Each hot kernel twice: the Numba version (kernels/cpu.py) against its NumPy twin (kernels/gpu.py).

    python -m benchmarks.kernels
"""
from __future__ import annotations

from benchmarks.kernel_cases import format_kernels, run_kernels

if __name__ == "__main__":
    print(format_kernels(run_kernels()))
