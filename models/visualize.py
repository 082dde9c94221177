"""Figures of the colorization process (shared by the colorize command, the report and the notebooks).

Built on matplotlib.figure.Figure without pyplot, so they never change the caller's backend.
"""
from __future__ import annotations

import numpy as np

from .inference import activation_grid


def stage_strip(view: dict, title: str = ""):
    """One row: the gray input, every stage head (coarse to fine), the output, and the entropy map."""
    from matplotlib.figure import Figure

    pred = view["prediction"]
    stages = view["stages"]
    panels = [("input (L)", view["gray"], None)]
    h, w = pred.work_hw
    for k, img in enumerate(stages):
        f = 2 ** (len(stages) - 1 - k)
        panels.append((f"stage {k + 1}: {h // f}x{w // f}", img, None))
    panels.append(("output (full res)", view["output"], None))
    panels.append(("uncertainty (bits)", view["entropy"], "magma"))
    fig = Figure(figsize=(2.3 * len(panels), 2.8), layout="constrained")
    axes = fig.subplots(1, len(panels))
    for ax, (name, img, cmap) in zip(axes, panels):
        im = ax.imshow(np.clip(img, 0, 1) if cmap is None else img, cmap=cmap, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.axis("off")
        if cmap is not None:
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    scene = view.get("scene")
    sup = title
    if scene is not None:
        sup = f"{title}  (scene: {scene[0]}, p={scene[1][scene[0]]:.2f})".strip()
    if sup:
        fig.suptitle(sup, fontsize=10)
    return fig


def activation_figure(view: dict, max_channels: int = 16, title: str = ""):
    """A grid of feature maps for every recorded layer (each map scaled to its own range)."""
    from matplotlib.figure import Figure

    acts = view["activations"]
    names = list(acts)
    if not names:
        raise ValueError("no activations recorded; pass layers=... to Colorizer.process")
    cols = min(4, len(names))
    rows = int(np.ceil(len(names) / cols))
    fig = Figure(figsize=(3.2 * cols, 3.2 * rows), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, name in zip(axes.flat, names):
        a = acts[name]
        ax.imshow(activation_grid(a, max_channels), cmap="viridis", interpolation="nearest")
        ax.set_title(f"{name}: {a.shape[0]} ch, {a.shape[1]}x{a.shape[2]}", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
