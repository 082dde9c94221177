"""Colour conditions on regions: "make the sky light blue and the trees dark green".

    conds = parse_conditions("sky: light blue; tree: #2e8b57")      # or parse_condition("sky=light blue")
    regions, covered = resolve(conds, finder.find(image))           # masks with colours
    painted = paint(cz.process(image), regions)                     # a Colorization

A condition is a region and a colour. The region is a name the segmenter knows (REGIONS, or a
word for one: "trees", "street", "people", see ALIASES), or a mask of the photo's pixels (a clicked
segment: segment_at; a brushed area). The colour is "#RRGGBB", "R,G,B" (0..255) or a CSS colour
name in any spelling ("sky blue", "Forest-Green"). Unknown names are errors that suggest the
nearest valid ones. A named region becomes the segmenter's confident pixels, eroded by a few
pixels at its uncertain edges.

A condition is painted onto the colorization, not given to ColorNet as a hint: the photo's own
lightness gives the shading, the requested colour its hue and chroma (fitted to what sRGB can
show at each pixel's lightness, so an orange stays orange at L = 90), softened over a pixel or two
at the edges, and everything outside keeps the network's colours. Given as dense hints, the
network recoloured about half of the pixels *outside* the region too (colour class changed on
0.59 of them with the hint refinement, 0.50 without; CamVid validation frames): a request for the
sky must not turn the road.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from .colour_names import CSS_COLOURS
from .hints import HintError, Region
from .segmenter import REGIONS, RegionMap

ALIASES = {
    "sky": "sky", "skies": "sky", "clouds": "sky",
    "building": "building", "buildings": "building", "house": "building", "houses": "building",
    "wall": "building", "walls": "building",
    "road": "road", "roads": "road", "street": "road", "streets": "road",
    "pavement": "pavement", "pavements": "pavement", "sidewalk": "pavement", "sidewalks": "pavement",
    "tree": "tree", "trees": "tree", "vegetation": "tree", "grass": "tree", "bush": "tree", "bushes": "tree",
    "leaves": "tree", "foliage": "tree", "plants": "tree",
    "car": "car", "cars": "car", "vehicle": "car", "vehicles": "car",
    "person": "person", "people": "person", "pedestrian": "person", "pedestrians": "person",
    "cyclist": "person", "cyclists": "person",
    "object": "object", "objects": "object", "pole": "object", "poles": "object", "sign": "object",
    "signs": "object", "fence": "object", "fences": "object",
}
EDGE = 2  # pixels (at the segmenter's working size, 192 px) left to the network at a region's edge


class ConditionError(HintError):
    """A condition that cannot be read (which part, and the nearest valid names, in the message)."""


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def _suggest(word: str, choices) -> str:
    near = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""


def parse_colour(text: str) -> tuple:
    """'#RRGGBB', 'R,G,B' (0..255) or a CSS colour name -> (r, g, b) floats in [0, 1]."""
    t = str(text).strip()
    if re.fullmatch(r"#?[0-9a-fA-F]{6}", t):
        h = t.lstrip("#")
        return tuple(int(h[i:i + 2], 16) / 255 for i in (0, 2, 4))
    if re.fullmatch(r"\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}", t):
        rgb = [int(v) for v in t.split(",")]
        if max(rgb) > 255:
            raise ConditionError(f"colour {t!r}: components must be 0..255")
        return tuple(v / 255 for v in rgb)
    key = _key(t)
    if key in CSS_COLOURS:
        return parse_colour(CSS_COLOURS[key])
    raise ConditionError(f"unknown colour {t!r}{_suggest(key, CSS_COLOURS)}; use a CSS colour name, "
                         "#RRGGBB or R,G,B")


def parse_region(text: str) -> str:
    """A region word ("trees", "street") -> its REGIONS name, or a ConditionError listing them."""
    key = _key(text)
    if key in ALIASES:
        return ALIASES[key]
    raise ConditionError(f"unknown region {text.strip()!r}{_suggest(key, ALIASES)}; the regions are: "
                         + ", ".join(REGIONS))


@dataclass
class Condition:
    """A colour for a region: a segmenter region name, or an explicit mask (H, W) of the photo."""

    rgb: tuple
    region: str | None = None
    mask: np.ndarray | None = None
    label: str = ""  # how the user wrote it ("sky=light blue"), for messages and reports

    def to_dict(self) -> dict:
        return {"region": self.region, "color": "#" + "".join(f"{round(c * 255):02x}" for c in self.rgb)}


def parse_condition(text: str) -> Condition:
    """'REGION=COLOUR' or 'REGION: COLOUR' -> a Condition."""
    m = re.fullmatch(r"\s*([^=:]+?)\s*[=:]\s*(.+?)\s*", text)
    if not m:
        raise ConditionError(f"condition {text!r}: write REGION=COLOUR, e.g. 'sky=light blue'")
    return Condition(parse_colour(m.group(2)), parse_region(m.group(1)), label=text.strip())


def parse_conditions(text: str) -> list:
    """'sky: light blue; tree: dark green' -> [Condition, ...] (empty parts ignored)."""
    return [parse_condition(part) for part in text.split(";") if part.strip()]


def region_mask(rm: RegionMap, region: str, edge: int = EDGE) -> np.ndarray:
    """(H, W) bool: the segmenter's confident pixels of a region, eroded by edge working-size pixels."""
    mask = rm.mask(region)
    if edge <= 0 or not mask.any():
        return mask
    from scipy.ndimage import binary_erosion
    H, W = mask.shape
    px = max(1, round(edge * max(H, W) / 192))
    return binary_erosion(mask, iterations=px, border_value=1)  # the photo's border is no edge


def resolve(conditions, rm: RegionMap | None) -> tuple:
    """([models.hints.Region with a mask] per condition that found pixels, {label: pixels covered}).

    A named region absent from the photo (the segmenter found none of it) is reported with 0
    pixels, not an error: the photo simply has no sky."""
    out, covered = [], {}
    for c in conditions:
        if c.mask is not None:
            mask = np.asarray(c.mask, bool)
        else:
            if rm is None:
                raise ConditionError(f"condition {c.label or c.region!r} names a region: it needs the segmenter")
            mask = region_mask(rm, c.region)
        covered[c.label or c.region or "mask"] = int(mask.sum())
        if mask.any():
            out.append(Region(rgb=tuple(c.rgb), mask=mask))
    return out, covered


def paint(colorization, regions, soften: float = 1.5):
    """The colorization (models.inference.Colorization) with each region (a masked models.hints.Region)
    in its colour: hue and chroma requested, fitted to sRGB at each pixel's lightness, the lightness
    the photo's; blended over `soften` pixels at the edges; later regions over earlier ones."""
    import dataclasses

    from scipy.ndimage import gaussian_filter

    from .color import fit_chroma, lab_to_rgb, rgb_to_lab
    from .hints import color_to_ab
    if not regions:
        return colorization
    L = colorization.prediction.L_full.astype(np.float64)
    ab = rgb_to_lab(colorization.output)[..., 1:].astype(np.float64)
    touched = np.zeros(L.shape, bool)
    for r in regions:
        w = np.asarray(r.mask, np.float64)
        w = np.clip(gaussian_filter(w, soften), 0, 1) if soften > 0 else w
        w[w < 1e-3] = 0
        inside = w > 0
        touched |= inside
        want = fit_chroma(L[inside], np.broadcast_to(color_to_ab(r.rgb).astype(np.float64), (int(inside.sum()), 2)))
        ab[inside] = w[inside, None] * want + (1 - w[inside, None]) * ab[inside]
    out = lab_to_rgb(np.concatenate([L[..., None], ab], -1)).astype(np.float32)
    out = np.where(touched[..., None], out, colorization.output)  # outside the regions: exactly as it was
    return dataclasses.replace(colorization, output=out)


def segment_at(L, x: int, y: int, tolerance: float = 6.0) -> np.ndarray:
    """(H, W) bool: the segment under a click, grown from (x, y) over connected pixels whose smoothed
    lightness (L in 0..100) stays within tolerance of the clicked one."""
    from scipy.ndimage import gaussian_filter, label
    L = np.asarray(L, np.float64)
    H, W = L.shape
    if not (0 <= x < W and 0 <= y < H):
        raise ConditionError(f"click at ({x}, {y}) lies outside the {W}x{H} photo")
    smooth = gaussian_filter(L, sigma=max(1.0, max(H, W) / 300))
    near = np.abs(smooth - smooth[int(y), int(x)]) <= tolerance
    parts, _ = label(near)  # 4-connected pieces of similar lightness: keep the clicked one
    return parts == parts[int(y), int(x)]


CLEAR_CHROMA = 20.0  # a colour this saturated is clearly of its hue (colour classes start at chroma 10)


def clear_version(ab) -> np.ndarray:
    """The requested hue at chroma min(its chroma, CLEAR_CHROMA): what must be showable for a pixel to
    take the request's colour class."""
    ab = np.asarray(ab, np.float64)
    c = float(np.hypot(*ab))
    return ab if c <= CLEAR_CHROMA else ab * (CLEAR_CHROMA / c)


def lightness_range(ab) -> tuple:
    """(lowest, highest) lightness at which sRGB can show the request's hue clearly (clear_version);
    an interval, (0, 0) if none."""
    from .color import lab_to_rgb
    ab = clear_version(ab)
    Ls = np.linspace(0, 100, 401)
    lab = np.stack([Ls, np.full_like(Ls, ab[0]), np.full_like(Ls, ab[1])], -1)
    rgb = lab_to_rgb(lab, clip=False)
    ok = ((rgb >= -0.002) & (rgb <= 1.002)).all(-1)
    return (float(Ls[ok].min()), float(Ls[ok].max())) if ok.any() else (0.0, 0.0)


def fit_lightness(L, regions, soften: float = 1.5) -> np.ndarray:
    """The opt-in for colours the photo's tones cannot hold: L (H, W, 0..100) moved, inside each masked
    region, just enough into the range where sRGB can show the region's hue clearly (a white sky made a
    blue one can show), the change softened over `soften` pixels at the edges. Later regions win."""
    from scipy.ndimage import gaussian_filter

    from .hints import color_to_ab
    L = np.asarray(L, np.float64)
    target = L.copy()
    for r in regions:
        if r.mask is None:
            continue
        lo, hi = lightness_range(color_to_ab(r.rgb))
        m = np.asarray(r.mask, bool)
        target[m] = np.clip(L[m], min(lo + 1, hi), max(hi - 1, lo))  # a unit inside: rounding stays in range
    delta = target - L
    if soften > 0 and delta.any():
        delta = gaussian_filter(delta, soften)
    return np.clip(L + delta, 0, 100)


def with_fitted_lightness(image, regions) -> np.ndarray:
    """The photo (gray or RGB, uint8/uint16 or floats) as a float gray RGB image whose lightness is
    fit_lightness'd for these regions (what colorize --fit-lightness colorizes)."""
    from .color import image_lightness, lab_to_rgb
    from .image_io import image_divisor
    L = fit_lightness(image_lightness(image, image_divisor(image)), regions)
    return lab_to_rgb(np.stack([L, np.zeros_like(L), np.zeros_like(L)], -1)).astype(np.float32)

