"""End-to-end latency of colorizing one photo with the shipped weights (target: 512x512 under 1 s).

    python -m benchmarks.colorize_latency [--weights weights/colornet.npz] [--repeats 7] [--json FILE]

Times the whole path a user waits for (models/pipeline.py, as the command runs it, era and start-up
aside): read a 512x512 PNG, reduce it to L, run ColorNet at each working size, decode, upsample the
ab, recombine with the full-resolution L and write the PNG. Numba JIT compilation is excluded by
two warm-up calls; medians of --repeats runs are reported, with the network's share measured
separately, and the studio's re-colorization after a hint is added (Colorizer.process with one
point hint, the hint refinement included; target 0.5 s). The whole command, start-up included, is
benchmarks/command_latency.py.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.timing import median, time_calls
from models.hints import Hints
from models.image_io import load_image, save_image
from models.inference import Colorizer
from models.pipeline import Pipeline, Request


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", default=None)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--sizes", default="", help="comma-separated working sizes (default: the card's, 128, 256)")
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    import skimage.data
    from PIL import Image

    cz = Colorizer.from_weights(a.weights)
    sizes = [int(s) for s in a.sizes.split(",") if s] or sorted({cz.size, 128, 256})
    tmp = Path(tempfile.mkdtemp())
    src, dst = tmp / "in.png", tmp / "out.png"
    Image.fromarray(skimage.data.astronaut()).convert("L").save(src)  # 512x512
    rows = []
    for size in sizes:
        cz.size = size  # the working size of this row
        pipe = Pipeline(cz)

        def end_to_end():  # the command's path: 8-bit in, the pipeline, 8-bit out
            save_image(pipe.run(Request(load_image(src, as_float=False), dtype=np.uint8)).output, dst)
        total = time_calls(end_to_end, 2, a.repeats)
        img = load_image(src)
        pred = cz.predict(img, size=size)
        L = np.asarray(pred.L, np.float32)[None]
        net = time_calls(lambda: cz.logits_batch(L), 1, a.repeats)
        hints = Hints().add_point(256, 200, (0.2, 0.4, 0.9))
        studio = time_calls(lambda: cz.process(img, hints, size=size, layers=()), 1, a.repeats)
        rows.append({"image": "512x512", "working_size": size, "end_to_end_s_median": median(total),
                     "network_s_median": median(net), "studio_recolorize_with_hint_s_median": median(studio),
                     "runs": a.repeats})
        print(f"512x512 at working size {size}: end to end {median(total) * 1000:.0f} ms "
              f"(network {median(net) * 1000:.0f} ms); studio re-colorize after a hint "
              f"{median(studio) * 1000:.0f} ms; medians of {a.repeats}")
    if a.json:
        Path(a.json).write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "results": rows}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
