"""End-to-end self-check of the studio in a real window (run it under Xvfb on a headless machine):

    xvfb-run -a python -m gui.selftest --out result.json [--weights W] [--image PATH] [--screenshot PNG]

It opens a photo, waits for the automatic colorization, switches to the interactive mode, adds
a hint through the canvas click callback and measures how the result moves toward the hint's
colour, captures a screenshot with dpg.output_frame_buffer, then makes one real mouse click with
xdotool on the image and reports where the new hint landed. Everything measured goes to --out
(JSON); tests/test_gui_e2e.py asserts on it.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time

import numpy as np

from models.color import rgb_to_lab
from models.inference import Colorizer
from models.pipeline import Pipeline

from .controller import Controller
from .worker import Worker


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True)
    p.add_argument("--weights", default=None)
    p.add_argument("--image", default=None, help="default: scikit-image's rocket photo, as gray")
    p.add_argument("--screenshot", default=None)
    a = p.parse_args(argv)

    import dearpygui.dearpygui as dpg

    from .view import StudioView

    report = {"steps": []}
    cz = Colorizer.from_weights(a.weights)
    worker = Worker()
    ctl = Controller(Pipeline(cz), worker=worker)
    view = StudioView(ctl)
    view.build()
    dpg.set_viewport_pos([0, 0])
    if a.image:
        view.open(a.image)
    else:
        import skimage.data
        ctl.set_image(skimage.data.rocket().astype(np.float32) / 255, "rocket")
        view.refresh_input()
    hint_rgb = (0.1, 0.3, 0.95)
    state = {"click_at": None, "deadline": None}

    def lab_at(x, y):
        out = ctl.doc.result.output
        y0, x0 = int(y), int(x)
        return rgb_to_lab(out[max(0, y0 - 3):y0 + 4, max(0, x0 - 3):x0 + 4].reshape(-1, 3)).mean(0)

    def script(v, frame):
        if frame == 3:
            worker.idle(120)
            v.pump()
            report["automatic_done"] = ctl.doc.result is not None
            report["scene"] = ctl.doc.result.scene.name if ctl.doc.result and ctl.doc.result.scene else None
            dpg.get_item_callback("mode")("mode", "Interactive")  # the radio button's own callback
            report["mode"] = ctl.doc.mode
        elif frame == 5:
            h, w = ctl.doc.size
            x, y = w * 0.5, h * 0.3
            want = rgb_to_lab(np.array(hint_rgb))[1:]
            before = lab_at(x, y)[1:]
            ctl.set_color(hint_rgb)
            px, py = view.to_canvas(x, y)
            view.click_canvas(px, py)  # what the canvas click handler calls
            worker.idle(120)
            v.pump()
            after = lab_at(x, y)[1:]
            report["hint_callback"] = {"x": x, "y": y, "hints": len(ctl.doc.hints),
                                       "distance_before": float(np.linalg.norm(before - want)),
                                       "distance_after": float(np.linalg.norm(after - want))}
        elif frame == 8 and a.screenshot:
            dpg.output_frame_buffer(file=a.screenshot)
        elif frame == 12:
            xdotool = shutil.which("xdotool")
            if xdotool is None:
                report["xdotool"] = "missing"
                return
            rx, ry = dpg.get_item_rect_min("canvas")
            cw, ch = dpg.get_item_rect_size("canvas")
            tx, ty = int(rx + 0.25 * cw), int(ry + 0.75 * ch)
            state["click_at"] = (tx - rx, ty - ry)
            state["n_before"] = len(ctl.doc.hints)
            subprocess.Popen([xdotool, "mousemove", str(tx), str(ty), "click", "1"])
            state["deadline"] = time.time() + 20
        elif state["deadline"] is not None and frame > 12:
            if len(ctl.doc.hints) > state["n_before"] or time.time() > state["deadline"]:
                cx, cy = state["click_at"]
                expected = view.to_image(cx, cy)
                last = ctl.doc.hints[-1] if len(ctl.doc.hints) > state["n_before"] else None
                report["real_click"] = {"expected": list(expected), "hints_before": state["n_before"],
                                        "hints_after": len(ctl.doc.hints),
                                        "got": [last.x, last.y] if last else None,
                                        "pixels_per_canvas_pixel": 1 / view.disp[2]}
                state["deadline"] = None
                dpg.stop_dearpygui()

    view.run(before_frame=script)
    worker.stop()
    with open(a.out, "w") as f:
        json.dump(report, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
