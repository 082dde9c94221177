"""What users write for colours and regions, read into values: "#RRGGBB", [R, G, B], "R,G,B" or a
CSS colour name in any spelling ("sky blue", "Forest-Green"); a region word ("trees", "street");
a condition "REGION=COLOUR". Shared by hints files (models/hints.py), conditions on regions
(models/conditions.py), the command and the studio; unknown names are errors that suggest the
nearest valid ones.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

import numpy as np

from .color import rgb_to_lab
from .color_names import CSS_COLORS
from .segmenter import REGIONS


class HintError(ValueError):
    """A hint or hints file is malformed (what is wrong and where is in the message)."""


class ColorError(HintError):
    """A colour that cannot be read (the nearest valid names in the message)."""


class ConditionError(HintError):
    """A condition that cannot be read (which part, and the nearest valid names, in the message)."""


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


def _key(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def _suggest(word: str, choices) -> str:
    near = difflib.get_close_matches(word, list(choices), n=3, cutoff=0.5)
    return f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""


def parse_color(value, where: str = "color") -> tuple:
    """'#RRGGBB', 'RRGGBB', 'R,G,B' or [R, G, B] (0..255), or a CSS colour name -> (r, g, b) floats
    in [0, 1]; a ColorError naming `where` otherwise."""
    if isinstance(value, (list, tuple)) and len(value) == 3 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        if not all(0 <= v <= 255 for v in value):
            raise ColorError(f"{where}: {list(value)} has components outside 0..255")
        return tuple(float(v) / 255.0 for v in value)
    if not isinstance(value, str):
        raise ColorError(f"{where}: {value!r} is not a colour ('#RRGGBB', [R, G, B] in 0..255 or a CSS name)")
    t = value.strip()
    if re.fullmatch(r"#?[0-9a-fA-F]{6}", t):
        h = t.lstrip("#")
        return tuple(int(h[i:i + 2], 16) / 255.0 for i in (0, 2, 4))
    if re.fullmatch(r"\d{1,3}\s*,\s*\d{1,3}\s*,\s*\d{1,3}", t):
        return parse_color([int(v) for v in t.split(",")], where)
    key = _key(t)
    if key in CSS_COLORS:
        return parse_color(CSS_COLORS[key], where)
    raise ColorError(f"{where}: unknown colour {t[:40]!r}{_suggest(key, CSS_COLORS)}; use a CSS colour name, "
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
    lightness: str | None = None  # "dark" or "light" when the colour's name asks for it (asked_lightness)

    def to_dict(self) -> dict:
        out = {"region": self.region, "color": "#" + "".join(f"{round(c * 255):02x}" for c in self.rgb)}
        return {**out, "lightness": self.lightness} if self.lightness else out


# a colour's name that starts with one of these asks for its lightness too ("dark green" stays dark)
LIGHTNESS_WORDS = {"dark": "dark", "deep": "dark", "light": "light", "pale": "light"}
# The lightness classes a colour's name can ask for, in L* (0..100) (models/conditions.py moves a
# painted region into them).
LIGHTNESS_CLASSES = {"dark": (0.0, 40.0), "light": (70.0, 100.0)}


def asked_lightness(colour: str) -> str | None:
    """"dark" or "light" when a colour's name asks for that lightness and the colour has it ("dark
    green" is L* 36, "light blue" 84), None otherwise: a plain name, a hex code or R,G,B keep the
    photo's shading, and so do names whose colour is not in the class their word says (CSS's "deep
    sky blue" is L* 72 and "dark orange" 70: there "deep" and "dark" mean saturated, not dark)."""
    key = _key(colour) if isinstance(colour, str) else ""
    if key not in CSS_COLORS:
        return None
    word = next((v for w, v in LIGHTNESS_WORDS.items() if key.startswith(w)), None)
    if word is None:
        return None
    lo, hi = LIGHTNESS_CLASSES[word]
    return word if lo <= float(rgb_to_lab(np.asarray(parse_color(key), np.float64))[0]) <= hi else None


def parse_condition(text: str) -> Condition:
    """'REGION=COLOUR' or 'REGION: COLOUR' -> a Condition."""
    m = re.fullmatch(r"\s*([^=:]+?)\s*[=:]\s*(.+?)\s*", text)
    if not m:
        raise ConditionError(f"condition {text!r}: write REGION=COLOUR, e.g. 'sky=light blue'")
    return Condition(parse_color(m.group(2), f"condition {text.strip()!r}"), parse_region(m.group(1)),
                     label=text.strip(), lightness=asked_lightness(m.group(2)))


def parse_conditions(text: str) -> list:
    """'sky: light blue; tree: dark green' -> [Condition, ...] (empty parts ignored)."""
    return [parse_condition(part) for part in text.split(";") if part.strip()]
