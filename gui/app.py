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


def main(argv=None) -> int:
    p = build_parser()
    a = p.parse_args(argv)
    if a.screenshot and not a.exit_after_frames:
        p.error("--screenshot needs --exit-after-frames")

    from models.conditions import parse_condition
    from models.era import LABELS, EraRecognizer
    from models.hints import HintError, parse_hint_arg
    from models.inference import Colorizer
    from models.segmenter import RegionFinder
    from models.stylenet import Stylizer
    from models.weights import WeightsError, shipped

    from .controller import Controller
    from .worker import Worker
    if a.era and a.era not in LABELS:
        print(f"colorize-studio: error: unknown era {a.era!r}; one of {', '.join(LABELS)}", file=sys.stderr)
        return 2
    try:
        cz = Colorizer.from_weights(a.weights)
        hints = [parse_hint_arg(h) for h in a.hint]
        era_weights = a.era_weights or (shipped("era.npz") if shipped("era.npz").exists() else None)
        recogniser = EraRecognizer.from_weights(era_weights) if era_weights else None
        style_weights = a.style_weights or (shipped("stylenet.npz") if shipped("stylenet.npz").exists() else None)
        stylizer = Stylizer.from_weights(style_weights) if style_weights else None
        seg_weights = a.segmenter_weights or (shipped("segmenter.npz") if shipped("segmenter.npz").exists() else None)
        finder = RegionFinder.from_weights(seg_weights) if seg_weights else None
        conditions = [parse_condition(t) for t in a.condition]
    except (WeightsError, HintError) as e:
        print(f"colorize-studio: error: {e}", file=sys.stderr)
        return 2
    from .view import StudioView  # Dear PyGui only once the arguments are good
    worker = Worker(debounce_s=0.05)
    ctl = Controller(cz, worker=worker, era_recogniser=recogniser, stylizer=stylizer, region_finder=finder)
    view = StudioView(ctl)
    if a.mode not in view.modes:
        print(f"colorize-studio: error: unknown mode {a.mode!r}; one of {', '.join(view.modes)}", file=sys.stderr)
        return 2
    if a.layer:
        try:
            ctl.set_layer(a.layer)
        except ValueError as e:
            print(f"colorize-studio: error: {e}; one of {', '.join(cz.layer_names())}", file=sys.stderr)
            return 2
    ctl.doc.mode = a.mode
    view.build()
    if a.image:
        view.open(a.image)
    for h in hints:
        ctl.add_hint(h.x, h.y, h.rgb)
    if a.era:
        ctl.set_era(a.era)
    try:
        if a.style:
            ctl.set_style(a.style)
        ctl.set_style_strength(a.style_strength)
        for cond in conditions:
            ctl.add_region(cond.region, cond.rgb)
    except ValueError as e:
        print(f"colorize-studio: error: {e}", file=sys.stderr)
        return 2
    view.set_compare(a.compare)
    view.set_mode(a.mode)

    def settle(v, frame):  # headless runs: hold the frame count until the worker is done
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
    view.run(a.exit_after_frames, a.screenshot, before_frame=settle if a.exit_after_frames else None)
    worker.stop()
    return 0

