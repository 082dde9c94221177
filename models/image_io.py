"""Images in and out: reading any common file, resizing float arrays, and writing PNG or JPEG.

Reading: any common file becomes an RGB float32 array in [0, 1], or one clear error.

Accepted: JPEG, PNG, WebP, TIFF, BMP (whatever Pillow decodes); 8- and 16-bit; grey, palette,
alpha, CMYK; EXIF orientation applied. Transparent pixels are composited over white.
Everything that cannot be used raises ImageLoadError with a message naming the file and the
reason: missing, empty, not an image, corrupt or truncated, or too large (a decompression
bomb: more than max_pixels pixels). Writing is atomic (a temporary file renamed into place), so
an interrupted save never leaves half a picture under the final name.
"""
from __future__ import annotations

import io
import itertools
import os
import stat
import warnings
from pathlib import Path

import numpy as np

from minitorch_color.files import write_first_free

MAX_PIXELS = 100_000_000  # 100 megapixels: larger than any camera, smaller than a bomb
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp", ".gif")  # what folders are scanned for
SAVE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


class ImageLoadError(ValueError):
    """An input is not a usable image (missing, empty, not an image, corrupt, or too large)."""


def _to_rgb_float(img, as_float: bool = True) -> np.ndarray:
    from PIL import Image

    mode = img.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        arr = np.asarray(img, dtype=np.float64)
        scale = 65535.0 if mode.startswith("I;16") or arr.max(initial=0) > 255 else 255.0
        grey = np.clip(arr / scale, 0, 1)
        return np.repeat(grey[..., None], 3, axis=-1).astype(np.float32)
    if mode == "F":
        grey = np.asarray(img, dtype=np.float64)
        if grey.max(initial=0) > 1.0:
            grey = grey / 255.0
        return np.repeat(np.clip(grey, 0, 1)[..., None], 3, axis=-1).astype(np.float32)
    has_alpha = mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and "transparency" in img.info)
    if has_alpha:
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    if not as_float and img.mode == "L":
        return np.asarray(img)  # 8-bit gray stays (H, W) uint8: a quarter of the memory of RGB floats
    img = img.convert("RGB")  # grey, palette, CMYK, YCbCr, 1-bit ...
    return np.asarray(img) if not as_float else (np.asarray(img, dtype=np.float32) / 255.0)


def load_image(source, max_pixels: int = MAX_PIXELS, as_float: bool = True) -> np.ndarray:
    """Read a file path (or bytes) into an RGB float32 array (H, W, 3) in [0, 1].

    as_float=False keeps 8-bit files as uint8, and 8-bit gray ones as (H, W): what the colorize
    command uses for large photos (16-bit and float files still come back as float32 RGB).
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(source, (bytes, bytearray)):
        name, data = "<bytes>", bytes(source)
    else:
        name = os.fspath(source)
        if not os.path.exists(name):
            raise ImageLoadError(f"{name}: no such file")
        if os.path.isdir(name):
            raise ImageLoadError(f"{name}: is a folder, not an image file")
        if not stat.S_ISREG(os.stat(name).st_mode):  # a FIFO or device would block or never end
            raise ImageLoadError(f"{name}: not a regular file (a pipe, device or socket)")
        with open(name, "rb") as f:
            data = f.read()
    if not data:
        raise ImageLoadError(f"{name}: the file is empty")
    try:
        with warnings.catch_warnings():
            # our own max_pixels check below decides; Pillow still refuses beyond twice its limit
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            w, h = img.size
            if w * h > max_pixels:
                raise ImageLoadError(f"{name}: {w}x{h} pixels is more than the limit of {max_pixels} "
                                     "(possibly a decompression bomb)")
            img.load()
            img = ImageOps.exif_transpose(img)
            arr = _to_rgb_float(img, as_float)
    except ImageLoadError:
        raise
    except UnidentifiedImageError:
        raise ImageLoadError(f"{name}: not an image file (or a format Pillow cannot read)") from None
    except Image.DecompressionBombError as e:
        raise ImageLoadError(f"{name}: more than the limit of pixels Pillow opens safely "
                             f"(possibly a decompression bomb): {e}") from e
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise ImageLoadError(f"{name}: corrupt or truncated image ({e})") from e
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ImageLoadError(f"{name}: the image has no pixels")
    return arr


def resize(arr, hw, resample: str = "bilinear") -> np.ndarray:
    """A float (H, W) or (H, W, C) array resized to hw = (h, w) with Pillow, as float32."""
    from PIL import Image
    h, w = hw
    mode = Image.BILINEAR if resample == "bilinear" else Image.NEAREST
    if arr.shape[:2] == (h, w):
        return np.asarray(arr, np.float32)
    if arr.ndim == 2:
        return np.asarray(Image.fromarray(np.asarray(arr, np.float32), mode="F").resize((w, h), mode))
    return np.stack([resize(arr[..., c], hw, resample) for c in range(arr.shape[-1])], -1)


def to_uint8(rgb, strip_rows: int = 256) -> np.ndarray:
    """Float RGB (or gray) in [0, 1] to uint8, rounded and clipped (in strips of rows, to bound memory);
    uint8 comes back as it is."""
    rgb = np.asarray(rgb)
    if rgb.dtype == np.uint8:
        return rgb
    out = np.empty(rgb.shape, np.uint8)
    for r in range(0, max(1, rgb.shape[0]), strip_rows):
        out[r:r + strip_rows] = np.clip(np.round(rgb[r:r + strip_rows] * 255), 0, 255)
    return out


def save_image(rgb, path, quality: int = 95, overwrite: bool = True, alternatives=()) -> Path:
    """Write float RGB (H, W, 3) in [0, 1] as PNG or JPEG (by the extension) atomically, under a
    unique temporary name (minitorch_color/files.py); returns the path written.

    overwrite False: the name is claimed, never replaced; when it is taken, the next of alternatives
    (paths with the same extension) is tried, and FileExistsError when none is free. Raises
    ValueError for another extension and OSError when the file cannot be written (no temporary file
    is left behind).
    """
    from PIL import Image
    path = Path(path)
    fmt = SAVE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path.name}: save as " + ", ".join(SAVE_FORMATS))
    image = Image.fromarray(to_uint8(rgb))
    options = {"quality": quality} if fmt == "JPEG" else {}
    return write_first_free(itertools.chain([path], alternatives), lambda f: image.save(f, format=fmt, **options),
                            overwrite)


def image_divisor(image) -> float:
    """Check an image array for colorization; return what divides it into [0, 1].

    Accepted: gray (H, W) or RGB (H, W, 3); uint8 (divided by 255), uint16 (by 65535), or float
    already in [0, 1] (values a little outside are clipped later). Everything else is a ValueError
    that says why: other integer types, non-finite values, floats on a 0..255 scale, no pixels.
    """
    a = np.asarray(image)
    if a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[-1] != 3):
        raise ValueError(f"expected a gray (H, W) or RGB (H, W, 3) image, got an array of shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"the image has no pixels (shape {a.shape})")
    if a.dtype == np.uint8:
        return 255.0
    if a.dtype == np.uint16:
        return 65535.0
    if a.dtype.kind != "f":
        raise ValueError(f"images must be uint8, uint16 or floats in [0, 1], not {a.dtype}")
    lo, hi = float(a.min()), float(a.max())
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError("the image holds non-finite values (NaN or infinity)")
    if lo < -0.5 or hi > 1.5:
        raise ValueError(f"float images must hold values in [0, 1], these span {lo:g}..{hi:g} "
                         "(divide 8-bit values by 255)")
    return 1.0
