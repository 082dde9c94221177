"""ColorNet: a U-Net on lightness plus user hints that predicts a distribution over ab bins.

Inputs (N, 4, H, W): L / 50 - 1, the hint ab map / 110 and the hint mask (zero hints =
automatic colorization). Outputs: logits over the in-gamut ab bins at full resolution,
logits from a small head on every decoder level (coarse to fine, for deep supervision and
for showing the colorization take shape), and scene logits from a global-context branch
pooled from the bottleneck and fused back into every position (Iizuka et al. 2016).
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
        if not isinstance(self.use_global, bool):
            raise ValueError(f"ColorNet use_global must be true or false, got {self.use_global!r}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


def encode_input(L, hint_ab=None, mask=None) -> np.ndarray:
    """The network input (N, 4, h, w) float32 from lightness (N, h, w) in 0..100, hint ab (N, h, w, 2)
    and hint mask (N, h, w, 1); missing hints are zeros (automatic colorization).

    Scaled in the inputs' own precision, then stored as float32.
    """
    L = np.asarray(L)
    hint_ab = np.zeros(L.shape + (2,), L.dtype) if hint_ab is None else np.asarray(hint_ab)
    mask = np.zeros(L.shape + (1,), L.dtype) if mask is None else np.asarray(mask)
    x = np.concatenate([(L / 50 - 1)[..., None], hint_ab / 110, mask], -1).transpose(0, 3, 1, 2)
    return np.ascontiguousarray(x, dtype=np.float32)


@dataclass
class ColorNetOutput:
    """What ColorNet computes for a batch (Tensors)."""

    logits: mt.Tensor  # (N, Q, H, W): the finest stage
    stages: list  # [(N, Q, H / 2^k, W / 2^k)], coarse to fine; the last is logits
    scene_logits: mt.Tensor | None  # (N, num_scenes), None without the global branch


class ConvBlock(nn.Module):
    """Two 3x3 convolutions, each with fused batch norm + ReLU.

    Shape: (N, cin, H, W) -> (N, cout, H, W).
    """

    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNormReLU2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNormReLU2d(cout)

    def forward(self, x):
        return self.bn2(self.conv2(self.bn1(self.conv1(x))))


class ColorNet(nn.Module):
    """U-Net colorizer with hints, global scene context and per-level stage heads.

    Shape: (N, 4, H, W) -> {"logits": (N, Q, H, W), "stages": [(N, Q, H/2^k, W/2^k), ...],
    "scene_logits": (N, num_scenes) or None}.
    """

    def __init__(self, config: ColorNetConfig | None = None):
        super().__init__()
        self.config = cfg = config or ColorNetConfig()
        c = tuple(cfg.channels)
        self.encoders = nn.ModuleList([ConvBlock(a, b) for a, b in zip((4,) + c[:-1], c)])
        self.pool = nn.MaxPool2d(2)
        if cfg.use_global:
            self.global_fc = nn.Linear(c[-1], cfg.global_dim)
            self.scene_head = nn.Linear(cfg.global_dim, cfg.num_scenes)
            self.fuse = nn.Conv2d(c[-1] + cfg.global_dim, c[-1], 1)
        self.ups = nn.ModuleList([nn.ConvTranspose2d(b, a, 2, stride=2) for a, b in zip(c[:-1], c[1:])][::-1])
        self.decoders = nn.ModuleList([ConvBlock(2 * a, a) for a in c[:-1]][::-1])
        # a head on the bottleneck and on every decoder level; the last one is the output
        self.stage_heads = nn.ModuleList([nn.Conv2d(ch, cfg.num_bins, 1) for ch in (c[-1],) + c[:-1][::-1]])

    @property
    def multiple(self) -> int:
        """H and W must be multiples of this."""
        return 2 ** (len(self.config.channels) - 1)

    def forward(self, x):
        if x.shape[2] % self.multiple or x.shape[3] % self.multiple:
            raise ValueError(f"ColorNet input {x.shape[2]}x{x.shape[3]} is not a multiple of {self.multiple}")
        skips = []
        for i, enc in enumerate(self.encoders):
            x = enc(x)
            if i < len(self.encoders) - 1:
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
