"""User colour hints: points and regions with colours, their JSON file format, and their encoding.

A hints file is JSON (coordinates in pixels of the input image, x to the right, y down):

    {
      "points":  [{"x": 120, "y": 40, "color": "#3a6fd0"},
                  {"x": 10, "y": 200, "color": [200, 180, 40], "radius": 3}],
      "regions": [{"box": [0, 0, 640, 120], "color": "#87ceeb"},
                  {"polygon": [[10, 300], [200, 280], [220, 470], [5, 460]], "color": "#2e8b57"}],
      "conditions": [{"region": "sky", "color": "light blue"}, {"region": "trees", "color": "#2e8b57"}]
    }

``color`` is "#RRGGBB" or [R, G, B] in 0..255. A point colours a small square (``radius``
in pixels of the working size, default 1, i.e. 3x3) around (x, y); a region colours every
pixel inside its box [x0, y0, x1, y1] (x1, y1 exclusive) or polygon; a condition colours a named
region that the segmenter finds in each photo (models/conditions.py; colour names allowed there).
Only the hue and saturation of a colour are used (its ab in CIELAB); the lightness always comes
from the photo.
The network sees hints as an ab map (/110) plus a mask channel, like the simulated hints it
was trained with (train/common/simulate.py).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from minitorch_color.files import read_bounded

from .color import rgb_to_lab
from .color_text import Condition, ConditionError, HintError, parse_color, parse_region

MAX_HINTS_BYTES = 16 * 1024 * 1024  # far more than any hand-made or studio-saved hints file


def color_to_ab(rgb) -> np.ndarray:
    """The CIELAB ab of an sRGB colour in [0, 1]."""
    return rgb_to_lab(np.asarray(rgb, dtype=np.float64))[1:].astype(np.float32)


MAX_COORDINATE = 1e9  # far beyond any photo; keeps a 400-digit integer from reaching float arithmetic


def _number(value, where):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise HintError(f"{where}: {_short(value)} is not a number")
    if isinstance(value, float) and not np.isfinite(value):
        raise HintError(f"{where}: {_short(value)} is not a number")
    if abs(value) > MAX_COORDINATE:  # compared as an integer when it is one: no float overflow
        raise HintError(f"{where}: {_short(value)} is not a coordinate (at most {MAX_COORDINATE:.0e} in size)")
    return float(value)


def _short(value, limit: int = 40) -> str:
    """repr of a value, cut to limit characters (a 5,000-digit number is not repeated back in full)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class Point:
    x: float
    y: float
    rgb: tuple
    radius: int = 1


MAX_RADIUS = 64


def make_point(x, y, rgb, radius=1, where: str = "point") -> Point:
    """A Point from checked values: finite coordinates, an RGB triple in [0, 1], an integer radius 0..64.

    The one validation behind hints files, --hint and the API.
    """
    if isinstance(radius, bool) or not isinstance(radius, (int, np.integer)) or not 0 <= radius <= MAX_RADIUS:
        raise HintError(f"{where}: radius {radius!r} must be an integer in 0..{MAX_RADIUS}")
    rgb = tuple(rgb) if isinstance(rgb, (list, tuple, np.ndarray)) else rgb
    if not (isinstance(rgb, tuple) and len(rgb) == 3 and all(
            isinstance(c, (int, float, np.number)) and not isinstance(c, bool) and np.isfinite(c) and 0 <= c <= 1
            for c in rgb)):
        raise HintError(f"{where}: colour {rgb!r} must be three numbers in 0..1")
    return Point(_number(x, where + ".x"), _number(y, where + ".y"), tuple(float(c) for c in rgb), int(radius))


@dataclass
class Region:
    rgb: tuple
    box: tuple | None = None  # (x0, y0, x1, y1)
    polygon: list | None = None  # [(x, y), ...]
    mask: np.ndarray | None = None  # boolean (H, W) in input pixels
    lightness: str | None = None  # "dark" or "light": painted conditions reach that lightness class
    edge: object = None  # a painted condition's edge (models.conditions.Edge); None: the default
    trimap: np.ndarray | None = None  # int8 (H, W) of a named region: 1 surely it, 0 surely another, -1 unsure


@dataclass
class Hints:
    """Points and regions with colours, in pixel coordinates of the input image."""

    points: list = field(default_factory=list)
    regions: list = field(default_factory=list)
    conditions: list = field(default_factory=list)  # models.color_text.Condition: named regions, resolved per photo

    def __len__(self):
        return len(self.points) + len(self.regions)  # conditions count once resolved into regions

    def add_point(self, x, y, rgb, radius: int = 1, where: str = "point") -> "Hints":
        """Add a colour point (x, y in input pixels, rgb in [0, 1], radius 0..64), or a HintError."""
        self.points.append(make_point(x, y, rgb, radius, where))
        return self

    @classmethod
    def from_dict(cls, data, source: str = "hints") -> "Hints":
        if not isinstance(data, dict):
            raise HintError(f"{source}: the top level must be an object with 'points' and/or 'regions'")
        unknown = set(data) - {"points", "regions", "conditions"}
        if unknown:
            raise HintError(f"{source}: unknown key(s) {sorted(unknown)}; expected 'points', 'regions' or 'conditions'")
        hints = cls()
        for key in ("points", "regions", "conditions"):
            if not isinstance(data.get(key, []), list):
                raise HintError(f"{source}: '{key}' must be a list, not {type(data[key]).__name__}")
        for i, p in enumerate(data.get("points", [])):
            where = f"{source}: points[{i}]"
            if not isinstance(p, dict) or not {"x", "y", "color"} <= set(p):
                raise HintError(f"{where}: needs 'x', 'y' and 'color'")
            hints.add_point(p["x"], p["y"], parse_color(p["color"], where + ".color"), p.get("radius", 1), where)
        for i, r in enumerate(data.get("regions", [])):
            where = f"{source}: regions[{i}]"
            if not isinstance(r, dict) or "color" not in r or ("box" in r) == ("polygon" in r):
                raise HintError(f"{where}: needs 'color' and exactly one of 'box' or 'polygon'")
            rgb = parse_color(r["color"], where + ".color")
            if "box" in r:
                box = r["box"]
                if not isinstance(box, (list, tuple)) or len(box) != 4:
                    raise HintError(f"{where}.box: must be [x0, y0, x1, y1]")
                x0, y0, x1, y1 = (_number(v, where + ".box") for v in box)
                if x1 <= x0 or y1 <= y0:
                    raise HintError(f"{where}.box: {list(box)} is empty (need x1 > x0 and y1 > y0)")
                hints.regions.append(Region(rgb, box=(x0, y0, x1, y1)))
            else:
                poly = r["polygon"]
                if not isinstance(poly, (list, tuple)) or len(poly) < 3 or not all(
                        isinstance(v, (list, tuple)) and len(v) == 2 for v in poly):
                    raise HintError(f"{where}.polygon: must be a list of at least 3 [x, y] pairs")
                hints.regions.append(Region(rgb, polygon=[(_number(x, where), _number(y, where)) for x, y in poly]))
        if data.get("conditions"):
            for i, c in enumerate(data["conditions"]):
                where = f"{source}: conditions[{i}]"
                if not isinstance(c, dict) or set(c) != {"region", "color"}:
                    raise HintError(f"{where}: needs exactly 'region' and 'color'")
                rgb = parse_color(c["color"], where + ".color")
                try:
                    region = parse_region(str(c["region"]))
                except ConditionError as e:
                    raise HintError(f"{where}.region: {e}") from None
                hints.conditions.append(Condition(rgb, region, label=f"{c['region']}={c['color']}"))
        return hints

    @classmethod
    def from_file(cls, path) -> "Hints":
        path = Path(path)
        try:
            text = read_bounded(path, MAX_HINTS_BYTES, "hints file").decode("utf-8")
        except FileNotFoundError:
            raise HintError(f"{path}: no such hints file") from None
        except UnicodeDecodeError as e:
            raise HintError(f"{path}: cannot read the hints file ({e})") from e
        except OSError as e:
            said = str(e) if str(e).startswith(str(path)) else f"{path}: cannot read the hints file ({e})"
            raise HintError(said) from e
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise HintError(f"{path}: not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})") from None
        except RecursionError:
            raise HintError(f"{path}: nested too deeply to be a hints file") from None
        except ValueError as e:  # e.g. an integer of more than 4,300 digits
            raise HintError(f"{path}: not a hints file ({str(e)[:80]})") from None
        return cls.from_dict(data, source=str(path))

    def to_dict(self) -> dict:
        def hexcol(rgb):
            return "#" + "".join(f"{int(round(c * 255)):02x}" for c in rgb)
        out = {"points": [{"x": p.x, "y": p.y, "color": hexcol(p.rgb), "radius": p.radius} for p in self.points],
               "regions": []}
        for r in self.regions:
            if r.box is not None:
                out["regions"].append({"box": list(r.box), "color": hexcol(r.rgb)})
            elif r.polygon is not None:
                out["regions"].append({"polygon": [list(v) for v in r.polygon], "color": hexcol(r.rgb)})
        if self.conditions:
            out["conditions"] = [c.to_dict() for c in self.conditions if c.region is not None]
        return out


def parse_hint_arg(text: str) -> Point:
    """'X,Y,#RRGGBB' (the CLI's --hint) -> Point."""
    parts = text.split(",")
    if len(parts) != 3:
        raise HintError(f"--hint {text!r}: expected X,Y,#RRGGBB (e.g. 120,40,#3a6fd0)")
    try:
        x, y = float(parts[0]), float(parts[1])
    except ValueError:
        raise HintError(f"--hint {text!r}: X and Y must be numbers") from None
    return make_point(x, y, parse_color(parts[2], f"--hint {text!r}"), 1, f"--hint {text!r}")


def _polygon_mask(poly, height, width, sx, sy):
    from PIL import Image, ImageDraw
    img = Image.new("L", (width, height), 0)
    ImageDraw.Draw(img).polygon([(x * sx, y * sy) for x, y in poly], fill=1, outline=1)
    return np.asarray(img, dtype=bool)


def encode(hints: Hints | None, image_hw: tuple, work_hw: tuple) -> tuple:
    """Render hints given in input-image pixels onto the working grid.

    Returns (hint_ab (h, w, 2) float32, mask (h, w, 1) float32). Points and regions outside
    the image raise HintError (nothing is silently dropped). Later hints paint over earlier ones;
    points over regions.
    """
    H, W = image_hw
    h, w = work_hw
    hint = np.zeros((h, w, 2), np.float32)
    mask = np.zeros((h, w, 1), np.float32)
    if not hints:
        return hint, mask
    sx, sy = w / W, h / H
    for i, r in enumerate(hints.regions):
        ab = color_to_ab(r.rgb)
        if r.mask is not None:
            m = np.asarray(r.mask, dtype=np.float32)
            if m.shape != (H, W):
                raise HintError(f"region {i}: mask is {m.shape}, the image is {(H, W)}")
            from PIL import Image
            sel = np.asarray(Image.fromarray(m, mode="F").resize((w, h), Image.BILINEAR)) >= 0.5
        elif r.box is not None:
            x0, y0, x1, y1 = r.box
            if x1 <= 0 or y1 <= 0 or x0 >= W or y0 >= H:
                raise HintError(f"region {i}: box {list(r.box)} lies outside the {W}x{H} image")
            sel = np.zeros((h, w), bool)
            c0, r0 = int(np.floor(max(x0, 0) * sx)), int(np.floor(max(y0, 0) * sy))
            c1, r1 = max(int(np.ceil(min(x1, W) * sx)), c0 + 1), max(int(np.ceil(min(y1, H) * sy)), r0 + 1)
            sel[r0:r1, c0:c1] = True
        else:
            sel = _polygon_mask(r.polygon, h, w, sx, sy)
            if not sel.any():
                raise HintError(f"region {i}: the polygon covers no pixel of the {W}x{H} image")
        hint[sel] = ab
        mask[sel] = 1
    for i, p in enumerate(hints.points):
        if not (0 <= p.x < W and 0 <= p.y < H):
            raise HintError(f"point {i} at ({p.x:g}, {p.y:g}) lies outside the {W}x{H} image")
        cx, cy = min(int(p.x * sx), w - 1), min(int(p.y * sy), h - 1)
        rad = int(p.radius)
        ys, xs = slice(max(cy - rad, 0), cy + rad + 1), slice(max(cx - rad, 0), cx + rad + 1)
        hint[ys, xs] = color_to_ab(p.rgb)
        mask[ys, xs] = 1
    return hint, mask
