"""End to end: a tiny CNN learns a toy task on the engine in seconds."""
import numpy as np

import minitorch_color as mt
from minitorch_color import nn


def _toy_data(n, rng):
    """Images with a bright bar, horizontal (class 0) or vertical (class 1), on noise."""
    x = rng.standard_normal((n, 1, 8, 8)).astype(np.float32) * 0.3
    y = rng.integers(0, 2, n)
    pos = rng.integers(1, 7, n)
    for i in range(n):
        if y[i] == 0:
            x[i, 0, pos[i], :] += 2
        else:
            x[i, 0, :, pos[i]] += 2
    return x, y


def test_tiny_cnn_learns_bars():
    mt.manual_seed(0)
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNormReLU2d(8), nn.MaxPool2d(2),
                          nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.GlobalAvgPool2d(), nn.Linear(8, 2))
    opt = mt.optim.Adam(model.parameters(), lr=0.02)
    xt, yt = _toy_data(512, rng)
    xv, yv = _toy_data(256, rng)
    losses = []
    for _ in range(60):
        idx = rng.integers(0, 512, 32)
        loss = nn.F.cross_entropy(model(mt.tensor(xt[idx])), yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    with mt.no_grad():
        acc = (model(mt.tensor(xv)).numpy().argmax(1) == yv).mean()
    assert np.mean(losses[-10:]) < 0.5 * np.mean(losses[:10])
    assert acc > 0.9, acc


def test_unet_reference_workload_step_lowers_loss():
    from benchmarks.unet import build_ours
    mt.manual_seed(0)
    model = build_ours()
    opt = mt.optim.Adam(model.parameters(), lr=1e-3)
    x = mt.randn(2, 1, 32, 32)
    y = mt.tensor(np.tanh(x.numpy()).repeat(2, axis=1))
    losses = []
    for _ in range(8):
        loss = nn.F.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
