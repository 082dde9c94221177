"""Small argument helpers shared by ops and layers."""
from __future__ import annotations


def pair(v):
    """Return v as a 2-tuple (an int is used for both axes)."""
    return (int(v), int(v)) if isinstance(v, (int,)) or hasattr(v, "__index__") else tuple(int(a) for a in v)
