"""An archive through `colorize`: photos per second on one process and on Dask workers.

    python -m benchmarks.archive_throughput [--photos 2000] [--workers 1,2] [--json FILE]
    python -m benchmarks.archive_throughput --photos 10000 --interrupt 0.5 --workers 2 --json FILE [--ledger FILE.gz]

Writes --photos of the Intel test photos (150x150, as gray PNGs) to a temporary folder once, then
colorizes them with the shipped weights at default settings: the single-process command, then
`--workers N` for each N. For each run: wall time, photos per second, the parallel efficiency
against one worker, the warm-up (the command's start to the first photo in the ledger) and the
peak memory of each worker process (sampled every 0.2 s). Needs a quiet machine.

With --interrupt F the run on the workers is stopped by Ctrl-C (SIGINT to the command) once a
share F of the photos is in its ledger, then the same command is run again: the report says what
each leg did (photos written, skipped as done), whether every photo ended with exactly one output
and one "ok" line, and the time of both legs; --ledger keeps the ledger (gzip) as evidence. The
photos are Intel's test photos, then its training photos when more are asked for.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

from models.archive import LEDGER
from models.color import rgb_to_lab
from train.common import data

ROOT = Path(__file__).resolve().parents[1]


def write_photos(folder: Path, n: int) -> None:
    imgs = data.load_intel_scenes("test").images
    if n > len(imgs):  # the test photos first, then the training photos
        imgs = np.concatenate([imgs, data.load_intel_scenes("train").images])
    if n > len(imgs):
        raise SystemExit(f"--photos {n}: Intel has {len(imgs)} photos")
    imgs = imgs[:n]
    for i, im in enumerate(imgs):
        L = rgb_to_lab(im.astype(np.float32) / 255)[..., 0]
        Image.fromarray(np.clip(np.round(L / 100 * 255), 0, 255).astype(np.uint8)).save(folder / f"s{i:05d}.png")


def timed_run(src: Path, out: Path, workers: int | None, interrupt_at: int = 0) -> dict:
    """One run of the command; with interrupt_at, Ctrl-C once that many photos are in the ledger."""
    args = [sys.executable, "-m", "models.colorize", str(src), "-o", str(out), "-q"]
    if workers:
        args += ["--workers", str(workers)]
    peaks, stop = {}, threading.Event()
    t0 = time.perf_counter()
    before = ledger_lines(out)
    proc = subprocess.Popen(args, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    first, interrupted = [None], [None]

    def sample():
        parent = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                for p in [parent] + parent.children(recursive=True):
                    peaks[p.pid] = max(peaks.get(p.pid, 0), p.memory_info().rss)
            except psutil.Error:
                pass
            if first[0] is None and ledger_lines(out) > before:  # a rerun's ledger has lines already
                first[0] = time.perf_counter() - t0
            if interrupt_at and not interrupted[0] and ledger_lines(out) >= interrupt_at:
                proc.send_signal(signal.SIGINT)
                interrupted[0] = time.perf_counter() - t0
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = proc.wait()
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    n = ledger_lines(out) - before if interrupt_at or before else len(list(out.glob("*.png")))
    worker_peaks = sorted((v for k, v in peaks.items() if k != proc.pid), reverse=True)[:workers or 0]
    return {"workers": workers or 0, "exit": rc, "photos": n, "seconds": seconds, "photos_per_s": n / seconds,
            "warm_up_s": first[0], "peak_rss_main_mb": peaks.get(proc.pid, 0) / 2**20,
            "peak_rss_workers_mb": [v / 2**20 for v in worker_peaks],
            **({"interrupted_at_s": interrupted[0]} if interrupt_at else {})}


def ledger_lines(out: Path) -> int:
    path = out / LEDGER
    if not path.is_file():
        return 0
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def interrupted_and_resumed(src: Path, out: Path, workers: int, share: float, photos: int, keep=None) -> dict:
    """A run stopped by Ctrl-C at share of the photos, then the same command again; what each did."""
    first = timed_run(src, out, workers, interrupt_at=max(1, int(share * photos)))
    second = timed_run(src, out, workers)
    records = [json.loads(line) for line in (out / LEDGER).read_text().splitlines()]
    ok = collections.Counter(r["input"] for r in records if r["status"] == "ok")
    outputs = sorted(out.glob("*.png"))
    result = {"photos": photos, "workers": workers, "interrupt_share": share, "legs": [first, second],
              "ledger_lines": len(records), "status": dict(collections.Counter(r["status"] for r in records)),
              "photos_with_one_ok_line": sum(1 for v in ok.values() if v == 1),
              "photos_with_more_ok_lines": sum(1 for v in ok.values() if v > 1),
              "outputs": len(outputs), "temporaries_left": len([f for f in out.iterdir() if f.name.startswith(".")]),
              "every_photo_once": len(outputs) == photos == len(ok) and max(ok.values()) == 1}
    if keep:
        with gzip.open(keep, "wt", encoding="utf-8") as f:
            f.write((out / LEDGER).read_text())
    return result

def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--photos", type=int, default=2000)
    p.add_argument("--workers", default="1,2")
    p.add_argument("--json", default=None)
    p.add_argument("--interrupt", type=float, default=0.0, help="Ctrl-C at this share of the photos, then resume")
    p.add_argument("--ledger", default=None, help="with --interrupt: keep the ledger here (gzip)")
    a = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp())
    src = tmp / "in"
    src.mkdir()
    write_photos(src, a.photos)
    if a.interrupt:
        workers = int(a.workers.split(",")[-1])
        result = interrupted_and_resumed(src, tmp / "out", workers, a.interrupt, a.photos, a.ledger)
        for leg, r in zip(("interrupted", "resumed"), result["legs"]):
            print(f"{leg}: {r['photos']} photos in {r['seconds']:.1f} s = {r['photos_per_s']:.1f}/s, exit {r['exit']}")
        print(f"ledger {result['ledger_lines']} lines {result['status']}; outputs {result['outputs']}; "
              f"every photo once: {result['every_photo_once']}")
        if a.json:
            Path(a.json).write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(),
                                                "photos": "Intel, 150x150 gray PNG", **result}, indent=1))
        return 0
    rows = [timed_run(src, tmp / "serial", None)]
    for w in (int(v) for v in a.workers.split(",")):
        rows.append(timed_run(src, tmp / f"w{w}", w))
    one = next((r for r in rows if r["workers"] == 1), None)
    for r in rows:
        if one and r["workers"]:
            r["efficiency"] = r["photos_per_s"] / (one["photos_per_s"] * r["workers"])
        label = f"{r['workers']} workers" if r["workers"] else "single process"
        print(f"{label}: {r['photos']} photos in {r['seconds']:.1f} s = {r['photos_per_s']:.1f}/s"
              + (f", efficiency {r['efficiency']:.2f}" if "efficiency" in r else "")
              + (f", warm-up {r['warm_up_s']:.1f} s" if r["warm_up_s"] else "")
              + (f", peak per worker {max(r['peak_rss_workers_mb']):.0f} MB" if r["peak_rss_workers_mb"] else
                 f", peak {r['peak_rss_main_mb']:.0f} MB"))
    result = {"date": time.strftime("%Y-%m-%d"), "cpus": os.cpu_count(), "photos": "Intel test, 150x150 gray PNG",
              "rows": rows}
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
