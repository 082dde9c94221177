"""Interactive mode: click to add a colour point, drag to move it, right-click to remove it; a
colour picker, the model's most likely colours at the clicked pixel, patch size, undo/redo."""
from __future__ import annotations

import dearpygui.dearpygui as dpg

from . import Mode, register

N_SUGGEST = 6


def _rgb255(rgb) -> list:
    return [int(round(c * 255)) for c in rgb[:3]] + [255]


@register
class Interactive(Mode):
    name = "interactive"
    label = "Interactive"
    order = 1
    input_label = "Input (click: add hint, drag: move, right-click: remove)"

    def __init__(self, view):
        super().__init__(view)
        self.dragging = None  # index of the hint being dragged
        self.suggested = []  # RGB of the suggestion swatches, best first

    def build(self, parent: str) -> None:
        c = self.view.c
        with dpg.group(parent=parent, tag="panel_interactive", show=False):
            dpg.add_text("Hint colour")
            dpg.add_color_picker(_rgb255(c.doc.color), tag="picker", no_alpha=True, width=180,
                                 callback=self._on_pick)
            dpg.add_text("Click the photo to see the model's\nlikely colours there.", tag="suggest_label")
            with dpg.group(horizontal=True):
                for k in range(N_SUGGEST):  # hidden until there are suggestions: no placeholder boxes
                    dpg.add_color_button((0, 0, 0, 255), tag=f"swatch{k}", width=26, height=26, show=False,
                                         callback=self._on_swatch, user_data=k, no_border=True)
            dpg.add_slider_int(label="patch", tag="radius", default_value=c.doc.radius, min_value=0, max_value=8,
                               width=120, callback=lambda s, a: c.set_radius(a))
            with dpg.group(horizontal=True):
                dpg.add_button(label="Undo (Ctrl+Z)", tag="btn_undo", callback=lambda: self._act(c.undo))
                dpg.add_button(label="Redo (Ctrl+Y)", tag="btn_redo", callback=lambda: self._act(c.redo))
                dpg.add_button(label="Clear", tag="btn_clear", callback=lambda: self._act(c.clear_hints))
            dpg.add_text("", tag="hint_count")

    def show(self, active: bool) -> None:
        dpg.configure_item("panel_interactive", show=active)
        self.draw_markers(active)

    # ----- the canvas ----------------------------------------------------------------------
    def click(self, x, y, button):
        c = self.view.c
        hit = c.hint_at(x, y, tolerance=8 / self.view.scale)
        if button == "right":
            if hit is not None:
                c.remove_hint(hit)
        elif hit is not None:
            c.doc.selected = hit
            self.dragging = hit
            c.begin_drag()
        else:
            c.add_hint(x, y)
            self.show_suggestions(x, y)
        self.draw_markers()
        return True

    def drag(self, x, y):
        if self.dragging is not None:
            self.view.c.move_hint(self.dragging, x, y, record=False)
            self.draw_markers()

    def release(self):
        self.dragging = None

    def key(self, name, ctrl):
        if ctrl and name in ("z", "y"):
            self._act(self.view.c.undo if name == "z" else self.view.c.redo)

    # ----- widgets ---------------------------------------------------------------------------
    def _act(self, fn):
        fn()
        self.draw_markers()

    def _on_pick(self, sender, value):
        rgb = [v / 255 if max(value[:3]) > 1 else v for v in value[:3]]
        self.view.c.set_color(rgb)
        self.draw_markers()

    def _on_swatch(self, sender, app_data, k):
        if k < len(self.suggested):
            self.view.c.set_color(self.suggested[k])
            self.draw_markers()

    def show_suggestions(self, x, y):
        """Fill the swatches with the model's most likely colours at image pixel (x, y)."""
        sugg = self.view.c.suggestions(x, y, k=N_SUGGEST)
        self.suggested = [s["rgb"] for s in sugg]
        dpg.set_value("suggest_label", "The model's likely colours here:" if sugg else
                      "Click the photo to see the model's\nlikely colours there.")
        for k in range(N_SUGGEST):
            dpg.configure_item(f"swatch{k}", show=k < len(sugg))
            if k < len(sugg):
                dpg.configure_item(f"swatch{k}", default_value=_rgb255(sugg[k]["rgb"]))

    def draw_markers(self, active: bool = True):
        """The hint points on the canvas, and the picker, counters and buttons that follow them."""
        doc, c = self.view.c.doc, self.view.c
        dpg.delete_item("markers", children_only=True)
        if active:
            for i, p in enumerate(doc.hints):
                cx, cy = self.view.to_canvas(p.x, p.y)
                ring = (255, 255, 0, 255) if i == doc.selected else (255, 255, 255, 255)
                dpg.draw_circle((cx, cy), 6, color=ring, fill=_rgb255(p.rgb), thickness=2, parent="markers")
        dpg.set_value("hint_count", f"{len(doc.hints)} hint(s)")
        selected = doc.selected is not None and doc.selected < len(doc.hints)
        dpg.set_value("picker", _rgb255(doc.hints[doc.selected].rgb if selected else doc.color))
        dpg.configure_item("btn_undo", enabled=c.can_undo)
        dpg.configure_item("btn_redo", enabled=c.can_redo)

    def refresh(self, result):
        self.draw_markers()
