"""Configuration for the training scripts: a dataclass per run, set from --key=value arguments.

    cfg = parse_config(sys.argv[1:], TrainConfig(), __doc__)   # None after printing --help
    save({"config": config_dict(cfg), ...}); cfg = config_from_dict(TrainConfig, saved)

Every field can be set; each value is converted to the field's type (booleans from
true/false/1/0, tuples from comma-separated values), and an unknown key or an unreadable
value stops the script with a message naming the known keys.
"""
from __future__ import annotations

import dataclasses

HIDDEN = ("extra",)  # fields that hold free-form data, not settings


def _settings(cfg) -> dict:
    return {f.name: f for f in dataclasses.fields(cfg) if f.name not in HIDDEN}


def _parse_value(key: str, value: str, current):
    try:
        if isinstance(current, bool):
            if value.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return value.lower() in ("true", "1")
        if isinstance(current, tuple):  # comma-separated, of the default's element type
            kind = type(current[0]) if current else int
            return tuple(kind(v) for v in value.split(","))
        return type(current)(value)
    except ValueError:
        raise SystemExit(f"--{key}: cannot read {value!r} as {type(current).__name__}") from None


def parse_overrides(argv, cfg):
    """Apply --key=value arguments to the dataclass cfg (in place) and return it."""
    known = _settings(cfg)
    for arg in argv:
        if not arg.startswith("--") or "=" not in arg:
            raise SystemExit(f"unrecognised argument {arg!r}: use --key=value (settings: {', '.join(known)})")
        key, value = arg[2:].split("=", 1)
        key = key.replace("-", "_")
        if key not in known:
            raise SystemExit(f"unknown setting {key!r}; known: {', '.join(known)}")
        setattr(cfg, key, _parse_value(key, value, getattr(cfg, key)))
    return cfg


def parse_config(argv, cfg, doc: str = ""):
    """cfg with argv's --key=value settings applied, or None after printing the help for -h/--help."""
    if "-h" in argv or "--help" in argv:
        print(doc)
        print("settings:", ", ".join(f"--{name}={getattr(cfg, name)!r}" for name in _settings(cfg)))
        return None
    return parse_overrides(argv, cfg)


def config_dict(cfg) -> dict:
    """The dataclass as JSON-ready data (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(cfg).items()}


def config_from_dict(cls, data: dict):
    """The dataclass cls from config_dict's output (lists become tuples where the default is a tuple)."""
    defaults = cls()
    return cls(**{k: tuple(v) if isinstance(getattr(defaults, k, None), tuple) and isinstance(v, list) else v
                  for k, v in data.items()})


def given_keys(argv) -> set:
    """The settings named in --key=value arguments (to tell a chosen value from a default)."""
    return {a[2:].split("=", 1)[0].replace("-", "_") for a in argv if a.startswith("--") and "=" in a}
