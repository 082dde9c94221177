"""Small helpers shared by the convolution ops and layers."""
from __future__ import annotations

CHUNK_BYTES = 2 << 20  # patch and tile matrices are built a few samples at a time, to stay in the 2 MB L2 cache
# ... except that whole samples, as a training batch has them, go together up to this much: fewer,
# larger chunks cost less in hand-offs and Python between them (issue 34: the U-Net's training step
# 6% faster at 8 MB than 2 MB once freed memory is kept; a single photo's bands stay at CHUNK_BYTES,
# where 8 MB bands were 5-8% slower)
SAMPLE_CHUNK_BYTES = 8 << 20


def pair(v):
    """Return v as a 2-tuple (an int is used for both axes)."""
    return (int(v), int(v)) if isinstance(v, (int,)) or hasattr(v, "__index__") else tuple(int(a) for a in v)
