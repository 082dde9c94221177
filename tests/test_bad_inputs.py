"""Bad and unusual inputs, built on the fly: every one gets a clear answer, nothing else is lost.

Each command-line case runs the colorize command on the bad input next to a good photo and checks
the exit status (1: an input failed and the rest was written; 2: bad arguments, nothing done), the
message, and that the good photo's output exists. API and training cases check the error and its words.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import minitorch_color as mt
from models.colorize import main
from models.colornet import ColorNet, ColorNetConfig
from models.hints import HintError, Hints
from models.inference import Colorizer, save_colornet
from models.weights import WeightsError, sha256

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    mt.manual_seed(0)
    path = tmp_path_factory.mktemp("w") / "tiny.npz"
    save_colornet(ColorNet(ColorNetConfig(channels=(8, 16, 32, 64))), path, np.ones(261), {"decode": {"size": 32}})
    return path


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.png"
    Image.fromarray((np.random.default_rng(0).random((30, 40)) * 255).astype(np.uint8)).save(path)
    return path


def _card(weights_path, **fields):
    weights_path.with_suffix(".json").write_text(json.dumps({"sha256": sha256(weights_path), **fields}))


def _tampered(weights, tmp_path, change):
    """A copy of the weights with one change to its state or metadata, saved in the valid format with
    a card of its own (so that the checks beyond the card's sha256 are what is tested)."""
    blob, meta = mt.load(weights), mt.serialization.load_metadata(weights)
    change(blob, meta)
    path = tmp_path / "tampered.npz"
    mt.save(blob, path, metadata=meta)
    _card(path)
    return path


def _scale_first(blob, meta):
    key = next(iter(blob["model"]))
    blob["model"][key] = blob["model"][key] * 3


def _nan_first(blob, meta):
    key = next(iter(blob["model"]))
    blob["model"][key] = np.full_like(blob["model"][key], np.nan)


def _huge_channels(blob, meta):
    meta["model_config"]["channels"] = [10 ** 9, 16]


def _text_channels(blob, meta):
    meta["model_config"]["channels"] = ["wide", 16]


def _negative_channels(blob, meta):
    meta["model_config"]["channels"] = [-8, 16]


# ----- bad inputs among good ones: exit 1, the good one written ---------------------------------
def _truncated_jpeg(tmp_path):
    path = tmp_path / "cut.jpg"
    Image.fromarray((np.random.default_rng(1).random((64, 64, 3)) * 255).astype(np.uint8)).save(path, quality=90)
    path.write_bytes(path.read_bytes()[:600])
    return path


def _fifo(tmp_path):
    path = tmp_path / "pipe.png"
    os.mkfifo(path)
    return path


INPUT_CASES = {
    "broken PNG": (lambda t: (t / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken") and t / "bad.png",
                   "not an image file"),
    "truncated JPEG": (lambda t: _truncated_jpeg(t), "corrupt or truncated"),
    "empty file": (lambda t: (t / "empty.jpg").write_bytes(b"") or t / "empty.jpg", "empty"),
    "text file": (lambda t: (t / "text.jpg").write_text("hello") and t / "text.jpg", "not an image"),
    "a FIFO": (_fifo, "not a regular file"),
    "/dev/zero": (lambda t: "/dev/zero", "not a regular file"),
    "missing file": (lambda t: t / "missing.png", "no such file"),
}


@pytest.mark.parametrize("case", list(INPUT_CASES))
def test_a_bad_input_is_reported_and_the_batch_goes_on(case, weights, good, tmp_path):
    make, message = INPUT_CASES[case]
    bad = make(tmp_path)
    out = tmp_path / "out"
    # a subprocess with a timeout: a FIFO that were opened would block forever
    r = subprocess.run([sys.executable, "-m", "models.colorize", str(bad), str(good), "-o", str(out),
                        "--weights", str(weights), "-q"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert message in r.stderr and str(bad) in r.stderr
    assert "Traceback" not in r.stderr and "BytesIO" not in r.stderr
    assert (out / "good.png").exists()


def test_any_failure_of_one_photo_spares_the_others(weights, good, tmp_path, monkeypatch, capsys):
    other = tmp_path / "other.png"
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(other)
    real = Colorizer.process

    def flaky(self, image, *args, **kwargs):
        if image.shape[:2] == (20, 20):
            raise MemoryError
        return real(self, image, *args, **kwargs)
    monkeypatch.setattr(Colorizer, "process", flaky)
    assert main([str(other), str(good), "-o", str(tmp_path / "out"), "--weights", str(weights), "-q"]) == 1
    assert "not enough memory" in capsys.readouterr().err
    assert (tmp_path / "out" / "good.png").exists()


# ----- bad arguments: exit 2 before any work, with a message naming the problem ------------------
def _hints_file(tmp_path, text):
    path = tmp_path / "h.json"
    path.write_text(text)
    return ["--hints", str(path)]


ARG_CASES = {
    "points is null": (lambda t: _hints_file(t, '{"points": null}'), "'points' must be a list"),
    "points is a number": (lambda t: _hints_file(t, '{"points": 3}'), "'points' must be a list"),
    "JSON nested 100,000 deep": (lambda t: _hints_file(t, "[" * 100_000 + "]" * 100_000), "nested too deeply"),
    "radius -3 in a file": (lambda t: _hints_file(t, '{"points": [{"x": 1, "y": 1, "color": "#ffffff", '
                                                  '"radius": -3}]}'), "radius -3 must be"),
    "--hint nan": (lambda t: ["--hint", "nan,4,#ff0000"], "is not a number"),
    "altered weights": (lambda t: ["--weights", str(_card_for(_tampered(WEIGHTS[0], t, _scale_first),
                                                              WEIGHTS[0]))], "do not match the sha256"),
    "NaN weights": (lambda t: ["--weights", str(_tampered(WEIGHTS[0], t, _nan_first))], "non-finite"),
    "huge channel count": (lambda t: ["--weights", str(_tampered(WEIGHTS[0], t, _huge_channels))], "channels"),
    "text channel count": (lambda t: ["--weights", str(_tampered(WEIGHTS[0], t, _text_channels))], "channels"),
    "negative channel count": (lambda t: ["--weights", str(_tampered(WEIGHTS[0], t, _negative_channels))],
                               "channels"),
    "a pickle as weights": (lambda t: ["--weights", str(_pickle(t))], "never loaded"),
    "weights without a card": (lambda t: ["--weights", str(_without_card(WEIGHTS[0], t))], "no card"),
    "--weights ''": (lambda t: ["--weights", ""], "an empty value"),
    "--era ''": (lambda t: ["--era", ""], "an empty value"),
    "--hints ''": (lambda t: ["--hints", ""], "an empty value"),
    "a 400-digit coordinate": (lambda t: _hints_file(t, '{"points": [{"x": ' + "9" * 400 + ', "y": 1, '
                                                   '"color": "#ffffff"}]}'), "is not a coordinate"),
    "a 5000-digit coordinate": (lambda t: _hints_file(t, '{"points": [{"x": ' + "9" * 5000 + ', "y": 1, '
                                                    '"color": "#ffffff"}]}'), "not a hints file"),
    "a region that is a number": (lambda t: _hints_file(t, '{"regions": [5]}'), "regions[0]"),
    "a card without a sha256": (lambda t: ["--weights", str(_card_saying(WEIGHTS[0], t, {"sha256": None}))],
                                "records no sha256"),
    "a card that is a list": (lambda t: ["--weights", str(_card_saying(WEIGHTS[0], t, [1, 2]))], "unreadable"),
}


def _without_card(weights, tmp_path):
    import shutil
    path = tmp_path / "nocard.npz"
    shutil.copy(weights, path)
    return path


def _card_saying(weights, tmp_path, card):
    path = _without_card(weights, tmp_path)
    path.with_suffix(".json").write_text(json.dumps(card))
    return path
WEIGHTS = []  # the module's weights file, for the cases above


def _card_for(tampered, original):
    """The tampered file with the card of the original (whose sha256 it no longer matches)."""
    _card(original)
    tampered.with_suffix(".json").write_text(original.with_suffix(".json").read_text())
    return tampered


def _pickle(tmp_path):
    """A pickle posing as weights, with a card that vouches for it: the card is no reason to unpickle."""
    path = tmp_path / "evil.npz"
    np.save(path, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    os.replace(str(path) + ".npy", path)
    _card(path)
    return path


@pytest.mark.parametrize("case", list(ARG_CASES))
def test_bad_arguments_stop_at_once_with_a_clear_message(case, weights, good, tmp_path, capsys):
    WEIGHTS[:] = [weights]
    make, message = ARG_CASES[case]
    args = make(tmp_path)
    argv = [str(good), "-o", str(tmp_path / "out"), "-q"] + (["--weights", str(weights)] if "--weights" not in args
                                                              else []) + args
    try:
        rc = main(argv)
    except SystemExit as e:  # argparse's own refusals end the process with 2 as well
        rc = e.code
    assert rc == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "allow_pickle" not in err and "Traceback" not in err
    assert not (tmp_path / "out" / "good.png").exists()


def test_a_negative_hint_coordinate_is_a_hint_not_an_option(weights, good, tmp_path, capsys):
    rc = main([str(good), "-o", str(tmp_path / "out"), "--weights", str(weights), "--hint", "-5,4,#ff0000", "-q"])
    err = capsys.readouterr().err
    assert "expected one argument" not in err
    assert rc == 1 and "outside" in err  # read as a point, which lies outside the picture


def test_the_working_size_has_a_documented_maximum(weights, good, tmp_path):
    with pytest.raises(SystemExit) as e:
        main([str(good), "-o", str(tmp_path / "o"), "--weights", str(weights), "--size", "4096"])
    assert e.value.code == 2


def test_weights_check_can_be_bypassed_while_developing(weights, tmp_path, monkeypatch):
    altered = _card_for(_tampered(weights, tmp_path, _scale_first), weights)
    with pytest.raises(WeightsError, match="MINITORCH_COLOR_VERIFY_WEIGHTS=0"):
        Colorizer.from_weights(altered)
    monkeypatch.setenv("MINITORCH_COLOR_VERIFY_WEIGHTS", "0")
    Colorizer.from_weights(altered)


# ----- the Python API -----------------------------------------------------------------------------
API_CASES = {
    "int32 image": (np.zeros((8, 8, 3), np.int32), "uint8, uint16 or floats"),
    "NaN image": (np.full((8, 8, 3), np.nan, np.float32), "non-finite"),
    "0..255 floats": (np.full((8, 8, 3), 200.0, np.float32), "divide 8-bit values by 255"),
    "no pixels": (np.zeros((0, 8, 3), np.float32), "no pixels"),
    "four channels": (np.zeros((8, 8, 4), np.float32), "shape"),
}


@pytest.mark.parametrize("case", list(API_CASES))
def test_the_api_refuses_what_it_cannot_read(case, weights):
    image, message = API_CASES[case]
    with pytest.raises(ValueError, match=message):
        Colorizer.from_weights(weights).colorize(image)


def test_the_api_reads_every_scale_of_the_same_photo_alike(weights):
    cz = Colorizer.from_weights(weights)
    gray = np.random.default_rng(0).random((24, 32))
    as_float = cz.colorize(gray.astype(np.float32))
    rgb = cz.colorize(np.repeat(gray[..., None], 3, -1).astype(np.float32))
    u8 = cz.colorize(np.round(gray * 255).astype(np.uint8))
    u16 = cz.colorize(np.round(gray * 65535).astype(np.uint16))
    np.testing.assert_allclose(as_float, rgb, atol=1e-5)  # a 2-D array is a gray image on the RGB scale
    assert np.abs(as_float - u8).max() < 0.02 and np.abs(as_float - u16).max() < 1e-3
    from models.color import rgb_to_lab
    L = rgb_to_lab(np.repeat(gray[..., None], 3, -1))[..., 0]
    np.testing.assert_allclose(cz.colorize(lightness=L), as_float, atol=1e-4)  # lightness only when named


@pytest.mark.parametrize("kwargs, message", [({"radius": -3}, "radius"), ({"rgb": (2, 0, 0)}, "colour"),
                                             ({"x": float("nan")}, "not a number")])
def test_hints_from_the_api_are_checked_like_files(kwargs, message):
    args = {"x": 1.0, "y": 2.0, "rgb": (1, 0, 0), "radius": 1, **kwargs}
    with pytest.raises(HintError, match=message):
        Hints().add_point(**args)


# ----- training ------------------------------------------------------------------------------------
def _tiny_data(rng, n=12, size=16):
    imgs = (rng.random((n, size, size, 3)) * 255).astype(np.uint8)
    split = {"cifar": (imgs, np.full(n, -1)), "intel": (imgs, rng.integers(0, 6, n))}
    return {"train": split, "val": split}


def _run(tmp_path, argv, data):
    """train_colornet's main, in-process: the settings named on the command line count as given."""
    from train.colornet import training as T
    from train.common.config import given_keys, parse_overrides
    resume = "--resume" in argv
    argv = ["--size=16", "--batch=4", "--val_every=2", "--val_images=4", "--channels=8,16", "--warmup=1",
            f"--out={tmp_path / 'run'}"] + [a for a in argv if a != "--resume"]
    cfg = parse_overrides(argv, T.TrainConfig())
    return T.train(cfg, resume=resume, datasets=data, progress=False, given=given_keys(argv))


def test_resume_keeps_the_run_and_refuses_contradictions(tmp_path):
    data = _tiny_data(np.random.default_rng(0))
    _run(tmp_path, ["--steps=2"], data)
    ckpt = tmp_path / "run" / "checkpoint.npz"
    assert oct(ckpt.stat().st_mode & 0o777) == oct(0o666 & ~_umask())  # the usual permissions, not 0600
    (tmp_path / "run" / ".tmp-left-by-a-kill.npz").write_bytes(b"half a file")
    hist = _run(tmp_path, ["--resume"], data)  # no --steps: the run's own length (2), not the default
    assert hist[-1]["step"] == 2 and mt.load(ckpt)["config"]["steps"] == 2
    assert not (tmp_path / "run" / ".tmp-left-by-a-kill.npz").exists()  # stale temporary removed
    with pytest.raises(SystemExit, match="--lr=0.5 .the run has 0.001"):
        _run(tmp_path, ["--resume", "--lr=0.5"], data)
    with pytest.raises(SystemExit, match="already done 2 steps"):
        _run(tmp_path, ["--resume", "--steps=1"], data)
    hist = _run(tmp_path, ["--resume", "--steps=4"], data)  # extending is allowed
    assert hist[-1]["step"] == 4


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


SETTING_CASES = {
    "--batch=0": (["--batch=0"], "--batch=0: must lie in"),
    "--size=0": (["--size=0"], "--size=0: must lie in"),
    "--size=18 for three levels": (["--size=18", "--channels=8,16,32"], "multiple of 4"),
    "--val_every=0": (["--val_every=0"], "--val_every=0"),
    "--lr=nan": (["--lr=nan"], "--lr=nan"),
    "--zoom_prob=2": (["--zoom_prob=2"], "--zoom_prob=2"),
    "--best_by=loss": (["--best_by=loss"], "pixel_accuracy or balanced_accuracy"),
}


@pytest.mark.parametrize("case", list(SETTING_CASES))
def test_a_training_setting_outside_its_range_is_named_before_any_work(case, tmp_path):
    argv, message = SETTING_CASES[case]
    with pytest.raises(SystemExit, match=message.replace("[", r"\[")):
        _run(tmp_path, argv, _tiny_data(np.random.default_rng(0)))
    assert not (tmp_path / "run").exists()  # nothing was started


def test_out_naming_a_file_and_damaged_resume_or_init_files_are_one_line_each(tmp_path):
    data = _tiny_data(np.random.default_rng(0))
    (tmp_path / "afile").write_text("x")
    with pytest.raises(SystemExit, match="--out=.*cannot be the run's folder"):
        _run(tmp_path, [f"--out={tmp_path / 'afile'}"], data)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "checkpoint.npz").write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(SystemExit, match="--resume: .* is not a checkpoint"):
        _run(tmp_path, ["--resume"], data)
    (tmp_path / "junk.npz").write_bytes(b"junk")
    with pytest.raises(SystemExit, match="--init: .* holds no ColorNet weights"):
        _run(tmp_path, [f"--init={tmp_path / 'junk.npz'}", "--steps=1"], data)


# ----- runs that share a folder, and files that must not be replaced (issue 29) ----------------
def test_the_rename_is_the_claim_of_a_name(tmp_path):
    import threading

    from minitorch_color.files import write_atomic, write_first_free
    names = [tmp_path / f"x-{k}.bin" for k in range(12)]
    got, lock = [], threading.Lock()

    def writer(i):
        path = write_first_free(names, lambda f: f.write(bytes([i]) * 1000))
        with lock:
            got.append((path, i))
    threads = [threading.Thread(target=writer, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({p for p, _ in got}) == 10  # ten writers, ten names, nothing replaced
    assert all(p.read_bytes() == bytes([i]) * 1000 for p, i in got)
    with pytest.raises(FileExistsError):
        write_atomic(names[0], lambda f: f.write(b"new"))
    assert write_atomic(names[0], lambda f: f.write(b"new"), overwrite=True).read_bytes() == b"new"

    def broken(f):
        f.write(b"half")
        raise RuntimeError("the encoder failed")
    with pytest.raises(RuntimeError):
        write_atomic(tmp_path / "never.bin", broken)
    assert not (tmp_path / "never.bin").exists() and not list(tmp_path.glob(".tmp-*"))
    long_name = tmp_path / ("n" * 250 + ".png")  # near the 255-byte limit: the temporary name stays short
    assert write_atomic(long_name, lambda f: f.write(b"ok")).read_bytes() == b"ok"


def _photo_folder(tmp_path, count, hw, stem, seed):
    """A folder of count gray PNGs of size hw named STEM00.png, ..."""
    src = tmp_path / "in"
    src.mkdir()
    rng = np.random.default_rng(seed)
    for k in range(count):
        Image.fromarray((rng.random(hw) * 255).astype(np.uint8)).save(src / f"{stem}{k:02d}.png")
    return src


def test_three_identical_runs_into_one_folder_write_all_their_photos(weights, tmp_path):
    src = _photo_folder(tmp_path, 8, (24, 32), "c", 1)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "models.colorize", str(src), "-o", str(out), "--weights", str(weights), "-q"]
    runs = [subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errs = [r.communicate(timeout=300)[1] for r in runs]
    assert [r.returncode for r in runs] == [0, 0, 0], errs
    written = sorted(p.name for p in out.glob("*.png"))
    assert written == sorted(f"c{k:02d}{s}.png" for k in range(8) for s in ("", "-1", "-2"))
    assert not list(out.glob(".tmp-*"))


def test_neither_a_report_nor_a_stage_figure_replaces_a_photo(weights, good, tmp_path, capsys):
    out = tmp_path / "out"
    before = good.read_bytes()
    assert main([str(good), "-o", str(out), "--weights", str(weights), "-q", "--report", str(good)]) == 0
    assert good.read_bytes() == before  # the report went elsewhere, and said where
    assert "the report is at" in capsys.readouterr().err
    assert json.loads((tmp_path / "good-1.png").read_text())["ok"] == 1
    # a photo whose output name is another's stage figure: both kept
    other = tmp_path / "good_stages.png"
    Image.fromarray(np.zeros((20, 20), np.uint8)).save(other)
    assert main([str(good), str(other), "-o", str(out / "both"), "--weights", str(weights), "-q",
                 "--stages", str(out / "both")]) == 0
    names = sorted(p.name for p in (out / "both").glob("*.png"))
    assert "good.png" in names and "good_stages.png" in names and "good_stages-1.png" in names


@pytest.mark.parametrize("kind", ["device", "fifo", "folder", "huge"])
def test_files_other_than_photos_are_checked_before_they_are_read(weights, good, tmp_path, kind, capsys):
    hints = tmp_path / "hints.json"
    if kind == "device":
        hints = "/dev/zero"  # would grow without end
    elif kind == "fifo":
        os.mkfifo(hints)  # would block for ever
    elif kind == "folder":
        hints.mkdir()
    else:
        with open(hints, "wb") as f:
            f.truncate(64 * 1024 * 1024)  # sparse: 64 MB of nothing
    rc = main([str(good), "-o", str(tmp_path / "o"), "--weights", str(weights), "--hints", str(hints), "-q"])
    assert rc == 2
    err = capsys.readouterr().err
    assert ("not a regular file" in err) if kind != "huge" else ("more than a hints file may hold" in err)
    assert "Traceback" not in err


def test_a_weights_card_that_is_a_fifo_and_a_file_that_inflates_too_far_are_refused(weights, tmp_path):
    import shutil

    from minitorch_color.serialization import SerializationError
    copy = tmp_path / "w.npz"
    shutil.copy(weights, copy)
    os.mkfifo(copy.with_suffix(".json"))
    with pytest.raises(WeightsError, match="not a regular file"):
        Colorizer.from_weights(copy)
    bomb = tmp_path / "bomb.npz"
    mt.save({"zeros": np.zeros(16 * 1024 * 1024, np.uint8)}, bomb, compress=True)  # 16 MB in a few KB
    assert bomb.stat().st_size < 100_000
    with pytest.raises(SerializationError, match="would inflate"):
        mt.load(bomb, max_inflated=1024 * 1024)
    assert mt.load(bomb)["zeros"].shape == (16 * 1024 * 1024,)


def test_ctrl_c_stops_cleanly_with_a_summary_and_nothing_half_written(weights, tmp_path):
    import signal
    import time

    src = _photo_folder(tmp_path, 400, (120, 160), "p", 2)  # a run of several seconds: the signal lands in it
    out = tmp_path / "out"
    # a shell's background job ignores SIGINT, and so would its children: give the command Ctrl-C back
    proc = subprocess.Popen([sys.executable, "-m", "models.colorize", str(src), "-o", str(out), "--weights",
                             str(weights), "-q"], cwd=ROOT, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("p*.png"))) < 3:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    err = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, err
    assert "interrupted:" in err and "Traceback" not in err
    written = list(out.glob("*.png"))
    assert 3 <= len(written) < 400 and not list(out.glob(".tmp-*"))
    for path in written:  # every file there is a whole picture
        assert Image.open(path).size == (160, 120)


def _meta_case(change):
    return lambda t: ["--weights", str(_tampered(WEIGHTS[0], t, lambda blob, meta: change(meta)))]


def _drop_class_weights(blob, meta):
    blob.pop("class_weights")


METADATA_CASES = {
    "decode settings a list": (_meta_case(lambda m: m.__setitem__("decode", [1, 2])), "must be a mapping"),
    "decode size 0": (_meta_case(lambda m: m["decode"].__setitem__("size", 0)), "working size"),
    "decode size 100000": (_meta_case(lambda m: m["decode"].__setitem__("size", 100000)), "working size"),
    "temperature a word": (_meta_case(lambda m: m["decode"].__setitem__("temperature", "hot")), "decode settings"),
    "temperature NaN": (_meta_case(lambda m: m["decode"].__setitem__("temperature", float("nan"))), "temperature"),
    "old film decoding a word": (_meta_case(lambda m: m["decode"].__setitem__("old_film", "x")), "old_film"),
    "scene classes a number": (_meta_case(lambda m: m.__setitem__("scene_classes", 5)), "scene_classes"),
    "no rebalancing weights": (lambda t: ["--weights", str(_tampered(WEIGHTS[0], t, _drop_class_weights))],
                               "class_weights"),
}


@pytest.mark.parametrize("case", list(METADATA_CASES))
def test_malformed_weights_metadata_stops_at_once_naming_what(case, weights, good, tmp_path, capsys):
    WEIGHTS[:] = [weights]
    make, message = METADATA_CASES[case]
    assert main([str(good), "-o", str(tmp_path / "out"), "-q"] + make(tmp_path)) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err


def test_the_api_refuses_sizes_and_decodings_it_cannot_use(weights):
    cz = Colorizer.from_weights(weights)
    photo = np.zeros((16, 16), np.float32)
    for size in (0, 5000, 3.5):
        with pytest.raises(ValueError, match="working size"):
            cz.colorize(photo, size=size)
    with pytest.raises(ValueError, match="temperature"):
        Colorizer.from_weights(weights, temperature=float("nan"))


def test_train_colornet_says_a_bad_setting_in_one_line_with_exit_2(capsys):
    from train import train_colornet
    assert train_colornet.main(["--lr=nan"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "train_colornet: --lr=nan: must lie in (0, 10]"


def test_a_weights_file_whose_header_is_nested_without_end_is_refused(weights, tmp_path):
    import io
    import zipfile

    from minitorch_color.serialization import SerializationError
    deep = tmp_path / "deep.npz"
    with zipfile.ZipFile(weights) as src, zipfile.ZipFile(deep, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("__meta__"):
                buf = io.BytesIO()
                np.save(buf, np.frombuffer(("[" * 100_000 + "]" * 100_000).encode(), np.uint8))
                data = buf.getvalue()
            dst.writestr(info, data)
    with pytest.raises(SerializationError, match="not a readable"):
        mt.load(deep)
