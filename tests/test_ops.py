"""Every primitive: forward against NumPy, backward by gradcheck (float64, random upstream gradient)."""
import numpy as np
import pytest
from conftest import away_from, t64

import minitorch_color as mt
from minitorch_color import nn, ops
from minitorch_color.backend import asnumpy

F = nn.functional
SHAPES = [(3,), (2, 3), (2, 3, 4)]


def _check(fn, arrays, ref, device, **kw):
    ins = [t64(a, device) for a in arrays]
    out = fn(*ins)
    np.testing.assert_allclose(asnumpy(out.data), ref(*arrays), rtol=1e-10, atol=1e-12)
    assert mt.gradcheck(fn, ins, **kw)


UNARY = {
    "neg": (ops.neg, np.negative, None),
    "exp": (ops.exp, np.exp, None),
    "log": (ops.log, np.log, "positive"),
    "sqrt": (ops.sqrt, np.sqrt, "positive"),
    "abs": (ops.abs, np.abs, "kink0"),
    "relu": (ops.relu, lambda a: np.maximum(a, 0), "kink0"),
    "leaky_relu": (lambda x: ops.leaky_relu(x, 0.1), lambda a: np.where(a > 0, a, 0.1 * a), "kink0"),
    "sigmoid": (ops.sigmoid, lambda a: 1 / (1 + np.exp(-a)), None),
    "tanh": (ops.tanh, np.tanh, None),
    "pow3": (lambda x: x ** 3, lambda a: a ** 3, None),
    "pow_half": (lambda x: x ** 0.5, np.sqrt, "positive"),
    "clamp": (lambda x: ops.clamp(x, -0.5, 0.5), lambda a: np.clip(a, -0.5, 0.5), "kinks"),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("shape", SHAPES)
def test_unary(name, shape, backend, rng):
    fn, ref, domain = UNARY[name]
    a = rng.standard_normal(shape)
    if domain == "positive":
        a = np.abs(a) + 0.5
    elif domain == "kink0":
        a = away_from(a, (0.0,))
    elif domain == "kinks":
        a = away_from(a, (-0.5, 0.5))
    _check(fn, [a], ref, backend)


BINARY = {
    "add": (ops.add, np.add),
    "sub": (ops.sub, np.subtract),
    "mul": (ops.mul, np.multiply),
    "div": (ops.div, np.divide),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1, 3), (2, 1)), ((), (2, 2))])
def test_binary_with_broadcasting(name, shapes, backend, rng):
    fn, ref = BINARY[name]
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    if name == "div":
        b = np.sign(b) * (np.abs(b) + 0.5)
    _check(fn, [a, b], ref, backend)


def test_scalar_operands_keep_dtype(rng):
    x = mt.tensor(rng.standard_normal(3).astype(np.float32), requires_grad=True)
    y = 2.0 - x / 4 + 1
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_allclose(x.grad, np.full(3, -0.25))
    z = 1.0 / (mt.tensor([2.0], requires_grad=True))
    np.testing.assert_allclose(z.data, [0.5])


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False), (-1, True)])
def test_reductions(axis, keepdims, backend, rng):
    a = rng.standard_normal((3, 4, 5))
    _check(lambda x: ops.sum(x, axis, keepdims), [a], lambda v: v.sum(axis=axis, keepdims=keepdims), backend)
    _check(lambda x: ops.mean(x, axis, keepdims), [a], lambda v: v.mean(axis=axis, keepdims=keepdims), backend)
    _check(lambda x: ops.amax(x, axis, keepdims), [a], lambda v: v.max(axis=axis, keepdims=keepdims), backend)
    _check(lambda x: ops.var(x, axis, keepdims), [a], lambda v: v.var(axis=axis, keepdims=keepdims), backend)
    _check(lambda x: ops.var(x, axis, keepdims, unbiased=True), [a],
           lambda v: v.var(axis=axis, keepdims=keepdims, ddof=1), backend)


def test_max_splits_ties():
    x = mt.tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [0, 0.5, 0.5])


def test_shape_ops(backend, rng):
    a = rng.standard_normal((2, 3, 4))
    _check(lambda x: x.reshape(4, 6), [a], lambda v: v.reshape(4, 6), backend)
    _check(lambda x: x.permute(2, 0, 1), [a], lambda v: v.transpose(2, 0, 1), backend)
    _check(lambda x: x.transpose(0, 2), [a], lambda v: v.swapaxes(0, 2), backend)
    _check(lambda x: x.flatten(1), [a], lambda v: v.reshape(2, 12), backend)
    _check(lambda x: x.unsqueeze(1).squeeze(1), [a], lambda v: v, backend)
    _check(lambda x: x[:, 1:, ::2], [a], lambda v: v[:, 1:, ::2], backend)
    _check(lambda x: x[..., np.array([3, 0, 3])], [a], lambda v: v[..., [3, 0, 3]], backend)
    _check(lambda x: ops.pad_axes(x, ((0, 0), (1, 2), (2, 0)), 0.0), [a],
           lambda v: np.pad(v, ((0, 0), (1, 2), (2, 0))), backend)
    _check(lambda x: x.expand(3, 2, 3, 4), [a], lambda v: np.broadcast_to(v, (3, 2, 3, 4)), backend)
    b = rng.standard_normal((2, 1, 4))
    _check(lambda x, y: mt.cat([x, y, x], axis=1), [a, b], lambda u, v: np.concatenate([u, v, u], 1), backend)
    c = rng.standard_normal((2, 3, 4))
    _check(lambda x, y: mt.stack([x, y], axis=1), [a, c], lambda u, v: np.stack([u, v], 1), backend)


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((2, 3, 4), (4, 2)), ((4,), (4, 3)), ((3, 4), (4,)),
                                   ((2, 1, 3, 4), (5, 4, 2)), ((4,), (4,))])
def test_matmul(sa, sb, backend, rng):
    _check(ops.matmul, [rng.standard_normal(sa), rng.standard_normal(sb)], np.matmul, backend)


def test_where_and_cast(backend, rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    cond = a > 0
    _check(lambda x, y: ops.where(cond, x, y), [a, b], lambda u, v: np.where(cond, u, v), backend)
    x = mt.tensor(a.astype(np.float32), requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_tensor_exponent(rng):
    a, p = np.abs(rng.standard_normal(4)) + 0.5, rng.standard_normal(4)
    _check(lambda x, y: x ** y, [a, p], np.power, "cpu")


@pytest.mark.parametrize("dim", [1, -1])
def test_log_softmax_and_softmax(dim, backend, rng):
    a = rng.standard_normal((2, 5, 3)) * 3

    def ref(v):
        s = v - v.max(axis=dim, keepdims=True)
        return s - np.log(np.exp(s).sum(axis=dim, keepdims=True))

    _check(lambda x: F.log_softmax(x, dim), [a], ref, backend)
    _check(lambda x: F.softmax(x, dim), [a], lambda v: np.exp(ref(v)), backend)


def test_log_softmax_is_stable_for_huge_logits():
    x = mt.tensor(np.array([[1000.0, 0.0, -1000.0]]))
    out = F.log_softmax(x, 1).numpy()
    assert np.isfinite(out).all() and abs(out[0, 0]) < 1e-6


def test_sigmoid_does_not_overflow():
    x = mt.tensor(np.array([-1000.0, 0.0, 1000.0]))
    np.testing.assert_allclose(ops.sigmoid(x).numpy(), [0, 0.5, 1])


def test_torch_agrees_on_elementwise_and_reductions(torch, rng):
    a = rng.standard_normal((3, 4))
    ta = torch.tensor(a, requires_grad=True)
    x = t64(a)
    ours = (ops.tanh(x) * ops.sigmoid(x) + ops.exp(x * 0.1)).var(axis=1).sum()
    theirs = (torch.tanh(ta) * torch.sigmoid(ta) + torch.exp(ta * 0.1)).var(dim=1, unbiased=False).sum()
    ours.backward()
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    np.testing.assert_allclose(x.grad, ta.grad.numpy(), rtol=1e-10)
