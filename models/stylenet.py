"""StyleNet: a colorized photo painted in one of a menu of styles, by one feed-forward network.

    st = Stylizer.from_weights()                               # weights/stylenet.npz (train/train_styles.py)
    st.names                                                   # the menu, in order
    out = st.stylize(plain_rgb, st.blend("Monet", strength=0.8, mix={"Gauguin": 0.3}))

The network (Johnson et al. 2016, small) reads the plain colorization (RGB) and returns it painted:
two stride-2 convolutions, residual blocks at a quarter of the size, two upsampling convolutions,
every normalisation a conditional instance norm with one (scale, shift) row per style (Dumoulin et
al. 2017), optionally fixed noise maps beside the photo (noise_channels: a flat sky otherwise gives
the network nothing to paint from, and its texture gathers at edges as halos), and the output

    painted = plain + (blend[1:] @ gain) * tanh(head)

where blend is a row of weights over (plain, style 1, ..., style S) summing to 1. Strength s of a
style k is the blend (1 - s) e_0 + s e_k: every row interpolated, and at s = 0 the gain is 0, so
the result is the plain colorization exactly. Two styles mix by interpolating their rows.

Weights that carry brushwork (a sample of each painting's colours and a Brush per style,
brushwork.py) then lay the painting's palette and strokes on the network's output, that change
scaled by the strength (0: nothing) and mixed by the same shares as the rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import minitorch_color as mt
from minitorch_color import nn

from . import brushwork
from .image_io import resize
from .weights import WeightsError, load_state, load_weights, save_weights, shipped

KIND = "stylenet"
MULTIPLE = 4  # the network halves twice: inputs are padded to a multiple of this
THUMB = 48  # each style's painting ships as a THUMB x THUMB thumbnail (the studio's gallery)
BORDER = 16  # the photo is mirrored this far out before the network, so its zero padding paints no frame
BRUSH_SIZE = 1024  # brushwork is laid at most this long on the longer side, its change upsampled beyond


@dataclass(frozen=True)
class Style:
    """One entry of the menu: what people call it and the paintings it was learned from."""

    name: str  # "Van Gogh, The Starry Night", "Monet"
    files: tuple  # relative to the data folder (inside an archive: the path inside it)


@dataclass(frozen=True)
class StyleNetConfig:
    num_styles: int
    channels: tuple = (16, 32, 64)
    res_blocks: int = 3
    noise_channels: int = 0  # fixed noise maps beside the photo: something to paint from where it is flat


def noise_maps(n: int, h: int, w: int) -> np.ndarray:
    """(1, n, h, w) float32 standard normal noise, the same for the same size (outputs stay reproducible;
    Ulyanov et al. 2016 feed such noise to texture networks)."""
    return np.random.default_rng(h * 100003 + w).standard_normal((1, n, h, w)).astype(np.float32)


class CondConv(nn.Module):
    """Convolution, conditional instance norm, ReLU (optionally upsampling by 2 first)."""

    def __init__(self, cin: int, cout: int, rows: int, stride: int = 1, up: bool = False, relu: bool = True):
        super().__init__()
        self.up, self.relu = up, relu
        self.conv = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.norm = nn.CondInstanceNorm2d(cout, rows)

    def forward(self, x, blend):
        if self.up:
            x = nn.F.interpolate(x, scale_factor=2, mode="nearest")
        y = self.norm(self.conv(x), blend)
        return nn.F.relu(y) if self.relu else y


class ResBlock(nn.Module):
    def __init__(self, c: int, rows: int):
        super().__init__()
        self.a, self.b = CondConv(c, c, rows), CondConv(c, c, rows, relu=False)

    def forward(self, x, blend):
        return x + self.b(self.a(x, blend), blend)


class StyleNet(nn.Module):
    """Shape: plain (N, 3, H, W) RGB in [0, 1] with H, W multiples of 4, blend (N, 1 + num_styles)
    -> painted (N, 3, H, W) (not clipped)."""

    def __init__(self, config: StyleNetConfig):
        super().__init__()
        self.config = config
        rows, (c0, c1, c2) = 1 + config.num_styles, config.channels
        self.down = nn.ModuleList([CondConv(3 + config.noise_channels, c0, rows), CondConv(c0, c1, rows, stride=2),
                                   CondConv(c1, c2, rows, stride=2)])
        self.res = nn.ModuleList([ResBlock(c2, rows) for _ in range(config.res_blocks)])
        self.up = nn.ModuleList([CondConv(c2, c1, rows, up=True), CondConv(c1, c0, rows, up=True)])
        self.head = nn.Conv2d(c0, 3, 3, padding=1)
        self.gain = nn.Parameter(np.full(config.num_styles, 0.5, np.float32))  # how far each style may move a pixel

    def forward(self, plain, blend):
        blend = blend if isinstance(blend, mt.Tensor) else mt.tensor(np.asarray(blend, np.float32))
        x = plain * 2 - 1
        if self.config.noise_channels:
            n, _, h, w = plain.shape
            noise = noise_maps(self.config.noise_channels, h, w)
            x = mt.cat([x, mt.tensor(np.broadcast_to(noise, (n,) + noise.shape[1:]).copy())], 1)
        for layer in (*self.down, *self.res, *self.up):
            x = layer(x, blend)
        gain = mt.ops.matmul(blend[:, 1:], self.gain.reshape(-1, 1)).reshape(-1, 1, 1, 1)
        return plain + gain * nn.F.tanh(self.head(x))


def blend_row(names, style: str | None, strength: float = 1.0, mix: dict | None = None) -> np.ndarray:
    """The blend (1 + len(names),) for a style at a strength, optionally mixed with others:
    mix {name: share} takes those shares of the style part from the named styles."""
    if not 0 <= strength <= 1:
        raise ValueError(f"style strength must be in [0, 1], got {strength}")
    row = np.zeros(1 + len(names), np.float32)
    if style is None:
        row[0] = 1
        return row
    parts = {style: 1.0}
    for other, share in (mix or {}).items():
        if not 0 <= share <= 1:
            raise ValueError(f"the share of {other!r} must be in [0, 1], got {share}")
        parts = {k: v * (1 - share) for k, v in parts.items()}
        parts[other] = parts.get(other, 0.0) + share
    for name, share in parts.items():
        row[1 + style_index(names, name)] += strength * share
    row[0] = 1 - strength
    return row


def style_index(names, name: str) -> int:
    """Position of a style in the menu, or a ValueError listing the menu."""
    if name not in names:
        import difflib
        near = difflib.get_close_matches(name, names, n=3, cutoff=0.3)
        hint = f" (did you mean {' or '.join(repr(n) for n in near)}?)" if near else ""
        raise ValueError(f"unknown style {name!r}{hint}; the styles are: " + "; ".join(names))
    return list(names).index(name)


def parse_mix(text: str) -> tuple:
    """'NAME:0.3' -> ('NAME', 0.3) (the name may itself hold commas and colons: the share is after the last)."""
    name, sep, share = text.rpartition(":")
    try:
        value = float(share)
    except ValueError:
        value = None
    if not sep or not name or value is None:
        raise ValueError(f"--style-mix takes NAME:SHARE (e.g. 'Monet:0.3'), got {text!r}")
    return name, value


class Stylizer:
    """A trained StyleNet with its menu, run at a working size on photos of any size."""

    def __init__(self, net: StyleNet, styles: tuple, work_size: int = 256, metadata: dict | None = None,
                 thumbnails=None, palettes=None, brushes=None):
        if len(styles) != net.config.num_styles:
            raise WeightsError(f"the network has {net.config.num_styles} styles, the menu {len(styles)}")
        if (palettes is None) != (brushes is None) or (brushes is not None and not (
                len(palettes) == len(brushes) == len(styles) and all(np.ndim(p) == 2 and np.shape(p)[1] == 3
                                                                     for p in palettes))):
            raise WeightsError(f"brushwork needs a (K, 3) palette and a brush for each of the {len(styles)} "
                               f"styles, got {'no' if palettes is None else len(palettes)} palettes and "
                               f"{'no' if brushes is None else len(brushes)} brushes")
        # per style: (K, 3) CIELAB samples of its paintings and its Brush (brushwork.py), or None: the network alone
        self.palettes = None if palettes is None else [np.asarray(p, np.float32) for p in palettes]
        self.brushes = None if brushes is None else list(brushes)
        self.net, self.styles, self.work_size = net.eval(), tuple(styles), int(work_size)
        self.metadata = dict(metadata or {})
        # (S, THUMB, THUMB, 3) uint8: each style's own painting, small (gray squares when absent)
        self.thumbnails = (np.full((len(styles), THUMB, THUMB, 3), 128, np.uint8) if thumbnails is None
                           else np.asarray(thumbnails, np.uint8))

    @property
    def names(self) -> list:
        return [s.name for s in self.styles]

    @classmethod
    def from_weights(cls, path=None) -> "Stylizer":
        """Load StyleNet weights (default: the shipped weights/stylenet.npz; no pickle)."""
        loaded = load_weights(path or shipped("stylenet.npz"), KIND,
                              hint="train them with python -m train.train_styles")
        meta = loaded.metadata
        try:
            styles = tuple(Style(s["name"], tuple(s["files"])) for s in meta["styles"])
            net = StyleNet(StyleNetConfig(len(styles), tuple(meta["config"]["channels"]),
                                          int(meta["config"]["res_blocks"]),
                                          int(meta["config"].get("noise_channels", 0))))
            work_size = int(meta.get("work_size", 256))
        except (KeyError, TypeError, ValueError) as e:
            raise WeightsError(f"{loaded.path}: StyleNet configuration missing or unreadable ({e})") from e
        load_state(net, loaded)
        thumbs = loaded.arrays.get("thumbnails")
        if thumbs is not None and np.shape(thumbs) != (len(styles), THUMB, THUMB, 3):
            raise WeightsError(f"{loaded.path}: thumbnails of shape {np.shape(thumbs)}, expected "
                               f"{(len(styles), THUMB, THUMB, 3)}")
        palettes, brushes = loaded.arrays.get("palettes"), meta.get("brushes")
        try:
            brushes = None if brushes is None else [brushwork.Brush.from_dict(b) for b in brushes]
        except (TypeError, ValueError, AttributeError) as e:
            raise WeightsError(f"{loaded.path}: a brush is unreadable ({e})") from e
        try:
            return cls(net, styles, work_size, meta, thumbs, palettes, brushes)
        except WeightsError as e:
            raise WeightsError(f"{loaded.path}: {e}") from None

    def blend(self, style: str | None, strength: float = 1.0, mix: dict | None = None) -> np.ndarray:
        return blend_row(self.names, style, strength, mix)

    def residual(self, plain_small, blend) -> np.ndarray:
        """What the style adds to a small plain colorization (h, w, 3), at that size."""
        h, w = plain_small.shape[:2]
        b = min(BORDER, h - 1, w - 1)
        ph, pw = b + -(h + 2 * b) % MULTIPLE, b + -(w + 2 * b) % MULTIPLE
        x = np.pad(plain_small, ((b, ph), (b, pw), (0, 0)), mode="reflect").transpose(2, 0, 1)[None]
        with mt.no_grad():
            out = self.net(mt.tensor(np.ascontiguousarray(x, np.float32)), np.asarray(blend, np.float32)[None])
        return (out.numpy()[0] - x[0]).transpose(1, 2, 0)[b:b + h, b:b + w]

    def stylize(self, plain, blend) -> np.ndarray:
        """The plain colorization (H, W, 3) floats in [0, 1] painted as blend says, float32 at full size:
        the network runs with the longer side at work_size and its change is upsampled onto the photo."""
        plain = np.asarray(plain, np.float32)
        blend = np.asarray(blend, np.float32)
        if blend[0] >= 1:
            return plain.copy()
        h, w = plain.shape[:2]
        scale = min(1.0, self.work_size / max(h, w))
        hw = (max(MULTIPLE, round(h * scale)), max(MULTIPLE, round(w * scale)))
        small = resize(plain, hw) if hw != (h, w) else plain
        delta = self.residual(small, blend)
        if hw != (h, w):
            delta = resize(delta, (h, w))
        painted = np.clip(plain + delta, 0, 1)
        return painted if self.brushes is None else self.brush(painted, blend)

    def brush(self, painted, blend) -> np.ndarray:
        """The network's output (H, W, 3) with the blend's brushwork laid on it: at most BRUSH_SIZE on the
        longer side (its change upsampled beyond), the change scaled by the strength 1 - blend[0]."""
        strength = 1 - float(blend[0])
        if strength <= 0:
            return painted
        shares = np.asarray(blend[1:], np.float64) / strength
        brush = brushwork.mix(self.brushes, shares)
        palette = brushwork.mix_palettes(self.palettes, shares)
        h, w = painted.shape[:2]
        scale = min(1.0, BRUSH_SIZE / max(h, w))
        small = painted if scale == 1 else resize(painted, (max(8, round(h * scale)), max(8, round(w * scale))))
        change = brushwork.paint(small, brush, palette) - small
        if scale != 1:
            change = resize(change, (h, w))
        return np.clip(painted + strength * change, 0, 1)


def subset(st: Stylizer, names) -> Stylizer:
    """The same network offering only some of its styles (their rows of every conditional norm and
    their gains; the plain row stays first): a menu narrowed after training, every kept style
    painting exactly as before."""
    idx = [style_index(st.names, n) for n in names]
    rows = [0] + [1 + i for i in idx]
    net = StyleNet(StyleNetConfig(len(idx), st.net.config.channels, st.net.config.res_blocks,
                                  st.net.config.noise_channels))
    state = {}
    for key, value in st.net.state_dict().items():
        value = np.asarray(value)
        if key == "gain":
            value = value[idx]
        elif key.endswith(("norm.weight", "norm.bias")):
            value = value[rows]
        state[key] = value
    net.load_state_dict(state)
    pick = (lambda items: None if items is None else [items[i] for i in idx])
    return Stylizer(net, tuple(st.styles[i] for i in idx), st.work_size, st.metadata, st.thumbnails[idx],
                    pick(st.palettes), pick(st.brushes))


def thumbnail(rgb) -> np.ndarray:
    """A painting (H, W, 3) floats in [0, 1] as a THUMB x THUMB uint8 thumbnail (its centre square)."""
    h, w = rgb.shape[:2]
    k = min(h, w)
    square = rgb[(h - k) // 2:(h - k) // 2 + k, (w - k) // 2:(w - k) // 2 + k]
    return (np.clip(resize(np.asarray(square, np.float32), (THUMB, THUMB)), 0, 1) * 255).round().astype(np.uint8)


def save_stylenet(net: StyleNet, path, styles, work_size: int, metadata: dict, thumbnails=None,
                  palettes=None, brushes=None) -> None:
    """Write StyleNet weights (float16) with the menu, the paintings' thumbnails (S, THUMB, THUMB, 3)
    uint8 and, when given, the brushwork: palettes (S, K, 3) CIELAB samples and a Brush per style;
    metadata must hold "config"."""
    arrays = {} if thumbnails is None else {"thumbnails": np.asarray(thumbnails, np.uint8)}
    metadata = {k: v for k, v in metadata.items() if k != "brushes"}  # only with the palettes below
    extra = {}
    if palettes is not None:
        arrays["palettes"] = np.asarray(palettes, np.float16)
        extra["brushes"] = [b.to_dict() for b in brushes]
    save_weights(path, net.state_dict(), KIND,
                 {**metadata, **extra, "work_size": int(work_size),
                  "styles": [{"name": s.name, "files": list(s.files)} for s in styles]}, arrays=arrays, half=True)
