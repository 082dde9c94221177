"""Period palettes: the mapping from decades, the grading, and the measurement's algebra."""
import numpy as np
import pytest

from models.color import rgb_to_lab
from models.palette import PALETTES, Palette, grade, palette_for
from train.measure_palettes import look, palette_numbers


def _photo():
    rng = np.random.default_rng(0)
    return np.clip(rng.random((12, 16, 3)) * 0.8 + 0.1, 0, 1)


def test_decades_map_to_palettes():
    assert palette_for("1860s") is PALETTES["hand-tinted"] and palette_for("1910s") is PALETTES["early colour"]
    assert palette_for("1950s") is PALETTES["kodachrome"] and palette_for("1970s") is PALETTES["faded print"]
    assert palette_for("modern") is PALETTES["modern"]
    assert all(p.source for p in PALETTES.values())  # each says where its numbers come from


def test_grading_moves_what_it_says():
    img = _photo()
    np.testing.assert_allclose(grade(img, PALETTES["modern"]), img, atol=2e-3)
    np.testing.assert_allclose(grade(img, PALETTES["kodachrome"], strength=0.0), img, atol=2e-3)
    def chroma(lab):
        return np.hypot(lab[..., 1], lab[..., 2]).mean()
    assert chroma(rgb_to_lab(grade(img, Palette("t", saturation=0.5)))) < 0.6 * chroma(rgb_to_lab(img))
    warm = rgb_to_lab(grade(np.full((2, 2, 3), 0.5), Palette("w", cast=(0.0, 12.0))))
    assert abs(warm[..., 2].mean() - 12) < 1.0  # a gray picks up the cast
    soft = rgb_to_lab(grade(np.zeros((2, 2, 3)), Palette("s", black=10.0)))
    assert abs(soft[..., 0].mean() - 10) < 0.5  # blacks lifted
    with pytest.raises(ValueError, match="0..1"):
        grade(img, PALETTES["kodachrome"], strength=1.5)


def test_the_measurement_of_a_look_against_itself_is_the_identity():
    photos = [_photo(), _photo()[::-1]]
    numbers = palette_numbers(look(photos), look(photos))
    assert numbers["saturation"] == pytest.approx(1.0) and numbers["cast"] == pytest.approx([0.0, 0.0])
    assert numbers["black"] == pytest.approx(0.0, abs=1e-9) and numbers["white"] == pytest.approx(100.0)
