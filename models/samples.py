"""Write scikit-image's bundled sample photos as black-and-white files: the inputs of the README's demo.

    python -m models.samples OUTDIR

The photos ship inside scikit-image (no download). Each is reduced to the neutral gray of its CIE
lightness and saved as an 8-bit grayscale PNG, the kind of file a user brings, so the demo colorizes real gray inputs.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

SAMPLES = ("rocket", "coffee", "chelsea", "astronaut", "camera")


def write_samples(out_dir) -> list:
    import skimage.data
    from PIL import Image

    from .color import lab_to_rgb, rgb_to_lab
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


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m models.samples OUTDIR", file=sys.stderr)
        return 2
    for p in write_samples(argv[0]):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
