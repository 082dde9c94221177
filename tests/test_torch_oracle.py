"""PyTorch as an oracle: forward values and input gradients of every primitive family agree.

Skipped when PyTorch is not installed (it is only a test dependency, never the product's).
"""
import numpy as np
import pytest
from conftest import away_from

import minitorch_color as mt
from minitorch_color import nn, ops

torch = pytest.importorskip("torch")
F = nn.functional
TF = torch.nn.functional

# name: (ours, theirs, input shapes, domain)
CASES = {
    "add": (ops.add, torch.add, [(2, 3), (3,)], None),
    "sub": (ops.sub, torch.sub, [(2, 1, 3), (4, 1)], None),
    "mul": (ops.mul, torch.mul, [(2, 3), (2, 3)], None),
    "div": (ops.div, torch.div, [(2, 3), (2, 3)], "positive"),
    "exp": (ops.exp, torch.exp, [(3, 4)], None),
    "log": (ops.log, torch.log, [(3, 4)], "positive"),
    "sqrt": (ops.sqrt, torch.sqrt, [(3, 4)], "positive"),
    "pow": (lambda x: x ** 2.5, lambda x: x ** 2.5, [(3, 4)], "positive"),
    "relu": (ops.relu, torch.relu, [(3, 4)], "kink0"),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2), [(3, 4)], "kink0"),
    "sigmoid": (ops.sigmoid, torch.sigmoid, [(3, 4)], None),
    "tanh": (ops.tanh, torch.tanh, [(3, 4)], None),
    "sum": (lambda x: x.sum(axis=(0, 2)), lambda x: x.sum(dim=(0, 2)), [(2, 3, 4)], None),
    "mean": (lambda x: x.mean(axis=1, keepdims=True), lambda x: x.mean(dim=1, keepdim=True), [(2, 3, 4)], None),
    "max": (lambda x: x.max(axis=2), lambda x: x.amax(dim=2), [(2, 3, 4)], None),
    "var": (lambda x: x.var(axis=(1, 2)), lambda x: x.var(dim=(1, 2), unbiased=False), [(2, 3, 4)], None),
    "permute": (lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1), [(2, 3, 4)], None),
    "reshape": (lambda x: x.reshape(6, 4), lambda x: x.reshape(6, 4), [(2, 3, 4)], None),
    "cat": (lambda a, b: mt.cat([a, b], axis=1), lambda a, b: torch.cat([a, b], dim=1), [(2, 3), (2, 5)], None),
    "stack": (lambda a, b: mt.stack([a, b], axis=0), lambda a, b: torch.stack([a, b], dim=0), [(2, 3), (2, 3)], None),
    "pad": (lambda x: F.pad(x, (1, 2, 0, 1)), lambda x: TF.pad(x, (1, 2, 0, 1)), [(2, 3, 4)], None),
    "slice": (lambda x: x[:, 1:, ::2], lambda x: x[:, 1:, ::2], [(2, 3, 4)], None),
    "matmul": (ops.matmul, torch.matmul, [(2, 3, 4), (4, 5)], None),
    "conv2d": (lambda x, w: F.conv2d(x, w, None, 2, 1, 1), lambda x, w: TF.conv2d(x, w, None, 2, 1, 1),
               [(2, 3, 7, 7), (4, 3, 3, 3)], None),
    "conv2d_winograd": (lambda x, w: F.conv2d(x, w, None, 1, 1), lambda x, w: TF.conv2d(x, w, None, 1, 1),
                        [(2, 3, 9, 6), (4, 3, 3, 3)], None),
    "conv2d_dilated": (lambda x, w: F.conv2d(x, w, None, 1, 2, 2), lambda x, w: TF.conv2d(x, w, None, 1, 2, 2),
                       [(1, 2, 8, 8), (3, 2, 3, 3)], None),
    "conv_transpose2d": (lambda x, w: F.conv_transpose2d(x, w, None, 2, 1, 1),
                         lambda x, w: TF.conv_transpose2d(x, w, None, 2, 1, 1), [(2, 3, 4, 5), (3, 2, 3, 3)], None),
    "max_pool2d": (lambda x: F.max_pool2d(x, 3, 2, 1), lambda x: TF.max_pool2d(x, 3, 2, 1), [(2, 3, 7, 8)], None),
    "avg_pool2d": (lambda x: F.avg_pool2d(x, 2), lambda x: TF.avg_pool2d(x, 2), [(2, 3, 6, 8)], None),
    "global_pool": (F.global_avg_pool2d, lambda x: TF.adaptive_avg_pool2d(x, 1).flatten(1), [(2, 3, 5, 4)], None),
    "upsample_nearest": (lambda x: F.interpolate(x, scale_factor=2), lambda x: TF.interpolate(x, scale_factor=2),
                         [(1, 2, 3, 4)], None),
    "upsample_bilinear": (lambda x: F.interpolate(x, size=(7, 9), mode="bilinear"),
                          lambda x: TF.interpolate(x, size=(7, 9), mode="bilinear", align_corners=False),
                          [(1, 2, 3, 4)], None),
    "batch_norm": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True), [(4, 3, 3, 3), (3,), (3,)], None),
    "instance_norm": (lambda x, w, b: F.instance_norm(x, w, b), lambda x, w, b: TF.instance_norm(x, weight=w, bias=b),
                      [(2, 3, 4, 4), (3,), (3,)], None),
    "log_softmax": (lambda x: F.log_softmax(x, 1), lambda x: TF.log_softmax(x, 1), [(2, 5, 3)], None),
    "softmax": (lambda x: F.softmax(x, -1), lambda x: TF.softmax(x, -1), [(2, 5)], None),
    "soft_cross_entropy": (lambda x, t: ops.soft_cross_entropy(x, t, 1),
                           lambda x, t: -(t * TF.log_softmax(x, 1)).sum(1), [(2, 5, 3), (2, 5, 3)], None),
    "soft_cross_entropy_last": (lambda x, t: ops.soft_cross_entropy(x, t, -1),
                                lambda x, t: -(t * TF.log_softmax(x, -1)).sum(-1), [(3, 4), (3, 4)], None),
    "mse": (F.mse_loss, TF.mse_loss, [(3, 4), (3, 4)], None),
    "l1": (F.l1_loss, TF.l1_loss, [(3, 4), (3, 4)], "apart"),
    "smooth_l1": (lambda a, b: F.smooth_l1_loss(a, b, beta=0.5), lambda a, b: TF.smooth_l1_loss(a, b, beta=0.5),
                  [(3, 4), (3, 4)], "apart"),
    "linear": (F.linear, TF.linear, [(3, 4), (2, 4), (2,)], None),
}


def _inputs(shapes, domain, rng):
    arrays = [rng.standard_normal(s) for s in shapes]
    if domain == "positive":
        arrays = [np.abs(a) + 0.5 for a in arrays]
    elif domain == "kink0":
        arrays = [away_from(a, (0.0,)) for a in arrays]
    elif domain == "apart":  # keep a - b off the kinks of |d| and of the Huber switch at 0.5
        arrays[1] = arrays[0] - away_from(away_from(arrays[0] - arrays[1], (0.0,)), (-0.5, 0.5))
    return arrays


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_pytorch(name, rng):
    ours_fn, theirs_fn, shapes, domain = CASES[name]
    arrays = _inputs(shapes, domain, rng)
    ours_in = [mt.tensor(a, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = ours_fn(*ours_in), theirs_fn(*theirs_in)
    np.testing.assert_allclose(out.numpy(), ref.detach().numpy(), rtol=1e-9, atol=1e-10)
    g = rng.standard_normal(ref.shape)
    (out * mt.tensor(g)).sum().backward()
    (ref * torch.tensor(g)).sum().backward()
    for a, b in zip(ours_in, theirs_in):
        np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-8, atol=1e-10, err_msg=name)
