"""Functional forms of the layers (PyTorch names and argument orders), and composite ops."""
from __future__ import annotations

import math

import numpy as np

from .. import ops
from ..backend import get_array_module, to_device
from ..rng import generator
from ..tensor import Tensor

relu = ops.relu
leaky_relu = ops.leaky_relu
sigmoid = ops.sigmoid
tanh = ops.tanh
conv2d = ops.conv2d
conv_transpose2d = ops.conv_transpose2d
max_pool2d = ops.max_pool2d
avg_pool2d = ops.avg_pool2d


def log_softmax(x, dim=-1):
    """log(softmax(x)) along dim, computed stably."""
    return ops.log_softmax(x, dim)


def softmax(x, dim=-1):
    """Softmax along dim (exp of log_softmax)."""
    return ops.exp(ops.log_softmax(x, dim))


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight (out, in).

    Shape: (*, in) -> (*, out).
    """
    out = ops.matmul(x, ops.transpose(weight, 0, 1))
    return out + bias if bias is not None else out


def adaptive_avg_pool2d(x, output_size=1):
    """Global average pooling (output_size 1 only), keeping (N, C, 1, 1)."""
    if output_size not in (1, (1, 1)):
        raise NotImplementedError("adaptive_avg_pool2d supports output_size=1 (global pooling) only")
    return ops.mean(x, dim=(2, 3), keepdim=True)


def global_avg_pool2d(x):
    """Mean over H and W.

    Shape: (N, C, H, W) -> (N, C).
    """
    return ops.mean(x, dim=(2, 3))


def _interp_matrix(n_in, n_out, align_corners, xp, dtype):
    """Matrix (n_out, n_in) of 1-D linear interpolation weights (PyTorch's coordinate rules)."""
    o = np.arange(n_out, dtype=np.float64)
    if align_corners:
        src = o * ((n_in - 1) / (n_out - 1)) if n_out > 1 else np.zeros(n_out)
    else:
        src = np.maximum((o + 0.5) * (n_in / n_out) - 0.5, 0.0)
    i0 = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    i1 = np.minimum(i0 + 1, n_in - 1)
    w1 = src - i0
    m = np.zeros((n_out, n_in))
    np.add.at(m, (np.arange(n_out), i0), 1 - w1)
    np.add.at(m, (np.arange(n_out), i1), w1)
    return xp.asarray(m.astype(dtype))


def interpolate(x, size=None, scale_factor=None, mode="nearest", align_corners=False):
    """Resize (N, C, H, W) to size=(OH, OW) or by scale_factor; modes 'nearest' and 'bilinear'."""
    h, w = x.shape[2:]
    if size is None:
        if scale_factor is None:
            raise ValueError("interpolate needs size or scale_factor")
        sf = scale_factor if isinstance(scale_factor, (tuple, list)) else (scale_factor, scale_factor)
        size = (int(math.floor(h * sf[0])), int(math.floor(w * sf[1])))
    oh, ow = (size, size) if isinstance(size, int) else tuple(size)
    if mode == "nearest":
        if oh % h == 0 and ow % w == 0:
            return ops.upsample_nearest(x, oh // h, ow // w)
        iy = np.minimum((np.arange(oh) * (h / oh)).astype(np.int64), h - 1)
        ix = np.minimum((np.arange(ow) * (w / ow)).astype(np.int64), w - 1)
        xp = get_array_module(x.data)
        return x[:, :, xp.asarray(iy)][:, :, :, xp.asarray(ix)]
    if mode == "bilinear":
        # separable: rows then columns, each a matmul with a constant interpolation matrix
        xp = get_array_module(x.data)
        ry = Tensor(_interp_matrix(h, oh, align_corners, xp, x.dtype))  # (OH, H)
        rxt = Tensor(_interp_matrix(w, ow, align_corners, xp, x.dtype).T.copy())  # (W, OW)
        return ops.matmul(ry, ops.matmul(x, rxt))
    raise ValueError(f"unsupported interpolation mode {mode!r}; use 'nearest' or 'bilinear'")


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation (PyTorch argument order); running buffers update in place in training.

    Shape: (N, C, H, W) or (N, C).
    """
    if x.ndim == 2:
        n, c = x.shape
        return batch_norm(x.reshape(n, c, 1, 1), running_mean, running_var, weight, bias,
                          training, momentum, eps).reshape(n, c)
    return ops.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps)


def batch_norm_relu(x, running_mean, running_var, weight=None, bias=None, training=False,
                    momentum=0.1, eps=1e-5):
    """relu(batch_norm(...)) in one fused kernel pass.

    Shape: (N, C, H, W).
    """
    return ops.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps, relu=True)


def instance_norm(x, weight=None, bias=None, eps=1e-5):
    """Normalise each (sample, channel) plane over H and W, then scale and shift per channel.

    Composed from batch_norm on x viewed as one sample with N*C channels.
    Shape: (N, C, H, W).
    """
    n, c, h, w = x.shape
    y = ops.batch_norm(x.reshape(1, n * c, h, w), training=True, eps=eps).reshape(n, c, h, w)
    if weight is not None:
        y = y * weight.reshape(1, c, 1, 1)
    if bias is not None:
        y = y + bias.reshape(1, c, 1, 1)
    return y


def cond_instance_norm(x, condition, weight, bias, eps=1e-5):
    """Conditional instance norm: each sample normalised, then scaled and shifted by its condition's row.

    condition is either (N,) integers, one row of weight and bias per sample, or (N, K) floats, a
    blend of the rows per sample (condition @ weight): how styles are mixed and their strength set
    (Dumoulin et al. 2017). Shape: x (N, C, H, W), weight and bias (K, C).
    """
    n, c = x.shape[:2]
    y = instance_norm(x, eps=eps)
    raw = condition.data if isinstance(condition, Tensor) else condition
    xp = get_array_module(x.data)
    if getattr(raw, "ndim", 1) == 2 and xp.asarray(raw).dtype.kind == "f":
        if raw.shape != (n, weight.shape[0]):
            raise ValueError(f"cond_instance_norm: blend weights of shape {tuple(raw.shape)}, "
                             f"expected {(n, weight.shape[0])}")
        blend = condition if isinstance(condition, Tensor) else Tensor(xp.asarray(raw, dtype=x.data.dtype))
        return y * ops.matmul(blend, weight).reshape(n, c, 1, 1) + ops.matmul(blend, bias).reshape(n, c, 1, 1)
    cond = xp.asarray(raw).astype(np.int64).reshape(-1)
    if cond.shape[0] != n:
        raise ValueError(f"cond_instance_norm: {cond.shape[0]} conditions for a batch of {n}")
    if int(cond.min()) < 0 or int(cond.max()) >= weight.shape[0]:
        raise ValueError(f"condition index out of range [0, {weight.shape[0]})")
    return y * weight[cond].reshape(n, c, 1, 1) + bias[cond].reshape(n, c, 1, 1)


def dropout(x, p=0.5, training=True):
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity in eval)."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout probability must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    keep = (generator().random(x.shape) >= p).astype(x.dtype) / (1.0 - p)
    return x * to_device(keep, x.device)


def embedding(indices, weight):
    """Rows of weight picked by integer indices.

    Shape: indices (*) -> (*, dim).
    """
    return weight[indices]


def pad(x, pad, value=0.0):
    """PyTorch-style padding: pad = (left, right[, top, bottom, ...]) from the last axis backwards."""
    if len(pad) % 2:
        raise ValueError("pad needs an even number of values")
    widths = [(0, 0)] * x.ndim
    for i in range(len(pad) // 2):
        widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    return ops.pad_axes(x, widths, value)


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    if reduction == "none":
        return loss
    raise ValueError(f"reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def mse_loss(input, target, reduction="mean"):
    """Mean squared error."""
    d = input - target
    return _reduce(d * d, reduction)


def l1_loss(input, target, reduction="mean"):
    """Mean absolute error."""
    return _reduce(ops.abs(input - target), reduction)


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    """Huber-style loss: quadratic below beta, linear above."""
    return _reduce(ops.smooth_l1(input, target, beta), reduction)


def cross_entropy(logits, target, weight=None, dim=1, reduction="mean"):
    """Cross-entropy over the class axis dim, with hard or per-pixel soft targets.

    target: integer class indices (logits' shape without dim), or probabilities of logits' shape.
    weight: optional per-class weights (C,). As in PyTorch, the mean of a weighted hard-label
    loss divides by the total weight; soft-target losses divide by the number of positions.
    """
    dim = dim % logits.ndim
    xp = get_array_module(logits.data)
    raw = target.data if isinstance(target, Tensor) else xp.asarray(target)
    c = logits.shape[dim]
    bshape = [1] * logits.ndim
    bshape[dim] = c
    w = None if weight is None else (weight.data if isinstance(weight, Tensor) else xp.asarray(weight))
    if raw.dtype.kind in "iu":
        if raw.shape != logits.shape[:dim] + logits.shape[dim + 1:]:
            raise ValueError(f"class-index target shape {raw.shape} does not match logits {logits.shape}")
        if raw.size and (int(raw.min()) < 0 or int(raw.max()) >= c):
            raise ValueError(f"target class out of range [0, {c})")
        onehot = (xp.expand_dims(raw, dim) == xp.arange(c).reshape(bshape)).astype(logits.dtype)
        if w is not None:
            onehot = onehot * w.astype(logits.dtype).reshape(bshape)
        loss = ops.soft_cross_entropy(logits, onehot, dim)
        if reduction == "mean" and w is not None:
            return loss.sum() / float(onehot.sum())
        return _reduce(loss, reduction)
    if raw.shape != logits.shape:
        raise ValueError(f"soft target shape {raw.shape} does not match logits {logits.shape}")
    if w is not None:
        target = target * w.astype(logits.dtype).reshape(bshape) if isinstance(target, Tensor) \
            else raw.astype(logits.dtype) * w.astype(logits.dtype).reshape(bshape)
    elif not isinstance(target, Tensor):
        target = raw.astype(logits.dtype, copy=False)
    return _reduce(ops.soft_cross_entropy(logits, target, dim), reduction)


def gram_matrix(x):
    """Channel Gram matrix of feature maps, normalised by C*H*W.

    Shape: (N, C, H, W) -> (N, C, C).
    """
    n, c, h, w = x.shape
    f = x.reshape(n, c, h * w)
    return ops.matmul(f, ops.transpose(f, 1, 2)) / (c * h * w)
