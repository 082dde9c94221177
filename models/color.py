"""Colour science for colorization: sRGB <-> CIE Lab (D65), the quantised ab gamut, soft
encoding, the colour prior and its rebalancing weights, annealed-mean decoding, and a map
from ab to nine named colour classes.

Arrays are NumPy, channels last: RGB in [0, 1] with shape (..., 3); Lab with L in [0, 100]
and a, b roughly in [-110, 110], shape (..., 3); ab maps (..., 2). Classification follows
Zhang, Isola and Efros (2016): ab on a grid of 10, soft targets over the 5 nearest bins,
rebalancing with lambda = 0.5, decoding by the annealed mean with T about 0.38.
"""
from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from .decoding import annealed_mean

# D65 white point (CIE 1931 2 degree observer), as in scikit-image
_WHITE = np.array([0.95047, 1.0, 1.08883])
_RGB_TO_XYZ = np.array([[0.412453, 0.357580, 0.180423],
                        [0.212671, 0.715160, 0.072169],
                        [0.019334, 0.119193, 0.950227]])
_XYZ_TO_RGB = np.linalg.inv(_RGB_TO_XYZ)
# the classic rounded CIE constants, as scikit-image uses them: threshold (6/29)^3 and slope
# 1/(3 (6/29)^2) of the linear segment near black
_EPS = 0.008856
_SLOPE = 7.787


def _srgb_to_linear(c):
    return np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)


def _linear_to_srgb(c):
    return np.where(c > 0.0031308, 1.055 * np.power(np.maximum(c, 0), 1 / 2.4) - 0.055, 12.92 * c)


def rgb_to_lab(rgb):
    """sRGB in [0, 1] (..., 3) -> CIE Lab (D65) (..., 3), float64 or the input's float dtype."""
    rgb = np.asarray(rgb)
    dtype = rgb.dtype if rgb.dtype.kind == "f" else np.float64
    xyz = _srgb_to_linear(rgb.astype(np.float64)) @ _RGB_TO_XYZ.T / _WHITE
    f = np.where(xyz > _EPS, np.cbrt(xyz), _SLOPE * xyz + 16 / 116)
    lab = np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)
    return lab.astype(dtype, copy=False)


def lab_to_rgb(lab, clip=True):
    """CIE Lab (D65) (..., 3) -> sRGB (..., 3), clipped to [0, 1] unless clip=False."""
    lab = np.asarray(lab)
    dtype = lab.dtype if lab.dtype.kind == "f" else np.float64
    lab = lab.astype(np.float64)
    fy = (lab[..., 0] + 16) / 116
    f = np.stack([fy + lab[..., 1] / 500, fy, fy - lab[..., 2] / 200], -1)
    xyz = np.where(f > 0.2068966, f ** 3, (f - 16 / 116) / _SLOPE) * _WHITE
    rgb = _linear_to_srgb(xyz @ _XYZ_TO_RGB.T)
    return (np.clip(rgb, 0, 1) if clip else rgb).astype(dtype, copy=False)


# OKLab (Ottosson 2020): a perceptual space whose hue lines stay one hue as the lightness changes,
# where CIELAB's bend (its blues turn violet when lightened or darkened at a fixed a*/b*)
_LIN_TO_LMS = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
                        [0.2119034982, 0.6806995451, 0.1073969566],
                        [0.0883024619, 0.2817188376, 0.6299787005]])
_LMS_TO_OK = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
                       [1.9779984951, -2.4285922050, 0.4505937099],
                       [0.0259040371, 0.7827717662, -0.8086757660]])
_OK_TO_LMS = np.linalg.inv(_LMS_TO_OK)
_LMS_TO_LIN = np.linalg.inv(_LIN_TO_LMS)


def rgb_to_oklab(rgb) -> np.ndarray:
    """sRGB in [0, 1] (..., 3) -> OKLab (..., 3) (L in [0, 1]), float64."""
    return np.cbrt(_srgb_to_linear(np.asarray(rgb, np.float64)) @ _LIN_TO_LMS.T) @ _LMS_TO_OK.T


def oklab_to_linear(ok) -> np.ndarray:
    """OKLab (..., 3) -> linear sRGB (..., 3), not clipped."""
    return (np.asarray(ok, np.float64) @ _OK_TO_LMS.T) ** 3 @ _LMS_TO_LIN.T


def hue_line(rgb, L, steps: int = 12) -> np.ndarray:
    """ab (len(L), 2): the colour rgb (3,) in [0, 1] at each CIE lightness L (n,), its OKLab hue kept
    and its OKLab chroma reduced just enough for sRGB to show it there, as CIELAB a*, b* (to pair
    with that lightness). Painting a colour at a photo's lightness along this line keeps the colour
    seen: a sky blue stays blue on a pale sky, where a fixed a*/b* turns lavender."""
    L = np.asarray(L, np.float64)
    chroma = rgb_to_oklab(rgb)[1:] * np.ones((len(L), 1))
    target = np.cbrt(lab_to_xyz_y(L))  # a neutral's OKLab lightness at each luminance asked

    def at(scale):  # linear RGB at this share of the chroma, its OKLab lightness fitted to the luminance
        Lok = target.copy()
        for _ in range(3):
            lin = oklab_to_linear(np.concatenate([Lok[:, None], chroma * scale[:, None]], -1))
            Lok = Lok + target - np.cbrt(np.maximum(lin @ _RGB_TO_XYZ[1], 0))
        return oklab_to_linear(np.concatenate([Lok[:, None], chroma * scale[:, None]], -1))

    def shows(scale):
        lin = at(scale)
        return ((lin >= -1e-4) & (lin <= 1 + 1e-4)).all(-1)
    lo, hi = np.zeros(len(L)), np.ones(len(L))
    for _ in range(steps):
        mid = (lo + hi) / 2
        ok = shows(mid)
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    scale = np.where(shows(np.ones(len(L))), 1.0, lo)
    return rgb_to_lab(_linear_to_srgb(np.clip(at(scale), 0, 1)))[..., 1:]


def lab_to_xyz_y(L) -> np.ndarray:
    """The relative luminance Y in [0, 1] of CIE lightness L."""
    fy = (np.asarray(L, np.float64) + 16) / 116
    return np.where(fy > 0.2068966, fy ** 3, (fy - 16 / 116) / _SLOPE)


def fit_chroma(L, ab, steps: int = 10) -> np.ndarray:
    """ab (..., 2) with its chroma scaled down, hue kept, just enough for sRGB to show it at lightness L
    (...) (clipping each channel instead would turn an orange at L = 90 yellow). Bisection on the scale."""
    L, ab = np.asarray(L, np.float64), np.asarray(ab, np.float64)
    lo, hi = np.zeros(L.shape), np.ones(L.shape)

    def shows(scale):
        rgb = lab_to_rgb(np.concatenate([L[..., None], ab * scale[..., None]], -1), clip=False)
        return ((rgb >= -1e-3) & (rgb <= 1 + 1e-3)).all(-1)
    full = shows(hi)
    for _ in range(steps):
        mid = (lo + hi) / 2
        ok = shows(mid)
        lo, hi = np.where(ok, mid, lo), np.where(ok, hi, mid)
    return ab * np.where(full, 1.0, lo)[..., None]


STRIP_ROWS = 128  # full-resolution work goes in strips of rows, so memory follows the width, not the photo


def _strips(fn, n_rows: int) -> None:
    """Call fn(slice) for every strip of rows, on as many threads as cores (NumPy releases the GIL)."""
    from concurrent.futures import ThreadPoolExecutor
    strips = [slice(r, min(n_rows, r + STRIP_ROWS)) for r in range(0, n_rows, STRIP_ROWS)]
    workers = min(len(strips), os.cpu_count() or 1, 4)
    if workers < 2:
        for sl in strips:
            fn(sl)
        return
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(fn, strips))


def gray_to_lightness(gray) -> np.ndarray:
    """CIE L of neutral sRGB grays in [0, 1] (R = G = B): it depends on the luminance alone."""
    y = _srgb_to_linear(np.asarray(gray, np.float64)) * _RGB_TO_XYZ[1].sum() / _WHITE[1]
    return 116 * np.where(y > _EPS, np.cbrt(y), _SLOPE * y + 16 / 116) - 16


def image_lightness(image, divisor: float = 1.0) -> np.ndarray:
    """CIE lightness L (H, W) float32 of a gray (H, W) or RGB (H, W, 3) image, in strips of rows.

    image / divisor must be in [0, 1] (models/image_io.image_divisor checks and says which).
    """
    image = np.asarray(image)
    out = np.empty(image.shape[:2], np.float32)

    def strip(sl):
        part = image[sl].astype(np.float32)
        if divisor != 1.0:
            part /= np.float32(divisor)
        part = np.clip(part, 0, 1)
        out[sl] = gray_to_lightness(part) if part.ndim == 2 else rgb_to_lab(part)[..., 0]
    _strips(strip, image.shape[0])
    return out


def bilinear_rows(ab, out_w: int) -> np.ndarray:
    """Resize (h, w, C) to (h, out_w, C) along rows: the horizontal half of bilinear upsampling."""
    x0, x1, wx = _bilinear_taps(ab.shape[1], out_w)
    return ab[:, x0] * (1 - wx)[None, :, None] + ab[:, x1] * wx[None, :, None]


def _bilinear_taps(n_in: int, n_out: int):
    """Source indices and weights of bilinear interpolation with pixel centres (as Pillow upsamples)."""
    src = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0, n_in - 1)
    i0 = np.floor(src).astype(np.int64)
    i1 = np.minimum(i0 + 1, n_in - 1)
    return i0, i1, (src - i0).astype(np.float32)


def compose_full(L_full, ab_work, dtype=np.float32) -> np.ndarray:
    """sRGB (H, W, 3) from full-resolution lightness and working-size ab (h, w, 2), upsampled
    bilinearly and converted strip by strip, so that memory grows with the width, not the photo:
    float32 in [0, 1], or with dtype uint8 the 8-bit picture itself (a quarter of the memory)."""
    H, W = L_full.shape
    rows = bilinear_rows(np.asarray(ab_work, np.float32), W)  # (h, W, 2)
    y0, y1, wy = _bilinear_taps(rows.shape[0], H)
    out = np.empty((H, W, 3), dtype)

    def strip(sl):
        ab = rows[y0[sl]] * (1 - wy[sl])[:, None, None] + rows[y1[sl]] * wy[sl][:, None, None]
        rgb = lab_to_rgb(np.concatenate([L_full[sl, :, None], ab], -1))
        out[sl] = np.clip(np.round(rgb * 255), 0, 255) if out.dtype == np.uint8 else rgb
    _strips(strip, H)
    return out


# ----- the quantised ab gamut ----------------------------------------------------------------
GRID = 10


def _srgb_samples(face_steps=256, interior_steps=24):
    """Points of the sRGB cube: dense on its six faces (where the gamut's extremes lie), sparse inside."""
    g = np.linspace(0, 1, face_steps)
    u, v = (a.ravel() for a in np.meshgrid(g, g, indexing="ij"))
    faces = []
    for axis in range(3):
        for value in (0.0, 1.0):
            cols = [u, v]
            cols.insert(axis, np.full_like(u, value))
            faces.append(np.stack(cols, -1))
    gi = np.linspace(0, 1, interior_steps)
    inner = np.stack(np.meshgrid(gi, gi, gi, indexing="ij"), -1).reshape(-1, 3)
    return np.concatenate(faces + [inner])


# The in-gamut cells of the default grid (10), as computed by gamut_cells(10): for each a cell (a / 10),
# the first and last b cell (every cell between is in gamut). Stored because computing them takes 0.5 s
# of every start; tests/test_color.py checks the table against the computation.
GAMUT_CELLS_10 = {-9: (8, 8), -8: (4, 8), -7: (2, 9), -6: (0, 9), -5: (-2, 9), -4: (-3, 9), -3: (-4, 9),
                  -2: (-4, 9), -1: (-5, 9), 0: (-6, 9), 1: (-7, 8), 2: (-7, 8), 3: (-8, 8), 4: (-9, 8),
                  5: (-9, 7), 6: (-10, 7), 7: (-11, 7), 8: (-11, 7), 9: (-9, 0), 10: (-7, -5)}


def gamut_cells(grid: int) -> np.ndarray:
    """The cells (a, b) // grid, rounded, that some sRGB colour falls in, sorted: computed from the sRGB cube
    rather than copied. With grid 10 this gives 261 bins; Zhang et al. report 313, counting bins occupied
    by ImageNet pixels after their own gamut handling; the count depends on that choice, not on the method."""
    ab = rgb_to_lab(_srgb_samples())[..., 1:]
    return np.unique(np.round(ab / grid).astype(np.int64), axis=0)


@lru_cache(maxsize=4)
def ab_bins(grid: int = GRID) -> np.ndarray:
    """Centres (Q, 2) of the ab bins (centred on multiples of grid) that some sRGB colour falls in,
    read-only; the default grid's from GAMUT_CELLS_10, any other computed (gamut_cells)."""
    if grid == 10:
        cells = np.array([(a, b) for a, (lo, hi) in sorted(GAMUT_CELLS_10.items()) for b in range(lo, hi + 1)])
    else:
        cells = gamut_cells(grid)
    centres = (cells * grid).astype(np.float64)
    centres.flags.writeable = False
    return centres


class ABQuantizer:
    """Maps ab values to the in-gamut bins and back (soft encoding, annealed-mean decoding)."""

    def __init__(self, grid: int = GRID, neighbours: int = 5, sigma: float = 5.0):
        self.grid, self.neighbours, self.sigma = grid, neighbours, sigma
        self.centers = ab_bins(grid)  # (Q, 2)

    @property
    def num_bins(self) -> int:
        return len(self.centers)

    def _sq_dist(self, ab):
        ab = np.asarray(ab, dtype=np.float64).reshape(-1, 2)
        return ((ab[:, None, :] - self.centers[None]) ** 2).sum(-1)  # (P, Q)

    def nearest(self, ab) -> np.ndarray:
        """Index of the nearest bin for every ab value (..., 2) -> (...)."""
        ab = np.asarray(ab, dtype=np.float64)
        flat = ab.reshape(-1, 2)
        # on a square grid the nearest centre is the rounded cell, when that cell is in the gamut
        cells = np.round(flat / self.grid).astype(np.int64)
        lut, off = self._lut()
        inside = np.all((cells + off >= 0) & (cells + off < lut.shape[0]), axis=1)
        out = np.full(len(flat), -1, dtype=np.int64)
        out[inside] = lut[cells[inside, 0] + off, cells[inside, 1] + off]
        rest = np.nonzero(out < 0)[0]
        for start in range(0, len(rest), 65536):  # out-of-gamut values: exact search, bounded memory
            idx = rest[start:start + 65536]
            out[idx] = self._sq_dist(flat[idx]).argmin(-1)
        return out.reshape(ab.shape[:-1])

    def _lut(self):
        if not hasattr(self, "_lut_cache"):
            cells = np.round(self.centers / self.grid).astype(np.int64)
            off = int(-cells.min()) + 1
            lut = np.full((int(cells.max()) + off + 2,) * 2, -1, dtype=np.int64)
            lut[cells[:, 0] + off, cells[:, 1] + off] = np.arange(len(cells))
            self._lut_cache = (lut, off)
        return self._lut_cache

    def soft_encode(self, ab, exact: bool = True, channels_first: bool = False) -> np.ndarray:
        """Soft targets (..., Q): Gaussian weights (sigma) on the nearest bins, summing to one.

        exact=False looks the targets up for ab rounded to whole units (tables built once):
        about 30x faster, for training batches; weights then differ by a few percent at most.
        channels_first: for ab (N, ..., 2) return (N, Q, ...), the layout the network's logits
        have, written directly (a transposed copy of the targets cost a training step ~8%).
        """
        ab = np.asarray(ab, dtype=np.float64)
        flat = ab.reshape(-1, 2)
        if exact:
            idx, w = self._neighbours(flat)
        else:
            table_idx, table_w, lo = self._soft_table()
            cell = np.clip(np.round(flat).astype(np.int64) - lo, 0, table_idx.shape[0] - 1)
            idx, w = table_idx[cell[:, 0], cell[:, 1]], table_w[cell[:, 0], cell[:, 1]]
        if channels_first:
            n = ab.shape[0]
            out = np.zeros((n, self.num_bins, len(flat) // n), dtype=np.float32)
            idx, w = (a.reshape(n, -1, a.shape[-1]).transpose(0, 2, 1) for a in (idx, w))
            np.put_along_axis(out, idx.astype(np.int64), w.astype(np.float32), 1)
            return out.reshape((n, self.num_bins) + ab.shape[1:-1])
        out = np.zeros((len(flat), self.num_bins), dtype=np.float32)
        np.put_along_axis(out, idx.astype(np.int64), w.astype(np.float32), 1)
        return out.reshape(ab.shape[:-1] + (self.num_bins,))

    def _neighbours(self, flat):
        """Indices (P, k) of the k nearest bins and their normalised Gaussian weights."""
        d2 = self._sq_dist(flat)
        k = self.neighbours
        idx = np.argpartition(d2, k - 1, axis=1)[:, :k]  # (P, k)
        w = np.exp(-np.take_along_axis(d2, idx, 1) / (2 * self.sigma ** 2))
        return idx, w / w.sum(1, keepdims=True)

    def _soft_table(self):
        if not hasattr(self, "_soft_cache"):
            lo, hi = -128, 128
            grid = np.arange(lo, hi + 1, dtype=np.float64)
            pts = np.stack(np.meshgrid(grid, grid, indexing="ij"), -1).reshape(-1, 2)
            idx, w = self._neighbours(pts)
            n = len(grid)
            self._soft_cache = (idx.reshape(n, n, -1).astype(np.int16), w.reshape(n, n, -1).astype(np.float32), lo)
        return self._soft_cache

    def decode(self, probs, temperature: float = 0.38, axis: int = -1) -> np.ndarray:
        """Annealed mean of probabilities (not logits) over the Q bins along axis; axis -> 2 (float64).

        ab = sum_q softmax(log p / T)_q * centre_q; T -> 0 is the mode, T = 1 the mean
        (models/decoding.annealed_mean, which also takes logits directly).
        """
        logp = np.log(np.maximum(np.asarray(probs, dtype=np.float64), 1e-12))
        ab = annealed_mean(logp, self.centers, temperature, axis)
        return np.moveaxis(ab, -1, axis) if axis != -1 else ab

    def prior(self, ab, smooth_sigma: float = 5.0) -> np.ndarray:
        """Empirical colour prior p(q) of ab samples (..., 2), smoothed with a Gaussian in ab space."""
        counts = np.bincount(self.nearest(np.asarray(ab).reshape(-1, 2)), minlength=self.num_bins).astype(np.float64)
        if smooth_sigma > 0:
            d2 = ((self.centers[:, None] - self.centers[None]) ** 2).sum(-1)
            kernel = np.exp(-d2 / (2 * smooth_sigma ** 2))
            counts = kernel @ counts
        return counts / counts.sum()

    @staticmethod
    def rebalance_weights(prior, lam: float = 0.5) -> np.ndarray:
        """Class weights w ~ ((1 - lam) p + lam / Q)^-1, normalised so that E_p[w] = 1."""
        prior = np.asarray(prior, dtype=np.float64)
        w = 1.0 / ((1 - lam) * prior + lam / len(prior))
        return w / (prior * w).sum()


# ----- named colour classes ------------------------------------------------------------------
COLOR_CLASSES = ("achromatic", "red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink")
CHROMA_THRESHOLD = 10.0
# Reference sRGB colours of the eight hue classes; the class boundaries are the angular
# midpoints between consecutive reference hues in the ab plane (hue = atan2(b, a), degrees):
#   red 36.9 -> [14.9, 50.5)     orange 64.1 -> [50.5, 80.7)    yellow 97.4 -> [80.7, 117.9)
#   green 138.4 -> [117.9, 172.4) cyan 206.4 -> [172.4, 252.0)  blue 297.7 -> [252.0, 307.0)
#   purple 316.3 -> [307.0, 334.6) pink 352.9 -> [334.6, 14.9)
# Browns are dark oranges and fall in the orange sector; chroma below 10 is achromatic.
REFERENCE_RGB = {
    "red": (0.85, 0.1, 0.1), "orange": (1.0, 0.55, 0.0), "yellow": (1.0, 0.92, 0.1),
    "green": (0.1, 0.65, 0.15), "cyan": (0.0, 0.8, 0.85), "blue": (0.1, 0.3, 0.9),
    "purple": (0.5, 0.15, 0.7), "pink": (1.0, 0.45, 0.7),
}


@lru_cache(maxsize=1)
def hue_boundaries() -> tuple:
    """(hues, lower bounds) in degrees of the eight hue classes, in COLOR_CLASSES order."""
    hues = []
    for name in COLOR_CLASSES[1:]:
        lab = rgb_to_lab(np.array(REFERENCE_RGB[name]))
        hues.append(np.degrees(np.arctan2(lab[2], lab[1])) % 360)
    hues = np.array(hues)
    order = np.argsort(hues)
    lows = np.empty(8)
    for i, j in enumerate(order):  # lower bound: midpoint to the previous hue around the circle
        prev = hues[order[i - 1]]
        gap = (hues[j] - prev) % 360
        lows[j] = (prev + gap / 2) % 360
    return tuple(hues), tuple(lows)


def color_class(ab) -> np.ndarray:
    """Class index in COLOR_CLASSES for every ab (..., 2): 0 if chroma < 10, else its hue sector."""
    ab = np.asarray(ab, dtype=np.float64)
    chroma = np.hypot(ab[..., 0], ab[..., 1])
    hue = np.degrees(np.arctan2(ab[..., 1], ab[..., 0])) % 360
    _, lows = hue_boundaries()
    order = np.argsort(lows)
    sorted_lows = np.asarray(lows)[order]
    # the sector is the one with the largest lower bound not above the hue; below the smallest
    # bound the hue belongs to the sector that wraps around 360 degrees (the last one)
    pos = np.searchsorted(sorted_lows, hue, side="right") - 1
    sector = order[pos] + 1  # pos -1 picks order[-1], the wrapping sector
    return np.where(chroma < CHROMA_THRESHOLD, 0, sector).astype(np.int64)
