"""Write scikit-image's bundled sample photos as black-and-white files: the inputs of the README's demo.

    python -m models.samples OUTDIR [--sheet PICTURE.png]

--sheet also colorizes the colour ones with the shipped weights at default settings and draws
original | gray | colorized for each (the README's first picture).

The photos ship inside scikit-image (no download). Each is reduced to the neutral gray of its CIE
lightness and saved as an 8-bit grayscale PNG, the kind of file a user brings, so the demo colorizes real gray inputs.
"""
from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import numpy as np
import skimage.data
from PIL import Image

from minitorch_color.files import write_atomic

from .color import lab_to_rgb, rgb_to_lab
from .image_io import load_image
from .pipeline import Pipeline, Request

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

SAMPLES = ("rocket", "coffee", "chelsea", "astronaut", "camera")


def write_samples(out_dir) -> list:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in SAMPLES:
        img = getattr(skimage.data, name)()
        if img.ndim == 3:
            L = rgb_to_lab(img[..., :3].astype(np.float64) / 255)[..., 0]
            neutral = lab_to_rgb(np.stack([L, np.zeros_like(L), np.zeros_like(L)], -1))[..., 0]  # same lightness
            gray = np.clip(np.round(neutral * 255), 0, 255).astype(np.uint8)
        else:
            gray = img.astype(np.uint8)
        path = out / f"{name}.png"
        Image.fromarray(gray, mode="L").save(path)
        paths.append(path)
    return paths


def before_after_sheet(gray_paths, path) -> Path:
    """original | gray | colorized (shipped weights, default settings) for every sample that has colour."""
    pipe = Pipeline.load()
    rows = [(getattr(skimage.data, Path(g).stem)(), load_image(g)) for g in gray_paths]
    rows = [(orig, gray) for orig, gray in rows if orig.ndim == 3]
    fig, axes = plt.subplots(len(rows), 3, figsize=(9, 2.6 * len(rows)), squeeze=False)
    for r, (orig, gray) in enumerate(rows):
        ours = pipe.run(Request(gray)).output
        for c, (img, title) in enumerate(((orig[..., :3], "original"), (gray, "gray (what we see)"),
                                          (ours, "colorized"))):
            axes[r, c].imshow(img)
            axes[r, c].axis("off")
            if r == 0:
                axes[r, c].set_title(title)
    fig.tight_layout()
    write_atomic(path, lambda f: fig.savefig(f, format="png", dpi=80), overwrite=True)
    plt.close(fig)
    return Path(path)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    sheet, asked = None, "--sheet" in argv
    if asked:
        i = argv.index("--sheet")
        sheet = argv[i + 1] if i + 1 < len(argv) else None
        argv = argv[:i] + argv[i + 2:]
    if len(argv) != 1 or (asked and sheet is None):
        print("usage: python -m models.samples OUTDIR [--sheet PICTURE.png]", file=sys.stderr)
        return 2
    paths = write_samples(argv[0])
    for p in paths:
        print(p)
    if sheet:
        print(before_after_sheet(paths, sheet))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
