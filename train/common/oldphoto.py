"""Old-photo simulation: what a colour scene looks like photographed in a given decade.

The steps, each parameterised by the decade (``era_params``):
1. Film response: the emulsion's spectral sensitivity as weights on linear RGB. Blue-sensitive
   plates (to the 1880s) render reds and greens dark; orthochromatic film (about 1880-1925)
   sees blue and green but not red; panchromatic film (from the 1920s) is close to luminance.
2. Optics and chemistry: blur, grain, fading (lifted blacks, lowered whites), vignetting.
3. Damage: scratches and dust.
4. Toning: neutral grey, sepia (warm) or cyanotype (blue), applied to the grey image.
Input and output are RGB floats in [0, 1], shape (H, W, 3).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.image_io import resize

EMULSIONS = {  # weights on linear R, G, B
    "blue-sensitive": (0.02, 0.10, 0.88),
    "orthochromatic": (0.03, 0.47, 0.50),
    "panchromatic": (0.26, 0.62, 0.12),
}
TONES = {"neutral": (1.0, 1.0, 1.0), "sepia": (1.07, 0.93, 0.72), "cyanotype": (0.55, 0.78, 1.12)}


@dataclass
class EraParams:
    """Everything the simulation draws for one photo."""

    emulsion: str
    blur: float
    grain: float
    fade: float
    vignette: float
    scratches: int
    dust: int
    tone: str


def era_params(decade: int, rng) -> EraParams:
    """Draw simulation parameters typical of a decade (1840-1990): older means rougher."""
    age = float(np.clip((1960 - decade) / 110, 0, 1))  # 1 for the 1850s, 0 from the 1960s on
    if decade < 1880:
        emulsion = "blue-sensitive"
    elif decade < 1920:
        emulsion = "orthochromatic" if rng.random() < 0.85 else "blue-sensitive"
    elif decade < 1940:
        emulsion = "panchromatic" if rng.random() < 0.6 else "orthochromatic"
    else:
        emulsion = "panchromatic"
    if 1880 <= decade < 1940 and rng.random() < 0.6:
        tone = "sepia"
    elif 1850 <= decade < 1920 and rng.random() < 0.1:
        tone = "cyanotype"
    elif decade < 1880 and rng.random() < 0.5:
        tone = "sepia"
    else:
        tone = "neutral"
    return EraParams(
        emulsion=emulsion,
        blur=float(rng.uniform(0.3, 0.6) + 1.2 * age * rng.random()),
        grain=float(0.01 + 0.05 * age * rng.uniform(0.5, 1.5)),
        fade=float(0.25 * age * rng.uniform(0.3, 1.0)),
        vignette=float(0.4 * age * rng.uniform(0.3, 1.0)),
        scratches=int(rng.poisson(4 * age)),
        dust=int(rng.poisson(30 * age)),
        tone=tone,
    )


def film_gray(rgb, emulsion: str) -> np.ndarray:
    """Grey image (H, W) in [0, 1] as an emulsion would record the scene."""
    lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    y = lin @ np.asarray(EMULSIONS[emulsion])
    return np.clip(np.where(y > 0.0031308, 1.055 * np.power(np.maximum(y, 0), 1 / 2.4) - 0.055, 12.92 * y), 0, 1)


REFERENCE_SIZE = 150  # blur widths and dust counts are drawn for a photo of this size (Intel's)


def simulate_old_photo(rgb, params: EraParams, rng) -> np.ndarray:
    """The photo (H, W, 3) in [0, 1] as taken and aged with params.

    Blur and dust scale with the photo's size relative to REFERENCE_SIZE, so a thumbnail ages
    like the same scene at 150 px, shrunk (not 30 specks on 32 x 32 pixels).
    """
    from scipy.ndimage import gaussian_filter
    rgb = np.asarray(rgb, dtype=np.float64)
    h, w = rgb.shape[:2]
    scale = min(h, w) / REFERENCE_SIZE
    g = film_gray(rgb, params.emulsion)
    if params.blur > 0:
        g = gaussian_filter(g, params.blur * scale, mode="reflect")
    grain = gaussian_filter(rng.standard_normal((h, w)), 0.6) * params.grain * 2.5
    g = g + grain
    g = params.fade * 0.5 + (1 - params.fade) * g  # faded: blacks lifted, whites lowered
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((yy - (h - 1) / 2) / (h / 2)) ** 2 + ((xx - (w - 1) / 2) / (w / 2)) ** 2
    g = g * (1 - params.vignette * np.clip(r2 / 2, 0, 1))
    for _ in range(params.scratches):  # thin, mostly vertical light lines
        x0 = rng.uniform(0, w)
        slope = rng.normal(0, 0.05)
        ys = np.arange(h)
        xs = np.clip(np.round(x0 + slope * ys).astype(int), 0, w - 1)
        length = rng.integers(h // 4, h + 1)
        start = rng.integers(0, h - length + 1)
        seg = slice(start, start + length)
        g[ys[seg], xs[seg]] = np.maximum(g[ys[seg], xs[seg]], rng.uniform(0.7, 1.0))
    for _ in range(int(round(params.dust * min(1.0, scale) ** 2))):  # small dark or bright specks
        y, x = rng.integers(0, h), rng.integers(0, w)
        rad = rng.integers(0, 2)
        g[max(0, y - rad):y + rad + 1, max(0, x - rad):x + rad + 1] = 0.05 if rng.random() < 0.5 else 0.95
    g = np.clip(g, 0, 1)
    toned = g[..., None] * np.asarray(TONES[params.tone])
    return np.clip(toned, 0, 1).astype(np.float32)


def old_photo(rgb, decade: int, rng) -> np.ndarray:
    """Shortcut: a photo of the scene from that decade (parameters drawn by era_params)."""
    return simulate_old_photo(rgb, era_params(decade, rng), rng)


# ----- the print as it reaches an archive (era recognition) ---------------------------------------
# Side by side with the dated development photos (historical-dev), old_photo's negatives are far
# more damaged than real prints: those are sharp and contrasty at 512 px, rarely scratched, and
# what dates them is the tone, the card mount around the print (cream or brown board, to about
# 1910), the black rounded frame of a lantern slide, and a vignette in portraits. archive_print
# keeps old_photo's film response, grain and toning, with a tenth of its scratches and dust and
# half its blur and fading, and adds those mounts. ColorNet's augmentation keeps old_photo as it is.
MOUNTS = {"cream card": (0.86, 0.80, 0.66), "brown card": (0.45, 0.33, 0.22), "gray card": (0.55, 0.55, 0.52)}


def mount_probability(decade: int) -> float:
    """How often a print of that decade is seen on its card mount (cabinet cards, cartes de visite)."""
    return 0.5 if decade < 1900 else 0.3 if decade < 1920 else 0.08


def add_mount(rgb, kind: str, rng) -> np.ndarray:
    """The print shrunk onto a mount: a card of MOUNTS[kind] with a 4-12% margin (the bottom wider),
    or kind "lantern slide": a black frame with a rounded opening."""
    h, w = rgb.shape[:2]
    out = np.empty_like(rgb)
    if kind == "lantern slide":
        yy, xx = np.mgrid[0:h, 0:w]
        r = rng.uniform(0.12, 0.3) * min(h, w)
        m = rng.uniform(0.03, 0.08) * min(h, w)
        dy = np.maximum(0, np.maximum(m + r - yy, yy - (h - 1 - m - r)))
        dx = np.maximum(0, np.maximum(m + r - xx, xx - (w - 1 - m - r)))
        inside = (np.hypot(dy, dx) <= r) & (yy >= m) & (yy <= h - 1 - m) & (xx >= m) & (xx <= w - 1 - m)
        out[:] = rng.uniform(0.0, 0.08)
        out[inside] = rgb[inside]
        return out
    top, side = (int(round(rng.uniform(0.04, 0.12) * s)) for s in (h, w))
    bottom = int(round(top * rng.uniform(1.0, 2.5)))
    inner_h, inner_w = max(4, h - top - bottom), max(4, w - 2 * side)
    out[:] = np.clip(np.asarray(MOUNTS[kind]) * rng.uniform(0.85, 1.1) + rng.normal(0, 0.01, (h, w, 1)), 0, 1)
    out[top:top + inner_h, side:side + inner_w] = resize(rgb, (inner_h, inner_w))
    return out


def archive_print(rgb, decade: int, rng) -> np.ndarray:
    """A photo from that decade as it reaches an archive today (see above); RGB in [0, 1]."""
    p = era_params(decade, rng)
    p.scratches, p.dust = int(rng.random() < 0.1 * p.scratches), p.dust // 10
    p.blur, p.fade = p.blur * 0.5, p.fade * 0.5
    img = simulate_old_photo(rgb, p, rng)
    if decade < 1960 and rng.random() < 0.15 * (1960 - decade) / 110:  # the portrait vignette of the studio
        h, w = img.shape[:2]
        yy, xx = np.mgrid[0:h, 0:w]
        r2 = ((yy - (h - 1) / 2) / (h / 2)) ** 2 + ((xx - (w - 1) / 2) / (w / 2)) ** 2
        fade_to = np.asarray(TONES[p.tone]) * rng.uniform(0.85, 1.0)
        a = np.clip((r2 - 0.7) / 0.6, 0, 1)[..., None] ** 1.5
        img = (1 - a) * img + a * fade_to
    if 1870 <= decade < 1940 and rng.random() < 0.08:
        img = add_mount(img, "lantern slide", rng)
    elif rng.random() < mount_probability(decade):
        img = add_mount(img, str(rng.choice(list(MOUNTS))), rng)
    return np.clip(img, 0, 1).astype(np.float32)
