"""Robust image input: formats, bit depths and modes decode to RGB floats; bad input raises ImageLoadError."""
import io

import numpy as np
import pytest

from models.image_io import ImageLoadError, load_image

Image = pytest.importorskip("PIL.Image")


def _gradient(w=40, h=30):
    x = np.linspace(0, 255, w, dtype=np.uint8)
    rgb = np.stack([np.tile(x, (h, 1)), np.tile(x[::-1], (h, 1)), np.full((h, w), 128, np.uint8)], -1)
    return rgb


@pytest.mark.parametrize("fmt,ext,tol", [("PNG", "png", 0), ("BMP", "bmp", 0), ("TIFF", "tif", 0),
                                         ("JPEG", "jpg", 0.08), ("WEBP", "webp", 0.08)])
def test_common_formats(fmt, ext, tol, tmp_path):
    rgb = _gradient()
    path = tmp_path / f"img.{ext}"
    Image.fromarray(rgb).save(path, format=fmt, **({"quality": 95} if fmt in ("JPEG", "WEBP") else {}))
    out = load_image(path)
    assert out.dtype == np.float32 and out.shape == (30, 40, 3)
    assert np.abs(out - rgb / 255).max() <= tol + 1e-6


def test_sixteen_bit_grey(tmp_path):
    grey = (np.linspace(0, 65535, 50).reshape(5, 10)).astype(np.uint16)
    Image.fromarray(grey).save(tmp_path / "g16.png")
    out = load_image(tmp_path / "g16.png")
    np.testing.assert_allclose(out[..., 0], grey / 65535, atol=1e-6)
    np.testing.assert_array_equal(out[..., 0], out[..., 2])


def test_grey_palette_alpha_cmyk(tmp_path):
    Image.fromarray(np.full((4, 4), 51, np.uint8), mode="L").save(tmp_path / "l.png")
    np.testing.assert_allclose(load_image(tmp_path / "l.png"), 0.2, atol=1e-6)
    pal = Image.new("P", (4, 4))
    pal.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    pal.putpixel((0, 0), 1)
    pal.save(tmp_path / "p.png")
    out = load_image(tmp_path / "p.png")
    np.testing.assert_allclose(out[0, 0], [0, 0, 1])
    np.testing.assert_allclose(out[1, 1], [1, 0, 0])
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[0, 0] = [255, 0, 0, 255]  # opaque red; the rest fully transparent -> white
    Image.fromarray(rgba, mode="RGBA").save(tmp_path / "a.png")
    out = load_image(tmp_path / "a.png")
    np.testing.assert_allclose(out[0, 0], [1, 0, 0])
    np.testing.assert_allclose(out[1, 1], [1, 1, 1])
    Image.new("CMYK", (3, 3), (0, 255, 255, 0)).save(tmp_path / "c.jpg", quality=100)
    out = load_image(tmp_path / "c.jpg")
    assert out[1, 1, 0] > 0.9 and out[1, 1, 1] < 0.1 and out[1, 1, 2] < 0.1  # CMYK (0,1,1,0) is red


def test_exif_orientation_is_applied(tmp_path):
    img = Image.fromarray(_gradient(40, 30))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    img.save(tmp_path / "o.jpg", exif=exif, quality=95)
    assert load_image(tmp_path / "o.jpg").shape == (40, 30, 3)


def test_bad_inputs_raise_one_error_type(tmp_path):
    good = io.BytesIO()
    Image.fromarray(_gradient(64, 64)).save(good, format="JPEG")
    cases = {"missing.png": None, "empty.png": b"", "text.png": b"hello, not an image",
             "truncated.jpg": good.getvalue()[: len(good.getvalue()) // 3]}
    for name, content in cases.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
    messages = {}
    for name in cases:
        with pytest.raises(ImageLoadError) as e:
            load_image(tmp_path / name)
        messages[name] = str(e.value)
    assert "no such file" in messages["missing.png"]
    assert "empty" in messages["empty.png"]
    assert "not an image" in messages["text.png"]
    assert "corrupt or truncated" in messages["truncated.jpg"]
    with pytest.raises(ImageLoadError, match="folder"):
        load_image(tmp_path)


def test_decompression_bomb_is_refused(tmp_path):
    Image.new("1", (12000, 12000)).save(tmp_path / "bomb.png")  # tiny file, 144 megapixels
    assert (tmp_path / "bomb.png").stat().st_size < 1_000_000
    with pytest.raises(ImageLoadError, match="more than the limit"):
        load_image(tmp_path / "bomb.png")
    Image.new("L", (1500, 1000)).save(tmp_path / "big.png")
    with pytest.raises(ImageLoadError, match="more than the limit"):
        load_image(tmp_path / "big.png", max_pixels=1_000_000)
    assert load_image(tmp_path / "big.png", max_pixels=2_000_000).shape == (1000, 1500, 3)
