"""The studio in a real window under Xvfb: automatic colorization, a hint through the canvas
callback pulls the result toward its colour, a non-blank screenshot, and one real xdotool click
that lands on the right image pixel. Skips (with the reason) where Xvfb is not installed;
.ci/run installs it so CI runs these."""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytestmark = pytest.mark.slow  # real windows under Xvfb


def _xvfb():
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run not installed (apt-get install -y xvfb xdotool); the GUI needs a display")
    return ["xvfb-run", "-a", "-s", "-screen 0 1400x1000x24"]


def _run(args, tmp_path, timeout=300):
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run(_xvfb() + [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=timeout)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    return r


def test_studio_end_to_end(tmp_path):
    out, shot = tmp_path / "report.json", tmp_path / "shot.png"
    _run(["-m", "gui.selftest", "--out", str(out), "--screenshot", str(shot)], tmp_path)
    rep = json.loads(out.read_text())
    assert rep["automatic_done"] and rep["mode"] == "interactive" and rep["scene"]
    h = rep["hint_callback"]
    assert h["hints"] == 1 and h["distance_after"] < 0.5 * h["distance_before"], h
    img = np.asarray(Image.open(shot).convert("RGB"), np.float64)
    assert img.shape[0] > 300 and img.shape[1] > 600
    assert img.std() > 20 and len(np.unique(img.reshape(-1, 3)[::97], axis=0)) > 200  # not blank
    if rep.get("xdotool") == "missing":
        pytest.skip("xdotool not installed: the real click was not made")
    click = rep["real_click"]
    assert click["hints_after"] == click["hints_before"] + 1, click
    assert np.hypot(*(np.array(click["got"]) - click["expected"])) <= 2 * click["pixels_per_canvas_pixel"] + 1e-6


def _chromatic_share(img) -> float:
    """Share of the screenshot's pixels with a clear colour (the theme itself is gray)."""
    from models.color import rgb_to_lab
    ab = rgb_to_lab(img / 255)[..., 1:]
    return float((np.hypot(ab[..., 0], ab[..., 1]) > 15).mean())


@pytest.mark.parametrize("mode", ["automatic", "interactive", "layers", "era", "styles", "regions"])
def test_headless_screenshot_of_each_mode(tmp_path, mode):
    import skimage.data
    src = tmp_path / "astronaut.png"
    Image.fromarray(skimage.data.astronaut()).convert("L").save(src)  # a gray photo, as users bring
    blank, shot = tmp_path / "blank.png", tmp_path / f"{mode}.png"
    _run(["-m", "gui", "--mode", mode, "--screenshot", str(blank), "--exit-after-frames", "6"], tmp_path)
    _run(["-m", "gui", str(src), "--mode", mode, "--screenshot", str(shot), "--exit-after-frames", "6"], tmp_path)
    without, img = (np.asarray(Image.open(p).convert("RGB"), np.float64) for p in (blank, shot))
    assert img.shape[0] <= 800 and img.shape[1] <= 1280  # every mode fits a 1280x800 screen
    # the gray photo came in and a colour result came out: far more colour than the empty window's widgets
    colour, empty = _chromatic_share(img), _chromatic_share(without)
    assert colour > empty + 0.01, (colour, empty)  # at least 1% of the window more in colour


def test_era_mode_colors_as_the_chosen_decade_and_refuses_an_unknown_one(tmp_path):
    import skimage.data
    src = tmp_path / "coffee.png"
    Image.fromarray(skimage.data.coffee()).convert("L").save(src)
    shots = {}
    for era in ("modern", "1910s"):
        shots[era] = tmp_path / f"{era}.png"
        _run(["-m", "gui", str(src), "--mode", "era", "--era", era, "--screenshot", str(shots[era]),
              "--exit-after-frames", "6"], tmp_path)
    modern, old = (np.asarray(Image.open(p).convert("RGB"), np.float64) for p in shots.values())
    assert np.abs(old - modern).mean() > 1  # the early-colour palette changed the result (and the swatches)
    r = subprocess.run([sys.executable, "-m", "gui", str(src), "--era", "1845s"], cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "unknown era '1845s'" in r.stderr


def test_styles_mode_paints_the_chosen_style_and_refuses_an_unknown_one(tmp_path):
    import skimage.data

    from tests.test_stylenet import tiny_stylizer
    weights = tiny_stylizer(tmp_path)
    src = tmp_path / "coffee.png"
    Image.fromarray(skimage.data.coffee()).convert("L").save(src)
    shots = {}
    for style in (None, "Monet"):
        shots[style] = tmp_path / f"{style}.png"
        _run(["-m", "gui", str(src), "--mode", "styles", "--style-weights", str(weights), "--screenshot",
              str(shots[style]), "--exit-after-frames", "6"] + (["--style", style] if style else []), tmp_path)
    plain, styled = (np.asarray(Image.open(p).convert("RGB"), np.float64) for p in shots.values())
    assert plain.shape[0] <= 800 and np.abs(styled - plain).mean() > 1  # the result (and the label) changed
    r = subprocess.run([sys.executable, "-m", "gui", str(src), "--style-weights", str(weights), "--style", "Monnet"],
                       cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "unknown style 'Monnet'" in r.stderr and "Gauguin" in r.stderr


def test_regions_mode_colors_a_named_region_and_refuses_an_unknown_one(tmp_path):
    import skimage.data

    from tests.test_conditions import sky_everywhere_segmenter
    seg = sky_everywhere_segmenter(tmp_path / "seg.npz")
    src = tmp_path / "coffee.png"
    Image.fromarray(skimage.data.coffee()).convert("L").save(src)
    shots = {}
    for cond in (None, "sky=orange"):
        shots[cond] = tmp_path / f"{cond}.png"
        _run(["-m", "gui", str(src), "--mode", "regions", "--segmenter-weights", str(seg), "--screenshot",
              str(shots[cond]), "--exit-after-frames", "6"] + (["--condition", cond] if cond else []), tmp_path)
    plain, orange = (np.asarray(Image.open(p).convert("RGB"), np.float64) for p in shots.values())
    assert plain.shape[0] <= 800 and np.abs(orange - plain).mean() > 1
    r = subprocess.run([sys.executable, "-m", "gui", str(src), "--segmenter-weights", str(seg),
                        "--condition", "sky=blurple"], cwd=ROOT, env=dict(os.environ, PYTHONPATH=ROOT),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "unknown colour 'blurple'" in r.stderr


def test_gui_refuses_bad_weights(tmp_path):
    r = subprocess.run([sys.executable, "-m", "gui", "--weights", str(tmp_path / "none.npz")], cwd=ROOT,
                       env=dict(os.environ, PYTHONPATH=ROOT), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "no such weights file" in r.stderr
