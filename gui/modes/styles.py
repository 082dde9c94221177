"""Styles mode: a gallery of the styles, each style's own painting beside the current photo in it;
click one (its painting or the photo in it) to paint the photo in that style, a slider for its
strength; the result updates live and saves at full resolution (gui/controller.py, models/stylenet.py)."""
from __future__ import annotations

import dearpygui.dearpygui as dpg
import numpy as np

from gui.controller import ModeNeeds
from gui.textures import rgba
from models.image_io import resize

from . import Mode, register

THUMB = 48  # gallery thumbnails (the paintings ship at this size in the weights: models/stylenet.THUMB)
PREVIEW = 96  # the photo is painted at this size for its thumbnail
CHOSEN, OTHER = (255, 200, 80), (220, 220, 220)  # the chosen style's name stands out


def square(rgb) -> np.ndarray:
    """The centre square of an image."""
    h, w = rgb.shape[:2]
    k = min(h, w)
    return rgb[(h - k) // 2:(h - k) // 2 + k, (w - k) // 2:(w - k) // 2 + k]


@register
class Styles(Mode):
    name = "styles"
    label = "Styles"
    order = 4
    needs = ModeNeeds(style=True)
    height = 720

    def __init__(self, view):
        super().__init__(view)
        self._previewed = None  # the plain colorization the gallery's photo thumbnails were made from

    def build(self, parent: str) -> None:
        c = self.view.c
        st = c.stylizer
        names = st.names if st is not None else []
        with dpg.texture_registry():
            for k in range(len(names)):
                dpg.add_dynamic_texture(THUMB, THUMB, rgba(st.thumbnails[k] / 255, (THUMB, THUMB)),
                                        tag=f"tex_style_painting_{k}")
                dpg.add_dynamic_texture(THUMB, THUMB, np.zeros(THUMB * THUMB * 4, np.float32),
                                        tag=f"tex_style_photo_{k}")
        with dpg.group(parent=parent, tag="panel_styles", show=False):
            if st is None:
                dpg.add_text("No StyleNet weights loaded:\ntrain them with python -m train.train_styles,\n"
                             "or start with --style-weights.", color=(170, 170, 170))
                return
            dpg.add_text("", tag="style_current")
            dpg.add_slider_float(label="strength", tag="style_strength", min_value=0.0, max_value=1.0, width=200,
                                 default_value=c.doc.style_strength, callback=lambda s, a: c.set_style_strength(a))
            dpg.add_button(label="Plain colorization (no style)", callback=lambda: c.set_style(None))
            dpg.add_text("painting | your photo in it", color=(170, 170, 170))
            with dpg.child_window(width=305, height=560, tag="style_gallery"):
                for k, name in enumerate(names):
                    with dpg.group(horizontal=True):
                        for kind in ("painting", "photo"):
                            dpg.add_image_button(f"tex_style_{kind}_{k}", user_data=name,
                                                 callback=lambda s, a, u: c.set_style(u))
                        dpg.add_text(name, tag=f"style_name_{k}", wrap=165)

    def show(self, active: bool) -> None:
        dpg.configure_item("panel_styles", show=active)
        if active:
            self.refresh(self.view.c.doc.result)

    def refresh(self, result) -> None:
        c = self.view.c
        if c.stylizer is None:
            return
        chosen = c.doc.style
        dpg.set_value("style_current", f"Painted as: {chosen} ({c.doc.style_strength:.0%})" if chosen
                      else "Plain colorization: pick a style below")
        dpg.set_value("style_strength", c.doc.style_strength)
        for k, name in enumerate(c.stylizer.names):
            dpg.configure_item(f"style_name_{k}", color=CHOSEN if name == chosen else OTHER)
        plain = None if result is None else (result.plain if result.plain is not None else result.output)
        if plain is not None and plain is not self._previewed:
            self._previewed = plain
            self.paint_previews(plain)

    def paint_previews(self, plain) -> None:
        """The photo painted in every style, small, for the gallery."""
        st = self.view.c.stylizer
        small = resize(np.asarray(square(plain), np.float32), (PREVIEW, PREVIEW))
        for k, name in enumerate(st.names):
            painted = st.stylize(small, st.blend(name))
            dpg.set_value(f"tex_style_photo_{k}", rgba(painted, (THUMB, THUMB)))
