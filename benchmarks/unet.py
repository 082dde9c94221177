"""The reference workload of DESIGN.md, defined once per framework with identical shapes.

U-Net, channels 32-64-128-256, two 3x3 conv + batch norm + ReLU blocks per level,
max-pool down, 2x2 stride-2 transposed-conv up, skip connections by concatenation,
a 1x1 head predicting 2 channels.
"""
from __future__ import annotations

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


def build_ours(in_ch=1, out_ch=2):
    """The U-Net on minitorch_color."""
    from minitorch_color import cat, nn

    class Block(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNormReLU2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNormReLU2d(cout)

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
                x = dec(cat([up(x), skips.pop()], axis=1))
            return self.head(x)

    return UNet()


def build_torch(in_ch=1, out_ch=2):
    """The same U-Net on PyTorch."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)

        def forward(self, x):
            x = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(x)))

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
                x = dec(torch.cat([up(x), skips.pop()], dim=1))
            return self.head(x)

    return UNet()
