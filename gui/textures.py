"""Turning float images into Dear PyGui textures: fitting into a box, RGBA, colour maps."""
from __future__ import annotations

import dearpygui.dearpygui as dpg
import numpy as np

from models.image_io import to_uint8


def fit(hw, box: int):
    """(h, w, scale) of an image of size hw shrunk or grown to fit a box x box square."""
    h, w = hw
    s = min(box / h, box / w)
    return max(1, int(round(h * s))), max(1, int(round(w * s))), s


def rgba(img, hw) -> np.ndarray:
    """Float RGB (or gray) image resized to hw -> flat RGBA float32 for a dynamic texture."""
    from PIL import Image

    img = np.asarray(img, np.float32)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, -1)
    arr = np.asarray(Image.fromarray(to_uint8(img)).resize((hw[1], hw[0]), Image.BILINEAR), np.float32) / 255
    return np.concatenate([arr, np.ones(arr.shape[:2] + (1,), np.float32)], -1).ravel()


def colormap(x, vmax: float) -> np.ndarray:
    """Values in 0..vmax as RGB through matplotlib's magma."""
    import matplotlib
    return matplotlib.colormaps["magma"](np.clip(x / vmax, 0, 1))[..., :3]


def blank(h: int, w: int) -> np.ndarray:
    return np.zeros(h * w * 4, np.float32)


def show_fitted(tex: str, widget: str, img, box) -> None:
    """Show img (float RGB) in texture tex of size box = (h, w), aspect kept, and size the widget to it."""
    bh, bw = box
    s = min(bh / img.shape[0], bw / img.shape[1])
    h, w = max(1, int(img.shape[0] * s)), max(1, int(img.shape[1] * s))
    canvas = np.zeros((bh, bw, 4), np.float32)
    canvas[:h, :w] = rgba(img, (h, w)).reshape(h, w, 4)
    dpg.set_value(tex, canvas.ravel())
    dpg.configure_item(widget, width=w, height=h, uv_max=(w / bw, h / bh))
