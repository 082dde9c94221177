"""Small helpers shared by the convolution ops and layers."""
from __future__ import annotations

CHUNK_BYTES = 2 << 20  # patch and tile matrices are built a few samples at a time, to stay in the 2 MB L2 cache


def pair(v):
    """Return v as a 2-tuple (an int is used for both axes)."""
    return (int(v), int(v)) if isinstance(v, (int,)) or hasattr(v, "__index__") else tuple(int(a) for a in v)
