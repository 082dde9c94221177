"""The studio's modes: each is one file here, a Mode subclass registered by name.

A mode owns its panel (built once, shown while the mode is active), says what its
colorization needs (stage images and entropy, one layer's activations), draws its part of
a finished result, and may handle clicks on the input canvas and keyboard shortcuts. The
frame (gui/view.py) knows modes only through this registry: a new mode is a new file
imported in load().
"""
from __future__ import annotations

from gui.controller import ModeNeeds

REGISTRY: dict = {}  # name -> Mode subclass (load() returns them in menu order)


def register(cls):
    """Class decorator: add a mode to the studio."""
    REGISTRY[cls.name] = cls
    return cls


class Mode:
    """Base class: a mode that shows the result and does nothing on the canvas."""

    name = ""
    label = ""
    order = 100  # place in the mode selector, lowest first
    input_label = "Input (lightness only)"
    needs = ModeNeeds()
    height = 620  # viewport height the mode needs (the layers mode fits 1280x800)

    def __init__(self, view):
        self.view = view

    def build(self, parent: str) -> None:
        """Add the mode's widgets under parent (the right-hand column); hidden until activated."""

    def show(self, active: bool) -> None:
        """Show or hide the mode's widgets."""

    def refresh(self, result) -> None:
        """Draw what the mode shows of a finished Colorization."""

    def click(self, x: float, y: float, button: str) -> bool:
        """A click at image pixel (x, y); True when the mode used it."""
        return False

    def drag(self, x: float, y: float) -> None:
        """The mouse moved to image pixel (x, y) with the left button down."""

    def release(self) -> None:
        """The left button was released."""

    def key(self, name: str, ctrl: bool) -> None:
        """A key was pressed ("z", "y"), with or without Ctrl."""


def load() -> dict:
    """Import the built-in modes (they register themselves) and return the registry."""
    from . import automatic, era, interactive, layers, regions, styles  # noqa: F401
    return dict(sorted(REGISTRY.items(), key=lambda item: item[1].order))
