"""Layers with PyTorch's names, argument orders, parameter shapes and default initialisation."""
from __future__ import annotations

import math

import numpy as np

from ..conv_util import pair
from . import functional as F
from . import init
from .module import Module, Parameter


def _empty(*shape):
    return Parameter(np.zeros(shape, dtype=np.float32))


def _default_init(weight, bias, fan_in):
    # PyTorch's default: kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Linear(Module):
    """y = x W^T + b.

    Shape: (*, in_features) -> (*, out_features); weight (out_features, in_features).
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = _empty(out_features, in_features)
        self.register_parameter("bias", _empty(out_features) if bias else None)
        _default_init(self.weight, self.bias, in_features)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Conv2d(Module):
    """2-D convolution.

    Shape: (N, in_channels, H, W) -> (N, out_channels, OH, OW); weight (out, in, kh, kw).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True):
        super().__init__()
        kh, kw = pair(kernel_size)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride = (kh, kw), pair(stride)
        self.padding, self.dilation = pair(padding), pair(dilation)
        self.weight = _empty(out_channels, in_channels, kh, kw)
        self.register_parameter("bias", _empty(out_channels) if bias else None)
        _default_init(self.weight, self.bias, in_channels * kh * kw)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}")


class ConvTranspose2d(Module):
    """Transposed 2-D convolution (learned upsampling).

    Shape: (N, in_channels, H, W) -> (N, out_channels, OH, OW); weight (in, out, kh, kw).
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 dilation=1, bias=True):
        super().__init__()
        kh, kw = pair(kernel_size)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding = (kh, kw), pair(stride), pair(padding)
        self.output_padding, self.dilation = pair(output_padding), pair(dilation)
        self.weight = _empty(in_channels, out_channels, kh, kw)
        self.register_parameter("bias", _empty(out_channels) if bias else None)
        _default_init(self.weight, self.bias, out_channels * kh * kw)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                  self.output_padding, self.dilation)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")


class BatchNorm2d(Module):
    """Batch normalisation with running statistics for eval.

    Shape: (N, C, H, W) -> same.
    """

    _relu = False
    # files written before the counter existed lack it; they load with the count at zero, as in PyTorch
    optional_state = ("num_batches_tracked",)

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=np.float32))
            self.bias = Parameter(np.zeros(num_features, dtype=np.float32))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", np.zeros(num_features, dtype=np.float32))
            self.register_buffer("running_var", np.ones(num_features, dtype=np.float32))
            self.register_buffer("num_batches_tracked", np.zeros((), dtype=np.int64))
        else:
            self.running_mean = self.running_var = None

    def forward(self, x):
        return self._normalize(x, self._relu)

    def _normalize(self, x, relu):
        training = self.training or self.running_mean is None
        if self.training and self.running_mean is not None:
            count = self.num_batches_tracked
            count[...] += 1
        fn = F.batch_norm_relu if relu else F.batch_norm
        return fn(x, self.running_mean, self.running_var, self.weight, self.bias, training,
                  self.momentum, self.eps)

    def fused_with(self, following):
        """In a Sequential, BatchNorm2d then ReLU run as BatchNormReLU2d's one kernel pass (the same
        values, one pass fewer each way), unless a forward hook watches either module's output."""
        if (type(self) is BatchNorm2d and type(following) is ReLU
                and not self._forward_hooks and not following._forward_hooks):
            return lambda x: self._normalize(x, relu=True)
        return None

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class BatchNormReLU2d(BatchNorm2d):
    """BatchNorm2d followed by ReLU, fused into one kernel pass (same state dict as BatchNorm2d).

    Shape: (N, C, H, W) -> same.
    """

    _relu = True


class BatchNorm1d(BatchNorm2d):
    """Batch normalisation of (N, C) features.

    Shape: (N, C) -> same.
    """


class InstanceNorm2d(Module):
    """Instance normalisation (per sample and channel over H, W), optionally affine.

    Shape: (N, C, H, W) -> same.
    """

    def __init__(self, num_features, eps=1e-5, affine=False):
        super().__init__()
        self.num_features, self.eps = num_features, eps
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=np.float32))
            self.bias = Parameter(np.zeros(num_features, dtype=np.float32))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x):
        return F.instance_norm(x, self.weight, self.bias, self.eps)


class CondInstanceNorm2d(Module):
    """Conditional instance norm: one (scale, shift) row per condition (Dumoulin et al. 2017).

    Shape: x (N, C, H, W), condition (N,) integers -> (N, C, H, W).
    """

    def __init__(self, num_features, num_conditions, eps=1e-5):
        super().__init__()
        self.num_features, self.num_conditions, self.eps = num_features, num_conditions, eps
        self.weight = Parameter(np.ones((num_conditions, num_features), dtype=np.float32))
        self.bias = Parameter(np.zeros((num_conditions, num_features), dtype=np.float32))

    def forward(self, x, condition):
        return F.cond_instance_norm(x, condition, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_features}, num_conditions={self.num_conditions}"


class Embedding(Module):
    """A lookup table of learned vectors.

    Shape: (*) integers -> (*, embedding_dim).
    """

    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = _empty(num_embeddings, embedding_dim)
        init.normal_(self.weight)

    def forward(self, indices):
        return F.embedding(indices, self.weight)


class ReLU(Module):
    """max(x, 0). Shape: any."""

    def forward(self, x):
        return F.relu(x)


class LeakyReLU(Module):
    """x if x > 0 else negative_slope * x. Shape: any."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope)


class Sigmoid(Module):
    """1 / (1 + exp(-x)). Shape: any."""

    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    """tanh(x). Shape: any."""

    def forward(self, x):
        return F.tanh(x)


class Identity(Module):
    """Returns its input. Shape: any."""

    def forward(self, x):
        return x


class Flatten(Module):
    """Merge all axes after the first. Shape: (N, *) -> (N, prod(*))."""

    def forward(self, x):
        return x.flatten(1)


class MaxPool2d(Module):
    """Max pooling. Shape: (N, C, H, W) -> (N, C, OH, OW)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(Module):
    """Average pooling. Shape: (N, C, H, W) -> (N, C, OH, OW)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class GlobalAvgPool2d(Module):
    """Mean over H and W. Shape: (N, C, H, W) -> (N, C)."""

    def forward(self, x):
        return F.global_avg_pool2d(x)


class Upsample(Module):
    """Resize by size or scale_factor, 'nearest' or 'bilinear'. Shape: (N, C, H, W) -> (N, C, OH, OW)."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=False):
        super().__init__()
        self.size, self.scale_factor, self.mode, self.align_corners = size, scale_factor, mode, align_corners

    def forward(self, x):
        return F.interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners)


class Dropout(Module):
    """Randomly zero elements in training. Shape: any."""

    def __init__(self, p=0.5):
        super().__init__()
        self.p = p

    def forward(self, x):
        return F.dropout(x, self.p, self.training)
