"""Colorizing photos with a trained ColorNet, and looking inside while it works.

    from models.inference import Colorizer
    cz = Colorizer.from_weights()                 # the shipped weights/colornet.npz
    rgb = cz.colorize(load_image("photo.jpg"))    # any size; colour inputs are reduced to L first
    result = cz.process(image, explain=True)      # a Colorization: output, scene, stages, entropy

The network runs at a working size (the longer side, rounded to a multiple of 8); the predicted
ab is upsampled bilinearly and recombined with the full-resolution L of the input, so the output
keeps every detail of the original's lightness.

Decoding (one softmax over the bins per pixel, models/decoding.py):
    ab = sum_q softmax((logits_q - alpha * log w_q) / T) * centre_q
T is the annealing temperature (Zhang et al. 2016; 1 = mean, -> 0 = mode) and w the class
rebalancing weights the network was trained with. Training with per-pixel weights w tilts the
predicted distribution towards rare colours by w; alpha = 1 undoes that tilt (a faithful,
calmer colorization), alpha = 0 keeps it (more vivid). The vividness a user sets is 1 - alpha.
Before decoding, the logits are pooled over regions of the photo's lightness by the smoothing
weight (models/decoding.region_pool), so that vivid colour comes in regions, not patches; after it,
with a gray gate, a pixel whose estimated probability of being gray (the fully corrected
distribution's mass on gray bins) is above the gate keeps little or none of its colour: vivid
colour where the network believes in colour, gray where it believes in gray.

With hints, the decoded ab is refined so that every hint holds and its correction spreads along
similar lightness (models/refine.py); ``refine=False`` shows the network's own answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

import minitorch_color as mt
from minitorch_color.backend import asnumpy

from .color import ABQuantizer, compose_full, image_lightness, lab_to_rgb
from .colornet import ColorNet, ColorNetConfig, encode_input, film_index, upsample_logits
from .decoding import annealed_mean, entropy_bits, gray_gate, gray_share, lightness_regions, region_pool, softmax
from .hints import Hints, encode
from .image_io import image_divisor, resize
from .refine import DEFAULT_REACH, DEFAULT_SIGMA, localize, propagate
from .weights import WeightsError, load_state, load_weights, save_weights, shipped

KIND = "colornet"
DEFAULT_WEIGHTS_NAME = "colornet.npz"


def save_colornet(net: ColorNet, path, class_weights, metadata: dict, half: bool = True) -> None:
    """Write ColorNet weights (float16 when half) with everything needed to use them."""
    meta = {**metadata, "model_config": net.config.to_dict()}
    save_weights(path, net.state_dict(), KIND, meta, {"class_weights": np.asarray(class_weights, np.float32)}, half)


def work_shape(image_hw, size: int, multiple: int = 8) -> tuple:
    """(h, w) with the longer side near size and both sides multiples of `multiple` (aspect kept)."""
    H, W = image_hw
    if size < multiple:
        raise ValueError(f"working size must be at least {multiple}, got {size}")
    scale = size / max(H, W)
    return tuple(max(multiple, int(round(s * scale / multiple)) * multiple) for s in (H, W))


def full_lightness(image=None, lightness=None) -> np.ndarray:
    """The photo's lightness (H, W) float32 in 0..100, from an image or given directly (checked)."""
    if lightness is not None:
        if image is not None:
            raise ValueError("give an image or its lightness, not both")
        L = np.asarray(lightness)
        if L.ndim != 2 or L.size == 0 or L.dtype.kind != "f":
            raise ValueError(f"lightness must be a non-empty (H, W) float array, got {L.dtype} {L.shape}")
        if not np.isfinite(L).all():
            raise ValueError("the lightness holds non-finite values (NaN or infinity)")
        return np.clip(L, 0, 100).astype(np.float32)
    if image is None:
        raise ValueError("no image given")
    return image_lightness(image, image_divisor(image))


SCENE_CONFIDENCE = 0.5  # below this the product says the scene is unsure instead of naming it


@dataclass
class Scene:
    """The scene the global branch recognised."""

    name: str
    probability: float
    probabilities: dict  # {scene name: probability}

    @property
    def confident(self) -> bool:
        """Whether the product names this scene (probability at least SCENE_CONFIDENCE)."""
        return self.probability >= SCENE_CONFIDENCE


@dataclass
class Prediction:
    """What the network said about one image (all at the working size unless noted)."""

    L_full: np.ndarray  # (H, W) lightness of the input, 0..100
    L: np.ndarray  # (h, w) working lightness
    logits: np.ndarray  # (Q, h, w)
    stage_logits: list  # [(Q, h/2^k, w/2^k)], coarse to fine
    scene_probs: np.ndarray | None  # (num_scenes,)
    activations: dict = field(default_factory=dict)  # layer name -> (C, h', w')
    hint_mask: np.ndarray | None = None  # (h, w)
    hint_ab: np.ndarray | None = None  # (h, w, 2)
    film: str = "panchromatic"  # the film response the gray was read as (models.colornet.FILMS)
    free_logits: np.ndarray | None = None  # (Q, h, w) the network's answer without the hints (when there are any)

    @property
    def image_hw(self):
        return self.L_full.shape

    @property
    def work_hw(self):
        return self.L.shape


@dataclass
class Colorization:
    """The result of Colorizer.process: the colour photo and what the network said on the way."""

    prediction: Prediction
    output: np.ndarray  # (H, W, 3) RGB at the input's full resolution: float32 in [0, 1], or uint8 if asked
    scene: Scene | None  # the recognised scene, None without a global branch
    stages: list | None = None  # RGB at the working size from every stage head, coarse to fine (explain)
    entropy: np.ndarray | None = None  # (h, w) uncertainty in bits (explain)
    plain: np.ndarray | None = None  # the colorization before a style painted it (models/stylenet.py), if one did

    @property
    def activations(self) -> dict:
        """Layer name -> its feature maps (C, h', w'), for the layers asked for."""
        return self.prediction.activations

    @property
    def gray(self) -> np.ndarray:
        """The input as the network saw it: its lightness as a gray RGB image (H, W, 3)."""
        return np.repeat((self.prediction.L_full / 100)[..., None], 3, -1)


MAX_WORK_SIZE = 1024  # the network's activations at 1024 px take about 2 GB; the photo itself may be any size


def check_size(size) -> int:
    """A working size (the longer side the network sees), or a ValueError saying the range."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or not 8 <= size <= MAX_WORK_SIZE:
        raise ValueError(f"the working size must be an integer in 8..{MAX_WORK_SIZE}, got {size!r}")
    return int(size)


def card_settings(meta: dict) -> dict:
    """The Colorizer's settings from a weights file's metadata (its "decode" record, scene classes),
    checked: a ValueError, KeyError or TypeError names what is wrong."""
    decode = meta.get("decode", {})
    if not isinstance(decode, dict):
        raise TypeError(f"'decode' must be a mapping, not {type(decode).__name__}")
    def number(key, default, lo=0.0, hi=float("inf"), above=False):
        v = float(decode.get(key, default))  # a string or a list: ValueError or TypeError
        if not (np.isfinite(v) and (v > lo if above else v >= lo) and v <= hi):
            raise ValueError(f"{key} {v} lies outside {'(' if above else '['}{lo:g}, {hi:g}]")
        return v
    old = decode.get("old_film")
    if old is not None and not isinstance(old, dict):
        raise TypeError(f"'old_film' must be a mapping, not {type(old).__name__}")
    classes = meta.get("scene_classes", ())
    if not isinstance(classes, (list, tuple)) or not all(isinstance(c, str) for c in classes):
        raise TypeError("'scene_classes' must be a list of names")
    settings = dict(size=check_size(decode.get("size", 128)), temperature=number("temperature", 0.38, above=True),
                    prior_correction=number("prior_correction", 0.0, hi=1), smoothing=number("smoothing", 0.0, hi=1),
                    gray_gate=number("gray_gate", 0.0, hi=1),
                    refine_reach=number("refine_reach", DEFAULT_REACH, above=True),
                    refine_sigma=number("refine_sigma", DEFAULT_SIGMA, above=True), scene_classes=tuple(classes))
    if old:
        decode = old  # the old-film decoding: the same checks
        settings["old_film_decoding"] = (number("temperature", None, above=True),
                                         number("prior_correction", None, hi=1))
    return settings


class Colorizer:
    """A ColorNet plus what it needs to turn a photo into a colour photo."""

    def __init__(self, net: ColorNet, class_weights=None, size: int = 128, temperature: float = 0.38,
                 prior_correction: float = 0.0, scene_classes=(), metadata=None, refine: bool = True,
                 refine_reach: float = DEFAULT_REACH, refine_sigma: float = DEFAULT_SIGMA,
                 old_film_decoding: tuple | None = None, smoothing: float = 0.0, gray_gate: float = 0.0):
        self.net = net.eval()
        self.quant = ABQuantizer()
        if net.config.num_bins != self.quant.num_bins:
            raise WeightsError(f"network predicts {net.config.num_bins} bins, the quantizer has {self.quant.num_bins}")
        w = np.ones(self.quant.num_bins) if class_weights is None else np.asarray(class_weights, np.float64)
        self.log_w = np.log(np.maximum(w, 1e-12)).astype(np.float32)
        self.size = check_size(size)
        self.temperature = float(temperature)
        self.prior_correction = float(prior_correction)
        self.smoothing = float(smoothing)  # region pooling of the logits before decoding (0: none)
        self.gray_gate = float(gray_gate)  # probably-gray pixels stay gray above this gray share (0: no gate)
        for name, v in (("temperature", self.temperature), ("prior_correction", self.prior_correction),
                        ("smoothing", self.smoothing), ("gray_gate", self.gray_gate)):
            if not np.isfinite(v) or v < 0 or (name == "temperature" and v == 0):
                raise ValueError(f"{name} must be a finite number above 0, got {v}")
        if self.prior_correction > 1 or self.smoothing > 1 or self.gray_gate > 1:
            raise ValueError("prior_correction, smoothing and gray_gate must lie in 0..1")
        # (T, alpha) for grays read as an old film's (chosen on such grays, see train/export_colornet.py);
        # None: the same decoding as for a modern camera's lightness
        self.old_film_decoding = None if old_film_decoding is None else tuple(map(float, old_film_decoding))
        self.scene_classes = tuple(scene_classes)
        self.refine = bool(refine)
        self.refine_reach, self.refine_sigma = float(refine_reach), float(refine_sigma)
        self.metadata = dict(metadata or {})
        self.centers = self.quant.centers.astype(np.float32)

    # ----- loading ------------------------------------------------------------------------
    @classmethod
    def from_weights(cls, path=None, **overrides) -> "Colorizer":
        """Load ColorNet weights (default: the shipped ones; no pickle). Decode settings default to the card's."""
        path = path or shipped(DEFAULT_WEIGHTS_NAME)
        loaded = load_weights(path, KIND, hint="the shipped weights live in weights/, or set MINITORCH_COLOR_WEIGHTS")
        meta = loaded.metadata
        try:
            cfg = meta["model_config"]
            cfg = ColorNetConfig(**{**cfg, "channels": tuple(cfg["channels"])})
        except (KeyError, TypeError, ValueError) as e:
            raise WeightsError(f"{path}: model configuration missing or unreadable ({e})") from e
        net = ColorNet(cfg)
        load_state(net, loaded)
        weights = loaded.arrays.get("class_weights")
        if weights is None or np.shape(weights) != (cfg.num_bins,):
            raise WeightsError(f"{path}: no rebalancing weights of the {cfg.num_bins} bins (class_weights) inside")
        try:
            kwargs = card_settings(meta)
        except (KeyError, TypeError, ValueError) as e:
            raise WeightsError(f"{path}: decode settings unreadable ({e})") from None
        overrides = {k: v for k, v in overrides.items() if v is not None}
        if "vividness" in overrides:  # the user's one colour control: 1 - the prior correction
            if "prior_correction" in overrides:
                raise ValueError("give vividness or prior_correction, not both")
            v = float(overrides.pop("vividness"))
            if not 0 <= v <= 1:
                raise ValueError(f"vividness must lie in 0..1, got {v}")
            overrides["prior_correction"] = 1.0 - v
        if {"temperature", "prior_correction"} & set(overrides):
            kwargs["old_film_decoding"] = None  # a decoding the caller chose holds for every film
        kwargs.update(overrides)
        return cls(net, weights, metadata=meta, **kwargs)

    # ----- the network ----------------------------------------------------------------------
    def network_input(self, L, hint_ab=None, mask=None, film: str = "panchromatic") -> np.ndarray:
        """encode_input for this network: with its film planes when it has them. A film other than
        panchromatic (a modern camera's lightness) needs a network trained with film inputs."""
        if self.net.config.film_inputs:
            return encode_input(L, hint_ab, mask, film)
        film_index(film)  # an unknown name is an error either way
        if film != "panchromatic":
            raise ValueError(f"these weights cannot read a {film} gray (trained without film inputs)")
        return encode_input(L, hint_ab, mask)

    def predict(self, image=None, hints: Hints | None = None, size: int | None = None, layers=(), *,
                lightness=None, film: str = "panchromatic") -> Prediction:
        """Run the network on a photo: image is gray (H, W) or RGB (H, W, 3), uint8, uint16 or floats in
        [0, 1] (colour photos are reduced to their lightness); or give lightness= (H, W) in 0..100.

        layers: names of modules (see layer_names()) whose outputs to keep as activations.
        film: the film response that recorded the gray (models.colornet.FILMS).
        """
        L_full = full_lightness(image, lightness)
        hw = work_shape(L_full.shape, self.size if size is None else check_size(size), self.net.multiple)
        L = resize(L_full, hw)
        hint_ab, mask = encode(hints, L_full.shape, hw)
        x = self.network_input(L[None], hint_ab[None], mask[None], film)  # (1, C, h, w)
        hinted = bool(mask.any())
        if hinted:  # the same photo without hints in the same batch: where the hints reach is decided later
            x = np.concatenate([x, self.network_input(L[None], film=film)])  # (2, C, h, w)
        modules = dict(self.net.named_modules())
        unknown = [n for n in layers if n not in modules]
        if unknown:
            raise KeyError(f"unknown layer(s) {unknown}; see Colorizer.layer_names()")
        acts, handles = {}, []
        for name in layers:
            def hook(mod, inputs, out, name=name):
                acts[name] = asnumpy(out.data)[0]
            handles.append(modules[name].register_forward_hook(hook))
        try:
            with mt.no_grad():
                out = self.net(mt.tensor(x))
        finally:
            for h in handles:
                h.remove()
        scene = None if out.scene_logits is None else softmax(asnumpy(out.scene_logits.data)[0].astype(np.float64))
        logits = upsample_logits(asnumpy(out.logits.data), hw)  # (1 or 2, Q, h, w)
        return Prediction(L_full, L, logits[0], [asnumpy(s.data)[0] for s in out.stages], scene, acts, mask[..., 0],
                          hint_ab, film, logits[1] if hinted else None)

    def layer_names(self) -> list:
        """Names of the layers whose activations predict(layers=...) can return, input to output."""
        return [n for n, m in self.net.named_modules()
                if n and n.count(".") == 1 and n.split(".")[0] in ("encoders", "decoders")] + \
            (["fuse"] if self.net.config.use_global else [])

    # ----- decoding -------------------------------------------------------------------------
    def decoding(self, film: str = "panchromatic") -> tuple:
        """(T, alpha) for grays read as this film: the old-film decoding for the others when the
        weights have one, else the default."""
        if film != "panchromatic" and self.old_film_decoding is not None:
            return self.old_film_decoding
        return self.temperature, self.prior_correction

    @property
    def vividness(self) -> float:
        """The user's colour control: 1 - the prior correction (0 calm and faithful, 1 boldest)."""
        return 1.0 - self.prior_correction

    def decode(self, logits, temperature: float | None = None, prior_correction: float | None = None,
               film: str = "panchromatic", L=None, smoothing: float | None = None,
               gate: float | None = None) -> np.ndarray:
        """ab (..., h, w, 2) from logits (..., Q, h, w) by the annealed mean (see the module doc);
        unset settings are those of decoding(film). With the lightness L (..., h, w) the logits are
        first pooled over its regions by the smoothing weight (default: the Colorizer's); then the
        gray gate (default: the Colorizer's) keeps probably-gray pixels gray."""
        T0, a0 = self.decoding(film)
        T = T0 if temperature is None else float(temperature)
        a = a0 if prior_correction is None else float(prior_correction)
        s = self.smoothing if smoothing is None else float(smoothing)
        z = np.asarray(logits, np.float32)
        if L is not None and s > 0:
            L = np.asarray(L)
            lead = z.shape[:-3]
            flat_z, flat_L = z.reshape((-1,) + z.shape[-3:]), L.reshape((-1,) + L.shape[-2:])
            z = np.stack([region_pool(zi, lightness_regions(Li), s) for zi, Li in zip(flat_z, flat_L)])
            z = z.reshape(lead + z.shape[-3:])
        ab = annealed_mean(z, self.centers, T, axis=-3, log_prior=-a * self.log_w if a else None)
        g = self.gray_gate if gate is None else float(gate)
        if g > 0:
            ab *= gray_gate(gray_share(z, self.centers, -self.log_w, axis=-3), g)[..., None]
        return ab

    def logits_batch(self, L, hint_ab=None, mask=None, batch: int = 32, film: str = "panchromatic") -> tuple:
        """(logits (N, Q, h, w), scene probabilities (N, S) or None) for working-size lightness (N, h, w).

        For evaluation and batch work; hint_ab (N, h, w, 2) and mask (N, h, w, 1) default to no hints.
        """
        L = np.asarray(L, np.float32)
        x = self.network_input(L, None if hint_ab is None else np.asarray(hint_ab, np.float32),
                               None if mask is None else np.asarray(mask, np.float32), film)  # (N, C, h, w)
        logits, scenes = [], []
        with mt.no_grad():
            for i in range(0, len(L), batch):
                out = self.net(mt.tensor(x[i:i + batch]))
                logits.append(upsample_logits(asnumpy(out.logits.data), L.shape[1:]))
                if out.scene_logits is not None:
                    scenes.append(softmax(asnumpy(out.scene_logits.data).astype(np.float64), axis=1))
        return np.concatenate(logits), (np.concatenate(scenes) if scenes else None)

    def probabilities(self, logits) -> np.ndarray:
        """Softmax over the bins, (Q, h, w), in float32."""
        return softmax(np.asarray(logits, np.float32), axis=0)

    def compose(self, pred: Prediction, ab_work, full: bool = True, dtype=np.float32) -> np.ndarray:
        """RGB (H, W, 3) float32 in [0, 1] (or the uint8 picture, dtype uint8) from the lightness and
        the working-size ab (upsampled when full)."""
        if full:
            return compose_full(pred.L_full, ab_work, dtype)
        return lab_to_rgb(np.concatenate([pred.L[..., None], ab_work], -1)).astype(np.float32)

    def colorize(self, image=None, hints: Hints | None = None, size: int | None = None,
                 temperature: float | None = None, prior_correction: float | None = None, *,
                 lightness=None) -> np.ndarray:
        """Colorize a photo (see predict for what it may be) at its full resolution: RGB float32 in [0, 1]."""
        pred = self.predict(image, hints, size, lightness=lightness)
        return self.compose(pred, self.ab(pred, temperature, prior_correction))

    def ab(self, pred: Prediction, temperature=None, prior_correction=None, refine: bool | None = None) -> np.ndarray:
        """The working-size ab of a prediction: decoded, then (with hints, unless refine is False) the
        network's answer to the hints kept where they reach and refined so that they hold, spreading
        along similar lightness (models/refine.py); refine=False shows the network's own answer."""
        ab = self.decode(pred.logits, temperature, prior_correction, pred.film, L=pred.L)
        if (self.refine if refine is None else refine) and pred.hint_mask is not None and pred.hint_mask.any():
            if pred.free_logits is not None:
                free = self.decode(pred.free_logits, temperature, prior_correction, pred.film, L=pred.L)
                ab = localize(pred.L, free, ab, pred.hint_mask, self.refine_reach, self.refine_sigma)
            ab = propagate(pred.L, ab, pred.hint_ab, pred.hint_mask, self.refine_reach, self.refine_sigma)
        return ab

    # ----- the process made visible ---------------------------------------------------------
    def stage_images(self, pred: Prediction, temperature=None, prior_correction=None) -> list:
        """RGB at the working size decoded from every stage head, coarse to fine."""
        out = []
        for logits in pred.stage_logits:
            ab = resize(self.decode(logits, temperature, prior_correction, pred.film), pred.work_hw)
            out.append(self.compose(pred, ab, full=False))
        return out

    def entropy(self, pred: Prediction) -> np.ndarray:
        """Per-pixel entropy of the colour distribution in bits (h, w): where the network is unsure."""
        return entropy_bits(self.probabilities(pred.logits), axis=0).astype(np.float32)

    def suggestions(self, pred: Prediction, x: float, y: float, k: int = 5, min_separation: float = 10.0) -> list:
        """The k most likely distinct colours at image pixel (x, y): [{'rgb', 'ab', 'prob'}], best first.

        Bins closer than min_separation (ab units) to an already chosen one are merged into it, so the
        palette offers real alternatives; colours are shown with the pixel's own lightness.
        """
        H, W = pred.image_hw
        if not (0 <= x < W and 0 <= y < H):
            raise ValueError(f"pixel ({x}, {y}) lies outside the {W}x{H} image")
        h, w = pred.work_hw
        i, j = min(int(y * h / H), h - 1), min(int(x * w / W), w - 1)
        p = self.probabilities(pred.logits[:, i:i + 1, j:j + 1])[:, 0, 0]
        chosen = []
        for q in np.argsort(-p):
            c = self.quant.centers[q]
            for item in chosen:
                if np.hypot(*(item["ab"] - c)) < min_separation:
                    item["prob"] += float(p[q])
                    break
            else:
                if len(chosen) < k:
                    chosen.append({"ab": c.astype(np.float64), "prob": float(p[q])})
        L = float(pred.L_full[int(y), int(x)])
        for item in chosen:
            item["rgb"] = tuple(float(v) for v in lab_to_rgb(np.array([L, *item["ab"]])))
            item["ab"] = tuple(float(v) for v in item["ab"])
        return sorted(chosen, key=lambda d: -d["prob"])

    def scene(self, pred: Prediction) -> Scene | None:
        """The most likely scene and every scene's probability, or None without a global branch."""
        if pred.scene_probs is None:
            return None
        names = self.scene_classes or tuple(f"scene {i}" for i in range(len(pred.scene_probs)))
        probs = {n: float(p) for n, p in zip(names, pred.scene_probs)}
        best = max(probs, key=probs.get)
        return Scene(best, probs[best], probs)

    def process(self, image=None, hints: Hints | None = None, size: int | None = None, layers=(),
                explain: bool = False, temperature=None, prior_correction=None, *, lightness=None,
                film: str = "panchromatic", dtype=np.float32) -> Colorization:
        """Colorize one image and keep what the network said: the scene always; the activations of
        `layers` (names from layer_names()); with explain, the stage images and the entropy map.
        film: the film response that recorded the gray (see predict)."""
        pred = self.predict(image, hints, size, layers, lightness=lightness, film=film)
        out = self.compose(pred, self.ab(pred, temperature, prior_correction), dtype=dtype)
        result = Colorization(pred, out, self.scene(pred))
        if explain:
            result.stages = self.stage_images(pred, temperature, prior_correction)
            result.entropy = self.entropy(pred)
        return result
