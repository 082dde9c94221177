"""The engine's random number generator: one seeded NumPy Generator for init, dropout, randn."""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reseed the engine's generator so that init, dropout and randn repeat exactly."""
    global _generator
    _generator = np.random.default_rng(seed)


def generator() -> np.random.Generator:
    """Return the engine's current NumPy Generator."""
    return _generator
