"""The reference workload of DESIGN.md, one definition for both frameworks.

U-Net, channels 32-64-128-256, two 3x3 conv + batch norm + ReLU blocks per level,
max-pool down, 2x2 stride-2 transposed-conv up, skip connections by concatenation,
a 1x1 head predicting 2 channels. ``build(nn, cat, bn_relu)`` is written against the
PyTorch-style API that both libraries share, so the two networks cannot drift apart.

Two ways of writing it are measured (issue 12): "ordinary", as users write it in PyTorch
(``Conv2d`` with its default bias, ``BatchNorm2d`` and ``ReLU`` as separate modules), and "fused"
(convolutions without bias, and here the fused ``BatchNormReLU2d``; PyTorch's eager mode has no
such module, so its "fused" twin is the bias-free network with separate modules).
"""
from __future__ import annotations

from minitorch_color import cat, nn

CHANNELS = (32, 64, 128, 256)


def conv_flops(in_ch=1, out_ch=2, size=64, batch=1, channels=CHANNELS):
    """Multiply-add FLOPs (2 per MAC) of one forward pass over a batch of size x size images."""
    flops, c_prev, s = 0, in_ch, size
    for i, c in enumerate(channels):
        flops += 2 * s * s * 9 * (c_prev * c + c * c)
        c_prev = c
        if i < len(channels) - 1:
            s //= 2
    for c in reversed(channels[:-1]):
        s *= 2
        flops += 2 * (s // 2) ** 2 * c_prev * c * 4  # transposed conv 2x2 stride 2
        flops += 2 * s * s * 9 * (2 * c * c + c * c)
        c_prev = c
    flops += 2 * s * s * c_prev * out_ch
    return flops * batch


VARIANTS = ("ordinary", "fused")


def build(nn, cat, bn_relu, in_ch=1, out_ch=2, bias=False):
    """The U-Net on a library with PyTorch's nn API; bn_relu(c) makes batch norm + ReLU."""

    class Block(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=bias)
            self.bn1 = bn_relu(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=bias)
            self.bn2 = bn_relu(cout)

        def forward(self, x):
            return self.bn2(self.conv2(self.bn1(self.conv1(x))))

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            c = CHANNELS
            self.downs = nn.ModuleList([Block(a, b) for a, b in zip((in_ch,) + c[:-1], c)])
            self.ups = nn.ModuleList([nn.ConvTranspose2d(b, a, 2, stride=2) for a, b in zip(c[:-1], c[1:])][::-1])
            self.decs = nn.ModuleList([Block(2 * a, a) for a in c[:-1]][::-1])
            self.pool = nn.MaxPool2d(2)
            self.head = nn.Conv2d(c[0], out_ch, 1)

        def forward(self, x):
            skips = []
            for i, down in enumerate(self.downs):
                x = down(x)
                if i < len(self.downs) - 1:
                    skips.append(x)
                    x = self.pool(x)
            for up, dec in zip(self.ups, self.decs):
                x = dec(cat([up(x), skips.pop()], 1))
            return self.head(x)

    return UNet()


def _ordinary(nn):
    return lambda c: nn.Sequential(nn.BatchNorm2d(c), nn.ReLU())


def build_ours(in_ch=1, out_ch=2, variant="fused"):
    """The U-Net on minitorch_color; "fused": batch norm and ReLU in one kernel, no conv bias."""
    if variant == "fused":
        return build(nn, cat, nn.BatchNormReLU2d, in_ch, out_ch)
    return build(nn, cat, _ordinary(nn), in_ch, out_ch, bias=True)


def build_torch(in_ch=1, out_ch=2, variant="fused"):
    """The same U-Net on PyTorch (separate BatchNorm2d and ReLU either way; bias when "ordinary")."""
    import torch
    from torch import nn
    return build(nn, torch.cat, _ordinary(nn), in_ch, out_ch, bias=variant == "ordinary")
