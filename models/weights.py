"""Weights files: where the shipped ones live, how any of ours is written and read, and its errors.

A weights file is an .npz written by minitorch_color.save (never a pickle) with JSON metadata;
the metadata's "kind" says which network it holds ("colornet", "colour_classifier", ...), so a
file of the wrong kind is refused by name rather than failing deep inside load_state_dict.
Weights are stored as float16 where that does not hurt (the files stay a few MB) and come back
as float32.

The shipped weights are found in $MINITORCH_COLOR_WEIGHTS when set, else in the `weights/`
folder installed beside this package (the checkout's folder, or the copy `pip install .` puts
into site-packages), so the commands work from anywhere.

Loading verifies what it can: the card (the .json beside the .npz, written with the weights) must
record the file's sha256 and the file must match it (MINITORCH_COLOR_VERIFY_WEIGHTS=0 loads
weights without a verifiable card, while developing them), and every value must be finite.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import minitorch_color as mt
from minitorch_color.backend import asnumpy
from minitorch_color.files import read_bounded, write_atomic
from minitorch_color.serialization import SerializationError, load_checked

ENV_VAR = "MINITORCH_COLOR_WEIGHTS"
MAX_CARD_BYTES = 64 * 1024 * 1024  # a card with its grids and history is a few MB
MAX_WEIGHTS_INFLATED = 1024 ** 3  # shipped weights inflate to a few MB; 1 GiB is a generous ceiling
VERIFY_VAR = "MINITORCH_COLOR_VERIFY_WEIGHTS"  # 0: skip the card's sha256 check (while developing weights)


class WeightsError(ValueError):
    """A weights file is missing, unreadable, of the wrong kind, or does not fit its network."""


def weights_dir() -> Path:
    """The folder of the shipped weights: $MINITORCH_COLOR_WEIGHTS, else weights/ beside models/."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else Path(__file__).resolve().parents[1] / "weights"


def shipped(name: str = "colornet.npz") -> Path:
    """Path of a shipped weights file by name (it may not exist; load_weights says so clearly)."""
    return weights_dir() / name


def sha256(path) -> str:
    """Hex sha256 of a file, as recorded in the weights' card."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def as_numpy_state(state: dict, half: bool = True) -> dict:
    """A state_dict as NumPy arrays (float32 stored as float16 when half)."""
    out = {}
    for k, v in state.items():
        v = asnumpy(v.data if isinstance(v, mt.Tensor) else v)
        out[k] = v.astype(np.float16) if half and v.dtype == np.float32 else v
    return out


def save_weights(path, state: dict, kind: str, metadata: dict, arrays: dict | None = None,
                 half: bool = True) -> None:
    """Write a network's state (plus named extra arrays) and metadata, tagged with its kind, and the
    card beside it with the file's sha256 (an existing card keeps its other fields; the export of a
    trained network writes its full card: config, data, command, metrics)."""
    meta = {**metadata, "kind": kind}
    mt.save({"model": as_numpy_state(state, half), **(arrays or {})}, path, metadata=meta)
    card_path = Path(path).with_suffix(".json")
    try:
        card = json.loads(read_bounded(card_path, MAX_CARD_BYTES, "weights card").decode("utf-8"))
        card = card if isinstance(card, dict) else {}
    except (OSError, ValueError):
        card = {}
    card.update(file=Path(path).name, kind=kind, sha256=sha256(path), bytes=Path(path).stat().st_size)
    text = json.dumps(card, indent=1).encode()
    write_atomic(card_path, lambda f: f.write(text), overwrite=True)


@dataclass
class LoadedWeights:
    """What a weights file holds: the float32 state_dict, the metadata and any extra arrays."""

    path: Path
    state: dict
    metadata: dict
    arrays: dict


def load_weights(path, kind: str, hint: str = "") -> LoadedWeights:
    """Read a weights file of the given kind, or raise WeightsError saying what is wrong."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"{path}: no such weights file" + (f" ({hint})" if hint else ""))
    if not path.is_file():
        raise WeightsError(f"{path}: not a regular file")
    want = card_sha256(path)
    try:
        blob, meta, digest = load_checked(path, MAX_WEIGHTS_INFLATED)  # one read: what is verified is what is used
    except SerializationError as e:
        raise WeightsError(f"{path}: {e}") from e
    if want is not None and digest != want:
        raise WeightsError(f"{path}: its contents do not match the sha256 in {path.with_suffix('.json').name} "
                           f"(changed or damaged). If you changed the weights on purpose, update the card's sha256, "
                           f"or set {VERIFY_VAR}=0 while developing")
    if meta.get("kind") != kind or not isinstance(blob, dict):
        raise WeightsError(f"{path}: not {kind} weights (kind {meta.get('kind')!r})")
    state = blob.get("model", blob)  # classifiers written before the "model" key held the state itself
    if not isinstance(state, dict):
        raise WeightsError(f"{path}: no network state inside")
    state = {k: np.asarray(v, np.float32) if np.asarray(v).dtype == np.float16 else v for k, v in state.items()}
    arrays = {k: v for k, v in blob.items() if k != "model"} if "model" in blob else {}
    for name, v in list(state.items()) + list(arrays.items()):
        v = np.asarray(v)
        if v.dtype.kind == "f" and not np.isfinite(v).all():
            raise WeightsError(f"{path}: {name} holds non-finite values (NaN or infinity); the file is damaged")
    return LoadedWeights(path, state, meta, arrays)


def card_sha256(path) -> str | None:
    """The sha256 the file's card records, to verify it against (None when MINITORCH_COLOR_VERIFY_WEIGHTS=0):
    weights without a card, or whose card records no sha256, are refused."""
    card = Path(path).with_suffix(".json")
    if os.environ.get(VERIFY_VAR, "1") == "0":
        return None
    bypass = f"set {VERIFY_VAR}=0 to load unverified weights you trust"
    if not card.exists():
        raise WeightsError(f"{path}: no card ({card.name}) to verify it against; {bypass}")
    try:
        want = json.loads(read_bounded(card, MAX_CARD_BYTES, "weights card").decode("utf-8")).get("sha256")
    except OSError as e:
        raise WeightsError(f"{card}: the weights' card cannot be read ({e})") from None
    except (ValueError, AttributeError, RecursionError):
        raise WeightsError(f"{card}: the weights' card is unreadable") from None
    if not isinstance(want, str) or len(want) != 64:
        raise WeightsError(f"{card}: records no sha256 to verify {Path(path).name} against; {bypass}")
    return want


def load_state(net, loaded: LoadedWeights) -> None:
    """Load a file's state into a network, as a WeightsError when the shapes or names differ."""
    try:
        net.load_state_dict(loaded.state)
    except (KeyError, ValueError) as e:
        raise WeightsError(f"{loaded.path}: weights do not fit the network ({e})") from e
