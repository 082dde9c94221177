import math

import numpy as np
import pytest

import minitorch_color as mt
from minitorch_color import nn, optim


def _param(values):
    p = nn.Parameter(np.array(values, dtype=np.float64))
    return p


def test_sgd_plain_momentum_nesterov_by_hand():
    p = _param([1.0, -2.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01)
    g = np.array([0.5, 1.0])
    p.grad = g.copy()
    opt.step()
    d1 = g + 0.01 * np.array([1.0, -2.0])
    x1 = np.array([1.0, -2.0]) - 0.1 * d1
    np.testing.assert_allclose(p.data, x1)
    p.grad = g.copy()
    opt.step()
    d2 = g + 0.01 * x1
    buf = 0.9 * d1 + d2
    np.testing.assert_allclose(p.data, x1 - 0.1 * buf)

    q = _param([1.0])
    opt = optim.SGD([q], lr=0.1, momentum=0.5, nesterov=True)
    for _ in range(2):
        q.grad = np.array([1.0])
        opt.step()
    # step 1: buf=1, update 1 + .5*1 = 1.5 -> 0.85; step 2: buf = .5 + 1 = 1.5, update 1 + .75 -> 0.675
    np.testing.assert_allclose(q.data, [0.675])
    with pytest.raises(ValueError):
        optim.SGD([q], nesterov=True)


def test_adam_and_adamw_by_hand():
    for cls, decoupled in ((optim.Adam, False), (optim.AdamW, True)):
        p = _param([0.5, -1.0])
        opt = cls([p], lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
        x = np.array([0.5, -1.0])
        m = v = np.zeros(2)
        for t in range(1, 4):
            g = np.array([0.3, -0.2]) * t
            p.grad = g.copy()
            opt.step()
            if decoupled:
                x = x * (1 - 0.01 * 0.1)
            else:
                g = g + 0.1 * x
            m = 0.9 * m + 0.1 * g
            v = 0.99 * v + 0.01 * g * g
            x = x - 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.99 ** t)) + 1e-8)
            np.testing.assert_allclose(p.data, x, rtol=1e-10, err_msg=cls.__name__)


def test_adam_matches_torch(torch):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4)).astype(np.float32)
    ours = nn.Parameter(w0.copy())
    theirs = torch.nn.Parameter(torch.tensor(w0.copy()))
    o1 = optim.AdamW([ours], lr=0.01, weight_decay=0.05)
    o2 = torch.optim.AdamW([theirs], lr=0.01, weight_decay=0.05)
    for _ in range(5):
        g = rng.standard_normal((3, 4)).astype(np.float32)
        ours.grad = g.copy()
        theirs.grad = torch.tensor(g)
        o1.step()
        o2.step()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-5, atol=1e-6)


def test_zero_grad_and_state_dict_round_trip(tmp_path):
    p = _param([1.0, 2.0])
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.array([1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    mt.save(sd, tmp_path / "opt.npz")
    q = _param(p.data.copy())
    opt2 = optim.Adam([q], lr=0.5)
    opt2.load_state_dict(mt.load(tmp_path / "opt.npz"))
    assert opt2.param_groups[0]["lr"] == 0.1
    for o, par in ((opt, p), (opt2, q)):
        par.grad = np.array([0.5, -0.5])
        o.step()
    np.testing.assert_allclose(p.data, q.data)
    opt.zero_grad()
    assert p.grad is None
    with pytest.raises(ValueError, match="parameter groups"):
        optim.Adam([p, q]).load_state_dict(sd)
    with pytest.raises(ValueError, match="empty"):
        optim.SGD([])


def test_schedules():
    p = _param([0.0])
    opt = optim.SGD([p], lr=1.0)
    s = optim.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(opt.param_groups[0]["lr"])
        s.step()
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
    opt = optim.SGD([p], lr=1.0)
    c = optim.CosineAnnealingLR(opt, T_max=4, eta_min=0.0)
    vals = [opt.param_groups[0]["lr"]]
    for _ in range(4):
        c.step()
        vals.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(vals, [1.0, (1 + math.cos(math.pi / 4)) / 2, 0.5,
                                      (1 + math.cos(3 * math.pi / 4)) / 2, 0.0],
                               atol=1e-12)
    opt = optim.SGD([p], lr=1.0)
    w = optim.WarmupCosineLR(opt, warmup_steps=2, total_steps=6, min_lr=0.1)
    vals = [opt.param_groups[0]["lr"]]
    for _ in range(6):
        w.step()
        vals.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(vals[:3], [0.5, 1.0, 1.0])
    np.testing.assert_allclose(vals[-1], 0.1)
    st = w.state_dict()
    w2 = optim.WarmupCosineLR(optim.SGD([p], lr=1.0), 2, 6, 0.1)
    w2.load_state_dict(st)
    assert w2.get_last_lr() == w.get_last_lr()


def test_clip_grad_norm():
    a, b = _param([0.0, 0.0]), _param([0.0])
    a.grad, b.grad = np.array([3.0, 0.0]), np.array([4.0])
    norm = nn.utils.clip_grad_norm_([a, b], 1.0)
    assert norm == pytest.approx(5.0)
    np.testing.assert_allclose(np.concatenate([a.grad, b.grad]), [0.6, 0, 0.8], rtol=1e-5)
    assert nn.utils.clip_grad_norm_([a, b], 10.0) == pytest.approx(1.0, rel=1e-5)
