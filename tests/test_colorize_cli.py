"""The colorize command: outputs, hints, report, stages, and clear errors that do not stop a batch."""
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from models.colorize import main


@pytest.fixture
def inputs(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((40, 60, 3)) * 255).astype(np.uint8)).save(d / "colour.jpg")
    Image.fromarray((rng.random((30, 20)) * 65535).astype(np.uint16)).save(d / "gray16.png")
    Image.fromarray((rng.random((25, 25, 4)) * 255).astype(np.uint8), "RGBA").save(d / "alpha.png")
    (d / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    (d / "notes.txt").write_text("ignored: not an image extension")
    return d


def test_folder_batch_with_a_broken_file(weights, inputs, tmp_path, capsys):
    out = tmp_path / "out"
    rc = main([str(inputs), "-o", str(out), "--weights", weights, "--report", str(out / "r.json"), "-q"])
    assert rc == 1  # one input failed ...
    assert sorted(p.name for p in out.glob("*.png")) == ["alpha.png", "colour.png", "gray16.png"]  # ... the rest done
    err = capsys.readouterr().err
    assert "broken.png" in err and ("corrupt" in err or "not an image" in err)
    assert Image.open(out / "colour.png").size == (60, 40)  # full input resolution
    rep = json.loads((out / "r.json").read_text())
    assert rep["ok"] == 3 and rep["failed"] == 1
    ok = [r for r in rep["images"] if r["status"] == "ok"]
    assert all(r["seconds_total"] > 0 and r["work_size"][0] % 8 == 0 for r in ok)


def test_outputs_are_never_overwritten_unless_asked(weights, inputs, tmp_path):
    out = tmp_path / "out"
    src = str(inputs / "colour.jpg")
    assert main([src, src, "-o", str(out), "--weights", weights, "-q"]) == 0
    assert sorted(p.name for p in out.glob("*.png")) == ["colour-1.png", "colour.png"]
    assert main([src, "-o", str(out), "--weights", weights, "-q", "--overwrite"]) == 0
    assert len(list(out.glob("*.png"))) == 2


def test_hints_and_stages(weights, inputs, tmp_path):
    out = tmp_path / "out"
    hints = tmp_path / "h.json"
    hints.write_text(json.dumps({"points": [{"x": 5, "y": 5, "color": "#ff0000"}],
                                 "regions": [{"box": [0, 0, 20, 10], "color": "#0000ff"}]}))
    src = str(inputs / "colour.jpg")
    plain = tmp_path / "plain"
    assert main([src, "-o", str(plain), "--weights", weights, "-q"]) == 0
    rc = main([src, "-o", str(out), "--weights", weights, "--hints", str(hints), "--hint", "50,30,#00ff00",
               "--stages", str(out / "st"), "--report", str(out / "r.json"), "-q"])
    assert rc == 0
    assert (out / "st" / "colour_stages.png").exists() and (out / "st" / "colour_activations.png").exists()
    a = np.asarray(Image.open(plain / "colour.png"), np.float64)
    b = np.asarray(Image.open(out / "colour.png"), np.float64)
    assert np.abs(a - b).max() > 0  # the hints changed the colours
    assert len(json.loads((out / "r.json").read_text())["hints"]["points"]) == 2


def test_hint_outside_one_image_fails_only_that_image(weights, inputs, tmp_path):
    out = tmp_path / "out"
    rc = main([str(inputs / "colour.jpg"), str(inputs / "gray16.png"), "-o", str(out), "--weights", weights,
               "--hint", "50,35,#00ff00", "-q"])  # inside 60x40, outside 20x30
    assert rc == 1
    assert [p.name for p in out.glob("*.png")] == ["colour.png"]


@pytest.mark.parametrize("args, message", [
    (["--hint", "1,2"], "expected X,Y,#RRGGBB"),
    (["--hints", "/no/such.json"], "no such hints file"),
    (["--weights", "/no/such.npz"], "no such weights file"),
])
def test_bad_arguments_exit_2_with_a_message(weights, inputs, tmp_path, capsys, args, message):
    argv = [str(inputs / "colour.jpg"), "-o", str(tmp_path / "o")]
    argv += (["--weights", weights] if "--weights" not in args else []) + args
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--size", "3"], ["--size", "big"], ["--temperature", "0"],
                                  ["--prior-correction", "2"], ["-o", ""]])
def test_argparse_rejects_bad_values(weights, inputs, args):
    with pytest.raises(SystemExit) as e:
        main([str(inputs / "colour.jpg")] + args + (["-o", "x"] if "-o" not in args else []))
    assert e.value.code == 2


def test_without_an_output_folder_each_photo_goes_beside_itself(weights, inputs, tmp_path, capsys):
    folder = tmp_path / "album"
    folder.mkdir()
    for name in ("a.png", "b.jpg"):
        (folder / name).write_bytes((inputs / "colour.jpg").read_bytes() if name.endswith("jpg") else
                                    (inputs / "gray16.png").read_bytes())
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert main([str(folder), "--weights", weights]) == 0
    assert sorted(p.name for p in folder.iterdir()) == ["a-colorized.png", "a.png", "b-colorized.png", "b.jpg"]
    assert all((folder / n).read_bytes() == b for n, b in before.items())  # the photos untouched
    err = capsys.readouterr().err
    assert "2 of 2 image(s) written beside their photos" in err and "a.png ->" not in err  # quiet by default
    assert main([str(folder), "--weights", weights, "-v"]) == 0  # a rerun: the colorizations are not inputs
    assert sorted(p.name for p in folder.iterdir())[:3] == ["a-colorized-1.png", "a-colorized.png", "a.png"]
    assert len(list(folder.iterdir())) == 6
    assert f"a.png -> {folder / 'a-colorized-1.png'}" in capsys.readouterr().err  # -v: a line per photo


def test_missing_inputs_are_reported(weights, tmp_path, capsys):
    assert main([str(tmp_path / "nothing.png"), str(tmp_path), "-o", str(tmp_path / "o"), "--weights", weights]) == 1
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "holds no image files" in err


def test_module_entry_point_runs(weights, inputs, tmp_path):
    r = subprocess.run([sys.executable, "-m", "models.colorize", str(inputs / "alpha.png"), "-o", str(tmp_path / "o"),
                        "--weights", weights, "-q"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o" / "alpha.png").exists()


def test_era_colors_as_the_decade_and_says_so(weights, inputs, tmp_path, capsys):
    out = tmp_path / "out"
    src = inputs / "colour.jpg"
    assert main([str(src), "-o", str(out / "modern"), "--weights", weights, "--era", "modern", "-q"]) == 0
    rc = main([str(src), "-o", str(out / "old"), "--weights", weights, "--era", "1860s", "-q",
               "--report", str(out / "r.json")])
    assert rc == 0
    rec = json.loads((out / "r.json").read_text())["images"][0]
    assert rec["era"] == {"recognised": None, "probabilities": None, "sure": None, "colour_photo": None,
                          "used": "1860s", "film": "panchromatic", "palette": "hand-tinted print",
                          "decoding": {"temperature": 0.38, "prior_correction": 0.0}}  # the card's defaults
    assert "no film inputs" in capsys.readouterr().err  # these weights cannot read an 1860s plate
    modern = np.asarray(Image.open(out / "modern" / "colour.png"), np.float64)
    old = np.asarray(Image.open(out / "old" / "colour.png"), np.float64)
    assert np.abs(old - modern).mean() > 2  # the period's palette changed the picture
    assert main([str(src), "-o", str(out), "--weights", weights, "--era", "1865"]) == 2
    assert "one of: auto, 1850s" in capsys.readouterr().err
    assert main([str(src), "-o", str(out), "--weights", weights, "--era", "auto",
                 "--era-weights", str(tmp_path / "none.npz")]) == 2
    assert "--era auto needs the era recogniser" in capsys.readouterr().err
    # auto is the default: without a recogniser the photos are still coloured, as modern
    assert main([str(src), "-o", str(out / "default"), "--weights", weights, "--era-weights",
                 str(tmp_path / "none.npz"), "--report", str(out / "d.json")]) == 0
    assert "no era recogniser" in capsys.readouterr().err
    assert json.loads((out / "d.json").read_text())["images"][0]["era"]["used"] == "modern"


def test_era_auto_recognizes_each_photo(weights, inputs, tmp_path, capsys):
    from models.era import ERAS, LABELS
    from tests.test_era import random_recognizer
    era_path = tmp_path / "era.npz"
    random_recognizer().save(era_path, {"config": {}})
    out = tmp_path / "out"
    rc = main([str(inputs / "colour.jpg"), "-o", str(out), "--weights", weights, "--era", "auto",
               "--era-weights", str(era_path), "--report", str(out / "r.json"), "-v"])
    assert rc == 0
    era = json.loads((out / "r.json").read_text())["images"][0]["era"]
    assert era["recognised"] in LABELS and era["used"] in LABELS
    assert era["sure"] or era["used"] == "modern"  # auto acts only when sure
    assert abs(sum(era["probabilities"].values()) - 1) < 0.01
    err = capsys.readouterr().err
    assert any(f"recognised {e} (" in err for e in ERAS) and "most likely the" in err  # one era, one decade in it


def test_vividness_sets_the_decoding_and_excludes_the_prior_correction(weights, inputs, tmp_path, capsys):
    src, out = str(inputs / "colour.jpg"), tmp_path / "v"
    assert main([src, "-o", str(out), "--weights", weights, "--vividness", "0.8", "--report", str(out / "r.json"),
                 "-q"]) == 0
    rep = json.loads((out / "r.json").read_text())
    assert rep["vividness"] == pytest.approx(0.8) and rep["prior_correction"] == pytest.approx(0.2)
    assert main([src, "-o", str(out), "--weights", weights, "--vividness", "0.8", "--prior-correction", "0.1"]) == 2
    assert "not both" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([src, "-o", str(out), "--weights", weights, "--vividness", "1.5"])


def test_a_few_photos_run_on_the_array_kernels_with_the_same_colors(weights, inputs, tmp_path, monkeypatch):
    """Below FEW_PHOTOS the command skips loading Numba (minitorch_color/kernels): the same picture, sooner."""
    from PIL import Image

    from minitorch_color import kernels
    from models.colorize import FEW_PHOTOS
    src = str(inputs / "colour.jpg")
    monkeypatch.delenv("MINITORCH_KERNELS", raising=False)
    try:
        assert main([src, "-o", str(tmp_path / "a"), "--weights", weights, "-q"]) == 0
        assert kernels.kernels_in_use() == "array" and FEW_PHOTOS > 1
        monkeypatch.setenv("MINITORCH_KERNELS", "numba")  # the user's choice stands
        kernels.use_kernels("numba")
        assert main([src, "-o", str(tmp_path / "n"), "--weights", weights, "-q"]) == 0
        assert kernels.kernels_in_use() == "numba"
    finally:
        kernels.use_kernels("numba")
    a, n = (np.asarray(Image.open(tmp_path / d / "colour.png"), np.int16) for d in ("a", "n"))
    assert np.abs(a - n).max() <= 2  # float rounding apart, one picture
