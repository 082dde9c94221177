"""A 24-megapixel photo through the colorize command: peak memory and wall time (issue 15's target:
under 1.5 GB and 8 s on this 2-core machine).

    python -m benchmarks.big_photo [--megapixels 24] [--repeats 3] [--json FILE]

Each repeat runs `python -m models.colorize` on a gray 6000x4000 JPEG (scikit-image's astronaut,
enlarged) in a fresh process and reads that process's peak resident memory (ru_maxrss of the
child) and its wall time, start-up and the first-run Numba compilation included, so that this is
what a user waits for. The first repeat warms the compilation cache and is reported apart.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.timing import median


def make_photo(path: Path, megapixels: float) -> tuple:
    import skimage.data
    from PIL import Image
    w = int(round((megapixels * 1e6 * 3 / 2) ** 0.5))
    h = int(round(w * 2 / 3))
    Image.fromarray(skimage.data.astronaut()).convert("L").resize((w, h), Image.BILINEAR).save(path, quality=90)
    return w, h


def run_once(src: Path, out: Path) -> tuple:
    """(seconds, peak MB) of one colorize process on src."""
    t = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = subprocess.run([sys.executable, "-m", "models.colorize", str(src), "-o", str(out), "--overwrite", "-q"],
                       capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"colorize failed: {r.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # the largest child so far, in KB
    return seconds, max(peak, before) / 1024


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--megapixels", type=float, default=24.0)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp())
    src = tmp / "big.jpg"
    w, h = make_photo(src, a.megapixels)
    first = run_once(src, tmp / "out")
    runs = [run_once(src, tmp / "out") for _ in range(a.repeats)]
    result = {"date": time.strftime("%Y-%m-%d"), "photo": f"{w}x{h} gray JPEG", "first_run_s": first[0],
              "seconds_median": median([s for s, _ in runs]), "peak_rss_mb": max(m for _, m in runs + [first]),
              "repeats": a.repeats}
    print(f"{w}x{h}: {result['seconds_median']:.1f} s end to end (median of {a.repeats}; first run "
          f"{first[0]:.1f} s), peak memory {result['peak_rss_mb']:.0f} MB")
    if a.json:
        Path(a.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
