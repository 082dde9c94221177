"""ColorNet: a U-Net on lightness plus user hints that predicts a distribution over ab bins.

Inputs (N, 4, H, W): L / 50 - 1, the hint ab map / 110 and the hint mask (zero hints =
automatic colorization); a model with film inputs (ColorNetConfig.film_inputs) takes two more
planes saying which film recorded the gray: both zero for panchromatic (a modern camera's
lightness, the default), one for orthochromatic, the other for blue-sensitive (train/common/oldphoto.py).
Outputs: logits over the in-gamut ab bins at the output resolution (the input's, or half of it
with output_stride 2: colour varies slowly, so the finest decoder level and its 261-way head, 40%
of a training step, are left out and the logits are upsampled by upsample_logits), logits from a
small head on every decoder level (coarse to fine, for deep supervision and for showing the
colorization take shape), and scene logits from a global-context branch pooled from the bottleneck and fused back
into every position (Iizuka et al. 2016).
H and W must be multiples of 2 ** (levels - 1).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

import minitorch_color as mt
from minitorch_color import nn


@dataclass
class ColorNetConfig:
    """Architecture of ColorNet."""

    channels: tuple = (32, 64, 128, 256)
    num_bins: int = 261
    num_scenes: int = 6
    global_dim: int = 128
    use_global: bool = True
    film_inputs: bool = False  # two input planes for the film response (FILMS)
    bottleneck_dilation: int = 1  # dilation of the lowest level's 3x3 convolutions (a wider receptive field)
    output_stride: int = 1  # 2: logits at half the input's resolution (no finest decoder level)

    def __post_init__(self):
        """Refuse configurations no ColorNet can have (a damaged or hand-edited card), by name."""
        def count(name, v, lo, hi):
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not lo <= v <= hi:
                raise ValueError(f"ColorNet {name} must be an integer in {lo}..{hi}, got {v!r}")
        ch = self.channels
        if not isinstance(ch, (tuple, list)) or not 2 <= len(ch) <= 7:
            raise ValueError(f"ColorNet channels must be 2 to 7 integers, got {ch!r}")
        for c in ch:
            count("channels", c, 1, 4096)
        count("num_bins", self.num_bins, 2, 10000)
        count("num_scenes", self.num_scenes, 1, 10000)
        count("global_dim", self.global_dim, 1, 8192)
        count("bottleneck_dilation", self.bottleneck_dilation, 1, 16)
        if self.output_stride not in (1, 2) or isinstance(self.output_stride, bool):
            raise ValueError(f"ColorNet output_stride must be 1 or 2, got {self.output_stride!r}")
        for name in ("use_global", "film_inputs"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"ColorNet {name} must be true or false, got {getattr(self, name)!r}")

    @property
    def in_channels(self) -> int:
        """Planes of the network input: L, hint ab, hint mask, and the film planes if any."""
        return 4 + 2 * self.film_inputs

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


FILMS = ("panchromatic", "orthochromatic", "blue-sensitive")  # as train/oldphoto.EMULSIONS names them


def film_index(film) -> int:
    """FILMS' index of a film name, or a clear error listing them."""
    if film not in FILMS:
        raise ValueError(f"unknown film response {film!r}; one of: {', '.join(FILMS)}")
    return FILMS.index(film)


def encode_input(L, hint_ab=None, mask=None, film=None) -> np.ndarray:
    """The network input (N, C, h, w) float32 from lightness (N, h, w) in 0..100, hint ab (N, h, w, 2)
    and hint mask (N, h, w, 1); missing hints are zeros (automatic colorization).

    film None: the 4 planes of a model without film inputs; otherwise a FILMS name for every image
    or FILMS indices (N,), giving 6 planes (the last two: orthochromatic, blue-sensitive).
    Scaled in the inputs' own precision, then stored as float32.
    """
    L = np.asarray(L)
    hint_ab = np.zeros(L.shape + (2,), L.dtype) if hint_ab is None else np.asarray(hint_ab)
    mask = np.zeros(L.shape + (1,), L.dtype) if mask is None else np.asarray(mask)
    planes = [(L / 50 - 1)[..., None], hint_ab / 110, mask]
    if film is not None:
        index = np.full(L.shape[0], film_index(film)) if isinstance(film, str) else np.asarray(film)
        onehot = (index[:, None] == np.arange(1, len(FILMS))).astype(L.dtype)  # (N, 2)
        planes.append(np.broadcast_to(onehot[:, None, None, :], L.shape + (2,)))
    x = np.concatenate(planes, -1).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(x, dtype=np.float32)


@dataclass
class ColorNetOutput:
    """What ColorNet computes for a batch (Tensors)."""

    logits: mt.Tensor  # (N, Q, H / s, W / s): the finest stage (s: the config's output_stride)
    stages: list  # [(N, Q, H / 2^k, W / 2^k)], coarse to fine; the last is logits
    scene_logits: mt.Tensor | None  # (N, num_scenes), None without the global branch


class ConvBlock(nn.Module):
    """Two 3x3 convolutions (dilated by dilation), each with fused batch norm + ReLU.

    Shape: (N, cin, H, W) -> (N, cout, H, W).
    """

    def __init__(self, cin, cout, dilation=1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn1 = nn.BatchNormReLU2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNormReLU2d(cout)

    def forward(self, x):
        return self.bn2(self.conv2(self.bn1(self.conv1(x))))


class ColorNet(nn.Module):
    """U-Net colorizer with hints, global scene context and per-level stage heads.

    Shape: (N, config.in_channels, H, W) -> {"logits": (N, Q, H/s, W/s), "stages": [(N, Q, H/2^k, W/2^k), ...],
    "scene_logits": (N, num_scenes) or None}.
    """

    def __init__(self, config: ColorNetConfig | None = None):
        super().__init__()
        self.config = cfg = config or ColorNetConfig()
        c = tuple(cfg.channels)
        dilations = [1] * (len(c) - 1) + [cfg.bottleneck_dilation]
        self.encoders = nn.ModuleList([ConvBlock(a, b, d)
                                       for a, b, d in zip((cfg.in_channels,) + c[:-1], c, dilations)])
        self.pool = nn.MaxPool2d(2)
        if cfg.use_global:
            self.global_fc = nn.Linear(c[-1], cfg.global_dim)
            self.scene_head = nn.Linear(cfg.global_dim, cfg.num_scenes)
            self.fuse = nn.Conv2d(c[-1] + cfg.global_dim, c[-1], 1)
        skip = cfg.output_stride.bit_length() - 1  # finest levels without a decoder (0 or 1)
        self.ups = nn.ModuleList([nn.ConvTranspose2d(b, a, 2, stride=2)
                                  for a, b in zip(c[:-1], c[1:])][skip:][::-1])
        self.decoders = nn.ModuleList([ConvBlock(2 * a, a) for a in c[:-1]][skip:][::-1])
        # a head on the bottleneck and on every decoder level; the last one is the output
        self.stage_heads = nn.ModuleList([nn.Conv2d(ch, cfg.num_bins, 1) for ch in (c[-1],) + c[skip:-1][::-1]])

    @property
    def multiple(self) -> int:
        """H and W must be multiples of this."""
        return 2 ** (len(self.config.channels) - 1)

    def forward(self, x):
        if x.ndim != 4 or x.shape[1] != self.config.in_channels:
            raise ValueError(f"ColorNet expects input (N, {self.config.in_channels}, H, W) (see encode_input), "
                             f"got {tuple(x.shape)}")
        if x.shape[2] % self.multiple or x.shape[3] % self.multiple:
            raise ValueError(f"ColorNet input {x.shape[2]}x{x.shape[3]} is not a multiple of {self.multiple}")
        skips = []
        for i, enc in enumerate(self.encoders):
            x = enc(x)
            if i < len(self.encoders) - 1:
                if i >= len(self.encoders) - 1 - len(self.decoders):  # a decoder level will use it
                    skips.append(x)
                x = self.pool(x)
        scene_logits = None
        if self.config.use_global:
            g = nn.F.relu(self.global_fc(nn.F.global_avg_pool2d(x)))  # (N, D)
            scene_logits = self.scene_head(g)
            n, d = g.shape
            g_map = g.reshape(n, d, 1, 1).expand(n, d, x.shape[2], x.shape[3])
            x = nn.F.relu(self.fuse(mt.cat([x, g_map], dim=1)))
        stages = [self.stage_heads[0](x)]
        for up, dec, head in zip(self.ups, self.decoders, self.stage_heads[1:]):
            x = dec(mt.cat([up(x), skips.pop()], dim=1))
            stages.append(head(x))
        return ColorNetOutput(stages[-1], stages, scene_logits)


def upsample_logits(logits, hw) -> np.ndarray:
    """Logits (..., Q, h, w) bilinearly resized to hw = (H, W) (align_corners=False), float32.

    A stride-2 ColorNet's distributions, brought to the working size before decoding: two small
    matrix products per image, so every later step sees logits at the size of the lightness.
    """
    z = np.asarray(logits, np.float32)
    if z.shape[-2:] == tuple(hw):
        return z
    rows, cols = _bilinear_matrix(z.shape[-2], hw[0]), _bilinear_matrix(z.shape[-1], hw[1])
    return np.einsum("Hh,...hw,Ww->...HW", rows, z, cols, optimize=True).astype(np.float32, copy=False)


def _bilinear_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of bilinear resampling with half-pixel centres, clamped at the borders."""
    pos = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0, n_in - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_in - 1)
    frac = (pos - lo).astype(np.float32)
    m = np.zeros((n_out, n_in), np.float32)
    m[np.arange(n_out), lo] += 1 - frac
    m[np.arange(n_out), hi] += frac
    return m
