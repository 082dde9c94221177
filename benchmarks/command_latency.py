"""What a user waits for when colorizing one photo: the whole `colorize` command, start-up included.

    python -m benchmarks.command_latency [--against OTHER_CHECKOUT] [--repeats 9] [--json FILE]

Runs `python -m models.colorize PHOTO -o TMP -q` on a 400x300 gray photo (scikit-image's astronaut)
in a fresh process each time, with this checkout's shipped weights for every checkout measured (so
only the code differs), and reports the median wall time; with --against, the other checkout's
command is timed in turns with this one's and the ratio is given. Two warm-up runs each first
(Numba's compiled kernels are cached on disk after the first).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import skimage.data
from PIL import Image

from benchmarks.timing import median

ROOT = Path(__file__).resolve().parents[1]


def photo(folder: Path) -> Path:
    """A 400x300 gray PNG, the size the README's timing names."""
    path = folder / "photo.png"
    Image.fromarray(skimage.data.astronaut()).convert("L").resize((400, 300)).save(path)
    return path


def run_once(root: Path, src: Path, out: Path, weights: Path) -> float:
    env = dict(os.environ, PYTHONPATH=str(root))
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "models.colorize", str(src), "-o", str(out), "-q", "--overwrite",
                        "--weights", str(weights)], cwd=root, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"{root}: colorize failed ({r.returncode}): {r.stderr.strip()[-400:]}")
    return seconds


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--against", type=Path, default=None, help="another checkout to time in turns with this one")
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    roots = {"this checkout": ROOT, **({"against": a.against.resolve()} if a.against else {})}
    weights = ROOT / "weights" / "colornet.npz"
    tmp = Path(tempfile.mkdtemp())
    src = photo(tmp)
    times = {name: [] for name in roots}
    for name, root in roots.items():  # warm-up: Numba's cache, the file-system cache
        for _ in range(2):
            run_once(root, src, tmp / name, weights)
    for _ in range(a.repeats):
        for name, root in roots.items():
            times[name].append(run_once(root, src, tmp / name, weights))
    result = {"date": time.strftime("%Y-%m-%d"), "photo": "400x300 gray PNG", "weights": str(weights),
              "repeats": a.repeats, "rows": {n: {"root": str(roots[n]), "median_s": median(t), "runs_s": t}
                                            for n, t in times.items()}}
    for n, row in result["rows"].items():
        print(f"{n} ({row['root']}): colorize one 400x300 photo in {row['median_s']:.2f} s (median of {a.repeats})")
    if a.against:
        result["speedup"] = result["rows"]["against"]["median_s"] / result["rows"]["this checkout"]["median_s"]
        print(f"this checkout is {result['speedup']:.2f}x as fast as the other")
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
