"""Is a picture in a style? Judges that evaluate_styles asks, and the size they look at.

Every judge looks at the painting and the painted photo at the same size (JUDGE_SIZE on the longer
side): brushwork counts at the painting's scale, whatever the photo's resolution.

Three judges, each naming the nearest style of an image:
- the loss network (losses.bank_named(the run's loss_net)): the one training moved outputs toward;
- JudgeBank (losses.py): another random network, never trained against (one layer of 5x5 filters
  with biases at three sizes, its own seed);
- StatisticsJudge (here): no network and no Gram matrix at all. Histograms a viewer's eye could name:
  the palette (CIELAB a*b* and lightness), and per scale (full, half, quarter) the direction of the
  strokes (gradient orientation weighted by strength) and their strength (log gradient magnitude).
  Distance: chi-squared per histogram, the palette and the strokes weighing half each.
  `texture_only` drops the palette: what is left is brushwork alone.
"""
from __future__ import annotations

import numpy as np

from models.color import rgb_to_lab
from models.image_io import resize

JUDGE_SIZE = 256  # the longer side every judge sees (= StyleConfig.style_size = work_size)
SCALES = (1, 2, 4)
BINS = 8


def at_judge_size(rgb) -> np.ndarray:
    """(H, W, 3) floats in [0, 1] resized so its longer side is JUDGE_SIZE."""
    rgb = np.asarray(rgb, np.float32)
    h, w = rgb.shape[:2]
    s = JUDGE_SIZE / max(h, w)
    return rgb if s == 1 else resize(rgb, (max(8, round(h * s)), max(8, round(w * s))))


def _normalised(hist) -> np.ndarray:
    hist = np.asarray(hist, np.float64).ravel()
    return hist / max(hist.sum(), 1e-12)


def _pooled(L, k: int) -> np.ndarray:
    h, w = (L.shape[0] // k) * k, (L.shape[1] // k) * k
    return L[:h, :w].reshape(h // k, k, w // k, k).mean((1, 3))


def statistics(rgb) -> dict:
    """The histograms of an image (H, W, 3) in [0, 1] at JUDGE_SIZE: {"palette": [...], "strokes": [...]}."""
    lab = rgb_to_lab(at_judge_size(rgb).astype(np.float64))
    L, a, b = lab[..., 0], lab[..., 1], lab[..., 2]
    palette = [_normalised(np.histogram2d(a.ravel(), b.ravel(), BINS, [[-60, 60], [-60, 60]])[0]),
               _normalised(np.histogram(L, BINS, (0, 100))[0])]
    strokes = []
    for k in SCALES:
        gy, gx = np.gradient(_pooled(L, k))
        mag = np.hypot(gx, gy)
        angle = np.mod(np.arctan2(gy, gx), np.pi)
        strokes.append(_normalised(np.histogram(angle, BINS, (0, np.pi), weights=mag)[0]))
        strokes.append(_normalised(np.histogram(np.log1p(mag), BINS, (0, np.log1p(40)))[0]))
    return {"palette": palette, "strokes": strokes}


def _chi2(p, q) -> float:
    return float(0.5 * np.sum((p - q) ** 2 / (p + q + 1e-12)))


def mean_statistics(images) -> dict:
    """A style's statistics: each histogram averaged over its paintings."""
    per = [statistics(im) for im in images]
    return {key: [np.mean([p[key][i] for p in per], 0) for i in range(len(per[0][key]))] for key in per[0]}


class StatisticsJudge:
    """Nearest style by histogram distance; texture_only: the strokes alone."""

    def __init__(self, texture_only: bool = False):
        self.texture_only = texture_only

    def targets(self, paintings) -> dict:
        return mean_statistics(paintings)

    def distance(self, stats: dict, target: dict) -> float:
        strokes = np.mean([_chi2(p, q) for p, q in zip(stats["strokes"], target["strokes"])])
        if self.texture_only:
            return float(strokes)
        palette = np.mean([_chi2(p, q) for p, q in zip(stats["palette"], target["palette"])])
        return float(0.5 * palette + 0.5 * strokes)

    def distances(self, images, targets_by_style) -> np.ndarray:
        """(N, S) distance of each image to each style."""
        out = np.zeros((len(images), len(targets_by_style)))
        for i, im in enumerate(images):
            stats = statistics(im)
            out[i] = [self.distance(stats, t) for t in targets_by_style]
        return out
