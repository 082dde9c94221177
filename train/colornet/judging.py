"""Judging colour as a user sees it: every colour class recalled, natural colourfulness, colour that
holds together, and pixel accuracy as a floor (issue 28).

All-gray nearly wins pixel accuracy (most pixels of most photos are nearly gray), so a decoding or a
model chosen by it drifts to sepia. A colorization is judged here on the product's own output (the
photo through Colorizer at its working size, recombined with the photo's lightness, clipped to
sRGB) against the true photo, pixel by pixel in the nine colour classes of models/color.py:

- balanced accuracy (mean recall over the classes present), per-class recall and precision, the
  confusion matrix, and pixel accuracy;
- the chroma ratio (mean output chroma over mean true chroma) and the colourfulness ratio (Hasler and
  Suesstrunk's colourfulness of the outputs over the truths'), natural at about 0.75-1.1;
- patchiness: of the coloured output pixels (chroma >= 10) inside regions that are one colour in
  the true photo, the share whose hue class is not their region's main one: an apple that comes out
  red, green and blue at once scores high, a red apple 0, a gray one nothing (it has no coloured
  pixels, which the chroma ratio catches). Regions: Felzenszwalb's graph segmentation of the true
  photo, kept where one colour class holds at least 70% of the pixels;
- skin-hue recall (red, orange and pink together) for faces.

Per photo counts (PhotoStats) are summed, so any set of photos, and bootstrap resamples of them for
the spread, is judged from the same numbers (Judgement).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from skimage.segmentation import felzenszwalb
from tqdm import tqdm

from models.color import CHROMA_THRESHOLD, COLOR_CLASSES, color_class, compose_full, rgb_to_lab
from models.decoding import lightness_regions, region_pool
from models.image_io import resize
from models.inference import Colorizer, work_shape

K = len(COLOR_CLASSES)
SKIN = tuple(COLOR_CLASSES.index(c) for c in ("red", "orange", "pink"))
NATURAL_CHROMA = (0.75, 1.1)  # the chroma ratio of a natural-looking colorization
PIXEL_FLOOR = 0.03  # pixel accuracy must beat all-gray's by at least this
ONE_COLOUR = 0.7  # a true region counts as one colour when a colour class holds this share of it
MIN_REGION = 12  # pixels


@dataclass
class PhotoStats:
    """Counts per photo (N photos) from which every figure of a Judgement is summed."""

    confusion: np.ndarray  # (N, K, K) pixels: row the true colour class, column the output's
    chroma: np.ndarray  # (N, 2) sums of true and output chroma over the pixels
    colourfulness: np.ndarray  # (N, 2) Hasler-Suesstrunk colourfulness of the true photo and the output
    patches: np.ndarray  # (N, 2) coloured output pixels in one-colour regions, and those off the region's hue

    def __len__(self):
        return len(self.confusion)

    def subset(self, index) -> "PhotoStats":
        return PhotoStats(self.confusion[index], self.chroma[index], self.colourfulness[index], self.patches[index])

    @staticmethod
    def concat(parts) -> "PhotoStats":
        parts = list(parts)
        return PhotoStats(*(np.concatenate([getattr(p, f) for p in parts])
                            for f in ("confusion", "chroma", "colourfulness", "patches")))

    @staticmethod
    def empty() -> "PhotoStats":
        return PhotoStats(np.zeros((0, K, K), np.int64), np.zeros((0, 2)), np.zeros((0, 2)), np.zeros((0, 2)))


def one_colour_regions(true_rgb, true_cls=None) -> np.ndarray:
    """Region ids (H, W) of the true photo's one-colour regions (Felzenszwalb's segmentation, scaled
    to the photo's size), -1 elsewhere."""
    true_rgb = np.asarray(true_rgb, np.float64)
    true_cls = color_class(rgb_to_lab(true_rgb)[..., 1:]) if true_cls is None else true_cls
    h, w = true_rgb.shape[:2]
    seg = felzenszwalb(true_rgb, scale=100, sigma=0.5, min_size=max(MIN_REGION, h * w // 400))
    counts = np.zeros((seg.max() + 1, K), np.int64)
    np.add.at(counts, (seg.ravel(), true_cls.ravel()), 1)
    keep = (counts.max(1) >= ONE_COLOUR * counts.sum(1)) & (counts.sum(1) >= MIN_REGION)
    return np.where(keep[seg], seg, -1)


def colourfulness(rgb) -> float:
    """Hasler and Suesstrunk (2003) colourfulness of an RGB image in [0, 1], on the 0-255 scale."""
    rgb = np.asarray(rgb, np.float64) * 255
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


@dataclass
class Truth:
    """What is measured once per true photo: its colour classes, chroma, colourfulness, regions."""

    cls: np.ndarray  # (H, W) colour class
    chroma: float  # sum over the pixels
    colourfulness: float
    regions: np.ndarray  # (H, W) one_colour_regions

    @staticmethod
    def of(true_rgb) -> "Truth":
        ab = rgb_to_lab(np.asarray(true_rgb, np.float64))[..., 1:]
        cls = color_class(ab)
        return Truth(cls, float(np.hypot(ab[..., 0], ab[..., 1]).sum()), colourfulness(true_rgb),
                     one_colour_regions(true_rgb, cls))


def photo_stats(truth: Truth, out_rgb) -> PhotoStats:
    """The counts of one output photo (H, W, 3) in [0, 1] against its truth (one row)."""
    ab = rgb_to_lab(np.asarray(out_rgb, np.float64))[..., 1:]
    cls = color_class(ab)
    confusion = np.bincount(truth.cls.ravel() * K + cls.ravel(), minlength=K * K).reshape(1, K, K)
    chroma = np.hypot(ab[..., 0], ab[..., 1])
    inside = (truth.regions >= 0) & (chroma >= CHROMA_THRESHOLD)
    coloured, off = 0, 0
    if inside.any():
        ids, hues = truth.regions[inside], cls[inside]
        table = np.zeros((ids.max() + 1, K), np.int64)
        np.add.at(table, (ids, hues), 1)
        coloured = int(table.sum())
        off = coloured - int(table.max(1).sum())
    return PhotoStats(confusion, np.array([[truth.chroma, chroma.sum()]]),
                      np.array([[truth.colourfulness, colourfulness(out_rgb)]]), np.array([[coloured, off]], float))


def _figures(confusion, chroma, colourfulness, patches) -> dict:
    """The scalar figures of summed counts."""
    support, predicted, hits = confusion.sum(1), confusion.sum(0), np.diag(confusion)
    present = support > 0
    skin_support = support[list(SKIN)].sum()
    return {"pixel_accuracy": hits.sum() / max(1, confusion.sum()),
            "balanced_accuracy": float((hits[present] / support[present]).mean()) if present.any() else float("nan"),
            "chroma_ratio": chroma[1] / chroma[0] if chroma[0] else float("nan"),
            "colourfulness_ratio": colourfulness[1] / colourfulness[0] if colourfulness[0] else float("nan"),
            "patchiness": patches[1] / patches[0] if patches[0] else 0.0,
            "skin_hue_recall": (confusion[np.ix_(SKIN, SKIN)].sum() / skin_support) if skin_support else None,
            "recall": np.where(present, hits / np.maximum(support, 1), np.nan),
            "precision": np.where(predicted > 0, hits / np.maximum(predicted, 1), np.nan)}


INTERVALS = ("pixel_accuracy", "balanced_accuracy", "chroma_ratio", "colourfulness_ratio", "patchiness")


@dataclass
class Judgement:
    """How a set of outputs looks against the truth, with 95% bootstrap intervals over the photos."""

    n_photos: int
    n_pixels: int
    pixel_accuracy: float
    balanced_accuracy: float
    chroma_ratio: float
    colourfulness_ratio: float
    patchiness: float
    skin_hue_recall: float | None
    recall: dict  # colour class -> recall (None where the class is absent)
    precision: dict  # colour class -> precision (None where never predicted)
    confusion: list  # (K, K) pixel counts, row = true class
    intervals: dict = field(default_factory=dict)  # INTERVALS name -> [2.5%, 97.5%]

    @staticmethod
    def of(stats: PhotoStats, resamples: int = 200, seed: int = 0) -> "Judgement":
        sums = [stats.confusion.sum(0), stats.chroma.sum(0), stats.colourfulness.sum(0), stats.patches.sum(0)]
        f = _figures(*sums)
        rng = np.random.default_rng(seed)
        boot = {k: [] for k in INTERVALS}
        for _ in range(resamples if len(stats) > 1 else 0):
            pick = rng.integers(len(stats), size=len(stats))
            b = _figures(stats.confusion[pick].sum(0), stats.chroma[pick].sum(0),
                         stats.colourfulness[pick].sum(0), stats.patches[pick].sum(0))
            for k in INTERVALS:
                boot[k].append(b[k])
        intervals = {k: [float(np.nanpercentile(v, 2.5)), float(np.nanpercentile(v, 97.5))]
                     for k, v in boot.items() if v}
        opt = (lambda v: None if v is None or np.isnan(v) else float(v))
        return Judgement(int(len(stats)), int(sums[0].sum()), float(f["pixel_accuracy"]), float(f["balanced_accuracy"]),
                         float(f["chroma_ratio"]), float(f["colourfulness_ratio"]), float(f["patchiness"]),
                         opt(f["skin_hue_recall"]),
                         {c: opt(v) for c, v in zip(COLOR_CLASSES, f["recall"])},
                         {c: opt(v) for c, v in zip(COLOR_CLASSES, f["precision"])},
                         sums[0].astype(int).tolist(), intervals)

    def line(self) -> str:
        """One line for the console."""
        skin = "" if self.skin_hue_recall is None else f" skin {self.skin_hue_recall:.2f}"
        return (f"pixel {self.pixel_accuracy:.3f} balanced {self.balanced_accuracy:.3f} chroma {self.chroma_ratio:.2f} "
                f"colourfulness {self.colourfulness_ratio:.2f} patchy {self.patchiness:.3f}{skin} (n={self.n_photos})")


def natural(j: Judgement, gray: Judgement, patch_ceiling: float | None = None) -> bool:
    """Whether a colorization meets the user-centred rule on one source: chroma ratio in NATURAL_CHROMA,
    pixel accuracy at least all-gray's + PIXEL_FLOOR, and (given a ceiling) patchiness at most it."""
    return shortfall(j, gray, patch_ceiling) == 0


def shortfall(j: Judgement, gray: Judgement, patch_ceiling: float | None = None) -> float:
    """How far a colorization is from meeting natural() (0 when it does): chroma outside the range,
    the missing pixel accuracy and the patchiness above the ceiling, added."""
    lo, hi = NATURAL_CHROMA
    patch = max(0.0, j.patchiness - patch_ceiling) if patch_ceiling is not None else 0.0
    return max(0.0, lo - j.chroma_ratio) + max(0.0, j.chroma_ratio - hi) + \
        max(0.0, gray.pixel_accuracy + PIXEL_FLOOR - j.pixel_accuracy) + patch


def choose(candidates: dict, gray: dict, patch_ceiling: dict | None = None) -> tuple:
    """(the chosen key, whether it meets the rule everywhere): among candidates {key: {source: Judgement}}
    the highest mean balanced accuracy over sources of those natural() on every source (gray: {source:
    all-gray's Judgement}; patch_ceiling: {source: the highest patchiness allowed}, or None); when none
    is, the one with the smallest summed shortfall."""
    ceiling = patch_ceiling or {}

    def mean_balanced(key):
        return float(np.mean([j.balanced_accuracy for j in candidates[key].values()]))

    def miss(key):
        return sum(shortfall(j, gray[s], ceiling.get(s)) for s, j in candidates[key].items())
    ok = [k for k in candidates if miss(k) == 0]
    if ok:
        return max(ok, key=mean_balanced), True
    return min(candidates, key=lambda k: (miss(k), -mean_balanced(k))), False


@dataclass(frozen=True)
class Decoding:
    """One way of turning ColorNet's distributions into colour (models/inference.py)."""

    temperature: float
    prior_correction: float
    smoothing: float = 0.0
    size: int = 0  # working size (0: the Colorizer's)
    gray_gate: float = 0.0

    def __str__(self):
        return (f"T={self.temperature:g}, a={self.prior_correction:g}, s={self.smoothing:g}, "
                f"gate={self.gray_gate:g}" + (f", size {self.size}" if self.size else ""))

    def to_dict(self) -> dict:
        return {"temperature": self.temperature, "prior_correction": self.prior_correction,
                "smoothing": self.smoothing, "gray_gate": self.gray_gate, **({"size": self.size} if self.size else {})}

    @staticmethod
    def of(cz: Colorizer) -> "Decoding":
        """A Colorizer's default decoding."""
        return Decoding(cz.temperature, cz.prior_correction, cz.smoothing, 0, cz.gray_gate)


def judge_photos(cz: Colorizer, photos, decodings, chunk: int = 32, progress: str = "") -> tuple:
    """({decoding: PhotoStats}, all-gray's PhotoStats) of photos (a list of RGB arrays in [0, 1], or
    an (N, H, W, 3) array) colourised as the product does (Colorizer.process): the lightness at the
    working size (the decoding's, or the Colorizer's), the network once per photo and size, each
    decoding (region pooling, annealed mean), recombined with the full-resolution lightness."""
    photos = list(photos)
    stats = {d: [] for d in decodings}
    gray = []
    sizes = sorted({d.size or cz.size for d in decodings})
    for start in tqdm(range(0, len(photos), chunk), desc=progress or "judging", disable=not progress, leave=False):
        part = photos[start:start + chunk]
        truths = [Truth.of(im) for im in part]
        L_full = [rgb_to_lab(np.asarray(im, np.float64))[..., 0].astype(np.float32) for im in part]
        gray += [photo_stats(t, compose_full(L, np.zeros((8, 8, 2), np.float32))) for t, L in zip(truths, L_full)]
        for size in sizes:
            by_shape = {}
            for i, im in enumerate(part):
                by_shape.setdefault(im.shape[:2], []).append(i)
            for hw_full, members in by_shape.items():
                hw = work_shape(hw_full, size, cz.net.multiple)
                L_work = [resize(L_full[i], hw) for i in members]
                logits = cz.logits_batch(np.stack(L_work))[0]
                for Lw, z, i in zip(L_work, logits, members):
                    regions, pooled = None, {}
                    for d in decodings:
                        if (d.size or cz.size) != size:
                            continue
                        if d.smoothing not in pooled:
                            regions = lightness_regions(Lw) if regions is None and d.smoothing else regions
                            pooled[d.smoothing] = region_pool(z, regions, d.smoothing) if d.smoothing else z
                        ab = cz.decode(pooled[d.smoothing], d.temperature, d.prior_correction, gate=d.gray_gate)
                        stats[d].append((start + i, photo_stats(truths[i], compose_full(L_full[i], ab))))
    ordered = {d: PhotoStats.concat(s for _, s in sorted(v, key=lambda t: t[0])) for d, v in stats.items()}
    return ordered, PhotoStats.concat(gray)


GRID_SIZES = (64, 96, 128)
GRID_TEMPERATURES = (0.38,)  # Zhang et al.'s; 0.25 and 0.5 moved every figure by less than 0.01 here
GRID_CORRECTIONS = (0.0, 0.1, 0.2, 0.3, 0.45, 0.6)
GRID_SMOOTHING = (0.0, 0.5, 1.0)
GRID_GATES = (0.0, 0.35)
RULE = ("the highest mean balanced accuracy over the sources among the decodings that on every source's "
        f"validation photos keep the chroma ratio within {NATURAL_CHROMA[0]}-{NATURAL_CHROMA[1]}, pixel accuracy "
        f"at least all-gray's + {PIXEL_FLOOR} and patchiness at most the replaced model's default")


def decoding_grid(sizes=GRID_SIZES, temperatures=GRID_TEMPERATURES, corrections=GRID_CORRECTIONS,
                  smoothing=GRID_SMOOTHING, gates=GRID_GATES) -> list:
    """Every Decoding of the grid."""
    return [Decoding(T, a, s, n, g) for n in sizes for T in temperatures for a in corrections for s in smoothing
            for g in gates]


@dataclass
class DecodingChoice:
    """What choose_decoding chose and the evidence: every decoding judged on every source."""

    decoding: Decoding
    meets_rule: bool
    rule: str
    table: list  # [{"decoding": {...}, "sources": {source: summary}}] for the whole grid
    gray: dict  # {source: summary of all-gray}
    reference: dict  # {source: summary of the replaced model at its own default}, or empty


def summary(j: Judgement) -> dict:
    """A Judgement as JSON-ready data without its confusion matrix."""
    return {k: v for k, v in j.__dict__.items() if k != "confusion"}


def choose_decoding(cz: Colorizer, photos_by_source: dict, grid, reference: Colorizer | None = None,
                    progress: bool = True) -> DecodingChoice:
    """The decoding (working size, temperature, prior correction, smoothing) by RULE on validation
    photos ({source: photos}); reference: the model these weights replace, at its own defaults."""
    judged, gray, ref = {}, {}, {}
    for source, photos in photos_by_source.items():
        stats, g = judge_photos(cz, photos, grid, progress=f"{source} ({len(photos)} photos)" if progress else "")
        gray[source] = Judgement.of(g, resamples=0)
        for d, st in stats.items():
            judged.setdefault(d, {})[source] = Judgement.of(st, resamples=0)
        if reference is not None:
            default = Decoding.of(reference)
            ref[source] = Judgement.of(judge_photos(reference, photos, [default])[0][default], resamples=0)
    key, met = choose(judged, gray, {s: j.patchiness for s, j in ref.items()} or None)
    table = [{"decoding": d.to_dict(), "sources": {s: summary(j) for s, j in per.items()}} for d, per in judged.items()]
    rule = RULE if reference is not None else RULE.replace(" and patchiness at most the replaced model's default", "")
    return DecodingChoice(key, met, rule if met else f"none meets the rule ({rule}): the smallest shortfall",
                          table, {s: summary(j) for s, j in gray.items()}, {s: summary(j) for s, j in ref.items()})


def validation_photos(sources, per_source: int, loaders) -> dict:
    """{source: up to per_source validation photos (float RGB at the source's own size), a seeded
    choice without near-gray ones}, for the sources given (loaders: {source: split -> ImageSet})."""
    out = {}
    for source in sources:
        images = loaders[source]("val")
        if images.near_gray is not None:
            images = images.subset(~images.near_gray)
        pick = np.sort(np.random.default_rng(0).permutation(len(images))[:per_source])
        out[source] = images.images[pick].astype(np.float64) / 255
    return out
