"""Automatic mode: one click colorizes, and the recognised scene is shown with its probability."""
from __future__ import annotations

import dearpygui.dearpygui as dpg

from . import Mode, register


@register
class Automatic(Mode):
    name = "automatic"
    label = "Automatic"
    order = 0

    def build(self, parent: str) -> None:
        with dpg.group(parent=parent, tag="panel_automatic", show=False):
            dpg.add_button(label="Colorize", tag="btn_colorize", callback=lambda: self.view.c.request())
            dpg.add_text("The network sees only the photo's\nlightness and chooses every colour.",
                         color=(170, 170, 170))

    def show(self, active: bool) -> None:
        dpg.configure_item("panel_automatic", show=active)
