"""colorize: turn black-and-white photos into colour ones with ColorNet.

    colorize photo.jpg                                        # photo-colorized.png beside it
    colorize old.jpg scans/ -o coloured/                      # files and folders
    colorize photo.png -o out --hint 120,40,#3a6fd0 --hint 30,200,#2e8b57
    colorize photo.png -o out --hints hints.json --stages out/process --report out/report.json
    colorize album/ -o out --era 1910s                        # coloured as that decade saw and printed it
    colorize photo.png -o out --style "Monet" --style-strength 0.7 --style-mix "Gauguin:0.3"
    colorize --list-styles                                    # the style menu, one name per line
    colorize street.jpg -o out --condition "sky=light blue" --condition "trees=#2e8b57"
    colorize street.jpg -o out --conditions "sky: light blue; tree: dark green; car: red"

Also ``python -m models.colorize``. Every input is reduced to its lightness first (so colour
photos are re-colorized), the network runs at --size (longer side) and the predicted colour is
upsampled and recombined with the full-resolution lightness. --era colours a photo as its decade
would have: the gray read as that decade's film recorded it (with ColorNet weights that have film
inputs) and the result graded in the period's palette (models/palette.py); "auto" (the default)
recognises the decade first and uses it only when sure, else modern (models/era.py). --style paints
the colorization in one of the menu's styles (models/stylenet.py; strength 0 is the plain
colorization, --style-mix blends in a second style).
--condition colours a named region (found in each photo by models/segmenter.py; --list-regions)
in a colour given by name, #RRGGBB or R,G,B. Outputs are 8-bit PNGs named after the inputs. A bad
input is reported and skipped; the exit status is 1 if any input failed, 2 for bad arguments. The
hints file format is documented in models/hints.py.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from minitorch_color.files import write_first_free
from minitorch_color.kernels import use_kernels
from minitorch_color.kernels.threads import set_num_threads
from minitorch_color.memory import keep_freed_memory

from . import archive
from .color_text import ALIASES, parse_condition, parse_conditions
from .conditions import with_fitted_lightness
from .era import ERA_CHOICES, EraChooser
from .hints import HintError, Hints, parse_hint_arg
from .image_io import IMAGE_EXTENSIONS, load_image, save_image
from .inference import MAX_WORK_SIZE, Colorizer
from .palette import palette_for
from .pipeline import Pipeline, Request
from .segmenter import REGIONS, RegionFinder
from .stylenet import Stylizer, parse_mix
from .visualize import activation_figure, stage_strip
from .weights import WeightsError, card_sha256, shipped


def bounded(kind, lo, hi):
    """An argparse type: `kind` (int or float) within lo..hi, with a clear message otherwise."""
    def parse(text):
        try:
            v = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"{v} is outside {lo}..{hi}")
        return v
    return parse


def given(kind=str):
    """An argparse type: a non-empty value (an empty --weights '' would otherwise quietly mean the default)."""
    def parse(text):
        if not text.strip():
            raise argparse.ArgumentTypeError("an empty value; leave the option out for its default")
        return kind(text)
    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="colorize", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="Hints file: JSON with 'points' [{x, y, color}] and 'regions' "
                                       "[{box|polygon, color}] in input pixels; see models/hints.py.")
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="image files or folders of images")
    p.add_argument("-o", "--output", type=given(), default=None, metavar="OUTDIR",
                   help="folder for the colorized PNGs (default: each beside its photo as NAME-colorized.png)")
    p.add_argument("--weights", type=given(), default=None,
                   help="ColorNet weights (default: the shipped weights/colornet.npz, or $MINITORCH_COLOR_WEIGHTS)")
    p.add_argument("--size", type=bounded(int, 8, MAX_WORK_SIZE), default=None,
                   help=f"working size: the longer side the network sees, at most {MAX_WORK_SIZE} (default: the "
                        "weights' card; larger costs memory and time, and the network was trained at 64)")
    p.add_argument("--vividness", type=bounded(float, 0, 1), default=None,
                   help="how bold the colours are: 0 calm and faithful, 1 boldest (default: the weights' card, "
                        "chosen so colours are as colourful as real photos'); the same as 1 - --prior-correction")
    p.add_argument("--temperature", type=bounded(float, 0.01, 10), default=None,
                   help="annealed-mean temperature: lower is more vivid, 1 is the mean (default: the card's)")
    p.add_argument("--prior-correction", type=bounded(float, 0, 1), default=None,
                   help="0 keeps the rare-colour boost of training (vivid), 1 removes it (faithful)")
    p.add_argument("--no-refine", action="store_true",
                   help="use the network's answer to hints as is (default: hints hold exactly and spread "
                        "along similar lightness, models/refine.py)")
    p.add_argument("--era", type=given(), default=None, metavar="ERA",
                   help="auto (default: each photo's recognised decade where the recogniser is sure, else "
                        "modern), a decade 1850s..1970s, or modern (read and coloured as a modern camera would)")
    p.add_argument("--era-weights", type=given(), default=None, help="era recogniser weights for --era auto (default: "
                                                        "the shipped weights/era.npz)")
    p.add_argument("--style", type=given(), default=None, metavar="NAME",
                   help="paint the result in this style (see --list-styles)")
    p.add_argument("--style-strength", type=bounded(float, 0, 1), default=1.0,
                   help="0 is the plain colorization, 1 the full style (default 1)")
    p.add_argument("--style-mix", action="append", default=[], metavar="NAME:SHARE",
                   help="take this share (0..1) of the style from another style (repeatable)")
    p.add_argument("--style-weights", type=given(), default=None,
                   help="StyleNet weights (default: the shipped weights/stylenet.npz)")
    p.add_argument("--list-styles", action="store_true", help="print the style menu, one name per line, and exit")
    p.add_argument("--condition", action="append", default=[], metavar="REGION=COLOUR",
                   help="colour a named region, e.g. 'sky=light blue' or 'trees=#2e8b57' (repeatable)")
    p.add_argument("--conditions", default=None, metavar="TEXT",
                   help="several at once: 'sky: light blue; tree: dark green; car: red'")
    p.add_argument("--segmenter-weights", type=given(), default=None,
                   help="region segmenter weights (default: the shipped weights/segmenter.npz)")
    p.add_argument("--fit-lightness", action="store_true",
                   help="let a condition lower (or raise) the lightness of its region just enough for its colour "
                        "to show (a blue sky over a white one); default: the photo's lightness is kept")
    p.add_argument("--list-regions", action="store_true", help="print the region names conditions take, and exit")
    p.add_argument("--hints", type=given(Path), default=None, metavar="FILE.json", help="point and region hints")
    p.add_argument("--hint", action="append", default=[], metavar="X,Y,#RRGGBB",
                   help="a point hint in input pixels (repeatable)")
    p.add_argument("--report", type=given(Path), default=None, metavar="FILE.json",
                   help="write per-image status, sizes and timings")
    p.add_argument("--stages", type=given(Path), default=None, metavar="DIR",
                   help="also write each image's stage strip and activation grids here")
    p.add_argument("--overwrite", action="store_true", help="replace existing outputs (default: add a number)")
    p.add_argument("--workers", type=bounded(int, 1, 4096), default=None, metavar="N",
                   help="colorize on N worker processes (an embedded Dask cluster, one thread each); a ledger in "
                        "OUTDIR makes the run resumable: a rerun skips what is done and retries what failed")
    p.add_argument("--scheduler", type=given(), default=None, metavar="ADDRESS|FILE",
                   help="the same on an existing Dask cluster: its scheduler's address or scheduler file")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary line")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="a line per photo: where it went and the era it was coloured as")
    return p


def collect_inputs(paths, skip_suffix: str | None = None) -> tuple[list, list]:
    """(image files, errors) from files and folders (folders: their image files, sorted, not recursive,
    leaving out those whose name ends with skip_suffix: the colorizations an earlier run put beside them)."""
    files, errors = [], []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in IMAGE_EXTENSIONS
                           and not (skip_suffix and f.stem.endswith(skip_suffix)))
            if not found:
                errors.append((str(p), "folder holds no image files (" + ", ".join(IMAGE_EXTENSIONS) + ")"))
            files += found
        elif p.is_file():
            files.append(p)
        elif p.exists():
            errors.append((str(p), "not a regular file (a pipe, device or socket)"))
        else:
            errors.append((str(p), "no such file or folder"))
    return files, errors


def output_names(out_dir: Path, stem: str, taken: set, avoid: Path | None = None, suffix: str = ".png"):
    """OUTDIR/STEM.png, STEM-1.png, ...: the names an output may take, in order, except those this run
    already gave out (taken) and the input itself (avoid). Whether a name is free is decided when it is
    claimed (minitorch_color/files.py), so runs that share a folder never take each other's."""
    k = 0
    while True:
        cand = out_dir / (f"{stem}{suffix}" if k == 0 else f"{stem}-{k}{suffix}")
        k += 1
        if cand not in taken and (avoid is None or cand.resolve() != avoid.resolve()):
            yield cand


BESIDE = "-colorized"
# Below this many photos, the engine's whole-array kernels finish a run sooner than loading Numba's compiled
# ones (0.3 s once, then about 0.03 s a photo faster at the default size; minitorch_color/kernels)
FEW_PHOTOS = 8  # without -o, a photo's colorization goes beside it as NAME-colorized.png


def write_output(image, out_dir: Path | None, src: Path, taken: set, overwrite: bool) -> Path:
    """Save a colorized photo under the first free name for it (with overwrite: its first name, replaced):
    OUTDIR/NAME.png, or without an output folder NAME-colorized.png beside the photo."""
    names = (output_names(out_dir, src.stem, taken, avoid=src) if out_dir is not None
             else output_names(src.parent, src.stem + BESIDE, taken, avoid=src))
    dst = save_image(image, next(names), overwrite=overwrite, alternatives=names)
    taken.add(dst)
    return dst


def write_figure(fig, candidates) -> Path:
    """Save a matplotlib figure as PNG under the first free of the candidate names, atomically."""
    return write_first_free(candidates, lambda f: fig.savefig(f, format="png", dpi=110))


def input_error(src, e: Exception) -> str:
    """What to tell the user about one input that failed (the batch goes on)."""
    if isinstance(e, MemoryError):
        return f"{src}: not enough memory for this photo (try a smaller --size)"
    if isinstance(e, (OSError, ValueError)):  # ImageLoadError and HintError included: their messages are made for users
        return str(e) if str(e).startswith(str(src)) else f"{src}: {e}"
    return f"{src}: could not be colorized ({type(e).__name__}: {e})"


def join_hint_values(argv) -> list:
    """'--hint -5,40,#fff' as '--hint=-5,40,#fff': argparse would read a leading minus as an option."""
    out, it = [], iter(argv)
    for a in it:
        out.append(f"--hint={next(it, '')}" if a == "--hint" else a)
    return out


def list_styles(argv) -> int:
    """--list-styles: the menu of the style weights (--style-weights or the shipped ones)."""
    p = argparse.ArgumentParser(prog="colorize --list-styles")
    p.add_argument("--list-styles", action="store_true")
    p.add_argument("--style-weights", default=None)
    args, _ = p.parse_known_args(argv)
    try:
        print("\n".join(Stylizer.from_weights(args.style_weights).names))
    except WeightsError as e:
        print(f"colorize: error: {e}", file=sys.stderr)
        return 2
    return 0


def style_request(args):
    """(Stylizer, blend row, report record) for --style, or (None, None, None); a ValueError or
    WeightsError says what is wrong (an unknown name lists the menu)."""
    if args.style is None:
        if args.style_mix:
            raise ValueError("--style-mix needs --style")
        return None, None, None
    st = Stylizer.from_weights(args.style_weights)
    mix = dict(parse_mix(m) for m in args.style_mix)
    blend = st.blend(args.style, args.style_strength, mix)
    return st, blend, {"name": args.style, "strength": args.style_strength, "mix": mix}


class SetupError(Exception):
    """A bad argument or unusable weights, found before any photo is read (exit status 2)."""


@dataclass
class Job:
    """What every photo of a run shares, loaded once from the arguments (prepare)."""

    args: argparse.Namespace
    hints: Hints  # points, regions and named conditions
    pipeline: Pipeline  # the models, each read once
    style: tuple = (None, None)  # (blend row, report record) for --style, see style_request


def prepare(args) -> Job:
    """Hints, ColorNet, era chooser, style and region finder for these arguments; a SetupError says
    what is wrong (checked in the order the user reads the options: hints, weights, era, style, regions)."""
    try:
        hints = Hints.from_file(args.hints) if args.hints else Hints()
        hints.points += [parse_hint_arg(h) for h in args.hint]
        hints.conditions += [parse_condition(c) for c in args.condition]
        hints.conditions += parse_conditions(args.conditions or "")
    except HintError as e:  # ConditionError included
        raise SetupError(str(e)) from None
    try:
        if args.vividness is not None and args.prior_correction is not None:
            raise SetupError("give --vividness or --prior-correction, not both (vividness is 1 - prior correction)")
        cz = Colorizer.from_weights(args.weights, size=args.size, temperature=args.temperature,
                                    prior_correction=args.prior_correction, vividness=args.vividness)
    except WeightsError as e:
        raise SetupError(str(e)) from None
    cz.refine = not args.no_refine
    eras = era_chooser(args)
    try:
        stylizer, blend, record = style_request(args)
    except (ValueError, WeightsError) as e:
        raise SetupError(str(e)) from None
    finder = None
    if hints.conditions:
        try:
            finder = RegionFinder.from_weights(args.segmenter_weights)
        except WeightsError as e:
            raise SetupError(f"--condition needs the region segmenter ({e})") from None
    pipeline = Pipeline(cz, eras=eras, stylizer=stylizer, finder=finder)
    if eras.choice not in ("auto", "modern") and not pipeline.film_inputs:
        print("colorize: note: these ColorNet weights have no film inputs: every gray is read as a modern "
              "camera's lightness; only the period's palette applies", file=sys.stderr)
    return Job(args, hints, pipeline, (blend, record))


def era_chooser(args):
    """The EraChooser for --era (a SetupError for a name that is no era); without the recogniser,
    "auto" by default colours every photo as modern, with a note, but "auto" asked for by name stops."""
    choice = args.era or "auto"
    if choice not in ERA_CHOICES:
        raise SetupError(f"--era {args.era!r} is not an era; one of: {', '.join(ERA_CHOICES)}")
    try:
        eras = EraChooser(choice, args.era_weights)
    except WeightsError as e:
        if args.era:  # asked for by name: say so and stop
            raise SetupError(f"--era auto needs the era recogniser ({e}); or name a decade with --era") from None
        print(f"colorize: note: no era recogniser ({e}): every photo coloured as modern", file=sys.stderr)
        eras = EraChooser("modern")
    return eras


def output_folder(args) -> Path | None:
    """The output folder (and --stages'), created; None without -o (each photo's beside it); a SetupError
    if it cannot be."""
    if (args.workers or args.scheduler) and args.output is None:
        raise SetupError("--workers and --scheduler need an output folder (-o OUTDIR): its ledger makes the run "
                         "resumable")
    if args.workers and args.scheduler:
        raise SetupError("give --workers (a cluster on this machine) or --scheduler (an existing one), not both")
    out_dir = Path(args.output) if args.output is not None else None
    try:
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
        if args.stages:
            args.stages.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SetupError(f"cannot create the output folder: {e}") from None
    return out_dir


def say(text: str) -> None:
    """A line for the user on stderr, above the progress bar."""
    tqdm.write(text, file=sys.stderr)


def colorize_file(job: Job, src: Path, out_dir: Path | None, taken: set, tell=say) -> dict:
    """Colorize one photo into out_dir and return its report record; a failure is recorded and told
    (tell: say, or a list's append on a Dask worker), never raised: one photo never stops the batch, no
    traceback reaches the user."""
    args, pipe = job.args, job.pipeline
    blend, style_record = job.style
    rec = {"input": str(src)}
    t0 = time.perf_counter()
    try:
        image = load_image(src, as_float=False)  # 8-bit stays 8-bit: a 24 MP photo in bounded memory
        t1 = time.perf_counter()
        era = pipe.decide_era(image)
        regions, covered = pipe.regions_for(image, job.hints.conditions)
        if args.fit_lightness and regions:
            image = with_fitted_lightness(image, regions)
        # the stage images, entropy and activations only when --stages asks for them
        result = pipe.run(Request(image, job.hints or None, era=era.used, regions=tuple(regions), style=blend,
                                  layers=tuple(pipe.colorizer.layer_names()) if args.stages else (),
                                  explain=bool(args.stages), dtype=np.uint8))
        t2 = time.perf_counter()
        dst = write_output(result.output, out_dir, src, taken, args.overwrite)
        t3 = time.perf_counter()
        rec.update(status="ok", output=str(dst), size=list(image.shape[:2]),
                   work_size=list(result.prediction.work_hw), seconds_load=t1 - t0,
                   seconds_colorize=t2 - t1, seconds_save=t3 - t2, seconds_total=t3 - t0)
        film = result.prediction.film
        T, alpha = pipe.colorizer.decoding(film)
        rec["era"] = {**era.to_report(), "film": film, "palette": palette_for(era.used).name,
                      "decoding": {"temperature": T, "prior_correction": alpha}}
        if style_record:
            rec["style"] = style_record
        if covered:
            rec["conditions"] = {k: {"pixels": v, "share": round(v / (image.shape[0] * image.shape[1]), 4)}
                                 for k, v in covered.items()}
            for label in (k for k, v in covered.items() if v == 0 and not args.quiet):
                tell(f"colorize: {src.name}: {label!r}: not painted: no such region found in this photo, "
                     "or the segmenter is unsure of it (or, outside street scenes, the colours the network sees "
                     "there disagree; the studio's Regions mode shows it: click or brush)")
        if args.verbose:  # above the bar
            said = f"; {era.describe()}" if era.recognized is not None else ""
            tell(f"colorize: {src.name} -> {dst}{said}")
        if result.scene is not None:  # named only when the scene head is sure enough
            rec["scene"] = result.scene.name if result.scene.confident else None
            rec["scene_probability"] = round(result.scene.probability, 3)
    except Exception as e:  # one photo's failure never stops the batch, and no traceback reaches the user
        msg = input_error(src, e)
        tell(f"colorize: {msg}")
        rec.update(status="error", error=msg)
        return rec
    if args.stages:  # the photo is written: a figure that cannot be is a warning, not a failure
        rec["stages"] = write_stages(result, args.stages, dst, src.name, taken, tell)
    return rec


def write_stages(result, folder: Path, dst: Path, title: str, taken: set, tell=say) -> dict:
    """The stage strip and activation grids of a colorization as DST-STEM_stages.png and _activations.png
    in folder (never replacing a file: a taken name gets a number); {kind: path or the error}."""
    out = {}
    for kind, make in (("stages", stage_strip), ("activations", activation_figure)):
        try:
            path = write_figure(make(result, title=title), output_names(folder, f"{dst.stem}_{kind}", taken))
            taken.add(path)
            out[kind] = str(path)
        except (OSError, ValueError) as e:
            out[kind] = f"not written: {e}"
            tell(f"colorize: {title}: the {kind} figure was not written ({e}); the photo was")
    return out


def write_report(job: Job, records: list, path: Path, taken: set, inputs=()) -> bool:
    """--report: the run's settings and every photo's record as JSON, written atomically; like a photo it
    never replaces a file (with --overwrite it may replace an earlier report, never an input or an output
    of this run): a taken name gets a number, and the console says so. False (said) if it cannot be written."""
    cz, failed = job.pipeline.colorizer, sum(r["status"] != "ok" for r in records)
    summary = {"weights": str(job.args.weights or shipped()), "size": cz.size, "era": job.pipeline.eras.choice,
               "temperature": cz.temperature, "prior_correction": cz.prior_correction, "vividness": cz.vividness,
               "smoothing": cz.smoothing, "gray_gate": cz.gray_gate, "refine": cz.refine,
               "hints": job.hints.to_dict(), "images": records, "ok": len(records) - failed, "failed": failed}
    text = json.dumps(summary, indent=2).encode()
    protected = {Path(p).resolve() for p in inputs} | {Path(p).resolve() for p in taken}
    replace = job.args.overwrite and path.resolve() not in protected
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        names = (n for n in output_names(path.parent, path.stem, taken, suffix=path.suffix or ".json")
                 if n.resolve() not in protected)
        written = write_first_free(names, lambda f: f.write(text), overwrite=replace)
    except OSError as e:
        print(f"colorize: cannot write the report: {e}", file=sys.stderr)
        return False
    if written != path:
        print(f"colorize: {path} exists (or is an input): the report is at {written}", file=sys.stderr)
    return True


def list_regions() -> int:
    """--list-regions: each region name conditions take, with its other words."""
    for r in REGIONS:
        print(r + "\t" + ", ".join(w for w, k in ALIASES.items() if k == r and w != r))
    return 0


INTERRUPTED = 130  # the shell's status for a program stopped by Ctrl-C (128 + SIGINT)


def main(argv=None) -> int:
    """The command: 0 when every photo was written, 1 when some failed, 2 for bad arguments, 130 on Ctrl-C."""
    keep_freed_memory()  # the engine's malloc tuning (minitorch_color/memory.py), chosen by the entry point
    argv = sys.argv[1:] if argv is None else list(argv)
    records, out_dir = [], None
    try:
        if "--list-styles" in argv:
            return list_styles(argv)
        if "--list-regions" in argv:
            return list_regions()
        args = build_parser().parse_args(join_hint_values(argv))
        try:
            job = prepare(args)
            out_dir = output_folder(args)
        except SetupError as e:
            print(f"colorize: error: {e}", file=sys.stderr)
            return 2
        if args.workers or args.scheduler:
            return run_archive(job, args, out_dir, records)
        return run(job, args, out_dir, records)
    except KeyboardInterrupt:  # a clean stop: every file is whole (written under a temporary name, then claimed)
        done = sum(r.get("status") == "ok" for r in records)
        where = f" to {out_dir}" if out_dir is not None else ""
        print(f"\ncolorize: interrupted: {done} image(s) written{where} (and the one in hand if it was being saved); "
              "nothing half-written", file=sys.stderr)
        return INTERRUPTED


def run(job: Job, args, out_dir: Path | None, records: list) -> int:
    """Colorize every input into out_dir, appending each photo's record to records (so that an
    interrupted run can say what it wrote); then the report. The exit status."""
    files, errors = collect_inputs(args.inputs, skip_suffix=BESIDE if out_dir is None else None)
    if "MINITORCH_KERNELS" not in os.environ:  # the user's choice stands; else what makes this run soonest done
        use_kernels("array" if len(files) < FEW_PHOTOS else "numba")
    for name, msg in errors:
        print(f"colorize: {name}: {msg}", file=sys.stderr)
    records += [{"input": n, "status": "error", "error": m} for n, m in errors]
    taken = set()
    for src in tqdm(files, desc="colorize", unit="img", disable=args.quiet or len(files) < 2):
        records.append(colorize_file(job, src, out_dir, taken))
    if args.report and not write_report(job, records, args.report, taken, files):
        return 1
    failed = sum(r["status"] != "ok" for r in records)
    if not args.quiet:
        where = f"to {out_dir}" if out_dir is not None else "beside their photos (NAME-colorized.png)"
        print(f"colorize: {len(records) - failed} of {len(records)} image(s) written {where}", file=sys.stderr)
    return 1 if failed else 0


# settings that do not change what a photo becomes: a ledger line holds whatever they are
NOT_SETTINGS = ("inputs", "output", "report", "quiet", "verbose", "workers", "scheduler", "overwrite", "stages")
WINDOW_PER_WORKER = 2  # photos in flight per worker: one at work, one ready; few to wait for on Ctrl-C


def run_settings(args) -> dict:
    """What decides a photo's output: the options, and the weights' recorded sha256."""
    settings = {k: v for k, v in vars(args).items() if k not in NOT_SETTINGS}
    weights = Path(args.weights) if args.weights else shipped()
    try:
        settings["weights_sha256"] = card_sha256(weights)
    except WeightsError:
        settings["weights_sha256"] = None
    return settings


JOBS_ON_THIS_WORKER = {}  # on a Dask worker: the job of each run's settings, prepared once per process


def colorize_on_worker(src: str, args, out_dir: str, key: str) -> tuple:
    """One photo on a Dask worker: (its record, the lines to tell the user), its ledger line written as
    soon as it is done. The run's job (the weights, read once per worker process) is kept for the next
    photo; the compiled kernels too."""
    job_key = repr(sorted(vars(args).items()))
    job = JOBS_ON_THIS_WORKER.get(job_key)
    if job is None:
        keep_freed_memory()
        set_num_threads(1)  # the parallelism is the workers': one engine thread each, no oversubscription
        if "MINITORCH_KERNELS" not in os.environ:
            use_kernels("numba")  # a worker colorizes many photos
        job = JOBS_ON_THIS_WORKER[job_key] = prepare(args)
    ledger = archive.Ledger(Path(out_dir) / archive.LEDGER)
    if (Path(out_dir) / f"{Path(src).stem}.png").exists():  # perhaps done by a worker that died before it said so
        before = ledger.done(key).get(src)
        if before is not None:  # a retried task does not colour its photo twice
            return {"input": src, "status": "ok", "output": before["output"], "done_before": True}, []
    notes = []
    rec = colorize_file(job, Path(src), Path(out_dir), set(), tell=notes.append)
    ledger.append(rec, key)
    return rec, notes


def run_archive(job: Job, args, out_dir: Path, records: list) -> int:
    """Colorize every input on Dask workers (models/archive.py), skipping the photos the ledger in
    out_dir has done with these settings (unless --overwrite); then the report. The exit status."""
    files, errors = collect_inputs(args.inputs)
    for name, msg in errors:
        print(f"colorize: {name}: {msg}", file=sys.stderr)
    records += [{"input": n, "status": "error", "error": m} for n, m in errors]
    key = archive.settings_key(run_settings(args))
    ledger = archive.Ledger(out_dir / archive.LEDGER)
    done = {} if args.overwrite else ledger.done(key)
    todo = [f for f in files if str(f) not in done]
    records += [{"input": str(f), "status": "ok", "output": done[str(f)]["output"], "done_before": True}
                for f in files if str(f) in done]
    if done and not args.quiet:
        print(f"colorize: {len(files) - len(todo)} of {len(files)} photo(s) done in an earlier run (the ledger "
              f"{ledger.path}); colorizing the other {len(todo)}", file=sys.stderr)
    if not todo:
        return finish_archive(job, args, out_dir, records, files)
    try:
        client = (archive.remote_client(args.scheduler) if args.scheduler else
                  archive.local_cluster(args.workers, archive.worker_memory(todo, job.pipeline.colorizer.size)))
    except ImportError as e:
        print(f"colorize: error: --workers and --scheduler need Dask ({e}): pip install \".[archive]\"",
              file=sys.stderr)
        return 2
    except (OSError, TimeoutError, ValueError) as e:
        print(f"colorize: error: cannot reach the Dask scheduler {args.scheduler!r}: {e}", file=sys.stderr)
        return 2
    try:
        workers = max(1, len(client.scheduler_info()["workers"]))
        with tqdm(total=len(todo), desc=f"colorize ({workers} workers)", unit="img", disable=args.quiet) as bar:
            def on_done(src, result):
                if isinstance(result, BaseException):  # the task itself failed: said like any other photo
                    rec = {"input": src, "status": "error", "error": input_error(src, result)}
                    notes = [f"colorize: {rec['error']}"]
                    ledger.append(rec, key)  # (a photo's own ledger line is written by its worker)
                else:
                    rec, notes = result
                for line in notes:
                    bar.write(line, file=sys.stderr)
                records.append(rec)
                bar.update(1)

            def on_stop():
                bar.write("colorize: stopping: finishing the photos in hand (Ctrl-C again to stop now)",
                          file=sys.stderr)

            # every task carries the settings, not the list of inputs (a million paths per photo otherwise)
            settings = argparse.Namespace(**{**vars(args), "inputs": []})
            archive.run_windowed(client, [str(f) for f in todo], colorize_on_worker, on_done,
                                 WINDOW_PER_WORKER * workers, settings, str(out_dir), key, on_stop=on_stop)
    finally:
        archive.close(client)
    return finish_archive(job, args, out_dir, records, files)


def finish_archive(job: Job, args, out_dir: Path, records: list, files: list) -> int:
    """The report and the summary of an archive run; the exit status (as the single-process run's)."""
    written = {Path(r["output"]) for r in records if r.get("output")}
    if args.report and not write_report(job, records, args.report, written, files):
        return 1
    failed = sum(r["status"] != "ok" for r in records)
    if not args.quiet:
        print(f"colorize: {len(records) - failed} of {len(records)} image(s) written to {out_dir}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
