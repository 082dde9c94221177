"""Module: a tree of layers owning Parameters and buffers, with state dicts and forward hooks."""
from __future__ import annotations

from collections import OrderedDict

from ..backend import asnumpy, device_of, to_device
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable (requires_grad=True by default)."""

    def __init__(self, data, requires_grad: bool = True):
        super().__init__(data.data if isinstance(data, Tensor) else data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter(" + super().__repr__() + ")"


class _HookHandle:
    def __init__(self, hooks, key):
        self._hooks, self._key = hooks, key

    def remove(self):
        """Unregister the hook."""
        self._hooks.pop(self._key, None)


class Module:
    """Base class of every layer and model; subclasses set attributes and define forward."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ----- attribute registration -------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("call super().__init__() before assigning attributes of a Module")
        for store in (self._parameters, self._modules, self._buffers):
            store.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        else:
            object.__setattr__(self, name, value)
            return
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_modules", "_buffers"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r}")

    def __delattr__(self, name):
        for store in (self._parameters, self._modules, self._buffers):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_buffer(self, name: str, array) -> None:
        """Keep a non-trainable array (e.g. running statistics) in the state dict."""
        self.__dict__.pop(name, None)
        self._buffers[name] = array.data if isinstance(array, Tensor) else array

    def register_parameter(self, name: str, param) -> None:
        """Register a Parameter (or None for an absent optional one, like a disabled bias)."""
        if param is None:
            self._parameters.pop(name, None)
            object.__setattr__(self, name, None)
        else:
            setattr(self, name, param)

    # ----- calling ------------------------------------------------------------------
    def forward(self, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args, **kwargs):
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def fused_with(self, following):
        """A function computing following(self(x)) in one step, or None when there is none.

        Sequential asks each module about the next one; a layer overrides this where a fused
        kernel gives the same result (BatchNorm2d followed by ReLU). The default: no fusion.
        """
        return None

    def register_forward_hook(self, hook):
        """Call hook(module, inputs, output) after every forward; it may return a new output."""
        key = object()
        self._forward_hooks[key] = hook
        return _HookHandle(self._forward_hooks, key)

    # ----- traversal ----------------------------------------------------------------
    def named_modules(self, prefix: str = ""):
        """Yield (name, module) for self and every descendant, depth first."""
        yield prefix, self
        for name, mod in self._modules.items():
            if mod is not None:
                yield from mod.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return ((n, m) for n, m in self._modules.items() if m is not None)

    def children(self):
        return (m for _, m in self.named_children())

    def named_parameters(self, prefix: str = "", recurse: bool = True):
        """Yield (dotted name, Parameter), each parameter once."""
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mprefix, mod in mods:
            for name, p in mod._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mprefix}.{name}" if mprefix else name), p

    def parameters(self, recurse: bool = True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix: str = ""):
        for mprefix, mod in self.named_modules(prefix):
            for name, b in mod._buffers.items():
                if b is not None:
                    yield (f"{mprefix}.{name}" if mprefix else name), b

    def buffers(self):
        return (b for _, b in self.named_buffers())

    def num_parameters(self) -> int:
        """Total number of trainable values."""
        return int(sum(p.numel() for p in self.parameters()))

    # ----- state --------------------------------------------------------------------
    optional_state = ()  # names of buffers that files may lack (see BatchNorm2d)

    def state_dict(self) -> "OrderedDict[str, object]":
        """Return {dotted name: array} for every parameter and buffer (the arrays themselves).

        Keys and order are PyTorch's: module by module, its parameters and then its buffers.
        """
        sd = OrderedDict()
        for prefix, mod in self.named_modules():
            for store in (mod._parameters, mod._buffers):
                for name, v in store.items():
                    key = f"{prefix}.{name}" if prefix else name
                    if v is not None and key not in sd:
                        sd[key] = v.data if isinstance(v, Tensor) else v
        return sd

    def _optional_keys(self) -> set:
        return {f"{prefix}.{name}" if prefix else name
                for prefix, mod in self.named_modules() for name in mod.optional_state}

    def load_state_dict(self, state_dict, strict: bool = True):
        """Copy arrays into parameters and buffers; with strict, any key or shape mismatch raises.

        Returns (missing_keys, unexpected_keys) when not strict.
        """
        own = self.state_dict()
        given = {k: (v.data if isinstance(v, Tensor) else v) for k, v in state_dict.items()}
        optional = self._optional_keys()
        missing = [k for k in own if k not in given and k not in optional]
        unexpected = [k for k in given if k not in own]
        bad_shape = [f"{k}: checkpoint {tuple(given[k].shape)} vs model {tuple(own[k].shape)}"
                     for k in own if k in given and tuple(given[k].shape) != tuple(own[k].shape)]
        problems = []
        if bad_shape:
            problems.append("mis-shaped: " + "; ".join(bad_shape))
        if strict and missing:
            problems.append("missing: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected: " + ", ".join(unexpected))
        if problems:
            raise KeyError(f"load_state_dict into {type(self).__name__} failed: " + " | ".join(problems))
        params = dict(self.named_parameters())
        buffers = {}
        for prefix, mod in self.named_modules():
            for name in mod._buffers:
                buffers[f"{prefix}.{name}" if prefix else name] = (mod, name)
        for k, v in given.items():
            if k not in own:
                continue
            target = own[k]
            value = to_device(asnumpy(v) if device_of(target) == "cpu" else v, device_of(target))
            if k in params:
                params[k].data[...] = value.astype(target.dtype, copy=False)
            else:
                mod, name = buffers[k]
                mod._buffers[name] = value.astype(target.dtype, copy=True)
        return missing, unexpected

    # ----- modes and devices ----------------------------------------------------------
    def train(self, mode: bool = True):
        """Set training mode (batch-norm statistics, dropout) on self and descendants."""
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode."""
        return self.train(False)

    def requires_grad_(self, flag: bool = True):
        """Freeze (False) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad = flag
        return self

    def zero_grad(self):
        """Drop the gradients of every parameter."""
        for p in self.parameters():
            p.grad = None

    def to(self, device: str):
        """Move parameters and buffers to device in place ('cpu' or 'cuda') and return self."""
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    p.data = to_device(p.data, device)
                    if p.grad is not None:
                        p.grad = to_device(p.grad, device)
            for name, b in list(m._buffers.items()):
                if b is not None:
                    m._buffers[name] = to_device(b, device)
        return self

    def apply(self, fn):
        """Call fn(module) on every descendant and self; return self."""
        for m in self.modules():
            fn(m)
        return self

    @property
    def device(self) -> str:
        for p in self.parameters():
            return device_of(p.data)
        return "cpu"

    def extra_repr(self) -> str:
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if self._modules:
            for name, m in self._modules.items():
                child = repr(m).replace("\n", "\n  ")
                lines.append(f"  ({name}): {child}")
            return lines[0] + "\n" + "\n".join(lines[1:]) + "\n)"
        return lines[0] + ")"


class Sequential(Module):
    """Apply modules in order."""

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            setattr(self, str(i), m)

    def forward(self, x):
        mods = list(self._modules.values())
        i = 0
        while i < len(mods):
            fused = mods[i].fused_with(mods[i + 1]) if i + 1 < len(mods) else None
            if fused is not None:  # e.g. BatchNorm2d + ReLU as one kernel pass
                x, i = fused(x), i + 2
            else:
                x, i = mods[i](x), i + 1
        return x

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class ModuleList(Module):
    """A list of modules whose parameters are registered."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, m):
        setattr(self, str(len(self._modules)), m)
        return self

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


