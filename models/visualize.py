"""Pictures of the colorization process (shared by the colorize command, the report, the
notebooks and the studio): feature-map grids, and figures of a Colorization.

The figures are built on matplotlib.figure.Figure without pyplot, so they never change the
caller's backend.
"""
from __future__ import annotations

import numpy as np


def activation_grid(act, max_channels: int = 16, columns: int = 4) -> np.ndarray:
    """Tile the first max_channels feature maps of one layer (C, h, w) into a [0, 1] image, each map
    normalised to its own range (so weak and strong channels are both visible)."""
    act = np.asarray(act, np.float32)[:max_channels]
    c, h, w = act.shape
    rows = int(np.ceil(c / columns))
    grid = np.ones((rows * (h + 1) - 1, columns * (w + 1) - 1), np.float32)
    for k in range(c):
        a = act[k]
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
        r, col = divmod(k, columns)
        grid[r * (h + 1): r * (h + 1) + h, col * (w + 1): col * (w + 1) + w] = a
    return grid


def strongest_channels(act, k: int = 16) -> np.ndarray:
    """The k channels of act (C, h, w) with the largest mean |activation|, strongest first."""
    act = np.asarray(act)
    return act[np.argsort(-np.abs(act).mean((1, 2)))[:k]]


def stage_strip(result, title: str = ""):
    """One row: the gray input, every stage head (coarse to fine), the output, and the entropy map.

    result: a Colorization made with explain=True.
    """
    from matplotlib.figure import Figure

    if result.stages is None:
        raise ValueError("no stage images; pass explain=True to Colorizer.process")
    pred = result.prediction
    stages = result.stages
    panels = [("input (L)", result.gray, None)]
    h, w = pred.work_hw
    for k, img in enumerate(stages):
        f = 2 ** (len(stages) - 1 - k)
        panels.append((f"stage {k + 1}: {h // f}x{w // f}", img, None))
    panels.append(("output (full res)", result.output, None))
    panels.append(("uncertainty (bits)", result.entropy, "magma"))
    fig = Figure(figsize=(2.3 * len(panels), 2.8), layout="constrained")
    axes = fig.subplots(1, len(panels))
    for ax, (name, img, cmap) in zip(axes, panels):
        im = ax.imshow(np.clip(img, 0, 1) if cmap is None else img, cmap=cmap, interpolation="nearest")
        ax.set_title(name, fontsize=9)
        ax.axis("off")
        if cmap is not None:
            fig.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    scene = result.scene
    sup = title
    if scene is not None:
        sup = f"{title}  (scene: {scene.name}, p={scene.probability:.2f})".strip()
    if sup:
        fig.suptitle(sup, fontsize=10)
    return fig


def activation_figure(result, max_channels: int = 16, title: str = ""):
    """A grid of feature maps for every recorded layer of a Colorization (each map scaled to its own range)."""
    from matplotlib.figure import Figure

    acts = result.activations
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
