"""Convolution, pooling, upsampling, normalisation and losses: NumPy references, gradcheck, PyTorch."""
import numpy as np
import pytest
from conftest import away_from, t64

import minitorch_color as mt
from minitorch_color import conv_util, nn
from minitorch_color.backend import asnumpy
from minitorch_color.ops import loss as loss_mod
from minitorch_color.ops import winograd as winograd_mod

F = nn.functional


def conv_ref(x, w, b, stride, pad, dil):
    """Direct-loop convolution (cross-correlation), the plain definition."""
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh = (h + 2 * pad - dil * (kh - 1) - 1) // stride + 1
    ow = (wd + 2 * pad - dil * (kw - 1) - 1) // stride + 1
    out = np.zeros((n, o, oh, ow))
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dil, i * dil + stride * (oh - 1) + 1, stride)
            patch = xp[:, :, rows, j * dil:j * dil + stride * (ow - 1) + 1:stride]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


def conv_transpose_ref(x, w, b, stride, pad, out_pad, dil):
    """Scatter definition: every input pixel adds w * value at its strided place, then crop."""
    n, ci, h, wd = x.shape
    _, co, kh, kw = w.shape
    full_h = (h - 1) * stride + dil * (kh - 1) + 1 + out_pad
    full_w = (wd - 1) * stride + dil * (kw - 1) + 1 + out_pad
    out = np.zeros((n, co, full_h, full_w))
    for i in range(kh):
        for j in range(kw):
            rows = slice(i * dil, i * dil + stride * (h - 1) + 1, stride)
            out[:, :, rows, j * dil:j * dil + stride * (wd - 1) + 1:stride] += \
                np.einsum("nchw,co->nohw", x, w[:, :, i, j])
    oh = (h - 1) * stride - 2 * pad + dil * (kh - 1) + out_pad + 1
    ow = (wd - 1) * stride - 2 * pad + dil * (kw - 1) + out_pad + 1
    out = out[:, :, pad:pad + oh, pad:pad + ow]
    return out + (0 if b is None else b.reshape(1, -1, 1, 1))


CONV_CASES = [  # (N, C, H, W, O, k, stride, pad, dil)
    (2, 3, 7, 6, 4, 3, 1, 1, 1),   # Winograd path
    (1, 3, 5, 8, 3, 3, 1, 0, 1),   # Winograd, no padding, odd width
    (2, 4, 6, 6, 3, 3, 1, 2, 1),   # Winograd, padding 2
    (2, 2, 6, 5, 3, 3, 1, 1, 1),   # 3x3 stride 1 below MIN_CHANNELS: im2col
    (2, 3, 9, 8, 2, 3, 2, 1, 1),
    (1, 2, 8, 7, 3, 3, 1, 2, 2),
    (2, 2, 7, 7, 2, 2, 2, 0, 1),
    (1, 3, 6, 5, 2, 1, 1, 0, 1),   # 1x1
    (1, 2, 9, 9, 2, 5, 3, 2, 1),
]


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("winograd", [True, False])
def test_conv2d(case, winograd, backend, rng, monkeypatch):
    monkeypatch.setattr(winograd_mod, "ENABLED", winograd)
    n, c, h, w, o, k, s, p, d = case
    x, wt, b = rng.standard_normal((n, c, h, w)), rng.standard_normal((o, c, k, k)), rng.standard_normal(o)
    X, W, B = t64(x, backend), t64(wt, backend), t64(b, backend)
    out = F.conv2d(X, W, B, s, p, d)
    np.testing.assert_allclose(asnumpy(out.data), conv_ref(x, wt, b, s, p, d), rtol=1e-9, atol=1e-10)
    assert mt.gradcheck(lambda a, ww, bb: F.conv2d(a, ww, bb, s, p, d), [X, W, B])


TRANSPOSE_CASES = [  # (N, Cin, H, W, Cout, k, stride, pad, out_pad, dil)
    (2, 3, 4, 5, 2, 2, 2, 0, 0, 1),
    (1, 2, 3, 3, 3, 3, 2, 1, 1, 1),
    (2, 2, 4, 4, 3, 3, 1, 1, 0, 1),   # its gradient runs through the Winograd conv
    (1, 2, 3, 4, 2, 3, 3, 1, 2, 2),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d(case, backend, rng):
    n, ci, h, w, co, k, s, p, op, d = case
    x, wt, b = rng.standard_normal((n, ci, h, w)), rng.standard_normal((ci, co, k, k)), rng.standard_normal(co)
    X, W, B = t64(x, backend), t64(wt, backend), t64(b, backend)
    out = F.conv_transpose2d(X, W, B, s, p, op, d)
    np.testing.assert_allclose(asnumpy(out.data), conv_transpose_ref(x, wt, b, s, p, op, d), rtol=1e-9, atol=1e-10)
    assert mt.gradcheck(lambda a, ww, bb: F.conv_transpose2d(a, ww, bb, s, p, op, d), [X, W, B])


def test_conv_errors():
    x = mt.zeros(1, 3, 5, 5)
    with pytest.raises(ValueError, match="channels"):
        F.conv2d(x, mt.zeros(2, 4, 3, 3))
    with pytest.raises(ValueError, match="does not fit"):
        F.conv2d(x, mt.zeros(2, 3, 7, 7))
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(x, mt.zeros(3, 2, 2, 2), stride=2, output_padding=2)


def test_large_conv_chunks_match_im2col(rng, monkeypatch):
    # big enough that Winograd splits one sample into bands of tile rows
    monkeypatch.setattr(conv_util, "CHUNK_BYTES", 64 << 10)
    monkeypatch.setattr(conv_util, "SAMPLE_CHUNK_BYTES", 64 << 10)
    x = rng.standard_normal((2, 8, 40, 36)).astype(np.float32)
    w = rng.standard_normal((8, 8, 3, 3)).astype(np.float32)
    X, W = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
    out = F.conv2d(X, W, padding=1)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(g)
    monkeypatch.setattr(winograd_mod, "ENABLED", False)
    X2, W2 = mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)
    out2 = F.conv2d(X2, W2, padding=1)
    out2.backward(g)
    np.testing.assert_allclose(out.numpy(), out2.numpy(), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(X.grad, X2.grad, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(W.grad, W2.grad, rtol=1e-4, atol=1e-2)


def test_winograd_chunks_cover_every_tile_once(monkeypatch):
    # whole samples for a batch with a sample per thread, bands for a single photo, at least a chunk per
    # thread where the work allows, and every (sample, tile row) exactly once
    monkeypatch.setattr(mt.kernels.threads, "_threads", 2)
    for n, th, tw, channels in ((16, 32, 32, 32), (16, 4, 4, 256), (1, 128, 128, 32), (1, 4, 4, 256), (3, 7, 5, 8)):
        chunks = list(winograd_mod.tile_chunks(n, th, tw, channels, 4))
        covered = sorted((a, t) for n0, n1, t0, t1 in chunks for a in range(n0, n1) for t in range(t0, t1))
        assert covered == [(a, t) for a in range(n) for t in range(th)]
        assert len(chunks) >= 2
        if n >= 2:
            assert all(t0 == 0 and t1 == th for _, _, t0, t1 in chunks)  # the batch's samples whole


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0)])
def test_pooling(k, s, p, backend, rng):
    x = rng.standard_normal((2, 3, 7, 6))
    X = t64(x, backend)
    assert mt.gradcheck(lambda a: F.max_pool2d(a, k, s, p), [X])
    assert mt.gradcheck(lambda a: F.avg_pool2d(a, k, s, p), [X])
    ref_avg = conv_ref(x.reshape(6, 1, 7, 6), np.full((1, 1, k, k), 1 / k ** 2), None, s, p, 1)
    ref_avg = ref_avg.reshape(2, 3, -1, (6 + 2 * p - k) // s + 1)
    np.testing.assert_allclose(asnumpy(F.avg_pool2d(X, k, s, p).data), ref_avg, rtol=1e-10)


def test_max_pool_reference(rng):
    x = rng.standard_normal((1, 2, 4, 4))
    out = F.max_pool2d(t64(x, requires_grad=False), 2).numpy()
    np.testing.assert_allclose(out, x.reshape(1, 2, 2, 2, 2, 2).max(axis=(3, 5)))


def test_global_pool_and_upsampling(backend, rng):
    x = rng.standard_normal((2, 3, 4, 5))
    X = t64(x, backend)
    np.testing.assert_allclose(asnumpy(F.global_avg_pool2d(X).data), x.mean(axis=(2, 3)))
    assert mt.gradcheck(F.global_avg_pool2d, [X])
    up = F.interpolate(X, scale_factor=2, mode="nearest")
    np.testing.assert_allclose(asnumpy(up.data), x.repeat(2, 2).repeat(2, 3))
    assert mt.gradcheck(lambda a: F.interpolate(a, scale_factor=2), [X])
    assert mt.gradcheck(lambda a: F.interpolate(a, size=(7, 3)), [X])
    assert mt.gradcheck(lambda a: F.interpolate(a, size=(9, 7), mode="bilinear"), [X])
    assert mt.gradcheck(lambda a: F.interpolate(a, size=(3, 8), mode="bilinear", align_corners=True), [X])
    same = F.interpolate(X, size=(4, 5), mode="bilinear")
    np.testing.assert_allclose(asnumpy(same.data), x, atol=1e-12)


def test_interpolate_matches_torch(torch, rng):
    x = rng.standard_normal((1, 2, 5, 6))
    for size, mode, ac in [((10, 12), "bilinear", False), ((7, 4), "bilinear", False), ((9, 11), "bilinear", True),
                           ((10, 12), "nearest", None), ((7, 9), "nearest", None)]:
        kw = {} if ac is None else {"align_corners": ac}
        ours = F.interpolate(t64(x, requires_grad=False), size=size, mode=mode, **kw).numpy()
        theirs = torch.nn.functional.interpolate(torch.tensor(x), size=size, mode=mode, **kw).numpy()
        np.testing.assert_allclose(ours, theirs, atol=1e-12, err_msg=f"{size} {mode}")


@pytest.mark.parametrize("relu", [False, True])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(relu, training, backend, rng):
    x = rng.standard_normal((4, 3, 5, 5)) * 2 + 1
    if relu:  # keep outputs off the ReLU kink: shift so no normalised value is near zero
        x = away_from(x, (1.0,), 0.05)
    rm, rv = np.zeros(3) + 0.5, np.ones(3) * 2
    X, W, B = t64(x, backend), t64(rng.standard_normal(3), backend), t64(rng.standard_normal(3) * 0.1, backend)
    fn = F.batch_norm_relu if relu else F.batch_norm
    to = mt.tensor(rm, device=backend).data, mt.tensor(rv, device=backend).data
    out = fn(X, to[0].copy(), to[1].copy(), W, B, training)
    mean = x.mean(axis=(0, 2, 3), keepdims=True) if training else rm.reshape(1, -1, 1, 1)
    var = x.var(axis=(0, 2, 3), keepdims=True) if training else rv.reshape(1, -1, 1, 1)
    ref = (x - mean) / np.sqrt(var + 1e-5) * W.numpy().reshape(1, -1, 1, 1) + B.numpy().reshape(1, -1, 1, 1)
    np.testing.assert_allclose(asnumpy(out.data), np.maximum(ref, 0) if relu else ref, rtol=1e-9, atol=1e-10)
    assert mt.gradcheck(lambda a, w, b: fn(a, to[0].copy(), to[1].copy(), w, b, training), [X, W, B], atol=1e-4)


def test_batch_norm_running_stats_match_torch(torch, rng):
    x = rng.standard_normal((8, 3, 4, 4)) * 3 + 2
    rm, rv = np.zeros(3), np.ones(3)
    F.batch_norm(t64(x, requires_grad=False), rm, rv, training=True, momentum=0.1)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    torch.nn.functional.batch_norm(torch.tensor(x), trm, trv, training=True, momentum=0.1)
    np.testing.assert_allclose(rm, trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv, trv.numpy(), rtol=1e-12)


def test_instance_norms(backend, rng):
    x = rng.standard_normal((2, 3, 4, 5))
    X = t64(x, backend)
    out = F.instance_norm(X)
    ref = (x - x.mean(axis=(2, 3), keepdims=True)) / np.sqrt(x.var(axis=(2, 3), keepdims=True) + 1e-5)
    np.testing.assert_allclose(asnumpy(out.data), ref, rtol=1e-9)
    W, B = t64(rng.standard_normal(3), backend), t64(rng.standard_normal(3), backend)
    assert mt.gradcheck(lambda a, w, b: F.instance_norm(a, w, b), [X, W, B], atol=1e-4)
    table_w, table_b = t64(rng.standard_normal((4, 3)), backend), t64(rng.standard_normal((4, 3)), backend)
    cond = np.array([2, 0])
    out = F.cond_instance_norm(X, cond, table_w, table_b)
    ref_c = ref * table_w.numpy()[cond][:, :, None, None] + table_b.numpy()[cond][:, :, None, None]
    np.testing.assert_allclose(asnumpy(out.data), ref_c, rtol=1e-9)
    assert mt.gradcheck(lambda a, w, b: F.cond_instance_norm(a, cond, w, b), [X, table_w, table_b], atol=1e-4)
    with pytest.raises(ValueError, match="out of range"):
        F.cond_instance_norm(X, np.array([0, 4]), table_w, table_b)
    blend = np.array([[0.0, 0.0, 1.0, 0.0], [0.3, 0.0, 0.0, 0.7]])  # one row; a mix of two
    out = F.cond_instance_norm(X, blend, table_w, table_b).numpy()
    np.testing.assert_allclose(out[0], ref_c[0], rtol=1e-9)
    mixed = ref[1] * (blend[1] @ table_w.numpy())[:, None, None] + (blend[1] @ table_b.numpy())[:, None, None]
    np.testing.assert_allclose(out[1], mixed, rtol=1e-9)
    B2 = t64(blend, backend)
    assert mt.gradcheck(lambda a, m, w, b: F.cond_instance_norm(a, m, w, b), [X, B2, table_w, table_b], atol=1e-4)
    with pytest.raises(ValueError, match="blend weights"):
        F.cond_instance_norm(X, np.ones((2, 3)), table_w, table_b)


def test_dropout(rng):
    mt.manual_seed(0)
    x = mt.ones(1000, requires_grad=True)
    y = F.dropout(x, 0.3, training=True)
    kept = y.numpy() > 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(y.numpy()[kept], 1 / 0.7, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, y.numpy(), rtol=1e-6)
    assert F.dropout(x, 0.3, training=False) is x
    with pytest.raises(ValueError):
        F.dropout(x, 1.0)


def test_losses(backend, rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    A, Bt = t64(a, backend), t64(b, backend)
    np.testing.assert_allclose(F.mse_loss(A, Bt).item(), ((a - b) ** 2).mean())
    np.testing.assert_allclose(F.l1_loss(A, Bt, reduction="sum").item(), np.abs(a - b).sum())
    d = np.abs(a - b)
    np.testing.assert_allclose(F.smooth_l1_loss(A, Bt, beta=0.5).item(),
                               np.where(d < 0.5, 0.5 * d ** 2 / 0.5, d - 0.25).mean())
    for fn in (F.mse_loss, F.l1_loss, lambda u, v: F.smooth_l1_loss(u, v, beta=0.5)):
        assert mt.gradcheck(fn, [A, Bt])
    with pytest.raises(ValueError, match="reduction"):
        F.mse_loss(A, Bt, reduction="avg")


def test_cross_entropy_hard_and_soft(backend, rng, torch):
    logits = rng.standard_normal((2, 5, 3, 3))
    labels = rng.integers(0, 5, (2, 3, 3))
    soft = rng.random((2, 5, 3, 3))
    soft /= soft.sum(axis=1, keepdims=True)
    w = rng.random(5) + 0.5
    L = t64(logits, backend)
    tl = torch.tensor(logits)
    for target, ttarget in [(labels, torch.tensor(labels)), (soft, torch.tensor(soft))]:
        for weight in (None, w):
            ours = F.cross_entropy(L, target, weight=weight).item()
            theirs = torch.nn.functional.cross_entropy(
                tl, ttarget, weight=None if weight is None else torch.tensor(weight)).item()
            np.testing.assert_allclose(ours, theirs, rtol=1e-10)
            assert mt.gradcheck(lambda z: F.cross_entropy(z, target, weight=weight), [L])
    with pytest.raises(ValueError, match="out of range"):
        F.cross_entropy(L, labels + 5)
    with pytest.raises(ValueError, match="shape"):
        F.cross_entropy(L, soft[:, :3])


@pytest.mark.parametrize("dim", [1, -1, 0])
def test_soft_cross_entropy_primitive(dim, backend, rng):
    x = rng.standard_normal((3, 4, 5)) * 3
    t = rng.random((3, 4, 5))
    X, T = t64(x, backend), t64(t, backend)
    ref = -(t * (x - np.log(np.exp(x).sum(axis=dim, keepdims=True)))).sum(axis=dim)
    np.testing.assert_allclose(mt.ops.soft_cross_entropy(X, T, dim).numpy(), ref, rtol=1e-10)
    assert mt.gradcheck(lambda a, b: mt.ops.soft_cross_entropy(a, b, dim), [X, T])
    huge = mt.tensor(np.array([[1000.0, 0.0, -1000.0]]))
    onehot = mt.tensor(np.array([[0.0, 1.0, 0.0]]))
    np.testing.assert_allclose(mt.ops.soft_cross_entropy(huge, onehot).numpy(), [1000.0])
    with pytest.raises(ValueError, match="shape"):
        mt.ops.soft_cross_entropy(X, T[:, :2], dim)


def test_soft_cross_entropy_in_blocks_of_positions(rng, monkeypatch):
    # rows too long for one block are cut into equal blocks of positions (ops/loss.py _blocks)
    x, t = rng.standard_normal((2, 3, 50)) * 3, rng.random((2, 3, 50))
    expect = [mt.ops.soft_cross_entropy(t64(x), t64(t), 1).numpy()]
    cut = loss_mod._blocks
    monkeypatch.setattr(loss_mod, "_blocks", lambda shape, itemsize: cut(shape, itemsize, budget=3 * 8 * 16))
    assert [b[1:] for b in loss_mod._blocks((1, 3, 50), 8)] == [(0, 12), (12, 25), (25, 37), (37, 50)]
    X, T = t64(x), t64(t)
    np.testing.assert_allclose(mt.ops.soft_cross_entropy(X, T, 1).numpy(), expect[0], rtol=1e-12)
    assert mt.gradcheck(lambda a, b: mt.ops.soft_cross_entropy(a, b, 1), [X, T])


def test_gram_and_embedding_and_linear(backend, rng):
    x = rng.standard_normal((2, 3, 4, 4))
    X = t64(x, backend)
    f = x.reshape(2, 3, 16)
    np.testing.assert_allclose(asnumpy(F.gram_matrix(X).data), f @ f.transpose(0, 2, 1) / 48)
    assert mt.gradcheck(F.gram_matrix, [X])
    table = t64(rng.standard_normal((6, 3)), backend)
    idx = np.array([[1, 5], [1, 0]])
    np.testing.assert_allclose(asnumpy(F.embedding(idx, table).data), table.numpy()[idx])
    assert mt.gradcheck(lambda t: F.embedding(idx, t), [table])
    W, B = t64(rng.standard_normal((2, 4)), backend), t64(rng.standard_normal(2), backend)
    Z = t64(rng.standard_normal((3, 4)), backend)
    assert mt.gradcheck(F.linear, [Z, W, B])


def test_conv_matches_torch(torch, rng):
    x, w, b = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    for s, p, d in [(1, 1, 1), (2, 1, 1), (1, 2, 2)]:
        ours = F.conv2d(t64(x, requires_grad=False), t64(w, requires_grad=False), t64(b, requires_grad=False), s, p, d)
        theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b), s, p, d)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-10)
    wt = rng.standard_normal((3, 2, 3, 3))
    ours = F.conv_transpose2d(t64(x, requires_grad=False), t64(wt, requires_grad=False), None, 2, 1, 1)
    theirs = torch.nn.functional.conv_transpose2d(torch.tensor(x), torch.tensor(wt), None, 2, 1, 1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=1e-10)


@pytest.mark.parametrize("chunk_bytes", [64 << 10, 8 << 20])
def test_threaded_chunks_match_single_thread(chunk_bytes, rng, monkeypatch):
    """Chunks on worker threads (bands of one sample included) give the single-thread answer."""
    monkeypatch.setattr(conv_util, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(conv_util, "SAMPLE_CHUNK_BYTES", chunk_bytes)
    x = rng.standard_normal((3, 8, 40, 36))
    w = rng.standard_normal((6, 8, 3, 3))
    w5 = rng.standard_normal((6, 8, 5, 5))
    g = rng.standard_normal((3, 6, 40, 36))
    results = []
    before = mt.get_num_threads()
    try:
        for threads in (1, 3):
            mt.set_num_threads(threads)
            outs = []
            for weight, pad in ((w, 1), (w5, 2)):  # Winograd and im2col paths
                X, W = mt.tensor(x, requires_grad=True), mt.tensor(weight, requires_grad=True)
                out = F.conv2d(X, W, padding=pad)
                out.backward(g)
                outs += [out.numpy(), X.grad, W.grad]
            results.append(outs)
    finally:
        mt.set_num_threads(before)
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_set_num_threads_validates():
    with pytest.raises(ValueError):
        mt.set_num_threads(0)
