"""colorize-studio [IMAGE] (or python -m gui [IMAGE]) [--weights W]
                [--mode automatic|interactive|layers|era|styles|regions]
                [--era-weights E] [--era DECADE] [--style-weights S] [--style NAME] [--style-strength X]
                [--segmenter-weights G] [--condition REGION=COLOUR ...]
                [--hint X,Y,#RRGGBB ...] [--window WxH] [--screenshot PATH --exit-after-frames N]

Starts the Colorization Studio, at the screen's top left in a 1280x800 window (--window for another
size; the photo panes follow the window when it is resized). Needs Dear PyGui: pip install ".[studio]".
The headless flags open the window, wait for N frames (and for the colorization to finish), save a
screenshot of the window and exit: what the tests and the README's screenshots use (under Xvfb on a
machine without a display).
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass

import numpy as np

from minitorch_color.memory import keep_freed_memory
from models.color_text import parse_condition
from models.era import LABELS
from models.hints import HintError, parse_hint_arg
from models.pipeline import Pipeline
from models.weights import WeightsError

from .controller import Controller
from .worker import Worker

WINDOW = (1280, 800)  # as gui/view.py's default; not imported from there (Dear PyGui only once arguments are good)


def window_size(text: str) -> tuple:
    """'1400x1000' -> (1400, 1000), at least 800x480."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size like 1280x800") from None
    if w < 800 or h < 480:
        raise argparse.ArgumentTypeError(f"{text}: the studio needs at least 800x480")
    return w, h


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
    p.add_argument("--window", type=window_size, default=WINDOW, metavar="WxH",
                   help="the window's size at start (default 1280x800: fits a 1280x800 screen; resize it at will)")
    p.add_argument("--screenshot", default=None, help="save a screenshot after --exit-after-frames and exit")
    p.add_argument("--exit-after-frames", type=int, default=None)
    return p


class StartError(Exception):
    """A bad argument or unusable weights, said before (or instead of) the window (exit status 2)."""


@dataclass
class Tools:
    """What the arguments load before the window opens."""

    pipeline: Pipeline  # ColorNet and the optional era recogniser, stylizer and region finder
    hints: list  # start point hints (models.hints.Point)
    conditions: list  # start regions (models.conditions.Condition)


def load_tools(a) -> Tools:
    """The pipeline (the optional tools where their weights are there), and the start hints and
    conditions the arguments name; a StartError says what is wrong."""
    if a.era and a.era not in LABELS:
        raise StartError(f"unknown era {a.era!r}; one of {', '.join(LABELS)}")
    try:
        pipeline = Pipeline.load(a.weights, era_weights=a.era_weights, style_weights=a.style_weights,
                                 segmenter_weights=a.segmenter_weights)
        return Tools(pipeline, [parse_hint_arg(h) for h in a.hint], [parse_condition(t) for t in a.condition])
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
    view.build(a.window)
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
    keep_freed_memory()  # the engine's malloc tuning (minitorch_color/memory.py), chosen by the entry point
    p = build_parser()
    a = p.parse_args(argv)
    if a.screenshot and not a.exit_after_frames:
        p.error("--screenshot needs --exit-after-frames")
    worker = None
    try:
        tools = load_tools(a)
        try:
            from .view import StudioView  # Dear PyGui only once the arguments are good (an optional extra)
        except ImportError as e:
            raise StartError(f"the studio needs Dear PyGui ({e}): pip install \".[studio]\"") from None
        worker = Worker(debounce_s=0.05)
        ctl = Controller(tools.pipeline, worker=worker)
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


