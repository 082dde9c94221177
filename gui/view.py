"""The Dear PyGui view of the studio: draws the Document and turns mouse and widget events into
Controller calls. All state lives in the controller; results from the worker thread are queued
and applied on the render thread, once per frame.
"""
from __future__ import annotations

import queue
from pathlib import Path

import numpy as np

import dearpygui.dearpygui as dpg

from .controller import MODES, Controller

PANE = 460  # display size of each image pane (photos are shown scaled; results keep full resolution)
THUMB = 150
ACT_W, ACT_H = 900, 200  # the activation grid
N_SUGGEST = 6


def _fit(hw, box=PANE):
    h, w = hw
    s = min(box / h, box / w)
    return max(1, int(round(h * s))), max(1, int(round(w * s))), s


def _rgba(img, hw):
    """Float RGB (or gray) image resized to hw -> flat RGBA float32 for a dynamic texture."""
    from PIL import Image
    img = np.asarray(img, np.float32)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, -1)
    u8 = Image.fromarray(np.clip(np.round(img * 255), 0, 255).astype(np.uint8))
    arr = np.asarray(u8.resize((hw[1], hw[0]), Image.BILINEAR), np.float32) / 255
    return np.concatenate([arr, np.ones(arr.shape[:2] + (1,), np.float32)], -1).ravel()


def _colormap(x, vmax):
    import matplotlib
    return matplotlib.colormaps["magma"](np.clip(x / vmax, 0, 1))[..., :3]


class StudioView:
    def __init__(self, controller: Controller):
        self.c = controller
        self.q = queue.Queue()
        self.c.listeners.append(lambda event, payload: self.q.put((event, payload)))
        self.disp = (PANE, PANE, 1.0)
        self.compare = 1.0
        self.dragging = None
        self.status = ""
        self.frames = 0

    # ----- building -----------------------------------------------------------------------
    def build(self):
        dpg.create_context()
        with dpg.texture_registry():
            blank = np.zeros(PANE * PANE * 4, np.float32)
            dpg.add_dynamic_texture(PANE, PANE, blank, tag="tex_input")
            dpg.add_dynamic_texture(PANE, PANE, blank, tag="tex_result")
            for tag in [f"tex_stage{k}" for k in range(4)] + ["tex_entropy"]:
                dpg.add_dynamic_texture(THUMB, THUMB, np.zeros(THUMB * THUMB * 4, np.float32), tag=tag)
            dpg.add_dynamic_texture(ACT_W, ACT_H, np.zeros(ACT_W * ACT_H * 4, np.float32), tag="tex_act")
        with dpg.file_dialog(show=False, callback=self._on_open_file, tag="dlg_open", width=640, height=420):
            dpg.add_file_extension("Images{.png,.jpg,.jpeg,.tif,.tiff,.bmp,.webp,.gif}")
            dpg.add_file_extension(".*")
        with dpg.file_dialog(show=False, callback=self._on_save_result, tag="dlg_save", width=640, height=420,
                             default_filename="colorized"):
            dpg.add_file_extension(".png")
            dpg.add_file_extension(".jpg")
        with dpg.file_dialog(show=False, callback=self._on_save_hints, tag="dlg_save_hints", width=640, height=420,
                             default_filename="hints"):
            dpg.add_file_extension(".json")
        with dpg.file_dialog(show=False, callback=self._on_load_hints, tag="dlg_load_hints", width=640, height=420):
            dpg.add_file_extension(".json")

        with dpg.window(tag="main", label="Colorization Studio"):
            with dpg.menu_bar():
                with dpg.menu(label="File"):
                    dpg.add_menu_item(label="Open photo...", callback=lambda: dpg.show_item("dlg_open"))
                    dpg.add_menu_item(label="Save result...", callback=lambda: dpg.show_item("dlg_save"))
                    dpg.add_menu_item(label="Save hints...", callback=lambda: dpg.show_item("dlg_save_hints"))
                    dpg.add_menu_item(label="Load hints...", callback=lambda: dpg.show_item("dlg_load_hints"))
            with dpg.group(horizontal=True):
                dpg.add_radio_button([m.capitalize() for m in MODES], tag="mode", horizontal=True,
                                     callback=lambda s, a: self._on_mode(a.lower()))
                dpg.add_spacer(width=20)
                dpg.add_button(label="Colorize", tag="btn_colorize", callback=lambda: self.c.request())
                dpg.add_loading_indicator(tag="busy", style=1, radius=1.4, show=False)
                dpg.add_text("", tag="status")
            with dpg.group(horizontal=True):
                with dpg.group():
                    dpg.add_text("Input (click: add hint, drag: move, right-click: remove)", tag="lbl_input")
                    with dpg.drawlist(PANE, PANE, tag="canvas"):
                        dpg.draw_image("tex_input", (0, 0), (PANE, PANE), tag="img_input")
                        dpg.add_draw_node(tag="markers")
                with dpg.group():
                    dpg.add_text("Result", tag="lbl_result")
                    dpg.add_image("tex_result", width=PANE, height=PANE, tag="img_result")
                    dpg.add_slider_float(label="before | after", tag="compare", default_value=1.0, min_value=0.0,
                                         max_value=1.0, width=PANE - 100, callback=self._on_compare)
                with dpg.group(tag="panel_interactive", show=False):
                    dpg.add_text("Hint colour")
                    dpg.add_color_picker((204, 77, 51, 255), tag="picker", no_alpha=True, width=180,
                                         callback=self._on_pick)
                    dpg.add_text("Model's suggestions here:")
                    with dpg.group(horizontal=True):
                        for k in range(N_SUGGEST):
                            dpg.add_color_button((128, 128, 128, 255), tag=f"swatch{k}", width=26, height=26,
                                                 callback=self._on_swatch, user_data=k, no_border=True)
                    dpg.add_slider_int(label="patch", tag="radius", default_value=1, min_value=0, max_value=8,
                                       width=120, callback=lambda s, a: self.c.set_radius(a))
                    with dpg.group(horizontal=True):
                        dpg.add_button(label="Undo (Ctrl+Z)", tag="btn_undo", callback=lambda: self._act(self.c.undo))
                        dpg.add_button(label="Redo (Ctrl+Y)", tag="btn_redo", callback=lambda: self._act(self.c.redo))
                        dpg.add_button(label="Clear", tag="btn_clear", callback=lambda: self._act(self.c.clear_hints))
                    dpg.add_text("", tag="hint_count")
                with dpg.group(tag="panel_layers", show=False):
                    dpg.add_text("Layer")
                    dpg.add_combo(self.c.cz.layer_names() if self.c.cz else [], tag="layer", width=200,
                                  default_value=self.c.doc.layer or "", callback=lambda s, a: self.c.set_layer(a))
                    dpg.add_text("Stage heads decode colour at every\ndecoder level, coarse to fine (below).\n"
                                 "Feature maps: the 16 strongest\nchannels of the chosen layer.", color=(170, 170, 170))
            with dpg.group(tag="row_stages", show=False):
                with dpg.group(horizontal=True):
                    for k in range(4):
                        with dpg.group():
                            dpg.add_text(f"stage {k + 1}", tag=f"lbl_stage{k}")
                            dpg.add_image(f"tex_stage{k}", tag=f"img_stage{k}")
                    with dpg.group():
                        dpg.add_text("uncertainty (entropy)", tag="lbl_entropy")
                        dpg.add_image("tex_entropy", tag="img_entropy")
                dpg.add_text("", tag="act_info")
                dpg.add_image("tex_act", tag="img_act")
        with dpg.handler_registry():
            dpg.add_mouse_click_handler(button=dpg.mvMouseButton_Left, callback=self._on_left_click)
            dpg.add_mouse_click_handler(button=dpg.mvMouseButton_Right, callback=self._on_right_click)
            dpg.add_mouse_drag_handler(button=dpg.mvMouseButton_Left, callback=self._on_drag)
            dpg.add_mouse_release_handler(button=dpg.mvMouseButton_Left, callback=self._on_release)
            dpg.add_key_press_handler(dpg.mvKey_Z, callback=lambda: self._shortcut(self.c.undo))
            dpg.add_key_press_handler(dpg.mvKey_Y, callback=lambda: self._shortcut(self.c.redo))
        dpg.create_viewport(title="Colorization Studio", width=2 * PANE + 320, height=PANE + 480)
        dpg.setup_dearpygui()
        dpg.set_primary_window("main", True)
        self.refresh_input()
        self._apply_mode()

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
        return x * self.disp[2], y * self.disp[2]

    def _canvas_mouse(self):
        if not dpg.is_item_hovered("canvas"):
            return None
        return dpg.get_drawing_mouse_pos()

    # ----- events ---------------------------------------------------------------------------
    def _act(self, fn, *args):
        fn(*args)
        self.refresh_markers()

    def _shortcut(self, fn):
        """Ctrl+Z / Ctrl+Y in the interactive mode."""
        if self.c.doc.mode == "interactive" and (dpg.is_key_down(dpg.mvKey_LControl) or
                                                 dpg.is_key_down(dpg.mvKey_RControl)):
            self._act(fn)

    def _on_mode(self, mode):
        self.c.set_mode(mode)
        self._apply_mode()

    def _apply_mode(self):
        mode = self.c.doc.mode
        dpg.set_value("mode", mode.capitalize())
        dpg.set_value("layer", self.c.doc.layer or "")
        dpg.set_value("lbl_input", {"automatic": "Input (lightness only)",
                                    "interactive": "Input (click: add hint, drag: move, right-click: remove)",
                                    "layers": "Input (lightness only)"}[mode] if self.c.doc.image is not None
                      else "No photo yet: File > Open photo... (or python -m gui PHOTO)")
        dpg.configure_item("panel_interactive", show=mode == "interactive")
        dpg.configure_item("panel_layers", show=mode == "layers")
        dpg.configure_item("row_stages", show=mode == "layers")
        dpg.configure_item("btn_colorize", show=mode == "automatic")
        dpg.set_viewport_height(PANE + (480 if mode == "layers" else 140))
        self.refresh_markers()

    def click_canvas(self, px, py, button="left"):
        """A click at canvas pixel (px, py): what the mouse handlers (and tests) call."""
        pos = self.to_image(px, py)
        if pos is None or self.c.doc.mode != "interactive":
            return None
        x, y = pos
        hit = self.c.hint_at(x, y, tolerance=8 / self.disp[2])
        if button == "right":
            if hit is not None:
                self.c.remove_hint(hit)
        elif hit is not None:
            self.c.doc.selected = hit
            self.dragging = hit
            self.c.begin_drag()
        else:
            self.c.add_hint(x, y)
            self._show_suggestions(x, y)
        self.refresh_markers()
        return pos

    def _on_left_click(self, sender, app_data):
        pos = self._canvas_mouse()
        if pos is not None:
            self.click_canvas(*pos)

    def _on_right_click(self, sender, app_data):
        pos = self._canvas_mouse()
        if pos is not None:
            self.click_canvas(*pos, button="right")

    def _on_drag(self, sender, app_data):
        if self.dragging is None:
            return
        pos = dpg.get_drawing_mouse_pos()
        img = self.to_image(*pos)
        if img is not None:
            self.c.move_hint(self.dragging, *img, record=False)
            self.refresh_markers()

    def _on_release(self, sender, app_data):
        self.dragging = None

    def _on_pick(self, sender, value):
        rgb = [v / 255 if max(value[:3]) > 1 else v for v in value[:3]]
        self.c.set_color(rgb)
        self.refresh_markers()

    def _on_swatch(self, sender, app_data, k):
        rgb = self._suggested[k] if k < len(getattr(self, "_suggested", [])) else None
        if rgb is not None:
            dpg.set_value("picker", [int(round(c * 255)) for c in rgb] + [255])
            self.c.set_color(rgb)
            self.refresh_markers()

    def _on_compare(self, sender, value):
        self.compare = float(value)
        self.refresh_result()

    def _message(self, text, error=False):
        self.status = text
        dpg.set_value("status", text)
        dpg.configure_item("status", color=(255, 110, 110) if error else (200, 200, 200))

    def _on_open_file(self, sender, app_data):
        path = app_data.get("file_path_name")
        if path:
            self.open(path)

    def open(self, path):
        msg = self.c.open_image(path)
        if msg:
            self._message(msg, error=True)
        else:
            self._message(Path(path).name)
            self.refresh_input()
            self._apply_mode()

    def _on_save_result(self, sender, app_data):
        path = app_data.get("file_path_name")
        msg = self.c.save_result(path) if path else None
        self._message(msg or f"saved {path}", error=bool(msg))

    def _on_save_hints(self, sender, app_data):
        path = app_data.get("file_path_name")
        msg = self.c.save_hints(path) if path else None
        self._message(msg or f"saved {path}", error=bool(msg))

    def _on_load_hints(self, sender, app_data):
        path = app_data.get("file_path_name")
        msg = self.c.load_hints(path) if path else None
        self._message(msg or f"loaded {path}", error=bool(msg and "ignored" not in msg))
        self.refresh_markers()

    # ----- drawing ----------------------------------------------------------------------------
    def refresh_input(self):
        doc = self.c.doc
        if doc.image is None:
            return
        self.disp = _fit(doc.size)
        h, w, _ = self.disp
        uv = (w / PANE, h / PANE)
        dpg.configure_item("canvas", width=w, height=h)
        dpg.configure_item("img_input", pmax=(w, h), uv_max=uv)
        dpg.configure_item("img_result", width=w, height=h, uv_max=uv)
        dpg.configure_item("compare", width=max(120, w - 100))
        gray = np.repeat(self._gray()[..., None], 3, -1)
        canvas = np.zeros((PANE, PANE, 4), np.float32)
        canvas[:h, :w] = _rgba(gray, (h, w)).reshape(h, w, 4)
        dpg.set_value("tex_input", canvas.ravel())
        self.refresh_markers()

    def _gray(self):
        from models.color import rgb_to_lab
        if getattr(self, "_gray_for", None) is not self.c.doc.image:
            self._gray_cache = rgb_to_lab(self.c.doc.image)[..., 0] / 100
            self._gray_for = self.c.doc.image
        return self._gray_cache

    def refresh_markers(self):
        dpg.delete_item("markers", children_only=True)
        doc = self.c.doc
        if doc.mode == "interactive":
            for i, p in enumerate(doc.hints):
                cx, cy = self.to_canvas(p.x, p.y)
                col = [int(round(c * 255)) for c in p.rgb] + [255]
                ring = (255, 255, 0, 255) if i == doc.selected else (255, 255, 255, 255)
                dpg.draw_circle((cx, cy), 6, color=ring, fill=col, thickness=2, parent="markers")
        dpg.set_value("hint_count", f"{len(doc.hints)} hint(s)")
        shown = doc.hints[doc.selected].rgb if doc.selected is not None and doc.selected < len(doc.hints) else doc.color
        dpg.set_value("picker", [int(round(c * 255)) for c in shown] + [255])
        dpg.configure_item("btn_undo", enabled=self.c.can_undo)
        dpg.configure_item("btn_redo", enabled=self.c.can_redo)

    def _show_suggestions(self, x, y):
        sugg = self.c.suggestions(x, y, k=N_SUGGEST)
        self._suggested = [s["rgb"] for s in sugg]
        for k in range(N_SUGGEST):
            if k < len(sugg):
                rgb = sugg[k]["rgb"]
                dpg.configure_item(f"swatch{k}", default_value=[int(round(c * 255)) for c in rgb] + [255])
                dpg.set_item_label(f"swatch{k}", f"{sugg[k]['prob']:.2f}")

    def refresh_result(self):
        doc = self.c.doc
        if doc.result is None:
            return
        h, w, _ = self.disp
        after = doc.result["output"]
        shown = _rgba(after, (h, w)).reshape(h, w, 4)
        if self.compare < 1.0:  # before (gray input) left of the split, after right of it
            split = int(round(self.compare * w))
            before = _rgba(self._gray(), (h, w)).reshape(h, w, 4)
            shown[:, :split] = before[:, :split]
            shown[:, max(split - 1, 0):split + 1, :3] = (1.0, 0.85, 0.2)
        canvas = np.zeros((PANE, PANE, 4), np.float32)
        canvas[:h, :w] = shown
        dpg.set_value("tex_result", canvas.ravel())
        scene = doc.result.get("scene")
        label = "Result"
        if scene is not None:
            label += f"  -  scene: {scene[0]} ({scene[1][scene[0]]:.0%})"
        dpg.set_value("lbl_result", label)
        if doc.mode == "layers":
            self.refresh_layers()

    def _set_fitted(self, tex, widget, img, box):
        """Show img (float RGB) in a texture of size box = (h, w), aspect kept, and size the widget to it."""
        bh, bw = box
        h, w, _ = _fit(img.shape[:2], 1)
        s = min(bh / img.shape[0], bw / img.shape[1])
        h, w = max(1, int(img.shape[0] * s)), max(1, int(img.shape[1] * s))
        canvas = np.zeros((bh, bw, 4), np.float32)
        canvas[:h, :w] = _rgba(img, (h, w)).reshape(h, w, 4)
        dpg.set_value(tex, canvas.ravel())
        dpg.configure_item(widget, width=w, height=h, uv_max=(w / bw, h / bh))

    def refresh_layers(self):
        from models.inference import activation_grid
        res = self.c.doc.result
        n = len(res["stages"])
        for k, img in enumerate(res["stages"][:4]):
            self._set_fitted(f"tex_stage{k}", f"img_stage{k}", img, (THUMB, THUMB))
            hh, ww = img.shape[:2]
            f = 2 ** (n - 1 - k)
            dpg.set_value(f"lbl_stage{k}", f"stage {k + 1}: {hh // f}x{ww // f}")
        ent = res["entropy"]
        lo, hi = float(ent.min()), float(ent.max())
        self._set_fitted("tex_entropy", "img_entropy", _colormap(ent - lo, max(hi - lo, 1e-6)), (THUMB, THUMB))
        dpg.set_value("lbl_entropy", f"uncertainty: {lo:.1f}-{hi:.1f} bits")
        layer = self.c.doc.layer
        acts = res["activations"].get(layer)
        if acts is not None:
            order = np.argsort(-np.abs(acts).mean((1, 2)))  # strongest channels first
            grid = activation_grid(acts[order], max_channels=16, columns=8)
            self._set_fitted("tex_act", "img_act", _colormap(grid, 1.0), (ACT_H, ACT_W))
            dpg.set_value("act_info", f"Feature maps of {layer}: {acts.shape[0]} channels at "
                                      f"{acts.shape[1]}x{acts.shape[2]}, the 16 strongest (by mean |activation|)")

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
                if self.status.startswith("colorization failed"):
                    self._message("")
            elif event == "error":
                self._message(payload, error=True)
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
