"""End-to-end latency of colorizing and painting one photo in a style (target: 512x512 under 1.5 s).

    python -m benchmarks.style_latency [--style-weights weights/stylenet.npz] [--repeats 7] [--json FILE]

Times the whole path a user of `colorize --style` waits for: read a 512x512 PNG, colorize it with
the shipped ColorNet at its card's working size, paint it with StyleNet at its working size
(models/stylenet.Stylizer.stylize: the style's change upsampled onto the full photo, then its
brushwork, models/brushwork.py) and write the PNG; StyleNet's share (network and brushwork) is
measured separately. Two warm-up calls exclude Numba compilation; medians
of --repeats runs. Run it with nothing else on the CPU.
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.timing import median, time_calls
from models.image_io import load_image, save_image
from models.inference import Colorizer
from models.stylenet import Stylizer


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--style-weights", default=None)
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    import skimage.data
    from PIL import Image

    cz, st = Colorizer.from_weights(), Stylizer.from_weights(a.style_weights)
    blend = st.blend(st.names[0])
    tmp = Path(tempfile.mkdtemp())
    src, dst = tmp / "in.png", tmp / "out.png"
    Image.fromarray(skimage.data.astronaut()).convert("L").save(src)  # 512x512

    def end_to_end():
        save_image(st.stylize(cz.colorize(load_image(src)), blend), dst)
    total = time_calls(end_to_end, 2, a.repeats)
    plain = cz.colorize(load_image(src))
    painting = time_calls(lambda: st.stylize(plain, blend), 1, a.repeats)
    row = {"image": "512x512", "colornet_working_size": cz.size, "stylenet_working_size": st.work_size,
           "end_to_end_s_median": median(total), "stylenet_s_median": median(painting), "runs": a.repeats}
    print(f"512x512, ColorNet at {cz.size}, StyleNet at {st.work_size}: end to end {median(total) * 1000:.0f} ms "
          f"(StyleNet {median(painting) * 1000:.0f} ms); medians of {a.repeats}")
    if a.json:
        Path(a.json).write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), "results": [row]}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
