"""End-to-end latency of colorizing one photo with two region conditions (target: 512x512 under 1 s).

    python -m benchmarks.condition_latency [--segmenter weights/segmenter.npz] [--repeats 7] [--json FILE]

Times what `colorize --conditions "sky: light blue; tree: forest green"` does per photo: read a
512x512 PNG, find its regions (models/segmenter.py), colorize with the shipped ColorNet, paint the
conditions' regions (models/conditions.paint) and write the PNG; the segmenter's share is
measured separately. Two warm-up calls exclude Numba compilation; medians of --repeats runs. Run it
with nothing else on the CPU.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.timing import median, time_calls
from models.color_text import parse_conditions
from models.conditions import paint, resolve
from models.image_io import load_image, save_image
from models.inference import Colorizer
from models.segmenter import RegionFinder


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--segmenter", default=None)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    import skimage.data
    from PIL import Image

    cz, finder = Colorizer.from_weights(), RegionFinder.from_weights(a.segmenter)
    conditions = parse_conditions("sky: light blue; tree: forest green")
    tmp = Path(tempfile.mkdtemp())
    src, dst = tmp / "in.png", tmp / "out.png"
    Image.fromarray(skimage.data.astronaut()).convert("L").resize((512, 512)).save(src)

    def end_to_end():
        image = load_image(src)
        regions, _ = resolve(conditions, finder.find(image))
        save_image(paint(cz.process(image), regions).output, dst)
    total = time_calls(end_to_end, 2, a.repeats)
    image = load_image(src)
    finding = time_calls(lambda: finder.find(image), 1, a.repeats)
    row = {"image": "512x512", "conditions": 2, "colornet_working_size": cz.size,
           "end_to_end_s_median": median(total), "segmenter_s_median": median(finding), "runs": a.repeats}
    print(f"512x512 with two conditions: end to end {median(total) * 1000:.0f} ms (segmenter "
          f"{median(finding) * 1000:.0f} ms); medians of {a.repeats}")
    if a.json:
        Path(a.json).write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "results": [row]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
