"""save/load of state dicts and checkpoints as .npz (read with allow_pickle=False) + JSON metadata.

A file holds every array of a (possibly nested) dict under a '/'-joined key, and one
entry ``__meta__`` with UTF-8 JSON: the format name and version, the tree of the
object (arrays replaced by their key), and the caller's metadata. Writes go to a
temporary file in the same folder and are renamed into place, so a crash never
leaves a half-written checkpoint under the real name.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile

import numpy as np

from .backend import asnumpy
from .files import read_bounded, write_atomic
from .files import remove_stale_temporaries as remove_temporaries
from .tensor import Tensor

FORMAT = "minitorch_color"
VERSION = 1
_META = "__meta__"


MAX_FILE_BYTES = 8 * 1024 ** 3  # the largest file read at all
MAX_INFLATED_BYTES = 8 * 1024 ** 3  # and what its arrays may inflate to


class SerializationError(ValueError):
    """A file is not a readable minitorch_color file (corrupt, truncated, foreign or too new)."""


def _flatten(obj, prefix, arrays):
    """Return obj as JSON-able data, moving arrays into `arrays` under '/'-joined keys."""
    if isinstance(obj, Tensor):
        obj = obj.data
    if hasattr(obj, "shape") and hasattr(obj, "dtype") and not isinstance(obj, np.generic):
        arr = asnumpy(obj)
        if arr.dtype == object:
            raise TypeError(f"cannot save object array at {prefix!r}")
        arrays[prefix] = arr
        return {"__array__": prefix}
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            if not isinstance(k, (str, int)):
                raise TypeError(f"dict keys must be str or int, got {type(k).__name__} at {prefix!r}")
            out[str(k)] = _flatten(v, f"{prefix}/{k}" if prefix else str(k), arrays)
        return {"__dict__": out}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [_flatten(v, f"{prefix}/{i}", arrays) for i, v in enumerate(obj)],
                "tuple": isinstance(obj, tuple)}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot save value of type {type(obj).__name__} at {prefix!r} "
                    "(arrays, tensors, dicts, lists, numbers, strings and None only)")


def _unflatten(node, arrays):
    if isinstance(node, dict):
        if "__array__" in node:
            return arrays[node["__array__"]]
        if "__dict__" in node:
            return {k: _unflatten(v, arrays) for k, v in node["__dict__"].items()}
        if "__list__" in node:
            items = [_unflatten(v, arrays) for v in node["__list__"]]
            return tuple(items) if node.get("tuple") else items
    return node


def save(obj, path, metadata: dict | None = None, compress: bool = False) -> None:
    """Write obj (a state dict or a nested checkpoint dict) to path atomically (zip-deflated with compress)."""
    arrays = {}
    tree = _flatten(obj, "", arrays)
    meta = {"format": FORMAT, "version": VERSION, "tree": tree, "metadata": metadata or {}}
    payload = {_META: np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)}
    for k, v in arrays.items():
        if k == _META:
            raise ValueError(f"key {_META!r} is reserved")
        payload[k] = v
    write_atomic(path, lambda f: (np.savez_compressed if compress else np.savez)(f, **payload), overwrite=True)


def remove_stale_temporaries(folder) -> list:
    """Delete the temporary files that an interrupted save() left in folder; returns their names."""
    return remove_temporaries(folder, ".npz")


def _read(path, max_inflated: int | None = None):
    """(header, arrays, sha256 of the bytes read): the file is read once, whole, and checked."""
    max_inflated = MAX_INFLATED_BYTES if max_inflated is None else max_inflated
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such file: {path}")
    raw = b""
    try:
        raw = read_bounded(path, MAX_FILE_BYTES, "minitorch_color file")
        inflated = 0
        if raw[:4] == b"PK\x03\x04":  # a zip (.npz): the sizes it declares, before anything is inflated
            with zipfile.ZipFile(io.BytesIO(raw)) as zf:
                inflated = sum(info.file_size for info in zf.infolist())
        if inflated > max_inflated:
            raise SerializationError(f"{path} would inflate to {inflated:,} bytes, more than {max_inflated:,}: "
                                     "not read (a damaged file, or one made to exhaust memory)")
        with np.load(io.BytesIO(raw), allow_pickle=False) as z:
            names = list(z.files)
            if _META not in names:
                raise SerializationError(f"{path} is an .npz file but not a minitorch_color file "
                                         f"(no {_META} entry)")
            meta = json.loads(bytes(z[_META]).decode("utf-8"))
            arrays = {k: z[k] for k in names if k != _META}
    except SerializationError:
        raise
    except (zipfile.BadZipFile, EOFError, OSError, KeyError, ValueError, RecursionError) as e:  # UnicodeDecodeError too
        if "allow_pickle" in str(e):  # never load pickles, and never pass on NumPy's advice to
            what = ("holds pickled Python objects" if "Object arrays" in str(e) or raw[:1] == b"\x80"
                    else "is not a .npz file (corrupt, truncated or another format)")
            raise SerializationError(f"{path} {what}; pickles are never loaded (they can run arbitrary code)") from None
        raise SerializationError(f"{path} is not a readable minitorch_color file "
                                 f"(corrupt, truncated or another format): {e}") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        what = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise SerializationError(f"{path} was not written by minitorch_color (format {what!r})")
    version = meta.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or not isinstance(meta.get("tree"), dict) \
            or not isinstance(meta.get("metadata", {}), dict):
        raise SerializationError(f"{path} has a damaged header (version {version!r}, its tree or metadata)")
    if version > VERSION:
        raise SerializationError(f"{path} has format version {meta['version']}, newer than this "
                                 f"library's {VERSION}; upgrade minitorch_color")
    return meta, arrays, hashlib.sha256(raw).hexdigest()


def load(path, max_inflated: int | None = None):
    """Read an object written by save(); arrays come back as NumPy arrays. A file that would inflate
    beyond max_inflated bytes (default MAX_INFLATED_BYTES) is refused before it is."""
    meta, arrays, _ = _read(path, max_inflated)
    return _unflatten(meta["tree"], arrays)


def load_metadata(path, max_inflated: int | None = None) -> dict:
    """Return the metadata dict stored by save(..., metadata=...)."""
    meta, _, _ = _read(path, max_inflated)
    return meta.get("metadata", {})


def load_checked(path, max_inflated: int | None = None) -> tuple:
    """(object, metadata, sha256 of the file's bytes) from one read of the file: what a caller that
    verifies a file against a recorded digest needs, with no chance of the file changing in between."""
    meta, arrays, digest = _read(path, max_inflated)
    return _unflatten(meta["tree"], arrays), meta.get("metadata", {}), digest
