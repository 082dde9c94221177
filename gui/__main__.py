"""python -m gui [IMAGE] [--weights W] [--mode automatic|interactive|layers]
                [--hint X,Y,#RRGGBB ...] [--screenshot PATH --exit-after-frames N]

Starts the Colorization Studio. The headless flags open the window, wait for N frames (and for the
colorization to finish), save a screenshot of the window and exit: what the tests and the README's
screenshots use (under Xvfb on a machine without a display).
"""
from __future__ import annotations

import argparse
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m gui", description="Colorization Studio")
    p.add_argument("image", nargs="?", help="a photo to open")
    p.add_argument("--weights", default=None, help="ColorNet weights (default: weights/colornet.npz)")
    p.add_argument("--mode", choices=("automatic", "interactive", "layers"), default="automatic")
    p.add_argument("--layer", default=None, help="layer shown in the layers mode")
    p.add_argument("--hint", action="append", default=[], metavar="X,Y,#RRGGBB", help="start with these hints")
    p.add_argument("--compare", type=float, default=1.0, help="before/after split (0..1) at start")
    p.add_argument("--screenshot", default=None, help="save a screenshot after --exit-after-frames and exit")
    p.add_argument("--exit-after-frames", type=int, default=None)
    a = p.parse_args(argv)
    if a.screenshot and not a.exit_after_frames:
        p.error("--screenshot needs --exit-after-frames")

    from models.hints import HintError, parse_hint_arg
    from models.inference import Colorizer, WeightsError

    from .controller import Controller
    from .view import StudioView
    from .worker import Worker
    try:
        cz = Colorizer.from_weights(a.weights)
        hints = [parse_hint_arg(h) for h in a.hint]
    except (WeightsError, HintError) as e:
        print(f"gui: error: {e}", file=sys.stderr)
        return 2
    worker = Worker(debounce_s=0.05)
    ctl = Controller(cz, worker=worker)
    view = StudioView(ctl)
    view.build()
    ctl.doc.mode = a.mode
    if a.layer:
        ctl.set_layer(a.layer)
    if a.image:
        view.open(a.image)
    for h in hints:
        ctl.add_hint(h.x, h.y, h.rgb)
    view.compare = a.compare
    dpg_set_compare(a.compare)
    view._apply_mode()

    def settle(v, frame):  # headless runs: hold the frame count until the worker is done
        if a.exit_after_frames and frame == a.exit_after_frames - 2:
            worker.idle(120)
            v.pump()
            if ctl.doc.hints and ctl.doc.mode == "interactive":
                last = ctl.doc.hints[-1]
                v._show_suggestions(last.x, last.y)
    view.run(a.exit_after_frames, a.screenshot, before_frame=settle if a.exit_after_frames else None)
    worker.stop()
    return 0


def dpg_set_compare(value):
    import dearpygui.dearpygui as dpg
    dpg.set_value("compare", float(value))


if __name__ == "__main__":
    raise SystemExit(main())
