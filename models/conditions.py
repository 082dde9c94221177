"""Colour conditions on regions: "make the sky light blue and the trees dark green".

    conds = parse_conditions("sky: light blue; tree: #2e8b57")      # models/color_text.py
    regions, covered = resolve(conds, finder.find(image))           # masks with colours
    painted = paint(cz.process(image), regions)                     # a Colorization

A condition is a region and a colour. The region is a name the segmenter knows (REGIONS, or a
word for one: "trees", "street", "people", see ALIASES), or a mask of the photo's pixels (a clicked
segment: segment_at; a brushed area). The colour is "#RRGGBB", "R,G,B" (0..255) or a CSS colour
name in any spelling ("sky blue", "Forest-Green"). Unknown names are errors that suggest the
nearest valid ones. A named region becomes the segmenter's confident pixels.

A condition is painted onto the colorization, not given to ColorNet as a hint: the photo's own
lightness gives the shading, the requested colour its hue and chroma (carried to each pixel's
lightness along the colour's OKLab hue line, where CIELAB's would turn a blue violet, and fitted to
what sRGB can show there, so an orange stays orange at L = 90), and everything outside keeps the
network's colours. How much of each pixel is painted (edge_alpha) follows the photo, not the mask's
blocky outline: a guided filter (He, Sun and Tang 2010) of the mask with the lightness as its guide
fits, window by window, the mask as a linear function of the lightness, so the paint stops at the
photo's own edges and reaches the bright gaps of sky between branches that the segmenter (at
192 px) cannot resolve. Given as dense hints, the
network recoloured about half of the pixels *outside* the region too (colour class changed on
0.59 of them with the hint refinement, 0.50 without; CamVid validation frames): a request for the
sky must not turn the road.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from .color import fit_chroma, hue_line, image_lightness, lab_to_rgb, rgb_to_lab
from .color_text import ConditionError
from .hints import Region, color_to_ab
from .image_io import image_divisor
from .segmenter import WORK_SIZE, RegionMap

EDGE = 0  # pixels (at the segmenter's working size) a named region is eroded by; the edge is edge_alpha's


@dataclasses.dataclass(frozen=True)
class Edge:
    """edge_alpha's guided filter: its window's radius in pixels at the segmenter's working size
    (scaled with the photo), its regularisation (lightness in 0..1: below it a window's contrast
    counts as noise), and the ramp that turns its output into the share painted (below ramp[0]
    nothing, above ramp[1] everything)."""

    radius: float = 10
    eps: float = 0.03
    ramp: tuple = (0.3, 0.7)
    matte: float = 0  # radius of lightness_matte's windows (0: none), where the region meets its neighbours
    sure: float = 0.8  # the probability at which the segmenter's pixels count as surely theirs for the matte


# Chosen per region on the 62 frames of CamVid sequence 0001TP, segmented by a segmenter trained
# without them (as the product meets photos), each the most of its region painted with at most 5% of
# the other pixels changed, or the least change when none stays within (train/tune_region_edges.py
# --sequence 0001TP, reports/conditions/edges.json): the sky's wide and generous (it reaches the gaps
# between branches), the trees' narrow; both with a lightness matte where they meet other regions.
# Other regions, and clicked or brushed masks, take DEFAULT_EDGE (one rule for sky and trees at once).
DEFAULT_EDGE = Edge(10, 0.03, (0.3, 0.7))
EDGES = {"sky": Edge(14, 0.03, (0.1, 0.5), matte=12, sure=0.9), "tree": Edge(6, 0.01, (0.3, 0.7), matte=12, sure=0.9)}


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
    pixels, not an error: the photo simply has no sky. A region the segmenter is unsure of
    (RegionMap.unsure) is not painted either, and reported with 0 pixels."""
    out, covered = [], {}
    for c in conditions:
        if c.mask is not None:
            mask = np.asarray(c.mask, bool)
        else:
            if rm is None:
                raise ConditionError(f"condition {c.label or c.region!r} names a region: it needs the segmenter")
            mask = region_mask(rm, c.region) if not rm.unsure(c.region) else np.zeros(rm.labels.shape, bool)
        covered[c.label or c.region or "mask"] = int(mask.sum())
        if mask.any():
            edge = EDGES.get(c.region)
            trimap = rm.trimap(c.region, edge.sure) if edge is not None and edge.matte and c.mask is None else None
            out.append(Region(rgb=tuple(c.rgb), mask=mask, lightness=c.lightness, edge=edge, trimap=trimap))
    return out, covered


# Outside the street scenes the segmenter learned (CamVid), its "tree" is often ice, sea or a bare
# slope (Intel glacier, sea and mountain photos). There ColorNet, which learned colour from the wider
# world, gives a second opinion: a tree region it does not colour as vegetation is doubted (not
# painted; the studio marks it). Chosen on Intel training photos (train/tune_region_context.py,
# reports/conditions/context.json).
SEGMENTER_SCENES = ("street", "buildings")
VEGETATION_HUES, VEGETATION_CHROMA = (80.0, 200.0), 5.0  # CIELAB hue angles (degrees) and chroma of plants
TREE_AGREEMENT = 0.2  # the least share of a tree region's pixels ColorNet must colour as vegetation


def vegetation_share(rgb, mask) -> float:
    """The share of mask's pixels whose colour in rgb (H, W, 3) is a plant's (hue and chroma)."""
    lab = rgb_to_lab(np.asarray(rgb)[mask])
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    chroma = np.hypot(lab[:, 1], lab[:, 2])
    plant = (hue > VEGETATION_HUES[0]) & (hue < VEGETATION_HUES[1]) & (chroma > VEGETATION_CHROMA)
    return float(plant.mean()) if plant.size else 0.0


def doubted_by_context(rm: RegionMap, colorization, agreement: float = TREE_AGREEMENT) -> frozenset:
    """The regions the photo's context doubts: outside SEGMENTER_SCENES (ColorNet's recognised scene),
    a tree region ColorNet colours as vegetation on under `agreement` of its pixels."""
    scene = colorization.scene
    tree = rm.mask("tree")
    if scene is None or not tree.any() or max(scene.probabilities, key=scene.probabilities.get) in SEGMENTER_SCENES:
        return frozenset()
    return frozenset({"tree"}) if vegetation_share(colorization.output, tree) < agreement else frozenset()


def in_context(rm: RegionMap, colorization) -> RegionMap:
    """The RegionMap with the regions the photo's colorization (models.inference.Colorization) doubts."""
    return dataclasses.replace(rm, doubted=doubted_by_context(rm, colorization))


def edge_alpha(mask, L, edge: Edge = DEFAULT_EDGE, trimap=None) -> np.ndarray:
    """(H, W) float in [0, 1]: the share of each pixel a condition on mask (bool (H, W)) paints, its
    edges moved to the lightness edges of L (0..100) nearby: the guided filter of the mask with L as
    its guide, over windows of edge.radius pixels at the segmenter's working size, ramped to [0, 1];
    with edge.matte and the region's trimap (RegionMap.trimap), lightness_matte's share wherever the
    region meets a neighbour of another lightness."""
    radius, eps, ramp = edge.radius, edge.eps, edge.ramp
    from scipy.ndimage import uniform_filter

    g, p = np.asarray(L, np.float64) / 100, np.asarray(mask, np.float64)  # the guide and the input
    size = 2 * max(1, round(radius * max(g.shape) / WORK_SIZE)) + 1

    def mean(x):
        return uniform_filter(x, size, mode="reflect")

    mg, mp = mean(g), mean(p)
    a = (mean(g * p) - mg * mp) / (mean(g * g) - mg * mg + eps)  # per window: p ~ a g + b
    q = mean(a) * g + mean(mp - a * mg)
    lo, hi = ramp
    alpha = np.clip((q - lo) / (hi - lo), 0, 1)
    if edge.matte and trimap is not None:
        matte, near = lightness_matte(trimap, g * 100, edge.matte)
        alpha = np.where(near, matte, alpha)
    return alpha


MATTE_CONTRAST = 10.0  # L*: sides closer than this in lightness cannot be told apart by it


def lightness_matte(trimap, L, radius: float) -> tuple:
    """((H, W) share of each pixel that is the region, (H, W) bool where that share is known) from a
    trimap (1: surely the region, 0: surely another, -1: unsure) and the lightness L (0..100): where
    both sides' sure pixels lie within `radius` working-size pixels and differ by MATTE_CONTRAST in mean
    lightness, a pixel is the mix of the two means that gives its own lightness (a gap of white sky
    between dark branches is sky, a branch across it tree, a pixel of both partly each): the trimap
    matting of Levin et al. (2008) with lightness as the only colour and constant means per window."""
    from scipy.ndimage import uniform_filter

    L = np.asarray(L, np.float64)
    size = 2 * max(1, round(radius * max(L.shape) / WORK_SIZE)) + 1
    own, other = (trimap == 1).astype(np.float64), (trimap == 0).astype(np.float64)
    n_own, n_other = uniform_filter(own, size, mode="nearest"), uniform_filter(other, size, mode="nearest")
    m_own = uniform_filter(L * own, size, mode="nearest") / np.maximum(n_own, 1e-9)
    m_other = uniform_filter(L * other, size, mode="nearest") / np.maximum(n_other, 1e-9)
    gap = m_own - m_other
    near = (n_own > 0.02) & (n_other > 0.02) & (np.abs(gap) >= MATTE_CONTRAST)
    share = np.clip((L - m_other) / np.where(near, gap, 1.0), 0, 1)
    return np.where(near, share, 0.0), near


# The range a painted region asked for a lightness class (color_text.LIGHTNESS_CLASSES, asked_lightness)
# has its median moved into, shading kept (no move when it lies there already): 15 inside the border
# with the middle tones, so the region's pixels the segmenter missed do not pull the whole region out
# of its class (5 inside reached the class on 6-90% of the frames of an unseen sequence, 0001TP; 15 on
# 31-100%), and 5 inside the far border.
LIGHTNESS_TARGETS = {"dark": (5.0, 25.0), "light": (85.0, 95.0)}


def lightness_shift(L, w, lightness: str | None) -> float:
    """How far (in L*) a region painted with weights w must move for its median lightness to lie in
    the asked class's LIGHTNESS_TARGETS; 0 when none is asked or it already does."""
    if lightness is None or not (w >= 0.5).any():
        return 0.0
    lo, hi = LIGHTNESS_TARGETS[lightness]
    median = float(np.median(L[w >= 0.5]))
    return float(np.clip(median, lo, hi) - median)


def paint(colorization, regions):
    """The colorization (models.inference.Colorization) with each region (a masked models.hints.Region)
    in its colour: hue and chroma requested, carried to each pixel's lightness along the colour's OKLab
    hue line (so a blue stays blue, not violet, on a pale sky) and fitted to sRGB there, the lightness
    the photo's (shifted into the class a "dark ..." or "light ..." colour asks for, the shading
    kept); each pixel painted by the share edge_alpha gives it; later regions over earlier ones."""
    if not regions:
        return colorization
    L = colorization.prediction.L_full.astype(np.float64)
    ab = rgb_to_lab(colorization.output)[..., 1:].astype(np.float64)
    touched = np.zeros(L.shape, bool)
    for r in regions:
        w = edge_alpha(r.mask, L, r.edge or DEFAULT_EDGE, r.trimap)
        w[w < 1e-3] = 0
        shift = lightness_shift(L, w, r.lightness)
        if shift:
            L = np.clip(L + w * shift, 0, 100)
        touched |= w > 0
        ab = paint_ab(L, ab, w, r.rgb)
    out = lab_to_rgb(np.concatenate([L[..., None], ab], -1)).astype(np.float32)
    out = np.where(touched[..., None], out, colorization.output)  # outside the regions: exactly as it was
    return dataclasses.replace(colorization, output=out)


VARIATION = 1.0  # how much of ColorNet's own variation within a region the painted colour keeps ...
VARIATION_CAP = 0.3  # ... never more than this share of the painted colour's chroma (the hue stays asked)


def paint_ab(L, ab, w, rgb, variation: float = VARIATION) -> np.ndarray:
    """ab (H, W, 2) with the colour rgb painted by the share w (H, W) of each pixel at its lightness L,
    plus ColorNet's variation around its own mean colour there (so a painted tree keeps its sunlit and
    shaded leaves, and a sky its gradient, instead of one flat sheet)."""
    ab, inside = ab.copy(), w > 0
    wi, own = w[inside, None], ab[inside]
    base = along_hue(rgb, L[inside])
    deviation = variation * (own - (wi * own).sum(0) / max(float(wi.sum()), 1e-12))
    size, cap = np.hypot(*deviation.T), VARIATION_CAP * np.hypot(*base.T)
    deviation *= np.minimum(1.0, cap / np.maximum(size, 1e-12))[:, None]
    want = fit_chroma(L[inside], base + deviation)
    ab[inside] = wi * want + (1 - wi) * own
    return ab


HUE_LEVELS = np.linspace(0, 100, 201)  # the lightnesses a colour's hue line is tabulated at


def along_hue(rgb, L) -> np.ndarray:
    """ab (n, 2): the colour rgb (3,) in [0, 1] at each lightness L (n,) along its OKLab hue line
    (models.color.hue_line, tabulated and interpolated)."""
    table = hue_line(np.asarray(rgb, np.float64), HUE_LEVELS)
    return np.stack([np.interp(L, HUE_LEVELS, table[:, 0]), np.interp(L, HUE_LEVELS, table[:, 1])], -1)


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
    L = fit_lightness(image_lightness(image, image_divisor(image)), regions)
    return lab_to_rgb(np.stack([L, np.zeros_like(L), np.zeros_like(L)], -1)).astype(np.float32)

