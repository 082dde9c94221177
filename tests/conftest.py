"""Shared fixtures: the backend fixture runs a test on the CPU and, where a GPU works, on CUDA; weights
is a tiny untrained ColorNet's weights file for the command's and the archive's tests; every test
starts with the kernels the process began with (the colorize command chooses the array kernels for a
few photos, and the tests after its in-process runs had gone on with them)."""
from __future__ import annotations

import numpy as np
import pytest

import minitorch_color as mt
from minitorch_color import kernels
from minitorch_color.backend import cuda_available
from models.colornet import ColorNet, ColorNetConfig
from models.inference import save_colornet

_KERNELS_AT_START = kernels.kernels_in_use()


@pytest.fixture(autouse=True)
def kernels_as_at_start():
    """Put back the process's kernel choice after each test (module-wide state a test may change)."""
    yield
    kernels.use_kernels(_KERNELS_AT_START)


@pytest.fixture(params=["cpu", "cuda"])
def backend(request):
    """Device name; 'cuda' skips unless CuPy and a GPU are present."""
    if request.param == "cuda" and not cuda_available():
        pytest.skip("CuPy with a working GPU is not available (GPU path unverified here)")
    return request.param


@pytest.fixture(scope="session")
def weights(tmp_path_factory):
    """The path of a tiny ColorNet's weights with their card (untrained: shapes and plumbing, not colour)."""
    mt.manual_seed(0)
    path = tmp_path_factory.mktemp("w") / "tiny.npz"
    save_colornet(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64))), path, np.ones(261), {"decode": {"size": 32}})
    return str(path)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def torch():
    """PyTorch as an optional oracle: the test skips when it is not installed."""
    return pytest.importorskip("torch")


def t64(arr, device="cpu", requires_grad=True):
    """A float64 tensor on device for gradient checks."""
    return mt.tensor(np.asarray(arr, dtype=np.float64), requires_grad=requires_grad, device=device)


def away_from(arr, points=(0.0,), margin=0.1):
    """Nudge values within margin of any kink point away from it (keeps finite differences honest)."""
    arr = np.array(arr, dtype=np.float64)
    for p in points:
        close = np.abs(arr - p) < margin
        arr[close] = p + np.where(arr[close] >= p, margin, -margin) * 2
    return arr
