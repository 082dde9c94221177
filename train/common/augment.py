"""Geometric and photometric augmentation of RGB batches (N, H, W, 3) float in [0, 1].

Every function is vectorised over the batch where the operation allows, takes its
randomness from a NumPy Generator passed in (so a seed reproduces a batch exactly), and
returns a new array in [0, 1]. ``Augment`` composes them with per-sample probabilities.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from train.common.oldphoto import old_photo


def hflip(batch, mask=None):
    """Mirror left-right (only the samples where mask is True, if given)."""
    out = batch.copy()
    idx = slice(None) if mask is None else np.asarray(mask)
    out[idx] = batch[idx][:, :, ::-1]
    return out


def rot90(batch, k: int = 1):
    """Rotate by k quarter turns counter-clockwise (square images keep their shape)."""
    return np.ascontiguousarray(np.rot90(batch, k, axes=(1, 2)))


def rotate(batch, degrees):
    """Rotate each sample by its angle (degrees, counter-clockwise) about the centre, reflecting at the border."""
    from scipy.ndimage import rotate as nd_rotate
    degrees = np.broadcast_to(np.asarray(degrees, dtype=np.float64), (len(batch),))
    return np.stack([np.clip(nd_rotate(im, a, axes=(1, 0), reshape=False, order=1, mode="reflect"), 0, 1)
                     for im, a in zip(batch, degrees)]).astype(batch.dtype)


def random_resized_crop(batch, size, rng, scale=(0.6, 1.0), ratio=(0.8, 1.25)):
    """Crop a random area fraction (scale) and aspect ratio from each sample, resized to size x size."""
    from PIL import Image
    n, h, w = batch.shape[:3]
    out = np.empty((n, size, size, batch.shape[3]), dtype=batch.dtype)
    for i in range(n):
        area = rng.uniform(*scale) * h * w
        r = np.exp(rng.uniform(np.log(ratio[0]), np.log(ratio[1])))
        ch = int(min(h, max(1, round(np.sqrt(area / r)))))
        cw = int(min(w, max(1, round(np.sqrt(area * r)))))
        y, x = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
        crop = (batch[i, y:y + ch, x:x + cw] * 255).round().astype(np.uint8)
        out[i] = np.asarray(Image.fromarray(crop).resize((size, size), Image.BILINEAR), dtype=np.float32) / 255
    return out


def _per_sample(values, batch):
    return np.asarray(values, dtype=batch.dtype).reshape(-1, 1, 1, 1)


def brightness(batch, delta):
    """Add delta (per sample) to every channel."""
    return np.clip(batch + _per_sample(delta, batch), 0, 1)


def contrast(batch, factor):
    """Scale each sample's deviation from its mean grey level by factor."""
    mean = batch.mean(axis=(1, 2, 3), keepdims=True)
    return np.clip(mean + (batch - mean) * _per_sample(factor, batch), 0, 1)


def gamma(batch, g):
    """Apply the power curve x ** g per sample."""
    return np.clip(batch, 0, 1) ** _per_sample(g, batch)


def noise(batch, sigma, rng):
    """Add Gaussian noise of standard deviation sigma (per sample)."""
    return np.clip(batch + rng.standard_normal(batch.shape).astype(batch.dtype) * _per_sample(sigma, batch), 0, 1)


def blur(batch, sigma):
    """Gaussian blur of standard deviation sigma pixels (one value for the batch)."""
    from scipy.ndimage import gaussian_filter
    if sigma <= 0:
        return batch.copy()
    return gaussian_filter(batch, sigma=(0, sigma, sigma, 0), mode="reflect").astype(batch.dtype)


@dataclass
class Augment:
    """A seeded composition: flip, small rotation, crop, brightness/contrast/gamma, noise, blur."""

    flip_p: float = 0.5
    rotate_p: float = 0.3
    max_degrees: float = 10.0
    crop_p: float = 0.5
    crop_scale: tuple = (0.6, 1.0)
    brightness: float = 0.1
    contrast: tuple = (0.8, 1.2)
    gamma: tuple = (0.8, 1.25)
    noise_p: float = 0.2
    noise_sigma: float = 0.02
    blur_p: float = 0.1
    blur_sigma: float = 0.8

    def __call__(self, batch, rng):
        """Augmented copy of batch (N, H, W, 3); rng decides everything."""
        out = self.sensor(self.photometric(self.geometric(batch, rng), rng), rng)
        return out.astype(batch.dtype, copy=False)

    def geometric(self, batch, rng):
        """Flip, small rotation and crop, each with its probability."""
        n, size = len(batch), batch.shape[1]
        out = hflip(batch, rng.random(n) < self.flip_p)
        turn = rng.random(n) < self.rotate_p
        if turn.any():
            out[turn] = rotate(out[turn], rng.uniform(-self.max_degrees, self.max_degrees, turn.sum()))
        crop = rng.random(n) < self.crop_p
        if crop.any():
            out[crop] = random_resized_crop(out[crop], size, rng, self.crop_scale)
        return out

    def photometric(self, batch, rng):
        """Brightness, contrast and gamma, drawn for every sample."""
        n = len(batch)
        out = brightness(batch, rng.uniform(-self.brightness, self.brightness, n))
        out = contrast(out, rng.uniform(*self.contrast, n))
        return gamma(out, np.exp(rng.uniform(np.log(self.gamma[0]), np.log(self.gamma[1]), n)))

    def sensor(self, batch, rng, spare=None):
        """Noise and blur, each with its probability (never on the samples where spare is True)."""
        n = len(batch)
        out = batch.copy()
        spare = np.zeros(n, bool) if spare is None else spare
        noisy = ~spare & (rng.random(n) < self.noise_p)
        if noisy.any():
            out[noisy] = noise(out[noisy], self.noise_sigma, rng)
        blurred = ~spare & (rng.random(n) < self.blur_p)
        if blurred.any():
            out[blurred] = blur(out[blurred], self.blur_sigma)
        return out


# ----- recipes: what a training batch goes through ----------------------------------------------
OLD_PHOTO_DECADES = tuple(range(1850, 1970, 10))


def old_photos(batch, rng, decades=OLD_PHOTO_DECADES) -> np.ndarray:
    """Each sample as photographed and aged in a random decade (train/common/oldphoto.py), as RGB."""
    return np.stack([old_photo(im, int(rng.choice(decades)), rng) for im in batch]).astype(batch.dtype)


@dataclass
class Recipe:
    """Which augmentation families a training batch goes through (the augmentation study's arms).

    Geometry (flip, small rotation, crop) and photometry (brightness, contrast, gamma) change the
    photo itself, so the input and the colours to learn change together. Degradations (noise,
    blur, the old-photo simulation) happen to the input only: the network must still answer with
    the clean photo's colours, as it must for a real scan of an old print.
    """

    geometric: bool = False
    photometric: bool = False
    degradations: bool = False
    params: Augment = None  # probabilities and strengths (default: Augment())
    old_photo_p: float = 0.3

    def __call__(self, batch, rng) -> tuple:
        """(input RGB, target RGB), both (N, H, W, 3), from a batch; rng decides everything."""
        a = self.params or Augment()
        out = batch.copy()
        if self.geometric:
            out = a.geometric(out, rng)
        if self.photometric:
            out = a.photometric(out, rng)
        target = out
        if self.degradations:
            old = rng.random(len(out)) < self.old_photo_p
            out = out.copy()
            if old.any():
                out[old] = old_photos(out[old], rng)
            out = a.sensor(out, rng, spare=old)
        return out.astype(batch.dtype, copy=False), target.astype(batch.dtype, copy=False)


class Standard:
    """The recipe every ColorNet was trained with before the study: Augment() on input and target alike."""

    def __call__(self, batch, rng) -> tuple:
        out = Augment()(batch, rng)
        return out, out


RECIPES = {
    "none": Recipe(),
    "geometric": Recipe(geometric=True),
    "photometric": Recipe(photometric=True),
    "degradations": Recipe(degradations=True),
    "all": Recipe(geometric=True, photometric=True, degradations=True),
    "standard": Standard(),
}


def recipe(name) -> Recipe:
    """A recipe by name (True and False, from configurations written before recipes, mean standard and none)."""
    if name in (True, "true", "1"):
        name = "standard"
    elif name in (False, "false", "0"):
        name = "none"
    if name not in RECIPES:
        raise ValueError(f"unknown augmentation recipe {name!r}; one of {', '.join(RECIPES)}")
    return RECIPES[name]
