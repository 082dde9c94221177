"""Optimisers (SGD, Adam, AdamW) and learning-rate schedules, with PyTorch's semantics and names."""
from __future__ import annotations

import math

import numpy as np

from . import kernels as K
from .backend import asnumpy, get_array_module, to_device


class Optimizer:
    """Holds parameter groups and per-parameter state; subclasses define step()."""

    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        for g in groups:
            group = dict(defaults)
            group.update(g)
            group["params"] = list(g["params"])
            self.param_groups.append(group)
        self.state = {}  # parameter index (over all groups, in order) -> dict of arrays and counters

    def _indexed(self):
        i = 0
        for group in self.param_groups:
            for p in group["params"]:
                yield i, group, p
                i += 1

    def zero_grad(self, set_to_none: bool = True):
        """Forget the gradients of every parameter (set to None, or to zeros)."""
        for _, _, p in self._indexed():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad[...] = 0

    def step(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def state_dict(self):
        """Return {'state': {index: {...}}, 'param_groups': [hyper-parameters]} with NumPy arrays."""
        state = {str(i): {k: (asnumpy(v) if hasattr(v, "shape") else v) for k, v in s.items()}
                 for i, s in self.state.items()}
        groups = [{k: v for k, v in g.items() if k != "params"} for g in self.param_groups]
        for g, group in zip(groups, self.param_groups):
            g["num_params"] = len(group["params"])
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, sd):
        """Restore state saved by state_dict() (group sizes must match)."""
        groups = sd["param_groups"]
        if len(groups) != len(self.param_groups) or any(
                g.get("num_params", len(mine["params"])) != len(mine["params"])
                for g, mine in zip(groups, self.param_groups)):
            raise ValueError("optimizer state does not match this optimizer's parameter groups")
        for g, mine in zip(groups, self.param_groups):
            mine.update({k: v for k, v in g.items() if k not in ("params", "num_params")})
        params = {i: p for i, _, p in self._indexed()}
        self.state = {}
        for key, s in sd["state"].items():
            i = int(key)
            if i not in params:
                raise ValueError(f"optimizer state names parameter {i}, but there are only {len(params)}")
            dev = params[i].device
            self.state[i] = {k: (to_device(np.array(v), dev) if hasattr(v, "shape") and np.ndim(v) else
                                 (v.item() if hasattr(v, "item") else v)) for k, v in s.items()}


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, Nesterov momentum and (coupled) weight decay."""

    def __init__(self, params, lr=1e-2, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      nesterov=nesterov, weight_decay=weight_decay))

    def step(self):
        """Update every parameter that has a gradient."""
        for i, group, p in self._indexed():
            if p.grad is None:
                continue
            g = p.grad
            if group["weight_decay"]:
                g = g + group["weight_decay"] * p.data
            mu = group["momentum"]
            if mu:
                st = self.state.setdefault(i, {})
                buf = st.get("momentum_buffer")
                if buf is None:
                    buf = st["momentum_buffer"] = g.copy()
                else:
                    buf *= mu
                    buf += (1 - group["dampening"]) * g
                g = g + mu * buf if group["nesterov"] else buf
            p.data -= group["lr"] * g


class Adam(Optimizer):
    """Adam (Kingma and Ba 2015); weight_decay adds to the gradient, as in PyTorch's Adam."""

    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay))

    def step(self):
        """Update every parameter that has a gradient (one fused kernel per parameter)."""
        for i, group, p in self._indexed():
            if p.grad is None:
                continue
            st = self.state.get(i)
            if st is None:
                xp = get_array_module(p.data)
                st = self.state[i] = {"step": 0, "exp_avg": xp.zeros_like(p.data),
                                      "exp_avg_sq": xp.zeros_like(p.data)}
            st["step"] += 1
            b1, b2 = group["betas"]
            K.adam_step(p.data, p.grad, st["exp_avg"], st["exp_avg_sq"], group["lr"], b1, b2, group["eps"],
                        group["weight_decay"], self._decoupled, 1 - b1 ** st["step"], 1 - b2 ** st["step"])


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter 2019)."""

    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        super().__init__(params, lr, betas, eps, weight_decay)


# ----- learning-rate schedules -------------------------------------------------------------
class LRScheduler:
    """Sets each group's lr from a function of the step count; call step() once per step/epoch."""

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.base_lrs = [g["lr"] for g in optimizer.param_groups]
        self.last_epoch = 0
        self._apply()

    def factor(self, t: int) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def lr_at(self, base_lr, t):
        return base_lr * self.factor(t)

    def _apply(self):
        for g, base in zip(self.optimizer.param_groups, self.base_lrs):
            g["lr"] = self.lr_at(base, self.last_epoch)

    def step(self):
        """Advance one step and set the new learning rates."""
        self.last_epoch += 1
        self._apply()

    def get_last_lr(self):
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self):
        return {"last_epoch": self.last_epoch, "base_lrs": list(self.base_lrs)}

    def load_state_dict(self, sd):
        self.last_epoch = int(sd["last_epoch"])
        self.base_lrs = [float(v) for v in sd["base_lrs"]]
        self._apply()


class StepLR(LRScheduler):
    """Multiply the lr by gamma every step_size steps."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def factor(self, t):
        return self.gamma ** (t // self.step_size)


class LambdaLR(LRScheduler):
    """lr = base_lr * fn(t)."""

    def __init__(self, optimizer, fn):
        self.fn = fn
        super().__init__(optimizer)

    def factor(self, t):
        return self.fn(t)


class CosineAnnealingLR(LRScheduler):
    """Cosine decay from base_lr to eta_min over T_max steps."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        t = min(t, self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class WarmupCosineLR(LRScheduler):
    """Linear warm-up over warmup_steps, then cosine decay to min_lr at total_steps."""

    def __init__(self, optimizer, warmup_steps, total_steps, min_lr=0.0):
        if total_steps <= warmup_steps:
            raise ValueError("total_steps must exceed warmup_steps")
        self.warmup_steps, self.total_steps, self.min_lr = warmup_steps, total_steps, min_lr
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        if t < self.warmup_steps:
            return base_lr * (t + 1) / self.warmup_steps
        frac = min(1.0, (t - self.warmup_steps) / (self.total_steps - self.warmup_steps))
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * frac)) / 2
