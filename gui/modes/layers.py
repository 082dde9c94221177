"""Layers mode: the stage heads' colorizations coarse to fine, the uncertainty map, and the 16
strongest feature maps of any layer, for the current photo and hints. Fits a 1280x800 screen."""
from __future__ import annotations

import dearpygui.dearpygui as dpg

from gui.controller import ModeNeeds
from gui.textures import blank, colormap, show_fitted
from models.visualize import activation_grid, strongest_channels

from . import Mode, register

THUMB = 140  # stage and entropy thumbnails, two per row beside the result
ACT_W, ACT_H = 940, 150  # the feature-map grid below the photos
MAX_STAGES = 5


@register
class Layers(Mode):
    name = "layers"
    label = "Layers"
    order = 2
    needs = ModeNeeds(explain=True, layer=True)
    height = 800

    def build(self, parent: str) -> None:
        c = self.view.c
        with dpg.texture_registry():
            for k in range(MAX_STAGES):
                dpg.add_dynamic_texture(THUMB, THUMB, blank(THUMB, THUMB), tag=f"tex_stage{k}")
            dpg.add_dynamic_texture(THUMB, THUMB, blank(THUMB, THUMB), tag="tex_entropy")
            dpg.add_dynamic_texture(ACT_W, ACT_H, blank(ACT_H, ACT_W), tag="tex_act")
        with dpg.group(parent=parent, tag="panel_layers", show=False):
            with dpg.group(horizontal=True):
                dpg.add_text("Layer")
                dpg.add_combo(c.cz.layer_names() if c.cz else [], tag="layer", width=160,
                              default_value=c.doc.layer or "", callback=lambda s, a: c.set_layer(a))
            dpg.add_text("Each stage head decodes colour at its\n"
                         "decoder level, coarse to fine; below,\n"
                         "the 16 strongest feature maps of the\n"
                         "chosen layer.", color=(170, 170, 170))
            cells = [(f"tex_stage{k}", f"img_stage{k}", f"lbl_stage{k}", f"stage {k + 1}") for k in range(MAX_STAGES)]
            cells.append(("tex_entropy", "img_entropy", "lbl_entropy", "uncertainty"))
            for row in range(0, len(cells), 2):
                with dpg.group(horizontal=True):
                    for tex, img, lbl, text in cells[row:row + 2]:
                        with dpg.group(tag=f"cell_{img}", show=False):
                            dpg.add_text(text, tag=lbl)
                            dpg.add_image(tex, tag=img)
        with dpg.group(parent=self.view.below, tag="row_layers", show=False):
            dpg.add_text("", tag="act_info")
            dpg.add_image("tex_act", tag="img_act")

    def show(self, active: bool) -> None:
        dpg.configure_item("panel_layers", show=active)
        dpg.configure_item("row_layers", show=active)
        dpg.set_value("layer", self.view.c.doc.layer or "")

    def refresh(self, result) -> None:
        if result.stages is None:  # a result made for another mode: the new request is on its way
            return
        n = len(result.stages)
        for k in range(MAX_STAGES):
            dpg.configure_item(f"cell_img_stage{k}", show=k < n)
        for k, img in enumerate(result.stages[:MAX_STAGES]):
            show_fitted(f"tex_stage{k}", f"img_stage{k}", img, (THUMB, THUMB))
            f = 2 ** (n - 1 - k)
            dpg.set_value(f"lbl_stage{k}", f"stage {k + 1}: {img.shape[0] // f}x{img.shape[1] // f}")
        ent = result.entropy
        lo, hi = float(ent.min()), float(ent.max())
        dpg.configure_item("cell_img_entropy", show=True)
        show_fitted("tex_entropy", "img_entropy", colormap(ent - lo, max(hi - lo, 1e-6)), (THUMB, THUMB))
        dpg.set_value("lbl_entropy", f"uncertainty {lo:.1f}-{hi:.1f} bits")
        layer = self.view.c.doc.layer
        acts = result.activations.get(layer)
        if acts is not None:
            grid = activation_grid(strongest_channels(acts, 16), max_channels=16, columns=8)
            show_fitted("tex_act", "img_act", colormap(grid, 1.0), (ACT_H, ACT_W))
            dpg.set_value("act_info", f"Feature maps of {layer}: {acts.shape[0]} channels at "
                                      f"{acts.shape[1]}x{acts.shape[2]}, the 16 strongest (by mean |activation|)")
