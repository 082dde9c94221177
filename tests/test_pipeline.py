"""The one pipeline (models/pipeline.py): each step does its part and nothing else, in order."""
import numpy as np
import pytest

import minitorch_color as mt
from models import pipeline as P
from models.color_text import parse_conditions
from models.colornet import ColorNet, ColorNetConfig
from models.era import EraChooser
from models.image_io import to_uint8
from models.inference import Colorizer
from models.palette import grade, palette_for
from models.stylenet import Stylizer
from tests.test_conditions import region_map
from tests.test_era import random_recognizer
from tests.test_stylenet import tiny_stylizer


@pytest.fixture(scope="module")
def cz():
    mt.manual_seed(0)
    return Colorizer(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64), film_inputs=True)), size=32)


@pytest.fixture(scope="module")
def photo():
    return np.random.default_rng(0).random((40, 60)).astype(np.float32)


def test_modern_is_the_network_alone_and_uint8_is_the_same_picture(cz, photo):
    pipe = P.Pipeline(cz)
    plain = cz.process(photo)
    result = pipe.run(P.Request(photo))
    assert np.array_equal(result.output, plain.output) and result.prediction.film == "panchromatic"
    small = pipe.run(P.Request(photo, dtype=np.uint8)).output
    assert small.dtype == np.uint8 and np.array_equal(small, to_uint8(plain.output))


def test_an_era_reads_its_film_and_grades_in_its_palette(cz, photo):
    result = P.Pipeline(cz).run(P.Request(photo, era="1870s"))
    network = cz.process(photo, film="blue-sensitive")
    assert result.prediction.film == "blue-sensitive"
    np.testing.assert_allclose(result.output, grade(network.output, palette_for("1870s")), atol=1e-6)
    graded_8bit = P.Pipeline(cz).run(P.Request(photo, era="1870s", dtype=np.uint8)).output
    assert np.array_equal(graded_8bit, to_uint8(result.output))  # graded on floats, 8-bit after


def test_weights_without_film_inputs_read_every_era_as_a_modern_camera(photo):
    mt.manual_seed(1)
    plain = Colorizer(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64))), size=32)
    pipe = P.Pipeline(plain)
    assert not pipe.film_inputs and pipe.film("1870s") == "panchromatic"
    assert pipe.run(P.Request(photo, era="1910s")).prediction.film == "panchromatic"


def test_regions_are_painted_and_the_rest_kept(cz, photo):
    class Finder:
        def find(self, image):
            return region_map(*image.shape[:2])

    pipe = P.Pipeline(cz, finder=Finder())
    regions, covered = pipe.regions_for(photo, parse_conditions("sky: red"))
    assert covered["sky: red"] > 0
    plain = pipe.run(P.Request(photo)).output
    red = pipe.run(P.Request(photo, regions=tuple(regions))).output
    sky = regions[0].mask
    assert red[sky][:, 0].mean() > plain[sky][:, 0].mean() + 0.1
    assert np.array_equal(red[30:], plain[30:])  # the road below is untouched
    with pytest.raises(ValueError, match="no region segmenter"):
        P.Pipeline(cz).regions_for(photo, parse_conditions("sky: red"))
    assert P.Pipeline(cz).regions_for(photo, []) == ([], {})


def test_a_style_paints_last_and_keeps_the_plain_colorization(cz, photo, tmp_path):
    st = Stylizer.from_weights(tiny_stylizer(tmp_path))
    pipe = P.Pipeline(cz, stylizer=st)
    plain = pipe.run(P.Request(photo, era="1920s")).output
    styled = pipe.run(P.Request(photo, era="1920s", style=st.blend("Monet", 1.0)))
    assert np.array_equal(styled.plain, plain) and np.abs(styled.output - plain).mean() > 1e-3
    with pytest.raises(ValueError, match="no StyleNet"):
        P.Pipeline(cz).run(P.Request(photo, style=st.blend("Monet", 1.0)))


def test_the_era_rule_is_the_choosers(cz, photo):
    assert P.Pipeline(cz).decide_era(photo).used == "modern"  # no chooser: modern
    chosen = P.Pipeline(cz, eras=EraChooser("1890s")).decide_era(photo)
    assert chosen.used == "1890s" and chosen.recognized is None
    auto = P.Pipeline(cz, eras=EraChooser("auto", recognizer=random_recognizer())).decide_era(photo)
    assert auto.recognized is not None and auto.used == auto.recognized.auto_label


def test_a_new_step_is_one_function_in_one_place(cz, photo, monkeypatch):
    def invert(pipe, req, result):
        return result.__class__(result.prediction, 1 - result.output, result.scene)

    monkeypatch.setattr(P, "STEPS", P.STEPS + (invert,))
    plain = cz.process(photo).output
    np.testing.assert_allclose(P.Pipeline(cz).run(P.Request(photo)).output, 1 - plain)
