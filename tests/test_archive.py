"""An archive on Dask (models/archive.py, colorize --workers): the serial path's pictures, a ledger that
makes reruns do only what is missing, bad photos reported, killed workers and Ctrl-C losing nothing."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from models import archive
from models.colorize import main

pytest.importorskip("dask.distributed")
ROOT = Path(__file__).resolve().parents[1]


def photos(folder: Path, n: int, size=(48, 64)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        Image.fromarray((rng.random(size) * 255).astype(np.uint8)).save(folder / f"p{i:02d}.png")
    return folder


def pictures(folder: Path) -> dict:
    return {p.name: np.asarray(Image.open(p)) for p in sorted(folder.glob("*.png"))}


def ledger_lines(out: Path) -> list:
    return [json.loads(line) for line in (out / archive.LEDGER).read_text().splitlines()]


def test_two_workers_make_the_serial_pictures_and_a_rerun_does_only_what_is_missing(weights, tmp_path):
    src = photos(tmp_path / "in", 6)
    assert main([str(src), "-o", str(tmp_path / "serial"), "--weights", weights, "-q"]) == 0
    out = tmp_path / "dask"
    assert main([str(src), "-o", str(out), "--weights", weights, "--workers", "2", "-q"]) == 0
    serial, parallel = pictures(tmp_path / "serial"), pictures(out)
    assert serial.keys() == parallel.keys() and len(serial) == 6
    assert all(np.array_equal(serial[k], parallel[k]) for k in serial)
    assert len(ledger_lines(out)) == 6 and {r["status"] for r in ledger_lines(out)} == {"ok"}
    kept = {p.name: p.stat().st_mtime_ns for p in out.glob("*.png")}
    for name in ("p01.png", "p04.png", "p05.png"):  # half the outputs lost
        (out / name).unlink()
    assert main([str(src), "-o", str(out), "--weights", weights, "--workers", "2", "-q"]) == 0
    redone = ledger_lines(out)[6:]
    assert sorted(Path(r["input"]).name for r in redone) == ["p01.png", "p04.png", "p05.png"]
    assert all((out / n).stat().st_mtime_ns == t for n, t in kept.items() if (out / n).exists()
               and n not in ("p01.png", "p04.png", "p05.png"))
    assert pictures(out).keys() == serial.keys()
    # other settings are another run: nothing is skipped
    assert main([str(src), "-o", str(out), "--weights", weights, "--workers", "2", "-q", "--vividness", "0.2"]) == 0
    assert len(ledger_lines(out)) == 6 + 3 + 6


def test_a_bad_photo_is_reported_and_the_others_written(weights, tmp_path, capsys):
    src = photos(tmp_path / "in", 4)
    (src / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    out = tmp_path / "out"
    rc = main([str(src), "-o", str(out), "--weights", weights, "--workers", "2", "--report", str(tmp_path / "r.json")])
    assert rc == 1
    assert "broken.png" in capsys.readouterr().err
    assert sorted(pictures(out)) == ["p00.png", "p01.png", "p02.png", "p03.png"]
    lines = ledger_lines(out)
    assert [r["status"] for r in lines if r["input"].endswith("broken.png")] == ["error"]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["failed"] == 1 and report["ok"] == 4
    assert main([str(src), "-o", str(out), "--weights", weights, "--workers", "2", "-q"]) == 1  # retried, still bad
    assert [Path(r["input"]).name for r in ledger_lines(out)[5:]] == ["broken.png"]


def test_workers_need_an_output_folder_and_one_kind_of_cluster(weights, tmp_path, capsys):
    src = photos(tmp_path / "in", 1)
    assert main([str(src), "--weights", weights, "--workers", "2"]) == 2
    assert main([str(src), "-o", str(tmp_path / "o"), "--weights", weights, "--workers", "2",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "need an output folder" in capsys.readouterr().err


def start(args, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "models.colorize", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,  # Ctrl-C as at a terminal
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def wait_for_lines(out: Path, n: int, proc, timeout: float = 90) -> None:
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if (out / archive.LEDGER).exists() and len(ledger_lines(out)) >= n:
            return
        if proc.poll() is not None:
            pytest.fail(f"the run ended early: {proc.stderr.read()[-2000:]}")
        time.sleep(0.05)
    pytest.fail("no progress")


@pytest.mark.slow
def test_a_killed_worker_loses_nothing(weights, tmp_path):
    psutil = pytest.importorskip("psutil")
    src = photos(tmp_path / "in", 16, size=(600, 800))
    out = tmp_path / "out"
    proc = start([str(src), "-o", str(out), "--weights", weights, "--workers", "2", "--size", "512", "-q"], tmp_path)
    wait_for_lines(out, 2, proc)

    def command(p):  # a short-lived helper may end between the listing and the look
        try:
            return " ".join(p.cmdline())
        except psutil.NoSuchProcess:
            return ""
    workers = [p for p in psutil.Process(proc.pid).children(recursive=True)
               if "spawn" in command(p) or "forkserver" in command(p)]
    assert workers, "no worker processes found"
    workers[-1].kill()  # a worker dies mid-run (as if the machine lost it)
    assert proc.wait(timeout=180) == 0, proc.stderr.read()[-2000:]
    written = sorted(pictures(out))  # every photo written, whole; one the dead worker had written but not yet
    extra = [n for n in written if "-" in n]  # recorded is written again as NAME-1.png (at most its two in hand)
    assert sorted(set(written) - set(extra)) == [f"p{i:02d}.png" for i in range(16)] and len(extra) <= 2
    assert not [p for p in out.iterdir() if p.name.startswith(".") or p.suffix == ".tmp"]
    assert sorted(Path(r["input"]).name for r in ledger_lines(out)) == sorted(p.name for p in src.iterdir())


@pytest.mark.slow
def test_ctrl_c_leaves_a_consistent_ledger_that_a_rerun_completes(weights, tmp_path):
    src = photos(tmp_path / "in", 16, size=(600, 800))
    out = tmp_path / "out"
    proc = start([str(src), "-o", str(out), "--weights", weights, "--workers", "2", "--size", "512", "-q"], tmp_path)
    wait_for_lines(out, 2, proc)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    lines = ledger_lines(out)  # every line whole
    assert 2 <= len(lines) < 16 and all((Path(tmp_path) / r["output"]).exists() or Path(r["output"]).exists()
                                        for r in lines)
    again = start([str(src), "-o", str(out), "--weights", weights, "--workers", "2", "--size", "512", "-q"], tmp_path)
    assert again.wait(timeout=180) == 0, again.stderr.read()[-2000:]
    assert len(pictures(out)) == 16 and len(ledger_lines(out)) >= 16
