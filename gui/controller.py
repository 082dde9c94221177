"""The studio's document and controller: pure Python, no Dear PyGui, fully testable.

The Document holds what the user works on (the photo, the hints, the mode, the latest result);
the Controller changes it in response to user actions, keeps the undo/redo history of hints, and
asks a Worker (gui/worker.py) to colorize. Every request carries a generation number; a result
that arrives for an older generation is dropped, so a newer request always supersedes a pending
one. Errors never change the document: they are returned as messages for the view to show.
"""
from __future__ import annotations

import copy
import json
import os
import threading
from dataclasses import dataclass, field

import numpy as np

from minitorch_color.files import write_atomic
from models.era import LABELS
from models.hints import HintError, Hints, Point
from models.image_io import ImageLoadError, load_image, save_image
from models.pipeline import Pipeline, Request
from models.stylenet import style_index

from .history import History
from .regions import RegionEditor


@dataclass(frozen=True)
class ModeNeeds:
    """What a mode's colorization must compute beyond the output (see gui/modes/)."""

    explain: bool = False  # stage images and the entropy map
    layer: bool = False  # the activations of the document's chosen layer
    era: bool = False  # colour the photo as its (recognised or chosen) decade
    style: bool = False  # paint the colorization in the chosen style (models/stylenet.py)
    regions: bool = False  # the Regions mode's painted regions join the hints (gui/regions.py)


# the built-in modes; the view registers the needs of every mode it shows (gui/modes/)
MODES = {"automatic": ModeNeeds(), "interactive": ModeNeeds(), "layers": ModeNeeds(explain=True, layer=True)}


def dialog_path(app_data: dict) -> str | None:
    """The file a Dear PyGui file dialog chose: an absolute path typed into its name field as it is (the
    dialog would put its current folder before it), a relative one in the dialog's folder; None if none."""
    name = (app_data.get("file_name") or "").strip()
    if name and os.path.isabs(os.path.expanduser(name)):
        return os.path.expanduser(name)
    return app_data.get("file_path_name") or None


@dataclass
class Document:
    """Everything the user is working on."""

    image: np.ndarray | None = None  # RGB float32 (H, W, 3), full resolution
    path: str | None = None
    hints: list = field(default_factory=list)  # [Point], in image pixels
    mode: str = "automatic"
    radius: int = 1  # patch size of new hints (half-width, working-size pixels)
    color: tuple = (0.8, 0.3, 0.2)  # colour for the next hint (the Interactive mode's picker)
    region_color: tuple = (0.35, 0.55, 0.9)  # colour for the next region (the Regions mode's own picker)
    selected: int | None = None  # index of the selected hint
    layer: str | None = None  # layer shown in the layers mode
    recognized: object | None = None  # the era recogniser's EraPrediction for this photo (models/era.py)
    eras: dict = field(default_factory=dict)  # photo path -> the decade the user chose for it (the override)
    style: str | None = None  # the style chosen in the styles mode (a name of the stylizer's menu)
    style_strength: float = 1.0
    vividness: float | None = None  # the user's colour control, 0 calm .. 1 bold (None: the weights' default)
    result: object | None = None  # the Colorization of the latest finished request (models/inference.py)
    result_generation: int = -1

    @property
    def size(self):
        return None if self.image is None else self.image.shape[:2]


class Controller:
    """User actions on a Document; colorization through a worker with supersession."""

    def __init__(self, pipeline: Pipeline | None, worker=None, history_limit: int = 200, modes: dict | None = None):
        self.pipeline = pipeline  # the one colorization (models/pipeline.py); None: nothing to colorize with
        colorizer = pipeline.colorizer if pipeline is not None else None
        self.cz = colorizer
        eras = pipeline.eras if pipeline is not None else None
        self.era_recognizer = eras.recognizer if eras is not None else None  # None: eras only by choice
        self.stylizer = pipeline.stylizer if pipeline is not None else None  # None: no styles mode to speak of
        self.regions = RegionEditor(pipeline.find_regions if pipeline is not None and pipeline.finder is not None
                                    else None)  # the Regions mode
        self.modes = dict(MODES if modes is None else modes)  # name -> ModeNeeds
        self.doc = Document(layer=(colorizer.layer_names() or [None])[0] if colorizer is not None else None)
        self.worker = worker
        self.history = History(lambda: self.doc.hints, lambda hints: setattr(self.doc, "hints", hints),
                               history_limit)  # of the hint points
        self._generation = 0
        self._lock = threading.Lock()
        self.listeners = []  # called with (event, payload) on "result", "error", "busy"

    # ----- events -----------------------------------------------------------------------
    def _emit(self, event, payload=None):
        for fn in list(self.listeners):
            fn(event, payload)

    # ----- the photo ----------------------------------------------------------------------
    def open_image(self, path) -> str | None:
        """Load a photo; on failure return the message and keep the document as it was."""
        try:
            image = load_image(path)
        except ImageLoadError as e:
            return str(e)
        except OSError as e:
            return f"{path}: {e}"
        self.doc.image, self.doc.path = image, str(path)
        self._new_photo()
        return None

    def set_image(self, image, name: str = "<image>"):
        """Use an RGB array directly (tests, samples)."""
        self.doc.image, self.doc.path = np.asarray(image, np.float32), name
        self._new_photo()

    def _new_photo(self):
        self.doc.hints, self.doc.selected, self.doc.result = [], None, None
        self.doc.recognized = self.era_recognizer.recognize(self.doc.image) if self.era_recognizer else None
        self.regions.new_photo(self.doc.image)
        self.history.clear()
        self.request()

    def set_mode(self, mode: str):
        if mode not in self.modes:
            raise ValueError(f"unknown mode {mode!r}; one of {tuple(self.modes)}")
        self.doc.mode = mode
        self.request()

    def set_layer(self, name: str):
        if self.cz is not None and name not in self.cz.layer_names():
            raise ValueError(f"unknown layer {name!r}")
        self.doc.layer = name
        if self.modes[self.doc.mode].layer:
            self.request()

    # ----- eras ------------------------------------------------------------------------------
    def set_era(self, label: str):
        """Colour this photo as decade `label` (a models.era.LABELS entry), or "auto": the recognised one.
        The choice is remembered for this photo (by its path) when it is opened again."""
        if label != "auto" and label not in LABELS:
            raise ValueError(f"unknown era {label!r}; auto or one of {LABELS}")
        if label == "auto":
            self.doc.eras.pop(self.doc.path, None)
        else:
            self.doc.eras[self.doc.path] = label
        if self.modes[self.doc.mode].era:
            self.request()

    @property
    def era(self) -> str:
        """The decade this photo is coloured as in the era mode: the user's choice, else auto's (the
        recognised decade when the recogniser is sure, else modern: models/era.py)."""
        chosen = self.doc.eras.get(self.doc.path)
        if chosen:
            return chosen
        return self.doc.recognized.auto_label if self.doc.recognized is not None else "modern"

    # ----- styles ----------------------------------------------------------------------------
    def set_style(self, name: str | None):
        """Paint in this style of the stylizer's menu (None: the plain colorization)."""
        if name is not None:
            if self.stylizer is None:
                raise ValueError("no StyleNet weights loaded")
            style_index(self.stylizer.names, name)  # a ValueError listing the menu
        self.doc.style = name
        if self.modes[self.doc.mode].style:
            self.request()

    @property
    def vividness(self) -> float:
        """How bold the colours are (0 calm and faithful .. 1 boldest): the user's, else the weights' default."""
        if self.doc.vividness is not None:
            return self.doc.vividness
        return self.cz.vividness if self.cz is not None else 0.5

    def set_vividness(self, vividness: float):
        """The one colour control of every mode; recolorizes."""
        self.doc.vividness = float(np.clip(vividness, 0.0, 1.0))
        self.request()

    def set_style_strength(self, strength: float):
        if not 0 <= strength <= 1:
            raise ValueError(f"style strength must be in [0, 1], got {strength}")
        self.doc.style_strength = float(strength)
        if self.modes[self.doc.mode].style and self.doc.style is not None:
            self.request()

    @property
    def style_blend(self):
        """The blend row of the chosen style and strength, or None (no style, or no stylizer)."""
        if self.stylizer is None or self.doc.style is None:
            return None
        return self.stylizer.blend(self.doc.style, self.doc.style_strength)

    # ----- regions (each change one undo step of the RegionEditor) ------------------------------
    def region_click(self, x, y) -> int | None:
        """Select (or start painting in the current colour) what is under a click on the photo."""
        if self.doc.image is None:
            return None
        i = self.regions.click(x, y, self.doc.region_color)
        self._regions_changed()
        return i

    def add_region(self, name: str, rgb=None) -> int:
        """Colour a region the segmenter found (in rgb, default the Regions mode's current colour)."""
        i = self.regions.add_named(name, tuple(rgb) if rgb is not None else self.doc.region_color)
        self._regions_changed()
        return i

    def set_region_color(self, rgb):
        """Colour for new regions, and for the selected region if there is one (hints keep theirs)."""
        rgb = tuple(float(np.clip(c, 0, 1)) for c in rgb[:3])
        self.doc.region_color = rgb
        if self.regions.set_color(rgb):
            self._regions_changed()

    def brush(self, x, y, erase: bool = False, begin: bool = False):
        """Brush the selected region in (or out, erase) at (x, y); begin=True starts one undo step."""
        if begin:
            self.regions.begin_stroke()
        if self.regions.stroke(x, y, radius=max(2.0, 0.02 * max(self.doc.size)) * (1 + self.doc.radius), erase=erase):
            self._regions_changed()

    def region_undo(self) -> bool:
        return self._regions_changed(self.regions.undo())

    def region_redo(self) -> bool:
        return self._regions_changed(self.regions.redo())

    def _regions_changed(self, changed: bool = True) -> bool:
        if changed and self.modes[self.doc.mode].regions:
            self.request()
        return changed

    # ----- hints with undo/redo -------------------------------------------------------------
    def _checkpoint(self):
        self.history.record()

    def _inside(self, x, y) -> bool:
        if self.doc.image is None:
            return False
        h, w = self.doc.size
        return 0 <= x < w and 0 <= y < h

    def add_hint(self, x, y, rgb=None, radius=None) -> int | None:
        """Add a colour point at image pixel (x, y); returns its index (None outside the image)."""
        if not self._inside(x, y):
            return None
        self._checkpoint()
        self.doc.hints.append(Point(float(x), float(y), tuple(rgb or self.doc.color),
                                    int(self.doc.radius if radius is None else radius)))
        self.doc.selected = len(self.doc.hints) - 1
        self.request()
        return self.doc.selected

    def hint_at(self, x, y, tolerance: float = 8.0) -> int | None:
        """Index of the hint nearest to (x, y) within tolerance image pixels, or None."""
        best, best_d = None, tolerance
        for i, p in enumerate(self.doc.hints):
            d = float(np.hypot(p.x - x, p.y - y))
            if d <= best_d:
                best, best_d = i, d
        return best

    def move_hint(self, index: int, x, y, record: bool = True) -> bool:
        """Move a hint (record=False while dragging, so one drag is one undo step)."""
        if not (0 <= index < len(self.doc.hints)) or not self._inside(x, y):
            return False
        if record:
            self._checkpoint()
        p = self.doc.hints[index]
        self.doc.hints[index] = Point(float(x), float(y), p.rgb, p.radius)
        self.doc.selected = index
        self.request()
        return True

    def begin_drag(self):
        """Record the state before a drag (the drag's moves then use record=False)."""
        self._checkpoint()

    def remove_hint(self, index: int) -> bool:
        if not 0 <= index < len(self.doc.hints):
            return False
        self._checkpoint()
        del self.doc.hints[index]
        self.doc.selected = None
        self.request()
        return True

    def set_color(self, rgb):
        """Colour for new hints, and for the selected hint if there is one."""
        rgb = tuple(float(np.clip(c, 0, 1)) for c in rgb[:3])
        self.doc.color = rgb
        i = self.doc.selected
        if i is not None and 0 <= i < len(self.doc.hints) and self.doc.hints[i].rgb != rgb:
            self._checkpoint()
            p = self.doc.hints[i]
            self.doc.hints[i] = Point(p.x, p.y, rgb, p.radius)
            self.request()

    def set_radius(self, radius: int):
        self.doc.radius = int(np.clip(radius, 0, 16))

    def clear_hints(self):
        if self.doc.hints:
            self._checkpoint()
            self.doc.hints, self.doc.selected = [], None
            self.request()

    def undo(self) -> bool:
        return self._after_step(self.history.undo())

    def redo(self) -> bool:
        return self._after_step(self.history.redo())

    def _after_step(self, stepped: bool) -> bool:
        if stepped:
            self.doc.selected = None
            self.request()
        return stepped

    @property
    def can_undo(self):
        return self.history.can_undo

    @property
    def can_redo(self):
        return self.history.can_redo

    # ----- files --------------------------------------------------------------------------
    def save_hints(self, path) -> str | None:
        text = json.dumps(Hints(points=list(self.doc.hints)).to_dict(), indent=1).encode()
        try:
            write_atomic(path, lambda f: f.write(text), overwrite=True)  # the user chose this file
        except OSError as e:
            return f"cannot save hints to {path}: {e}"
        return None

    def load_hints(self, path) -> str | None:
        """Load points from a hints file (colorize --hints schema); regions are not editable here."""
        try:
            hints = Hints.from_file(path)
        except HintError as e:
            return str(e)
        outside = [p for p in hints.points if not self._inside(p.x, p.y)]
        if outside:
            return f"{path}: {len(outside)} point(s) lie outside the {self.doc.size} image"
        self._checkpoint()
        self.doc.hints, self.doc.selected = list(hints.points), None
        self.request()
        return None if not hints.regions else f"{path}: loaded {len(hints.points)} points; regions are ignored here"

    def save_result(self, path) -> str | None:
        """Write the full-resolution result as PNG or JPEG (by extension)."""
        if self.doc.result is None:
            return "nothing to save yet: colorize first"
        try:
            save_image(self.doc.result.output, path)
        except ValueError as e:
            return str(e)
        except OSError as e:
            return f"cannot save {path}: {e.strerror or e}"
        return None

    # ----- colorization ------------------------------------------------------------------
    def job(self) -> Request:
        """A snapshot of what to compute now (the worker runs it off the render thread)."""
        needs = self.modes[self.doc.mode]
        return Request(self.doc.image, Hints(points=copy.deepcopy(self.doc.hints)),
                       era=self.era if needs.era else "modern",
                       regions=tuple(self.regions.regions()) if needs.regions else (),
                       style=self.style_blend if needs.style else None,
                       prior_correction=None if self.doc.vividness is None else 1.0 - self.doc.vividness,
                       layers=(self.doc.layer,) if needs.layer and self.doc.layer else (), explain=needs.explain)

    def run_job(self, job: Request):
        """The pipeline's colorization of a job (a decade read as its film and graded in its palette,
        regions painted, a style painted with the plain colorization kept)."""
        return self.pipeline.run(job)

    def request(self):
        """Ask for a fresh colorization of the current document; supersedes any pending one."""
        if self.doc.image is None or self.cz is None:
            return None
        with self._lock:
            self._generation += 1
            gen = self._generation
        if self.worker is None:
            self.deliver(gen, self.run_job(self.job()))
        else:
            self._emit("busy", True)
            self.worker.submit(gen, self.job(), self.run_job, self.deliver, self.fail)
        return gen

    @property
    def generation(self):
        return self._generation

    def deliver(self, gen: int, result: dict) -> bool:
        """Accept a worker's result if it is for the newest request (older ones are dropped)."""
        if gen != self._generation:
            return False
        self.doc.result, self.doc.result_generation = result, gen
        self._emit("result", result)
        self._emit("busy", False)
        return True

    def fail(self, gen: int, message: str):
        if gen == self._generation:
            self._emit("error", f"Could not colorize this photo ({message}); the photo and hints are unchanged.")
            self._emit("busy", False)

    def suggestions(self, x, y, k: int = 6):
        """The model's top colours at image pixel (x, y) from the latest result ([] without one)."""
        if self.doc.result is None or not self._inside(x, y):
            return []
        return self.cz.suggestions(self.doc.result.prediction, x, y, k=k)
