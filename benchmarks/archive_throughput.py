"""An archive through `colorize`: photos per second on one process and on Dask workers.

    python -m benchmarks.archive_throughput [--photos 2000] [--workers 1,2] [--json FILE]

Writes --photos of the Intel test photos (150x150, as gray PNGs) to a temporary folder once, then
colorizes them with the shipped weights at default settings: the single-process command, then
`--workers N` for each N. For each run: wall time, photos per second, the parallel efficiency
against one worker, the warm-up (the command's start to the first photo in the ledger) and the
peak memory of each worker process (sampled every 0.2 s). Needs a quiet machine.
"""
from __future__ import annotations

import argparse
import json
import os
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
    imgs = data.load_intel_scenes("test").images[:n]
    for i, im in enumerate(imgs):
        L = rgb_to_lab(im.astype(np.float32) / 255)[..., 0]
        Image.fromarray(np.clip(np.round(L / 100 * 255), 0, 255).astype(np.uint8)).save(folder / f"s{i:05d}.png")


def timed_run(src: Path, out: Path, workers: int | None) -> dict:
    args = [sys.executable, "-m", "models.colorize", str(src), "-o", str(out), "-q"]
    if workers:
        args += ["--workers", str(workers)]
    peaks, stop = {}, threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    first = [None]

    def sample():
        parent = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                for p in [parent] + parent.children(recursive=True):
                    peaks[p.pid] = max(peaks.get(p.pid, 0), p.memory_info().rss)
            except psutil.Error:
                pass
            if first[0] is None and (out / LEDGER).is_file() and (out / LEDGER).stat().st_size:
                first[0] = time.perf_counter() - t0
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rc = proc.wait()
    seconds = time.perf_counter() - t0
    stop.set()
    sampler.join()
    n = len(list(out.glob("*.png")))
    worker_peaks = sorted((v for k, v in peaks.items() if k != proc.pid), reverse=True)[:workers or 0]
    return {"workers": workers or 0, "exit": rc, "photos": n, "seconds": seconds, "photos_per_s": n / seconds,
            "warm_up_s": first[0], "peak_rss_main_mb": peaks.get(proc.pid, 0) / 2**20,
            "peak_rss_workers_mb": [v / 2**20 for v in worker_peaks]}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--photos", type=int, default=2000)
    p.add_argument("--workers", default="1,2")
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp())
    src = tmp / "in"
    src.mkdir()
    write_photos(src, a.photos)
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
