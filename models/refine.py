"""Hint refinement: spread what the user asked for over the pixels that belong with it.

ColorNet sees hints as inputs and learns to use them, but a short CPU training leaves it timid:
a hint moves the colour near it less than the user expects. This step makes hints binding and
lets their effect travel along regions of similar lightness, in the spirit of Levin, Lischinski
and Weiss (2004), "Colorization using optimization", applied to the *correction* rather than the
colour itself:

    r = hint_ab - predicted_ab at hinted pixels (fixed there),
    minimise  sum_{p~q} w_pq |r_p - r_q|^2 + lam * sum_p |r_p|^2   over the other pixels,
    w_pq = exp(-(L_p - L_q)^2 / (2 sigma^2))  for 8-connected neighbours,

and returns predicted_ab + r. The first term carries a correction across smooth areas and stops
it at edges of lightness; the second lets it fade with distance, over about 1/sqrt(lam) pixels.
That distance is set as a fraction `reach` of the image's longer side (lam = 1 / (reach * S)^2),
so a hint's influence covers the same part of the picture at any working size and the network's
own colours stay where no hint speaks. One sparse solve per image (SciPy). Without hints nothing
changes.
"""
from __future__ import annotations

import numpy as np

DEFAULT_REACH = 0.2  # fraction of the longer side: local enough that a request does not flood the picture
DEFAULT_SIGMA = 4.0  # in L units (0..100)


def _edges(h, w):
    """Index pairs (p, q) of 8-connected neighbours, each pair once."""
    idx = np.arange(h * w).reshape(h, w)
    a, b = [], []
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        a.append(idx[0:h - dy, max(0, -dx):w - max(0, dx)].ravel())
        b.append(idx[dy:h, max(0, dx):w - max(0, -dx)].ravel())
    return np.concatenate(a), np.concatenate(b)


def _spread(L, mask, values, reach: float, sigma: float) -> np.ndarray:
    """values (n, k) fixed at the hinted pixels, spread to the others by the module doc's system; (n, k)."""
    import scipy.sparse as sp
    from scipy.sparse.linalg import factorized

    h, w = mask.shape
    n = h * w
    lam = 1.0 / (max(reach, 1e-6) * max(h, w)) ** 2
    a, b = _edges(h, w)
    Lf = np.asarray(L, np.float64).ravel()
    wgt = np.exp(-((Lf[a] - Lf[b]) ** 2) / (2 * sigma ** 2))
    rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
    W = sp.coo_matrix((np.concatenate([wgt, wgt]), (rows, cols)), shape=(n, n)).tocsr()
    lap = sp.diags(np.asarray(W.sum(1)).ravel()) - W
    fixed = mask.ravel()
    free = ~fixed
    out = np.zeros((n, values.shape[1]))
    out[fixed] = values[fixed]
    if free.any():
        A = (lap[free][:, free] + lam * sp.identity(int(free.sum()))).tocsc()
        rhs = -(lap[free][:, fixed] @ out[fixed])
        solve = factorized(A)  # one factorisation for every column
        out[free] = np.column_stack([solve(np.ascontiguousarray(rhs[:, k])) for k in range(values.shape[1])])
    return out


def propagate(L, ab, hint_ab, mask, reach: float = DEFAULT_REACH, sigma: float = DEFAULT_SIGMA) -> np.ndarray:
    """ab (h, w, 2) with the hint corrections spread as described in the module doc.

    L: (h, w) lightness 0..100; ab: predicted (h, w, 2); hint_ab (h, w, 2) and mask (h, w) or (h, w, 1).
    """
    mask = np.asarray(mask).reshape(np.asarray(L).shape) > 0.5
    ab = np.asarray(ab, np.float64)
    if not mask.any():
        return ab.astype(np.float32)
    n = mask.size
    r = _spread(L, mask, np.asarray(hint_ab, np.float64).reshape(n, 2) - ab.reshape(n, 2), reach, sigma)
    return (ab + r.reshape(ab.shape)).astype(np.float32)


def localize(L, ab_free, ab_hinted, mask, reach: float = DEFAULT_REACH, sigma: float = DEFAULT_SIGMA) -> np.ndarray:
    """The network's answer to hints kept where the hints reach, its answer without them elsewhere:
    ab_free + u * (ab_hinted - ab_free), u (h, w) being 1 at the hinted pixels and spreading from
    them by the module doc's system (fading with distance, stopped by edges of lightness).

    The network sees the whole photo, so one hint on an apple may tint the table and the wall too
    (it learned from hints of the true colours, which also say something of the rest of the scene);
    a user who clicks an apple means the apple.
    """
    mask = np.asarray(mask).reshape(np.asarray(L).shape) > 0.5
    ab_free = np.asarray(ab_free, np.float64)
    if not mask.any():
        return ab_free.astype(np.float32)
    u = _spread(L, mask, np.ones((mask.size, 1)), reach, sigma).reshape(mask.shape + (1,))
    return (ab_free + np.clip(u, 0, 1) * (np.asarray(ab_hinted, np.float64) - ab_free)).astype(np.float32)
