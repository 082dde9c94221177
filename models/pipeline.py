"""The one colorization pipeline: what the `colorize` command, the studio, the notebooks and the
archive runner all call.

    pipe = Pipeline.load()                                    # every weights file read once
    result = pipe.run(Request(image, hints=hints, era="1910s", style=pipe.stylizer.blend("Monet")))
    result.output, result.film, result.plain                  # a models.inference.Colorization

Contract
- A Request says what to make of one photo; Pipeline.run turns it into one Colorization by a fixed
  list of steps, each `step(pipeline, request, result) -> result`:
      colornet   the network (the gray read as the era's film when the weights have film inputs)
      era        graded in the decade's palette (models/palette.py); "modern" changes nothing
      regions    coloured regions painted on, the lightness kept (models/conditions.py)
      style      painted in a style of the menu, the plain colorization kept (models/stylenet.py)
  A new kind of condition or post-process is one step function added to STEPS.
- The steps work on float32 RGB; the output is uint8 only when the request asks for it, and when no
  step after the network needs floats it is composed as uint8 straight away (a quarter of the memory).
- Loading, deciding the era of a photo ("auto") and finding named regions are the caller's
  choices, made once per photo with `decide_era` and `regions_for`; run() itself reads no file.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .conditions import in_context, paint, resolve
from .era import EraChooser, EraDecision, EraRecognizer, film_for
from .image_io import to_uint8
from .inference import Colorization, Colorizer
from .palette import grade, palette_for
from .segmenter import RegionFinder, RegionMap
from .stylenet import Stylizer
from .weights import shipped


@dataclass(frozen=True)
class Request:
    """One colorization: the photo and everything the user asked for it."""

    image: np.ndarray  # (H, W) gray or (H, W, 3) RGB; uint8, uint16 or floats in [0, 1]
    hints: object = None  # models.hints.Hints, or None
    era: str = "modern"  # a decade label (models.era.LABELS) to colour as; "modern" reads and grades nothing
    regions: tuple = ()  # coloured regions to paint (models.conditions.resolve's first value)
    style: np.ndarray | None = None  # a style blend row (Stylizer.blend), or None: no style
    prior_correction: float | None = None  # the decoding's, None: the weights' own (vividness = 1 - this)
    layers: tuple = ()  # layer names whose activations to keep (Colorizer.layer_names)
    explain: bool = False  # keep the stage images and the entropy map
    dtype: type = np.float32  # of the output: np.float32 in [0, 1] or np.uint8


def colornet_step(pipe: "Pipeline", req: Request, _result) -> Colorization:
    """The network's colorization, read as the era's film; 8-bit at once when no later step needs floats."""
    later = req.era != "modern" or bool(req.regions) or req.style is not None
    return pipe.colorizer.process(req.image, req.hints or None, layers=req.layers, explain=req.explain,
                                  prior_correction=req.prior_correction, film=pipe.film(req.era),
                                  dtype=np.float32 if later else req.dtype)


def era_step(_pipe, req: Request, result: Colorization) -> Colorization:
    if req.era == "modern":
        return result
    return dataclasses.replace(result, output=grade(result.output, palette_for(req.era)))


def regions_step(_pipe, req: Request, result: Colorization) -> Colorization:
    return paint(result, list(req.regions)) if req.regions else result


def style_step(pipe: "Pipeline", req: Request, result: Colorization) -> Colorization:
    if req.style is None:
        return result
    if pipe.stylizer is None:
        raise ValueError("a style was asked for but no StyleNet weights are loaded")
    return dataclasses.replace(result, output=pipe.stylizer.stylize(result.output, req.style), plain=result.output)


STEPS = (colornet_step, era_step, regions_step, style_step)


@dataclass
class Pipeline:
    """The loaded models (each weights file read once) and the steps that use them."""

    colorizer: Colorizer
    eras: EraChooser | None = None  # how "auto" decides a photo's era; None: every photo modern
    stylizer: object = None  # models.stylenet.Stylizer, or None
    finder: object = None  # models.segmenter.RegionFinder, or None (named regions unavailable)

    @classmethod
    def load(cls, weights=None, *, era_weights=None, style_weights=None, segmenter_weights=None) -> "Pipeline":
        """ColorNet (the given weights, else the shipped ones) and every optional tool: the weights
        named, else the shipped file when it is there, else none (its capability is then off). A
        models.weights.WeightsError says which file is unusable."""
        def optional(given, name):
            return given or (shipped(name) if shipped(name).exists() else None)
        era, style, seg = (optional(era_weights, "era.npz"), optional(style_weights, "stylenet.npz"),
                           optional(segmenter_weights, "segmenter.npz"))
        return cls(Colorizer.from_weights(weights),
                   eras=EraChooser("auto", recognizer=EraRecognizer.from_weights(era)) if era else None,
                   stylizer=Stylizer.from_weights(style) if style else None,
                   finder=RegionFinder.from_weights(seg) if seg else None)

    @property
    def film_inputs(self) -> bool:
        """Whether these ColorNet weights read a gray as a given film (models.colornet.FILMS)."""
        return bool(self.colorizer.net.config.film_inputs)

    def film(self, era: str) -> str:
        """The film the gray of a photo of this era is read as (panchromatic without film inputs)."""
        return film_for(era) if self.film_inputs else "panchromatic"

    def decide_era(self, image) -> EraDecision:
        """The era to colour this photo as, by the chooser's rule ("auto": recognised where sure)."""
        return self.eras.decide(image) if self.eras is not None else EraDecision("modern")

    def regions_for(self, image, conditions) -> tuple:
        """(regions to paint, {label: pixels covered}) for named conditions, found in this photo."""
        if not conditions:
            return [], {}
        if self.finder is None:
            raise ValueError("conditions name regions but no region segmenter is loaded")
        return resolve(conditions, self.find_regions(image))

    def find_regions(self, image) -> RegionMap:
        """The named regions of a photo, with those its context doubts (models/conditions.in_context:
        the network's own colorization of the photo as a second opinion outside street scenes)."""
        return in_context(self.finder.find(image), self.colorizer.process(image))

    def run(self, req: Request) -> Colorization:
        result = None
        for step in STEPS:
            result = step(self, req, result)
        if req.dtype == np.uint8 and result.output.dtype != np.uint8:
            result = dataclasses.replace(result, output=to_uint8(result.output))
        return result
