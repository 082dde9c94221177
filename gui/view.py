"""The Dear PyGui frame of the studio: menus, the input canvas and the result with a before/after
slider, the status line, and the modes (gui/modes/), each of which adds its own panel. All state
lives in the controller; results from the worker thread are queued and applied on the render
thread, once per frame.
"""
from __future__ import annotations

import queue
from pathlib import Path

import dearpygui.dearpygui as dpg
import numpy as np

from models.color import rgb_to_lab
from models.image_io import IMAGE_EXTENSIONS

from . import modes as mode_registry
from .controller import Controller, dialog_path
from .textures import blank, fit, rgba

PANE = 460  # display size of each image pane at the modes' design size (photos shown scaled; results keep
# full resolution); the panes grow and shrink with the window (layout), between MIN_PANE and MAX_PANE
MIN_PANE, MAX_PANE = 240, 720
SIDE = 370  # the width beside the two panes: the mode's panel column and the margins
WINDOW = (1280, 800)  # the default window: fits a 1280x800 screen; larger ones may resize it


def pane_for(window, mode_height: int) -> int:
    """The pane size that fits a window (w, h) in a mode: two panes beside the panel column, and the
    height the mode needs besides its panes (mode_height - PANE) below them."""
    w, h = window
    return int(max(MIN_PANE, min(MAX_PANE, (w - SIDE) // 2, h - (mode_height - PANE))))


class StudioView:
    def __init__(self, controller: Controller):
        self.c = controller
        self.q = queue.Queue()
        self.c.listeners.append(lambda event, payload: self.q.put((event, payload)))
        self.pane = PANE  # the current size of each image pane (layout)
        self.disp = (PANE, PANE, 1.0)  # (h, w, scale) of the photo on the canvas
        self.compare = 1.0
        self.status = ""
        self.frames = 0
        self.below = "below"  # container under the photos, for modes that need width
        self.modes = {name: cls(self) for name, cls in mode_registry.load().items()}
        for name, mode in self.modes.items():
            self.c.modes[name] = mode.needs
        self._gray_cache = (None, None)  # (image it was computed for, its lightness in 0..1)

    @property
    def mode(self):
        return self.modes[self.c.doc.mode]

    @property
    def scale(self) -> float:
        """Canvas pixels per image pixel."""
        return self.disp[2]

    # ----- building -----------------------------------------------------------------------
    def build(self, window=WINDOW):
        """Build the window at size window (w, h), at the screen's top left; the panes fit it (layout)."""
        dpg.create_context()
        with dpg.texture_registry():  # the largest panes; a smaller pane shows a part of them
            dpg.add_dynamic_texture(MAX_PANE, MAX_PANE, blank(MAX_PANE, MAX_PANE), tag="tex_input")
            dpg.add_dynamic_texture(MAX_PANE, MAX_PANE, blank(MAX_PANE, MAX_PANE), tag="tex_result")
        self._build_dialogs()
        with dpg.window(tag="main", label="Colorization Studio"):
            with dpg.menu_bar():
                with dpg.menu(label="File"):
                    for label, dialog in (("Open photo...", "dlg_open"), ("Save result...", "dlg_save"),
                                          ("Save hints...", "dlg_save_hints"), ("Load hints...", "dlg_load_hints")):
                        dpg.add_menu_item(label=label, callback=lambda s, a, u: dpg.show_item(u), user_data=dialog)
            with dpg.group(horizontal=True):
                dpg.add_radio_button([m.label for m in self.modes.values()], tag="mode", horizontal=True,
                                     callback=lambda s, a: self.set_mode(self._mode_named(a)))
                dpg.add_spacer(width=20)
                dpg.add_loading_indicator(tag="busy", style=1, radius=1.4, show=False)
                dpg.add_text("", tag="status")
            with dpg.group(horizontal=True):
                with dpg.group():
                    dpg.add_text("", tag="lbl_input")
                    with dpg.drawlist(PANE, PANE, tag="canvas"):
                        dpg.draw_image("tex_input", (0, 0), (PANE, PANE), tag="img_input")
                        dpg.add_draw_node(tag="markers")
                with dpg.group():
                    dpg.add_text("Result", tag="lbl_result")
                    dpg.add_image("tex_result", width=PANE, height=PANE, tag="img_result")
                    dpg.add_slider_float(label="before | after", tag="compare", default_value=1.0, min_value=0.0,
                                         max_value=1.0, width=PANE - 100, callback=lambda s, a: self.set_compare(a))
                    dpg.add_slider_float(label="vividness", tag="vividness", default_value=self.c.vividness,
                                         min_value=0.0, max_value=1.0, width=PANE - 100, format="%.2f",
                                         callback=lambda s, a: self.c.set_vividness(a))
                    with dpg.tooltip("vividness"):
                        dpg.add_text("How bold the colours are: 0 calm and faithful, 1 boldest.\n"
                                     "The default makes colours about as colourful as real photos'.")
                dpg.add_group(tag="panels")
            dpg.add_group(tag=self.below)
        for mode in self.modes.values():
            mode.build("panels")
        with dpg.handler_registry():
            dpg.add_mouse_click_handler(button=dpg.mvMouseButton_Left, callback=lambda: self._mouse_click("left"))
            dpg.add_mouse_click_handler(button=dpg.mvMouseButton_Right, callback=lambda: self._mouse_click("right"))
            dpg.add_mouse_drag_handler(button=dpg.mvMouseButton_Left, callback=self._mouse_drag)
            dpg.add_mouse_release_handler(button=dpg.mvMouseButton_Left, callback=lambda: self.mode.release())
            dpg.add_key_press_handler(dpg.mvKey_Z, callback=lambda: self._key("z"))
            dpg.add_key_press_handler(dpg.mvKey_Y, callback=lambda: self._key("y"))
        dpg.create_viewport(title="Colorization Studio", width=window[0], height=window[1], x_pos=0, y_pos=0,
                            min_width=2 * MIN_PANE + SIDE, min_height=480)
        dpg.set_viewport_resize_callback(lambda: self.layout())
        self.window = tuple(window)
        dpg.setup_dearpygui()
        dpg.set_primary_window("main", True)
        self.refresh_input()
        self.set_mode(self.c.doc.mode)

    def _build_dialogs(self):
        def dialog(tag, callback, extensions, **kw):
            with dpg.file_dialog(show=False, callback=lambda s, a: self._dialog_path(a, callback), tag=tag,
                                 width=640, height=420, **kw):
                for ext in extensions:
                    dpg.add_file_extension(ext)
        dialog("dlg_open", self.open, ["Images{" + ",".join(IMAGE_EXTENSIONS) + "}", ".*"])
        dialog("dlg_save", self.save_result, [".png", ".jpg"], default_filename="colorized")
        dialog("dlg_save_hints", self.save_hints, [".json"], default_filename="hints")
        dialog("dlg_load_hints", self.load_hints, [".json"])

    def _dialog_path(self, app_data, action):
        path = dialog_path(app_data)
        if path:
            action(path)

    def _mode_named(self, label):
        return next(name for name, m in self.modes.items() if m.label == label)

    # ----- coordinates --------------------------------------------------------------------
    def to_image(self, px, py):
        """Canvas pixel -> image pixel (None outside the shown photo)."""
        if self.c.doc.image is None:
            return None
        h, w, s = self.disp
        if not (0 <= px < w and 0 <= py < h):
            return None
        return px / s, py / s

    def to_canvas(self, x, y):
        """Image pixel -> canvas pixel."""
        return x * self.scale, y * self.scale

    # ----- events ---------------------------------------------------------------------------
    def click_canvas(self, px, py, button="left"):
        """A click at canvas pixel (px, py), handed to the mode: what the mouse handlers (and tests) call."""
        pos = self.to_image(px, py)
        if pos is None:
            return None
        self.mode.click(*pos, button)
        return pos

    def _mouse_click(self, button):
        if dpg.is_item_hovered("canvas"):
            self.click_canvas(*dpg.get_drawing_mouse_pos(), button=button)

    def _mouse_drag(self):
        pos = self.to_image(*dpg.get_drawing_mouse_pos())
        if pos is not None:
            self.mode.drag(*pos)

    def _key(self, name):
        ctrl = dpg.is_key_down(dpg.mvKey_LControl) or dpg.is_key_down(dpg.mvKey_RControl)
        self.mode.key(name, ctrl)

    def set_mode(self, name: str):
        """Switch to a mode: its panel shows, the others hide, and a fitting colorization is requested."""
        if name != self.c.doc.mode:
            self.c.set_mode(name)
        mode = self.mode
        dpg.set_value("mode", mode.label)
        dpg.set_value("lbl_input", mode.input_label if self.c.doc.image is not None
                      else "No photo yet: File > Open photo... (or colorize-studio PHOTO)")
        for other in self.modes.values():
            if other is not mode:
                other.show(False)
        mode.show(True)
        self.layout()
        if self.c.doc.result is not None:
            mode.refresh(self.c.doc.result)

    def layout(self, window=None):
        """Fit the panes to the window (w, h; default the viewport's own size) in the current mode."""
        if window is None:
            client = (dpg.get_viewport_client_width(), dpg.get_viewport_client_height())
            window = client if min(client) > 0 else self.window  # before the first frame: the size asked for
        pane = pane_for(window, self.mode.height)
        if pane != self.pane:
            self.pane = pane
            self.refresh_input()
            self.refresh_result()

    def set_compare(self, value: float):
        """Where the before/after split is (0: all before, 1: all after)."""
        self.compare = float(value)
        dpg.set_value("compare", self.compare)
        self.refresh_result()

    def message(self, text, error=False):
        self.status = text
        dpg.set_value("status", text)
        dpg.configure_item("status", color=(255, 110, 110) if error else (200, 200, 200))

    def _report(self, msg, ok_text):
        self.message(msg or ok_text, error=bool(msg))

    def open(self, path):
        msg = self.c.open_image(path)
        if msg:
            self.message(msg, error=True)
        else:
            self.message(Path(path).name)
            self.refresh_input()
            self.set_mode(self.c.doc.mode)

    def save_result(self, path):
        self._report(self.c.save_result(path), f"saved {path}")

    def save_hints(self, path):
        self._report(self.c.save_hints(path), f"saved {path}")

    def load_hints(self, path):
        msg = self.c.load_hints(path)
        self.message(msg or f"loaded {path}", error=bool(msg and "ignored" not in msg))
        if self.c.doc.result is not None:
            self.mode.refresh(self.c.doc.result)

    # ----- drawing ----------------------------------------------------------------------------
    def refresh_input(self):
        doc = self.c.doc
        if doc.image is None:
            return
        self.disp = fit(doc.size, self.pane)
        h, w, _ = self.disp
        uv = (w / MAX_PANE, h / MAX_PANE)
        dpg.configure_item("canvas", width=w, height=h)
        dpg.configure_item("img_input", pmax=(w, h), uv_max=uv)
        dpg.configure_item("img_result", width=w, height=h, uv_max=uv)
        dpg.configure_item("compare", width=max(120, w - 100))
        dpg.configure_item("vividness", width=max(120, w - 100))
        canvas = np.zeros((MAX_PANE, MAX_PANE, 4), np.float32)
        canvas[:h, :w] = rgba(self.gray(), (h, w)).reshape(h, w, 4)
        dpg.set_value("tex_input", canvas.ravel())

    def gray(self) -> np.ndarray:
        """The photo's lightness in 0..1 (what the network sees), cached per photo."""
        if self._gray_cache[0] is not self.c.doc.image:
            self._gray_cache = (self.c.doc.image, rgb_to_lab(self.c.doc.image)[..., 0] / 100)
        return self._gray_cache[1]

    def refresh_result(self):
        result = self.c.doc.result
        if result is None:
            return
        h, w, _ = self.disp
        shown = rgba(result.output, (h, w)).reshape(h, w, 4)
        if self.compare < 1.0:  # before (gray input) left of the split, after right of it
            split = int(round(self.compare * w))
            before = rgba(self.gray(), (h, w)).reshape(h, w, 4)
            shown[:, :split] = before[:, :split]
            shown[:, max(split - 1, 0):split + 1, :3] = (1.0, 0.85, 0.2)
        canvas = np.zeros((MAX_PANE, MAX_PANE, 4), np.float32)
        canvas[:h, :w] = shown
        dpg.set_value("tex_result", canvas.ravel())
        scene = result.scene
        dpg.set_value("lbl_result", "Result" if scene is None else
                      f"Result  -  scene: {scene.name} ({scene.probability:.0%})" if scene.confident else
                      f"Result  -  scene: unsure (perhaps {scene.name}, {scene.probability:.0%})")
        self.mode.refresh(result)

    # ----- the loop -----------------------------------------------------------------------------
    def pump(self):
        """Apply what the worker reported since the last frame (render thread only)."""
        while True:
            try:
                event, payload = self.q.get_nowait()
            except queue.Empty:
                return
            if event == "result":
                self.refresh_result()
                if self.status.startswith("Could not colorize"):
                    self.message("")
            elif event == "error":
                self.message(payload, error=True)
            elif event == "busy":
                dpg.configure_item("busy", show=bool(payload))

    def run(self, exit_after_frames: int | None = None, screenshot=None, before_frame=None):
        dpg.show_viewport()
        shot_at = None
        while dpg.is_dearpygui_running():
            self.pump()
            if before_frame is not None:
                before_frame(self, self.frames)
            dpg.render_dearpygui_frame()
            self.frames += 1
            if exit_after_frames is not None and self.frames >= exit_after_frames and shot_at is None:
                if screenshot:
                    dpg.output_frame_buffer(file=str(screenshot))
                    shot_at = self.frames
                else:
                    break
            if shot_at is not None and self.frames >= shot_at + 3:
                break
        dpg.destroy_context()
