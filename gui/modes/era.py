"""Era mode: the decade the recogniser sees in the photo, a probability bar per era, a selector to
colour it as another decade (remembered per photo), and the period palette's swatches; the result
is the photo coloured as that decade would have (gui/controller.py, models/era.py, models/palette.py)."""
from __future__ import annotations

import dearpygui.dearpygui as dpg
import numpy as np

from gui.controller import ModeNeeds
from gui.textures import blank, show_fitted
from models.color import COLOR_CLASSES, REFERENCE_RGB
from models.era import AUTO_CONFIDENCE, AUTO_ERAS, ERAS, HELD_OUT_NOTE, LABELS, film_for
from models.palette import grade, palette_for

from . import Mode, register

AUTO = "auto (recognised, if sure)"
SWATCH_W, SWATCH_H = 270, 30


def swatches(label: str) -> np.ndarray:
    """The nine named colours in the decade's palette, as an RGB strip (SWATCH_H, SWATCH_W, 3)."""
    colours = np.array([[REFERENCE_RGB.get(c, (0.5, 0.5, 0.5)) for c in COLOR_CLASSES]], np.float64)
    strip = grade(colours, palette_for(label))
    return np.repeat(np.repeat(strip, SWATCH_H, 0), SWATCH_W // len(COLOR_CLASSES), 1)


@register
class Era(Mode):
    name = "era"
    label = "Era"
    order = 3
    needs = ModeNeeds(era=True)

    def build(self, parent: str) -> None:
        c = self.view.c
        with dpg.texture_registry():
            w = SWATCH_W // len(COLOR_CLASSES) * len(COLOR_CLASSES)
            dpg.add_dynamic_texture(w, SWATCH_H, blank(SWATCH_H, w), tag="tex_palette")
        with dpg.group(parent=parent, tag="panel_era", show=False):
            dpg.add_text("", tag="era_recognised")
            for era in ERAS:
                dpg.add_progress_bar(tag=f"era_bar_{era}", width=270, overlay=era)
            dpg.add_text(HELD_OUT_NOTE, tag="era_caveat", color=(170, 170, 170))
            dpg.add_spacer(height=4)
            dpg.add_text("Colour as")
            dpg.add_combo([AUTO] + list(LABELS), tag="era_choice", width=270, default_value=AUTO,
                          callback=lambda s, a: c.set_era("auto" if a == AUTO else a))
            dpg.add_text("", tag="era_palette")
            dpg.add_image("tex_palette", tag="img_palette")
            dpg.add_text("", tag="era_film", color=(170, 170, 170))

    def show(self, active: bool) -> None:
        dpg.configure_item("panel_era", show=active)
        if active:
            self.refresh(None)

    def refresh(self, result) -> None:
        c = self.view.c
        rec = c.doc.recognized
        if rec is None:
            dpg.set_value("era_recognised", "No era recogniser loaded:\nchoose the decade below.")
        else:
            verdict = ("a colour photo: auto leaves it modern" if rec.color_photo else
                       f"under {AUTO_CONFIDENCE:.0%}: auto leaves it modern" if not rec.sure else
                       f"over {AUTO_CONFIDENCE:.0%}, but prints from 1920 on look modern:\nauto leaves it modern"
                       if rec.era not in AUTO_ERAS else
                       f"over {AUTO_CONFIDENCE:.0%}: auto colours it as the {rec.auto_label}")
            dpg.set_value("era_recognised", f"Suggested: {rec.era} ({rec.era_probabilities[rec.era]:.0%}),\n"
                                            f"most likely the {rec.era_decade}\n{verdict}")
        for era in ERAS:
            p = rec.era_probabilities[era] if rec is not None else 0.0
            dpg.set_value(f"era_bar_{era}", p)
            dpg.configure_item(f"era_bar_{era}", overlay=f"{era}: {p:.0%}" if rec is not None else era)
        used = c.era
        chosen = c.doc.eras.get(c.doc.path)
        dpg.set_value("era_choice", chosen or AUTO)
        dpg.set_value("era_palette", f"Coloured as the {used}:\n{palette_for(used).name}")
        show_fitted("tex_palette", "img_palette", swatches(used), (SWATCH_H, SWATCH_W))
        film = film_for(used)  # the decade's film; the pipeline reads it only with film inputs
        reads = c.pipeline is not None and c.pipeline.film_inputs
        dpg.set_value("era_film", f"The gray is read as {film} film." if reads else
                      f"(These weights read every gray as a modern\ncamera would; reading it as {film} film needs\n"
                      "ColorNet weights with film inputs.)")
