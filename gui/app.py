"""colorize-studio [IMAGE] (or python -m gui [IMAGE]) [--weights W]
                [--mode automatic|interactive|layers|era|styles|regions]
                [--era-weights E] [--era DECADE] [--style-weights S] [--style NAME] [--style-strength X]
                [--segmenter-weights G] [--condition REGION=COLOUR ...]
                [--hint X,Y,#RRGGBB ...] [--screenshot PATH --exit-after-frames N]

Starts the Colorization Studio. The headless flags open the window, wait for N frames (and for the
colorization to finish), save a screenshot of the window and exit: what the tests and the README's
screenshots use (under Xvfb on a machine without a display).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="colorize-studio", description="Colorization Studio")
    p.add_argument("image", nargs="?", help="a photo to open")
    p.add_argument("--weights", default=None,
                   help="ColorNet weights (default: the shipped weights/colornet.npz, or $MINITORCH_COLOR_WEIGHTS)")
    p.add_argument("--mode", default="automatic", help="automatic, interactive, layers, era, styles or regions")
    p.add_argument("--era-weights", default=None,
                   help="era recogniser weights for the era mode (default: weights/era.npz when it is there)")
    p.add_argument("--era", default=None, help="colour the photo as this decade in the era mode (1850s..1970s, modern)")
    p.add_argument("--style-weights", default=None,
                   help="StyleNet weights for the styles mode (default: weights/stylenet.npz when it is there)")
    p.add_argument("--style", default=None, help="the style chosen in the styles mode (see colorize --list-styles)")
    p.add_argument("--style-strength", type=float, default=1.0, help="its strength, 0..1")
    p.add_argument("--segmenter-weights", default=None,
                   help="region segmenter for the regions mode (default: weights/segmenter.npz when it is there)")
    p.add_argument("--condition", action="append", default=[], metavar="REGION=COLOUR",
                   help="start the regions mode with this region coloured (repeatable)")
    p.add_argument("--layer", default=None, help="layer shown in the layers mode")
    p.add_argument("--hint", action="append", default=[], metavar="X,Y,#RRGGBB", help="start with these hints")
    p.add_argument("--compare", type=float, default=1.0, help="before/after split (0..1) at start")
    p.add_argument("--screenshot", default=None, help="save a screenshot after --exit-after-frames and exit")
    p.add_argument("--exit-after-frames", type=int, default=None)
    return p


class StartError(Exception):
    """A bad argument or unusable weights, said before (or instead of) the window (exit status 2)."""


def optional_weights(given, name: str):
    """The weights file a user named, else the shipped one when it is there, else None (its mode is then off)."""
    from models.weights import shipped
    return given or (shipped(name) if shipped(name).exists() else None)


@dataclass
class Tools:
    """What the arguments load before the window opens."""

    cz: object  # models.inference.Colorizer
    hints: list  # start point hints (models.hints.Point)
    conditions: list  # start regions (models.conditions.Condition)
    era_recogniser: object = None  # None: the era mode colours by choice only
    stylizer: object = None  # None: no styles mode
    region_finder: object = None  # None: no regions mode


def load_tools(a) -> Tools:
    """The ColorNet, the optional tools and the start hints and conditions the arguments name; a
    StartError says what is wrong."""
    from models.conditions import parse_condition
    from models.era import LABELS, EraRecognizer
    from models.hints import HintError, parse_hint_arg
    from models.inference import Colorizer
    from models.segmenter import RegionFinder
    from models.stylenet import Stylizer
    from models.weights import WeightsError

    if a.era and a.era not in LABELS:
        raise StartError(f"unknown era {a.era!r}; one of {', '.join(LABELS)}")
    try:
        cz = Colorizer.from_weights(a.weights)
        hints = [parse_hint_arg(h) for h in a.hint]
        era = optional_weights(a.era_weights, "era.npz")
        style = optional_weights(a.style_weights, "stylenet.npz")
        seg = optional_weights(a.segmenter_weights, "segmenter.npz")
        return Tools(cz, hints, [parse_condition(t) for t in a.condition],
                     era_recogniser=EraRecognizer.from_weights(era) if era else None,
                     stylizer=Stylizer.from_weights(style) if style else None,
                     region_finder=RegionFinder.from_weights(seg) if seg else None)
    except (WeightsError, HintError) as e:
        raise StartError(str(e)) from None


def start(view, ctl, a, tools: Tools) -> None:
    """Open the window in the state the arguments ask for (mode, layer, photo, hints, era, style,
    regions, before/after split); a StartError for a mode, layer or style that does not exist."""
    if a.mode not in view.modes:
        raise StartError(f"unknown mode {a.mode!r}; one of {', '.join(view.modes)}")
    if a.layer:
        try:
            ctl.set_layer(a.layer)
        except ValueError as e:
            raise StartError(f"{e}; one of {', '.join(ctl.cz.layer_names())}") from None
    ctl.doc.mode = a.mode
    view.build()
    if a.image:
        view.open(a.image)
    for h in tools.hints:
        ctl.add_hint(h.x, h.y, h.rgb)
    if a.era:
        ctl.set_era(a.era)
    try:
        if a.style:
            ctl.set_style(a.style)
        ctl.set_style_strength(a.style_strength)
        for cond in tools.conditions:
            ctl.add_region(cond.region, cond.rgb)
    except ValueError as e:
        raise StartError(str(e)) from None
    view.set_compare(a.compare)
    view.set_mode(a.mode)


def settle_before(worker, ctl, a):
    """For headless runs: a before_frame hook that holds the frame count until the worker is done,
    then shows the suggestions of the last hint or region, as a user pausing there would see them."""
    def settle(v, frame):
        if frame == a.exit_after_frames - 2:
            worker.idle(120)
            v.pump()
            if ctl.doc.hints and a.mode == "interactive":
                last = ctl.doc.hints[-1]
                v.modes["interactive"].show_suggestions(last.x, last.y)
            if ctl.regions.current is not None and a.mode == "regions":  # where the last region lies
                ys, xs = np.nonzero(ctl.regions.current.mask)
                if len(xs):
                    v.modes["regions"].show_suggestions(float(xs[len(xs) // 2]), float(ys[len(ys) // 2]))
    return settle


def main(argv=None) -> int:
    p = build_parser()
    a = p.parse_args(argv)
    if a.screenshot and not a.exit_after_frames:
        p.error("--screenshot needs --exit-after-frames")
    from .controller import Controller
    from .worker import Worker
    worker = None
    try:
        tools = load_tools(a)
        from .view import StudioView  # Dear PyGui only once the arguments are good
        worker = Worker(debounce_s=0.05)
        ctl = Controller(tools.cz, worker=worker, era_recogniser=tools.era_recogniser, stylizer=tools.stylizer,
                         region_finder=tools.region_finder)
        view = StudioView(ctl)
        start(view, ctl, a, tools)
    except StartError as e:
        if worker is not None:
            worker.stop()
        print(f"colorize-studio: error: {e}", file=sys.stderr)
        return 2
    view.run(a.exit_after_frames, a.screenshot,
             before_frame=settle_before(worker, ctl, a) if a.exit_after_frames else None)
    worker.stop()
    return 0


