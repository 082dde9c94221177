"""The studio's controller: hints with undo/redo, files, errors that change nothing, supersession."""
import json
import threading

import numpy as np
import pytest
from PIL import Image

import minitorch_color as mt
from gui.controller import Controller
from gui.worker import Worker
from models.color import rgb_to_lab
from models.colornet import ColorNet, ColorNetConfig
from models.era import EraChooser
from models.inference import Colorizer
from models.pipeline import Pipeline


@pytest.fixture(scope="module")
def cz():
    mt.manual_seed(0)
    return Colorizer(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64))), size=32)


@pytest.fixture
def ctl(cz):
    c = Controller(Pipeline(cz))
    c.set_image(np.random.default_rng(0).random((40, 60, 3)).astype(np.float32))
    return c


def test_add_move_remove_with_undo_redo(ctl):
    assert ctl.doc.result is not None and not ctl.can_undo
    i = ctl.add_hint(10, 12, (1, 0, 0))
    assert i == 0 and ctl.doc.hints[0].x == 10 and ctl.can_undo
    assert ctl.add_hint(100, 5) is None  # outside the 60x40 image: ignored
    ctl.add_hint(30, 20, (0, 0, 1))
    assert ctl.hint_at(31, 21) == 1 and ctl.hint_at(50, 35) is None
    ctl.begin_drag()
    for x in (32, 35, 40):
        ctl.move_hint(1, x, 22, record=False)
    assert ctl.doc.hints[1].x == 40
    ctl.remove_hint(0)
    assert len(ctl.doc.hints) == 1
    assert ctl.undo() and len(ctl.doc.hints) == 2  # the removal
    assert ctl.undo() and ctl.doc.hints[1].x == 30  # the whole drag is one step
    assert ctl.redo() and ctl.doc.hints[1].x == 40
    ctl.undo(); ctl.undo(); ctl.undo()
    assert ctl.doc.hints == [] and not ctl.undo()
    assert ctl.redo() and len(ctl.doc.hints) == 1
    ctl.add_hint(5, 5)  # a new action clears the redo stack
    assert not ctl.can_redo


def test_color_and_radius_apply_to_the_selection(ctl):
    ctl.set_radius(3)
    ctl.add_hint(10, 10, (1, 0, 0))
    ctl.set_color((0, 1, 0))
    assert ctl.doc.hints[0].rgb == (0.0, 1.0, 0.0) and ctl.doc.hints[0].radius == 3
    ctl.undo()
    assert ctl.doc.hints[0].rgb == (1, 0, 0)
    ctl.set_radius(99)
    assert ctl.doc.radius == 16


def test_hints_round_trip_through_the_cli_schema(ctl, tmp_path):
    ctl.add_hint(10, 12, (1, 0, 0))
    ctl.add_hint(50, 30, (0, 0.5, 1))
    path = tmp_path / "h.json"
    assert ctl.save_hints(path) is None
    data = json.loads(path.read_text())
    assert [p["x"] for p in data["points"]] == [10, 50]
    ctl.clear_hints()
    assert ctl.load_hints(path) is None
    assert [(p.x, p.y) for p in ctl.doc.hints] == [(10, 12), (50, 30)]
    bad = tmp_path / "bad.json"
    bad.write_text("{oops")
    before = list(ctl.doc.hints)
    assert "not valid JSON" in ctl.load_hints(bad) and ctl.doc.hints == before
    far = tmp_path / "far.json"
    far.write_text(json.dumps({"points": [{"x": 500, "y": 5, "color": "#ffffff"}]}))
    assert "outside" in ctl.load_hints(far) and ctl.doc.hints == before


def test_bad_image_leaves_the_document_alone(ctl, tmp_path):
    bad = tmp_path / "x.png"
    bad.write_bytes(b"not a png")
    image, result = ctl.doc.image, ctl.doc.result
    msg = ctl.open_image(bad)
    assert msg and "x.png" in msg
    assert ctl.doc.image is image and ctl.doc.result is result
    good = tmp_path / "g.png"
    Image.fromarray((np.random.default_rng(1).random((20, 30)) * 255).astype(np.uint8)).save(good)
    assert ctl.open_image(good) is None and ctl.doc.size == (20, 30) and ctl.doc.hints == []


def test_save_result_formats(ctl, tmp_path):
    assert ctl.save_result(tmp_path / "r.png") is None
    assert Image.open(tmp_path / "r.png").size == (60, 40)
    assert ctl.save_result(tmp_path / "r.jpg") is None
    assert "save as" in ctl.save_result(tmp_path / "r.bmp")
    assert "cannot save" in ctl.save_result(tmp_path / "missing" / "r.png")
    empty = Controller(ctl.pipeline)
    assert "colorize first" in empty.save_result(tmp_path / "e.png")


def test_a_hint_pulls_the_result_toward_its_color(ctl):
    before = rgb_to_lab(ctl.doc.result.output)[20, 30, 1:]
    ctl.add_hint(30, 20, (0.0, 0.3, 1.0), radius=2)
    after = rgb_to_lab(ctl.doc.result.output)[20, 30, 1:]
    want = rgb_to_lab(np.array([0.0, 0.3, 1.0]))[1:]
    assert np.linalg.norm(after - want) < 0.5 * np.linalg.norm(before - want)


def test_newer_requests_supersede_pending_ones(cz):
    worker = Worker()
    ctl = Controller(Pipeline(cz), worker=worker)
    started = threading.Event()
    release = threading.Event()
    runs = []

    def slow_run(job):
        runs.append(len(job.hints))
        started.set()
        release.wait(5)
        return cz.process(job.image, job.hints or None)
    ctl.run_job = slow_run
    events = []
    ctl.listeners.append(lambda e, p: events.append(e))
    ctl.set_image(np.random.default_rng(0).random((24, 24, 3)).astype(np.float32))
    assert started.wait(5)
    for x in (2, 4, 6):  # three edits while the first request is still running
        ctl.add_hint(x, 5)
    release.set()
    assert worker.idle(30)
    assert runs == [0, 3]  # the two intermediate requests never ran
    assert ctl.doc.result_generation == ctl.generation and len(ctl.doc.hints) == 3
    assert events.count("result") == 1 and events[-1] == "busy"
    worker.stop()


def test_failed_inference_reports_and_keeps_the_result(cz):
    worker = Worker()
    ctl = Controller(Pipeline(cz), worker=worker)
    errors = []
    ctl.listeners.append(lambda e, p: errors.append(p) if e == "error" else None)
    ctl.set_image(np.random.default_rng(0).random((24, 24, 3)).astype(np.float32))
    assert worker.idle(30)
    kept = ctl.doc.result

    def boom(job):
        raise MemoryError("out of memory")
    ctl.run_job = boom
    ctl.add_hint(3, 3)
    assert worker.idle(30)
    assert ctl.doc.result is kept and errors and "out of memory" in errors[0]
    worker.stop()


def test_layers_mode_records_the_chosen_layer(ctl):
    ctl.set_mode("layers")
    ctl.set_layer("decoders.1")
    assert set(ctl.doc.result.activations) == {"decoders.1"}
    with pytest.raises(ValueError):
        ctl.set_layer("nope")
    with pytest.raises(ValueError):
        ctl.set_mode("sketch")


def test_era_mode_recognizes_and_remembers_the_override_per_photo(cz, tmp_path):
    from gui.controller import MODES, ModeNeeds
    from tests.test_era import random_recognizer
    rec = random_recognizer()
    c = Controller(Pipeline(cz, eras=EraChooser("auto", recognizer=rec)), modes={**MODES, "era": ModeNeeds(era=True)})
    rng = np.random.default_rng(1)
    paths = []
    for name in ("a.png", "b.png"):
        Image.fromarray((rng.random((30, 40, 3)) * 255).astype(np.uint8)).save(tmp_path / name)
        paths.append(tmp_path / name)
    assert c.open_image(paths[0]) is None
    recognized = c.doc.recognized.auto_label  # the recognised decade if sure, else modern
    assert c.era == recognized and c.job().era == "modern"  # only the era mode colours as a decade
    plain = c.doc.result.output
    c.set_mode("era")
    assert c.job().era == recognized
    c.set_era("1910s")
    assert c.era == "1910s" and c.job().era == "1910s"
    assert np.abs(c.doc.result.output - plain).mean() > 0.01  # graded in the early-colour palette
    c.open_image(paths[1])
    assert c.era == c.doc.recognized.auto_label  # another photo: its own recognised decade
    c.open_image(paths[0])
    assert c.era == "1910s"  # the override is remembered for this photo
    c.set_era("auto")
    assert c.era == recognized
    with pytest.raises(ValueError, match="unknown era"):
        c.set_era("1845s")


def test_styles_mode_paints_the_chosen_style_at_its_strength(cz, tmp_path):
    from gui.controller import MODES, ModeNeeds
    from models.stylenet import Stylizer
    from tests.test_stylenet import tiny_stylizer
    st = Stylizer.from_weights(tiny_stylizer(tmp_path))
    c = Controller(Pipeline(cz, stylizer=st), modes={**MODES, "styles": ModeNeeds(style=True)})
    c.set_image(np.random.default_rng(3).random((40, 60, 3)).astype(np.float32))
    plain = c.doc.result.output
    c.set_style("Monet")
    assert c.job().style is None and c.doc.result.plain is None  # only the styles mode paints
    c.set_mode("styles")
    assert np.array_equal(c.doc.result.plain, plain) and np.abs(c.doc.result.output - plain).mean() > 1e-3
    assert c.doc.result.output.shape == plain.shape  # full resolution
    c.set_style_strength(0.0)
    assert np.array_equal(c.doc.result.output, plain)
    c.set_style_strength(1.0)
    c.set_style(None)
    assert c.job().style is None and np.array_equal(c.doc.result.output, plain)
    with pytest.raises(ValueError, match="Gauguin"):
        c.set_style("Gogin")
    with pytest.raises(ValueError, match="strength"):
        c.set_style_strength(2)
    with pytest.raises(ValueError, match="no StyleNet"):
        Controller(Pipeline(cz)).set_style("Monet")


def test_regions_mode_selects_regions_by_click_with_undo(cz):
    from gui.controller import MODES, ModeNeeds
    from models.color import rgb_to_lab
    from tests.test_conditions import region_map

    class Finder:  # sky above row 16, road below, unsure at the horizon
        def find(self, image):
            return region_map(*image.shape[:2])

    c = Controller(Pipeline(cz, finder=Finder()), modes={**MODES, "regions": ModeNeeds(regions=True)})
    photo = np.full((40, 60, 3), 0.25, np.float32)  # a dark road
    photo[:15], photo[15:17] = 0.85, 0.55  # a bright sky, a mid-gray horizon band
    c.set_image(photo + np.random.default_rng(4).normal(0, 0.01, photo.shape).astype(np.float32))
    assert set(c.regions.detected()) == {"sky", "road"} and not c.regions.is_unsure("sky")
    c.set_mode("regions")
    before = rgb_to_lab(c.doc.result.output)[..., 2][:12].mean()
    c.set_region_color((0.1, 0.3, 0.9))
    assert c.region_click(10, 5) == 0 and c.regions.current.name == "sky"
    assert rgb_to_lab(c.doc.result.output)[..., 2][:12].mean() < before - 10  # the sky turned blue
    c.set_region_color((0.8, 0.2, 0.1))  # recolours the selected sky
    assert c.regions.paints[0].rgb == (0.8, 0.2, 0.1)
    c.region_click(30, 35)
    assert [p.name for p in c.regions.paints] == ["sky", "road"] and c.regions.selected == 1
    assert c.region_click(30, 15) == 2 and c.regions.paints[2].name == "segment 1"  # unsure there: a grown segment
    band = c.regions.paints[2].mask
    assert band[15, 5:55].all() and not band[:10].any() and not band[20:].any()  # the band, not the sky or road
    assert c.region_undo() and [p.name for p in c.regions.paints] == ["sky", "road"]
    assert c.region_redo() and len(c.regions.paints) == 3
    c.region_click(30, 35)  # select the road again
    n = c.regions.current.mask.sum()
    c.brush(30, 35, erase=True, begin=True)
    c.brush(34, 35, erase=True)
    assert c.regions.current.mask.sum() < n
    assert c.region_undo() and c.regions.paints[1].mask.sum() == n  # one stroke, one undo step
    assert c.region_click(500, 5) is None
    c.set_mode("automatic")
    assert not c.job().regions  # only the regions mode paints regions


def test_vividness_is_one_control_for_every_mode(cz):
    mt.manual_seed(0)
    weighted = Colorizer(cz.net, np.linspace(0.2, 5, 261), size=32, prior_correction=0.4)
    ctl = Controller(Pipeline(weighted))
    ctl.set_image(np.random.default_rng(0).random((40, 60, 3)).astype(np.float32))
    assert ctl.vividness == pytest.approx(0.6) and ctl.job().prior_correction is None
    ctl.set_vividness(1.0)  # boldest: the rare-colour boost of training kept in full
    assert ctl.job().prior_correction == 0.0 and ctl.vividness == 1.0
    bold = ctl.doc.result.output
    ctl.set_vividness(0.0)
    assert ctl.job().prior_correction == 1.0
    assert not np.allclose(bold, ctl.doc.result.output)
    ctl.set_vividness(7)  # clipped to the slider's range
    assert ctl.vividness == 1.0


def test_the_regions_and_interactive_modes_keep_a_color_each(cz):
    c = Controller(Pipeline(cz))
    c.set_image(np.random.default_rng(0).random((40, 60, 3)).astype(np.float32))
    c.set_color((1.0, 0.0, 0.0))  # the hint colour
    c.set_region_color((0.0, 0.0, 1.0))
    assert c.region_click(10, 5) == 0 and c.regions.paints[0].rgb == (0.0, 0.0, 1.0)  # not the hint's red
    assert c.add_hint(30, 20) == 0 and c.doc.hints[0].rgb == (1.0, 0.0, 0.0)  # not the region's blue


def test_a_file_dialog_takes_an_absolute_path_as_typed(tmp_path):
    from gui.controller import dialog_path
    typed = str(tmp_path / "photo.png")
    assert dialog_path({"file_name": typed, "file_path_name": "/home/me/" + typed}) == typed
    assert dialog_path({"file_name": "photo.png", "file_path_name": "/home/me/photo.png"}) == "/home/me/photo.png"
    assert dialog_path({"file_name": "", "file_path_name": ""}) is None
