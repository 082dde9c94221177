"""Colorizing photos with a trained ColorNet, and looking inside while it works.

    from models.inference import Colorizer
    cz = Colorizer.from_weights()                 # weights/colornet.npz
    rgb = cz.colorize(load_image("photo.jpg"))    # any size; colour inputs are reduced to L first
    view = cz.process(image)                      # stages, entropy, activations, scene, suggestions

The network runs at a working size (the longer side, rounded to a multiple of 8); the predicted
ab is upsampled bilinearly and recombined with the full-resolution L of the input, so the output
keeps every detail of the original's lightness.

Decoding (one softmax over the bins per pixel):
    ab = sum_q softmax((logits_q - alpha * log w_q) / T) * centre_q
T is the annealing temperature (Zhang et al. 2016; 1 = mean, -> 0 = mode) and w the class
rebalancing weights the network was trained with. Training with per-pixel weights w tilts the
predicted distribution towards rare colours by w; alpha = 1 undoes that tilt (a faithful,
calmer colorization), alpha = 0 keeps it (more vivid).

With hints, the decoded ab is refined so that every hint holds and its correction spreads along
similar lightness (models/refine.py); ``refine=False`` shows the network's own answer.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import minitorch_color as mt
from minitorch_color.backend import asnumpy
from minitorch_color.serialization import SerializationError, load_metadata

from .color import ABQuantizer, lab_to_rgb, rgb_to_lab
from .colornet import ColorNet, ColorNetConfig
from .hints import Hints, encode
from .refine import DEFAULT_REACH, DEFAULT_SIGMA, propagate

DEFAULT_WEIGHTS = Path(__file__).resolve().parents[1] / "weights" / "colornet.npz"
KIND = "colornet"


class WeightsError(ValueError):
    """A weights file is missing, unreadable, or not ColorNet weights (the message says which)."""


def save_weights(net: ColorNet, path, class_weights, metadata: dict, half: bool = True) -> None:
    """Write ColorNet weights (float16 when half, to keep the file small) with everything needed to use them."""
    state = {k: (v.astype(np.float16) if half and v.dtype == np.float32 else v)
             for k, v in ((k, asnumpy(v.data if isinstance(v, mt.Tensor) else v)) for k, v in net.state_dict().items())}
    meta = dict(metadata)
    meta.update(kind=KIND, model_config=net.config.to_dict())
    mt.save({"model": state, "class_weights": np.asarray(class_weights, np.float32)}, path, metadata=meta)


def _resize(arr, hw, resample="bilinear"):
    """Resize a float (H, W) or (H, W, C) array to hw = (h, w) with Pillow (antialiased when shrinking)."""
    from PIL import Image
    h, w = hw
    mode = Image.BILINEAR if resample == "bilinear" else Image.NEAREST
    if arr.shape[:2] == (h, w):
        return np.asarray(arr, np.float32)
    if arr.ndim == 2:
        return np.asarray(Image.fromarray(np.asarray(arr, np.float32), mode="F").resize((w, h), mode))
    return np.stack([_resize(arr[..., c], hw, resample) for c in range(arr.shape[-1])], -1)


def work_shape(image_hw, size: int, multiple: int = 8) -> tuple:
    """(h, w) with the longer side near size and both sides multiples of `multiple` (aspect kept)."""
    H, W = image_hw
    if size < multiple:
        raise ValueError(f"working size must be at least {multiple}, got {size}")
    scale = size / max(H, W)
    return tuple(max(multiple, int(round(s * scale / multiple)) * multiple) for s in (H, W))


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

    @property
    def image_hw(self):
        return self.L_full.shape

    @property
    def work_hw(self):
        return self.L.shape


class Colorizer:
    """A ColorNet plus what it needs to turn a photo into a colour photo."""

    def __init__(self, net: ColorNet, class_weights=None, size: int = 128, temperature: float = 0.38,
                 prior_correction: float = 0.0, scene_classes=(), metadata=None, refine: bool = True,
                 refine_reach: float = DEFAULT_REACH, refine_sigma: float = DEFAULT_SIGMA):
        self.net = net.eval()
        self.quant = ABQuantizer()
        if net.config.num_bins != self.quant.num_bins:
            raise WeightsError(f"network predicts {net.config.num_bins} bins, the quantizer has {self.quant.num_bins}")
        w = np.ones(self.quant.num_bins) if class_weights is None else np.asarray(class_weights, np.float64)
        self.log_w = np.log(np.maximum(w, 1e-12)).astype(np.float32)
        self.size = int(size)
        self.temperature = float(temperature)
        self.prior_correction = float(prior_correction)
        self.scene_classes = tuple(scene_classes)
        self.refine = bool(refine)
        self.refine_reach, self.refine_sigma = float(refine_reach), float(refine_sigma)
        self.metadata = dict(metadata or {})
        self.centers = self.quant.centers.astype(np.float32)

    # ----- loading ------------------------------------------------------------------------
    @classmethod
    def from_weights(cls, path=None, **overrides) -> "Colorizer":
        """Load ColorNet weights written by save_weights (no pickle). Decode settings default to the card's."""
        path = Path(path or DEFAULT_WEIGHTS)
        if not path.exists():
            raise WeightsError(f"{path}: no such weights file" + (
                " (the shipped weights live in weights/; see weights/colornet.json)" if path == DEFAULT_WEIGHTS else ""))
        try:
            meta = load_metadata(path)
            blob = mt.load(path)
        except SerializationError as e:
            raise WeightsError(f"{path}: {e}") from e
        if meta.get("kind") != KIND or not isinstance(blob, dict) or "model" not in blob:
            raise WeightsError(f"{path}: not ColorNet weights (kind {meta.get('kind')!r}); "
                               "was it written by models.inference.save_weights?")
        try:
            cfg = meta["model_config"]
            cfg = ColorNetConfig(**{**cfg, "channels": tuple(cfg["channels"])})
        except (KeyError, TypeError) as e:
            raise WeightsError(f"{path}: model configuration missing or unreadable ({e})") from e
        net = ColorNet(cfg)
        state = {k: np.asarray(v, np.float32) if np.asarray(v).dtype == np.float16 else v
                 for k, v in blob["model"].items()}
        try:
            net.load_state_dict(state)
        except KeyError as e:
            raise WeightsError(f"{path}: weights do not fit the network ({e})") from e
        decode = meta.get("decode", {})
        kwargs = dict(size=decode.get("size", 128), temperature=decode.get("temperature", 0.38),
                      prior_correction=decode.get("prior_correction", 0.0),
                      refine_reach=decode.get("refine_reach", DEFAULT_REACH),
                      refine_sigma=decode.get("refine_sigma", DEFAULT_SIGMA),
                      scene_classes=meta.get("scene_classes", ()))
        kwargs.update({k: v for k, v in overrides.items() if v is not None})
        return cls(net, blob.get("class_weights"), metadata=meta, **kwargs)

    # ----- the network ----------------------------------------------------------------------
    def predict(self, image, hints: Hints | None = None, size: int | None = None, layers=()) -> Prediction:
        """Run the network on an RGB image (H, W, 3) in [0, 1] (or lightness (H, W) in 0..100).

        layers: names of modules (see layer_names()) whose outputs to keep as activations.
        """
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[-1] == 3:
            L_full = rgb_to_lab(np.clip(image, 0, 1).astype(np.float32))[..., 0].astype(np.float32)
        elif image.ndim == 2:
            L_full = np.asarray(image, np.float32)
        else:
            raise ValueError(f"expected an RGB image (H, W, 3) or lightness (H, W), got shape {image.shape}")
        hw = work_shape(L_full.shape, size or self.size, self.net.multiple)
        L = _resize(L_full, hw)
        hint_ab, mask = encode(hints, L_full.shape, hw)
        x = np.concatenate([(L / 50 - 1)[..., None], hint_ab / 110, mask], -1).transpose(2, 0, 1)[None]
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
                out = self.net(mt.tensor(np.ascontiguousarray(x, np.float32)))
        finally:
            for h in handles:
                h.remove()
        scene = None
        if out["scene_logits"] is not None:
            s = asnumpy(out["scene_logits"].data)[0].astype(np.float64)
            scene = np.exp(s - s.max())
            scene /= scene.sum()
        return Prediction(L_full, L, asnumpy(out["logits"].data)[0],
                          [asnumpy(s.data)[0] for s in out["stages"]], scene, acts, mask[..., 0], hint_ab)

    def layer_names(self) -> list:
        """Names of the layers whose activations predict(layers=...) can return, input to output."""
        return [n for n, m in self.net.named_modules()
                if n and n.count(".") == 1 and n.split(".")[0] in ("encoders", "decoders")] + \
            (["fuse"] if self.net.config.use_global else [])

    # ----- decoding -------------------------------------------------------------------------
    def decode(self, logits, temperature: float | None = None, prior_correction: float | None = None) -> np.ndarray:
        """ab (..., h, w, 2) from logits (..., Q, h, w) by the annealed mean (see the module doc)."""
        T = self.temperature if temperature is None else float(temperature)
        if T <= 0:
            raise ValueError(f"temperature must be positive, got {T}")
        a = self.prior_correction if prior_correction is None else float(prior_correction)
        z = np.moveaxis(np.asarray(logits, np.float32), -3, 0)  # (Q, ..., h, w)
        if a:
            z = z - a * self.log_w.reshape((-1,) + (1,) * (z.ndim - 1))
        z = z * np.float32(1.0 / T)
        z -= z.max(0, keepdims=True)
        np.exp(z, out=z)
        flat = z.reshape(z.shape[0], -1)
        ab = (self.centers.T @ flat) / flat.sum(0)  # (2, pixels)
        return np.moveaxis(ab.reshape((2,) + z.shape[1:]), 0, -1)

    def logits_batch(self, L, hint_ab=None, mask=None, batch: int = 32) -> tuple:
        """(logits (N, Q, h, w), scene probabilities (N, S) or None) for working-size lightness (N, h, w).

        For evaluation and batch work; hint_ab (N, h, w, 2) and mask (N, h, w, 1) default to no hints.
        """
        L = np.asarray(L, np.float32)
        n = len(L)
        hint_ab = np.zeros(L.shape + (2,), np.float32) if hint_ab is None else np.asarray(hint_ab, np.float32)
        mask = np.zeros(L.shape + (1,), np.float32) if mask is None else np.asarray(mask, np.float32)
        x = np.concatenate([(L / 50 - 1)[..., None], hint_ab / 110, mask], -1).transpose(0, 3, 1, 2)
        logits, scenes = [], []
        with mt.no_grad():
            for i in range(0, n, batch):
                out = self.net(mt.tensor(np.ascontiguousarray(x[i:i + batch])))
                logits.append(asnumpy(out["logits"].data))
                if out["scene_logits"] is not None:
                    s = asnumpy(out["scene_logits"].data).astype(np.float64)
                    e = np.exp(s - s.max(1, keepdims=True))
                    scenes.append(e / e.sum(1, keepdims=True))
        return np.concatenate(logits), (np.concatenate(scenes) if scenes else None)

    def probabilities(self, logits) -> np.ndarray:
        """Softmax over the bins, (Q, h, w), in float32."""
        z = np.asarray(logits, np.float32)
        z = np.exp(z - z.max(0, keepdims=True))
        return z / z.sum(0, keepdims=True)

    def compose(self, pred: Prediction, ab_work, full: bool = True) -> np.ndarray:
        """RGB (H, W, 3) float32 from the lightness and the working-size ab (upsampled when full)."""
        if full:
            L, ab = pred.L_full, _resize(ab_work, pred.image_hw)
        else:
            L, ab = pred.L, ab_work
        lab = np.concatenate([L[..., None], ab], -1)
        return lab_to_rgb(lab).astype(np.float32)

    def colorize(self, image, hints: Hints | None = None, size: int | None = None,
                 temperature: float | None = None, prior_correction: float | None = None) -> np.ndarray:
        """Colorize an RGB image (colour inputs are reduced to their lightness first) at full resolution."""
        pred = self.predict(image, hints, size)
        return self.compose(pred, self.ab(pred, temperature, prior_correction))

    def ab(self, pred: Prediction, temperature=None, prior_correction=None, refine: bool | None = None) -> np.ndarray:
        """The working-size ab of a prediction: decoded, then (with hints, unless refine is False)
        refined so that the hints hold and spread along similar lightness (models/refine.py)."""
        ab = self.decode(pred.logits, temperature, prior_correction)
        if (self.refine if refine is None else refine) and pred.hint_mask is not None and pred.hint_mask.any():
            ab = propagate(pred.L, ab, pred.hint_ab, pred.hint_mask, self.refine_reach, self.refine_sigma)
        return ab

    # ----- the process made visible ---------------------------------------------------------
    def stage_images(self, pred: Prediction, temperature=None, prior_correction=None) -> list:
        """RGB at the working size decoded from every stage head, coarse to fine."""
        out = []
        for logits in pred.stage_logits:
            ab = _resize(self.decode(logits, temperature, prior_correction), pred.work_hw)
            out.append(self.compose(pred, ab, full=False))
        return out

    def entropy(self, pred: Prediction) -> np.ndarray:
        """Per-pixel entropy of the colour distribution in bits (h, w): where the network is unsure."""
        p = self.probabilities(pred.logits)
        return -(p * np.log2(np.maximum(p, 1e-12))).sum(0).astype(np.float32)

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

    def scene(self, pred: Prediction):
        """(most likely scene name, {name: probability}) from the global branch, or None without one."""
        if pred.scene_probs is None:
            return None
        names = self.scene_classes or tuple(f"scene {i}" for i in range(len(pred.scene_probs)))
        probs = {n: float(p) for n, p in zip(names, pred.scene_probs)}
        return max(probs, key=probs.get), probs

    def process(self, image, hints: Hints | None = None, size: int | None = None, layers=None,
                temperature=None, prior_correction=None) -> dict:
        """Everything about one colorization: output, stages, entropy, activations and scene."""
        layers = self.layer_names() if layers is None else layers
        pred = self.predict(image, hints, size, layers)
        ab = self.ab(pred, temperature, prior_correction)
        return {"prediction": pred, "output": self.compose(pred, ab), "output_work": self.compose(pred, ab, full=False),
                "gray": np.repeat((pred.L_full / 100)[..., None], 3, -1), "stages": self.stage_images(
                    pred, temperature, prior_correction), "entropy": self.entropy(pred),
                "activations": pred.activations, "scene": self.scene(pred)}


def activation_grid(act, max_channels: int = 16, columns: int = 4) -> np.ndarray:
    """Tile the first max_channels feature maps of one layer (C, h, w) into a [0, 1] image, each map
    normalised to its own range (so weak and strong channels are both visible)."""
    act = np.asarray(act, np.float32)[:max_channels]
    c, h, w = act.shape
    rows = int(np.ceil(c / columns))
    grid = np.ones((rows * (h + 1) - 1, columns * (w + 1) - 1), np.float32)
    for k in range(c):
        a = act[k]
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
        r, col = divmod(k, columns)
        grid[r * (h + 1): r * (h + 1) + h, col * (w + 1): col * (w + 1) + w] = a
    return grid
