"""Regions mode: the regions the segmenter found, listed with their share of the photo (click one to
colour it); click the photo to select the region under the cursor (the segmenter's, or the segment
grown over similar lightness where it is unsure); a colour picker for the selected region and the
model's likely colours where it was clicked; brush it in or out; every region's checkbox and colour
swatch; undo and redo. The result updates live
(gui/regions.py holds the state, models/conditions.py the regions)."""
from __future__ import annotations

import dearpygui.dearpygui as dpg
import numpy as np

from gui.controller import ModeNeeds
from gui.textures import blank, show_fitted

from . import Mode, register

TOOLS = ("select", "brush in", "brush out")
N_SUGGEST = 6
PREVIEW = (105, 140)  # the painted-regions preview texture (h, w)


def _rgb255(rgb) -> list:
    return [int(round(c * 255)) for c in rgb[:3]] + [255]


def preview(L, paints) -> np.ndarray:
    """The photo in gray with every enabled painted region tinted in its colour (H, W, 3)."""
    gray = np.repeat((np.asarray(L, np.float32) / 100)[..., None], 3, -1)
    out = gray.copy()
    for p in paints:
        if p.enabled:
            out[p.mask] = 0.35 * gray[p.mask] + 0.65 * np.asarray(p.rgb, np.float32)
    return out


@register
class Regions(Mode):
    name = "regions"
    label = "Regions"
    order = 5
    needs = ModeNeeds(regions=True)
    input_label = "Input (click: select a region; brush tools paint it in or out)"
    height = 720

    def __init__(self, view):
        super().__init__(view)
        self.suggested = []  # RGB of the suggestion swatches, best first
        self.tool = TOOLS[0]
        self.stroking = False
        self._listed = None  # the RegionMap whose detected regions are listed

    def build(self, parent: str) -> None:
        c = self.view.c
        with dpg.texture_registry():
            dpg.add_dynamic_texture(PREVIEW[1], PREVIEW[0], blank(*PREVIEW), tag="tex_regions")
        with dpg.group(parent=parent, tag="panel_regions", show=False):
            dpg.add_text("", tag="regions_found_label")
            dpg.add_group(tag="regions_found", horizontal=False)
            dpg.add_text("Colour of the selected region")
            dpg.add_color_picker(_rgb255(c.doc.region_color), tag="region_picker", no_alpha=True, width=120,
                                 callback=self._on_pick)
            dpg.add_text("", tag="region_suggest_label", color=(170, 170, 170))
            with dpg.group(horizontal=True):
                for k in range(N_SUGGEST):  # the model's likely colours where the region was clicked
                    dpg.add_color_button((0, 0, 0, 255), tag=f"region_swatch{k}", width=22, height=22, show=False,
                                         user_data=k, no_border=True, callback=self._on_swatch)
            dpg.add_radio_button(TOOLS, tag="region_tool", default_value=self.tool, horizontal=True,
                                 callback=lambda s, a: setattr(self, "tool", a))
            dpg.add_slider_int(label="brush", tag="region_brush", default_value=c.doc.radius, min_value=0,
                               max_value=8, width=120, callback=lambda s, a: c.set_radius(a))
            with dpg.group(horizontal=True):
                dpg.add_button(label="Undo (Ctrl+Z)", tag="btn_region_undo",
                               callback=lambda: self._act(c.region_undo))
                dpg.add_button(label="Redo (Ctrl+Y)", tag="btn_region_redo",
                               callback=lambda: self._act(c.region_redo))
            dpg.add_text("Painted regions", color=(170, 170, 170))
            dpg.add_group(tag="regions_painted")
            dpg.add_image("tex_regions", tag="img_regions")

    def show(self, active: bool) -> None:
        dpg.configure_item("panel_regions", show=active)
        if active:
            self.refresh(None)

    # ----- the canvas --------------------------------------------------------------------------
    def click(self, x, y, button):
        c = self.view.c
        if self.tool == "select":
            c.region_click(x, y)
            self.show_suggestions(x, y)
        else:
            c.brush(x, y, erase=self.tool == "brush out", begin=True)
            self.stroking = True
        self.refresh(None)
        return True

    def drag(self, x, y):
        if self.stroking:
            self.view.c.brush(x, y, erase=self.tool == "brush out")

    def release(self):
        if self.stroking:
            self.stroking = False
            self.refresh(None)

    def key(self, name, ctrl):
        if ctrl and name in ("z", "y"):
            self._act(self.view.c.region_undo if name == "z" else self.view.c.region_redo)

    # ----- widgets --------------------------------------------------------------------------------
    def _act(self, fn):
        fn()
        self.refresh(None)

    def _on_pick(self, sender, value):
        self.view.c.set_region_color([v / 255 if max(value[:3]) > 1 else v for v in value[:3]])
        self.refresh(None)

    def _on_swatch(self, sender, app_data, k):
        if k < len(self.suggested):
            self.view.c.set_region_color(self.suggested[k])
            self.refresh(None)

    def show_suggestions(self, x, y):
        """The model's most likely colours at the clicked pixel, as one-click swatches for the region."""
        sugg = self.view.c.suggestions(x, y, k=N_SUGGEST)
        self.suggested = [s["rgb"] for s in sugg]
        dpg.set_value("region_suggest_label", "The model's likely colours there:" if sugg else "")
        for k in range(N_SUGGEST):
            dpg.configure_item(f"region_swatch{k}", show=k < len(sugg))
            if k < len(sugg):
                dpg.configure_item(f"region_swatch{k}", default_value=_rgb255(sugg[k]["rgb"]))

    def _toggle(self, sender, value, index):
        self.view.c.regions.set_enabled(index, value)
        self._act(self.view.c.request)

    def _remove(self, sender, value, index):
        self.view.c.regions.remove(index)
        self._act(self.view.c.request)

    def _select(self, sender, value, index):
        self.view.c.regions.selected = index
        self.refresh(None)

    def list_found(self) -> None:
        """One button per region the segmenter found in this photo (rebuilt for each new photo)."""
        ed = self.view.c.regions
        self._listed = ed.map
        dpg.delete_item("regions_found", children_only=True)
        found = ed.detected()
        dpg.set_value("regions_found_label", "Regions found (click to colour):" if found else
                      "No named region found here: click the photo\nto colour the segment under the cursor.")
        for name, share in sorted(found.items(), key=lambda kv: -kv[1]):
            unsure = ", unsure" if ed.is_unsure(name) else ""
            dpg.add_button(label=f"{name} ({share:.0%}{unsure})", parent="regions_found", user_data=name,
                           callback=lambda s, a, u: self._act(lambda: self.view.c.add_region(u)))

    def refresh(self, result) -> None:
        c = self.view.c
        ed = c.regions
        if ed.L is None:
            return
        if ed.map is not self._listed:
            self.list_found()
        dpg.delete_item("regions_painted", children_only=True)
        for i, p in enumerate(ed.paints):
            with dpg.group(horizontal=True, parent="regions_painted"):
                dpg.add_checkbox(default_value=p.enabled, user_data=i, callback=self._toggle)
                dpg.add_color_button(_rgb255(p.rgb), width=18, height=18, user_data=i, callback=self._select)
                dpg.add_text(p.name, color=(255, 200, 80) if i == ed.selected else (220, 220, 220))
                dpg.add_button(label="x", user_data=i, callback=self._remove)
        current = ed.current
        dpg.set_value("region_picker", _rgb255(current.rgb if current else c.doc.region_color))
        dpg.configure_item("btn_region_undo", enabled=ed.can_undo)
        dpg.configure_item("btn_region_redo", enabled=ed.can_redo)
        show_fitted("tex_regions", "img_regions", preview(ed.L, ed.paints), PREVIEW)
