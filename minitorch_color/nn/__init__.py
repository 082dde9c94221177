"""Neural-network layers (PyTorch names), the functional API (F), initialisers and utilities."""
from . import functional, init, utils
from .layers import (
                     AvgPool2d,
                     BatchNorm1d,
                     BatchNorm2d,
                     BatchNormReLU2d,
                     CondInstanceNorm2d,
                     Conv2d,
                     ConvTranspose2d,
                     Dropout,
                     Embedding,
                     Flatten,
                     GlobalAvgPool2d,
                     Identity,
                     InstanceNorm2d,
                     LeakyReLU,
                     Linear,
                     MaxPool2d,
                     ReLU,
                     Sigmoid,
                     Tanh,
                     Upsample,
)
from .module import Module, ModuleList, Parameter, Sequential

F = functional
