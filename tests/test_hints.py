"""User hints: colours, the JSON file format, the --hint argument and their encoding on the working grid."""
import json

import numpy as np
import pytest

from models.color import rgb_to_lab
from models.hints import HintError, Hints, encode, parse_color, parse_hint_arg


def test_parse_color_forms_and_errors():
    assert parse_color("#ff8000") == (1.0, 128 / 255, 0.0)
    assert parse_color("FF8000") == parse_color([255, 128, 0])
    assert parse_color("red") == (1.0, 0.0, 0.0) == parse_color("255, 0, 0")  # CSS names, as conditions take
    for bad in ("#ff80", "redd", [256, 0, 0], [1, 2], None, [True, 0, 0]):
        with pytest.raises(HintError):
            parse_color(bad)


def test_from_dict_reads_points_and_regions():
    h = Hints.from_dict({"points": [{"x": 3, "y": 4, "color": "#0000ff", "radius": 2}],
                         "regions": [{"box": [0, 0, 10, 5], "color": [0, 255, 0]},
                                     {"polygon": [[0, 0], [9, 0], [0, 9]], "color": "#ff0000"}]})
    assert len(h) == 3 and h.points[0].radius == 2 and h.regions[0].box == (0, 0, 10, 5)
    again = Hints.from_dict(json.loads(json.dumps(h.to_dict())))
    assert again.to_dict() == h.to_dict()


@pytest.mark.parametrize("data, message", [
    ([1, 2], "top level"),
    ({"pts": []}, "unknown key"),
    ({"points": [{"x": 1, "color": "#000000"}]}, "needs 'x', 'y'"),
    ({"points": [{"x": "a", "y": 1, "color": "#000000"}]}, "not a number"),
    ({"points": [{"x": 1, "y": 1, "color": "#000000", "radius": -1}]}, "radius"),
    ({"regions": [{"color": "#000000"}]}, "exactly one of"),
    ({"regions": [{"box": [5, 5, 1, 1], "color": "#000000"}]}, "empty"),
    ({"regions": [{"polygon": [[0, 0], [1, 1]], "color": "#000000"}]}, "at least 3"),
])
def test_malformed_hints_name_the_problem(data, message):
    with pytest.raises(HintError, match=message):
        Hints.from_dict(data)


def test_from_file_errors(tmp_path):
    with pytest.raises(HintError, match="no such hints file"):
        Hints.from_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"points": [ {"x": 1,, }')
    with pytest.raises(HintError, match="not valid JSON.*line 1"):
        Hints.from_file(bad)
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"points": [{"x": 1, "y": 2, "color": "#123456"}]}))
    assert Hints.from_file(good).points[0].y == 2


def test_parse_hint_arg():
    p = parse_hint_arg("120,40,#3a6fd0")
    assert (p.x, p.y) == (120, 40) and p.rgb == parse_color("#3a6fd0")
    for bad in ("120,40", "a,40,#3a6fd0", "1,2,#zzzzzz"):
        with pytest.raises(HintError):
            parse_hint_arg(bad)


def test_encode_places_points_and_regions_on_the_working_grid():
    h = Hints()
    h.regions.append(Hints.from_dict({"regions": [{"box": [0, 0, 100, 50], "color": "#00ff00"}]}).regions[0])
    h.add_point(150, 150, (0, 0, 1), radius=0)  # image 200x200 -> working 20x20: cell (15, 15)
    ab, mask = encode(h, (200, 200), (20, 20))
    green = rgb_to_lab(np.array([0.0, 1.0, 0.0]))[1:]
    blue = rgb_to_lab(np.array([0.0, 0.0, 1.0]))[1:]
    assert mask[:5, :10].all() and mask[5:, 10:15].sum() == 0
    np.testing.assert_allclose(ab[2, 3], green, atol=1e-3)
    assert mask[15, 15, 0] == 1 and mask.sum() == 5 * 10 + 1
    np.testing.assert_allclose(ab[15, 15], blue, atol=1e-3)
    assert ab.dtype == np.float32 and mask.shape == (20, 20, 1)


def test_encode_nothing_and_out_of_image_hints():
    ab, mask = encode(None, (30, 40), (8, 16))
    assert not ab.any() and not mask.any()
    with pytest.raises(HintError, match="outside"):
        encode(Hints().add_point(40, 5, (1, 0, 0)), (30, 40), (8, 16))
    with pytest.raises(HintError, match="outside"):
        encode(Hints.from_dict({"regions": [{"box": [50, 50, 60, 60], "color": "#ffffff"}]}), (30, 40), (8, 16))


def test_polygon_region_covers_its_inside():
    h = Hints.from_dict({"regions": [{"polygon": [[0, 0], [64, 0], [64, 64], [0, 64]], "color": "#ff0000"}]})
    _, mask = encode(h, (128, 128), (32, 32))
    assert mask[:16, :16].all() and not mask[20:, 20:].any()
