"""Data sets from ../shared/data (or MINITORCH_COLOR_DATA): decoded once, cached as .npy outside
the repository (~/.cache/minitorch_color, or MINITORCH_COLOR_CACHE), with fixed seeded
validation splits carved from the train splits. Test splits are never touched.

Every loader raises DataMissingError, naming the path it expected and how to point it
elsewhere, when a file is absent; tests skip on that error.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.image_io import IMAGE_EXTENSIONS, load_image

REPO = Path(__file__).resolve().parents[2]  # train/common/data.py: the repository is two folders up
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
INTEL_CLASSES = ("buildings", "forest", "glacier", "mountain", "sea", "street")
INTEL_SIZE = 150
NEAR_GRAY_CHROMA = 6.0  # photos whose mean chroma (manifest) is below this teach no colour: dropped


class DataMissingError(FileNotFoundError):
    """A data file is not where the project looks for it."""


def data_dir() -> Path:
    """Where the shared data lives: $MINITORCH_COLOR_DATA, else ../shared/data beside the repository."""
    return Path(os.environ.get("MINITORCH_COLOR_DATA", REPO.parent / "shared" / "data"))


def cache_dir() -> Path:
    """Where decoded arrays are cached: $MINITORCH_COLOR_CACHE, else ~/.cache/minitorch_color."""
    path = Path(os.environ.get("MINITORCH_COLOR_CACHE", Path.home() / ".cache" / "minitorch_color"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def require(name: str) -> Path:
    """Path of a data file or folder, or DataMissingError saying where it should be."""
    path = data_dir() / name
    if not path.exists():
        raise DataMissingError(
            f"{name} not found at {path}. Put the project's data folder there (see the README's data "
            f"section) or set MINITORCH_COLOR_DATA to the folder that holds {name}.")
    return path


def _short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def cached_from_file(path: Path, build, *extra) -> dict:
    """cached() for arrays decoded from the data file at path (extra: what else they depend on): named
    by the file and extra, versioned by the file's size and modification time. A new version deletes
    the older ones of the same name (and those named by the former single hash), so a data folder
    that is provisioned again does not leave the old decoded copies behind: they take gigabytes."""
    st = path.stat()
    stem = path.stem.split(".")[0]
    prefix = f"{stem}-{_short_hash(f'{path.name}:{extra}')}-"
    key = prefix + _short_hash(f"{st.st_size}:{int(st.st_mtime)}")
    arrays = cached(key, build)
    folder = cache_dir()
    stale = [f for f in folder.glob(f"{prefix}*.npz") if f.stem != key]
    stale += [f for f in folder.glob(f"{stem}-{'[0-9a-f]' * 16}.npz")]  # the former naming: stem-<16 hex>
    for f in stale:
        f.unlink(missing_ok=True)
    return arrays


def cached(key: str, build):
    """Load arrays {name: array} cached under key, or build and cache them (written atomically)."""
    folder = cache_dir()
    target = folder / f"{key}.npz"
    if target.exists():
        try:
            with np.load(target, allow_pickle=False) as z:
                return {k: z[k] for k in z.files}
        except (OSError, ValueError, EOFError):
            target.unlink(missing_ok=True)  # a damaged cache is rebuilt
    arrays = build()
    tmp = folder / f".{key}.{os.getpid()}.tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, target)
    return arrays


def _decode(data: bytes, size=None) -> np.ndarray:
    from PIL import Image
    img = Image.open(io.BytesIO(data)).convert("RGB")
    if size is not None and img.size != (size, size):
        img = img.resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


@dataclass
class ImageSet:
    """Images (N, H, W, 3) uint8, integer labels (N,), class names, and optional extra arrays."""

    images: np.ndarray
    labels: np.ndarray
    classes: tuple
    paths: np.ndarray | None = None
    near_gray: np.ndarray | None = None

    def __len__(self):
        return len(self.images)

    def subset(self, index) -> "ImageSet":
        """The images at index (a boolean mask or integer array)."""
        pick = (lambda a: None if a is None else a[index])
        return ImageSet(self.images[index], self.labels[index], self.classes, pick(self.paths), pick(self.near_gray))


def resize_images(images, size: int) -> np.ndarray:
    """uint8 images (N, H, W, 3) resized to (N, size, size, 3) with Pillow's bilinear filter."""
    from PIL import Image
    if images.shape[1] == size and images.shape[2] == size:
        return images
    return np.stack([np.asarray(Image.fromarray(im).resize((size, size), Image.BILINEAR)) for im in images])


def split_indices(n: int, val_fraction: float = 0.1, seed: int = 0):
    """(train, val) index arrays: a fixed, seeded split of range(n)."""
    order = np.random.default_rng(seed).permutation(n)
    n_val = int(round(n * val_fraction))
    return np.sort(order[n_val:]), np.sort(order[:n_val])


def _tar_split(path: Path, prefix: str, classes, split: str, size=None) -> dict:
    images, labels, names = [], [], []
    with tarfile.open(path, "r:gz") as tar:
        for member in tar:
            if not member.isfile() or not member.name.lower().endswith(".jpg"):
                continue
            parts = member.name.split("/")
            rel = parts[len(prefix.split("/")) - 1:] if prefix else parts
            if len(rel) < 3 or rel[0] != split or rel[1] not in classes:
                continue
            images.append(_decode(tar.extractfile(member).read(), size))
            labels.append(classes.index(rel[1]))
            names.append("/".join(rel))
    order = np.argsort(names)  # archive order is not guaranteed: sort for reproducibility
    return {"images": np.stack(images)[order], "labels": np.array(labels, np.int64)[order],
            "paths": np.array(names)[order]}


def _split(full: ImageSet, split: str, val_fraction: float, seed: int) -> ImageSet:
    if split == "test":
        return full
    train, val = split_indices(len(full), val_fraction, seed)
    return full.subset(train if split == "train" else val)


def load_cifar10(split: str = "train", val_fraction: float = 0.1, seed: int = 0) -> ImageSet:
    """CIFAR-10 at 32x32: split 'train', 'val' (carved from train) or 'test'."""
    if split not in ("train", "val", "test"):
        raise ValueError("split must be 'train', 'val' or 'test'")
    path = require("cifar10-jpg.tar.gz")
    source = "test" if split == "test" else "train"
    arrays = cached_from_file(path, lambda: _tar_split(path, "", CIFAR10_CLASSES, source), source)
    full = ImageSet(arrays["images"], arrays["labels"], CIFAR10_CLASSES, arrays["paths"])
    return _split(full, split, val_fraction, seed)


def load_intel_scenes(split: str = "train", val_fraction: float = 0.1, seed: int = 0) -> ImageSet:
    """Intel scenes at 150x150 (the 30 smaller photos resized); near_gray marks black-and-white originals."""
    if split not in ("train", "val", "test"):
        raise ValueError("split must be 'train', 'val' or 'test'")
    path = require("intel-scenes-150px.tar.gz")
    source = "test" if split == "test" else "train"
    arrays = cached_from_file(path, lambda: _tar_split(path, "intel_scenes/", INTEL_CLASSES, source, INTEL_SIZE),
                              source, INTEL_SIZE)
    gray_list = require("intel-scenes-near-gray.txt").read_text().split()
    near_gray = np.isin(arrays["paths"], np.array(gray_list))
    full = ImageSet(arrays["images"], arrays["labels"], INTEL_CLASSES, arrays["paths"], near_gray)
    return _split(full, split, val_fraction, seed)


def _manifest_set(archive: str, root: str, label_column: str | None, split: str, val_fraction: float,
                  seed: int) -> ImageSet:
    """The images of a 64x64 archive with a manifest.csv (file, ..., mean_chroma), split and labelled.

    near_gray marks the photos whose manifest chroma is below NEAR_GRAY_CHROMA; label_column None
    gives every image label 0. No test split ships with these sets: 'test' is refused.
    """
    if split not in ("train", "val"):
        raise ValueError(f"{archive}: split must be 'train' or 'val' (its test photos are held out elsewhere)")
    path = require(archive)

    def build():
        files = {}  # one pass through the archive: a gzip stream cannot seek back cheaply
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                if member.isfile() and (member.name.endswith(".jpg") or member.name.endswith("manifest.csv")):
                    files[member.name[len(root) + 1:]] = tar.extractfile(member).read()
        rows = sorted(csv.DictReader(io.StringIO(files["manifest.csv"].decode("utf-8"))), key=lambda r: r["file"])
        images = np.stack([_decode(files[r["file"]], 64) for r in rows])
        return {"images": images, "paths": np.array([r["file"] for r in rows]),
                "labels_text": np.array([r[label_column] if label_column else "" for r in rows]),
                "chroma": np.array([float(r["mean_chroma"]) for r in rows])}

    arrays = cached_from_file(path, build, "manifest64")
    names = tuple(sorted(set(arrays["labels_text"].tolist()))) if label_column else (root,)
    labels = (np.array([names.index(t) for t in arrays["labels_text"]], np.int64) if label_column
              else np.zeros(len(arrays["paths"]), np.int64))
    full = ImageSet(arrays["images"], labels, names, arrays["paths"], arrays["chroma"] < NEAR_GRAY_CHROMA)
    return _split(full, split, val_fraction, seed)


def load_faces(split: str = "train", val_fraction: float = 0.1, seed: int = 0) -> ImageSet:
    """UTKFace face crops at 64x64 (faces_utk64): split 'train' or 'val' (carved from the archive)."""
    return _manifest_set("faces_utk64.tar.gz", "faces_utk64", None, split, val_fraction, seed)


def load_imagenette(split: str = "train", val_fraction: float = 0.1, seed: int = 0) -> ImageSet:
    """Imagenette's everyday objects at 64x64 (imagenette_64), labelled by its 10 classes."""
    return _manifest_set("imagenette_64.tar.gz", "imagenette_64", "class", split, val_fraction, seed)


DIVERSE = "colordiv64.tar.gz"


def load_diverse(split: str = "train", val_fraction: float = 0.1, seed: int = 0) -> ImageSet:
    """colordiv64's diverse everyday photos at 64x64 (884 classes from six sources): split 'train'
    or 'val', the validation photos a seeded val_fraction of every source (its test photos are held
    out elsewhere). labels index classes (the class names); sources and wnids come along."""
    if split not in ("train", "val"):
        raise ValueError("colordiv64: split must be 'train' or 'val' (its test photos are held out elsewhere)")
    path = require(DIVERSE)

    def build():
        files = {}
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                if member.isfile() and (member.name.endswith(".jpg") or member.name.endswith("manifest.csv")):
                    files[member.name[len("colordiv64/"):]] = tar.extractfile(member).read()
        rows = sorted(csv.DictReader(io.StringIO(files["manifest.csv"].decode("utf-8"))), key=lambda r: r["path"])
        return {"images": np.stack([_decode(files[r["path"]], 64) for r in rows]),
                "paths": np.array([r["path"] for r in rows]), "classes": np.array([r["class"] for r in rows]),
                "sources": np.array([r["source"] for r in rows]), "wnids": np.array([r["wnid"] for r in rows]),
                "chroma": np.array([float(r["mean_chroma"]) for r in rows])}

    arrays = cached_from_file(path, build, "diverse64")
    pick = []
    for k, source in enumerate(sorted(set(arrays["sources"].tolist()))):  # a share of every source
        members = np.nonzero(arrays["sources"] == source)[0]
        train, val = split_indices(len(members), val_fraction, seed + k)
        pick.append(members[train if split == "train" else val])
    index = np.sort(np.concatenate(pick))
    names = tuple(sorted(set(arrays["classes"].tolist())))
    labels = np.searchsorted(np.array(names), arrays["classes"][index])
    return DiverseSet(arrays["images"][index], labels, names, arrays["paths"][index],
                      arrays["chroma"][index] < NEAR_GRAY_CHROMA, arrays["sources"][index], arrays["wnids"][index])


@dataclass
class DiverseSet(ImageSet):
    """An ImageSet that also knows each photo's source collection and ImageNet id ('' if none)."""

    sources: np.ndarray | None = None
    wnids: np.ndarray | None = None

    def subset(self, index) -> "DiverseSet":
        base = super().subset(index)
        return DiverseSet(base.images, base.labels, base.classes, base.paths, base.near_gray,
                          self.sources[index], self.wnids[index])


def load_styles() -> list[dict]:
    """The style paintings: [{'file', 'title', 'image' (H, W, 3) float32, ...}] in manifest order."""
    folder = require("styles")
    manifest = json.loads((folder / "manifest.json").read_text())
    return [dict(entry, image=load_image(folder / entry["file"])) for entry in manifest]


def load_historical() -> list[dict]:
    """The historical development photos with metadata.csv fields; 'decade' is an int or None."""
    folder = require("historical-dev")
    with open(folder / "metadata.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for row in rows:
        row = dict(row)
        row["decade"] = int(row["decade"]) if row.get("decade") else None
        row["image"] = load_image(folder / row["file"])
        out.append(row)
    return out


def load_folder(folder, extensions=None) -> list[tuple]:
    """[(path, RGB float image)] for every image file in a folder, sorted by name."""
    extensions = IMAGE_EXTENSIONS if extensions is None else extensions
    folder = Path(folder)
    if not folder.is_dir():
        raise DataMissingError(f"{folder} is not a folder")
    return [(p, load_image(p)) for p in sorted(folder.iterdir()) if p.suffix.lower() in extensions]


DATED = "historical_dated192.tar.gz"


def load_dated() -> list[dict]:
    """The dated historical photos of other sources (metadata.csv fields, 'image' (H, W, 3) uint8,
    longest side 192), in file order. Held out from development: never ship them."""
    path = require(DATED)
    rows, images = {}, {}
    with tarfile.open(path, "r:gz") as tar:  # one pass: a gzip stream cannot seek back cheaply
        for member in tar:
            if member.isfile() and member.name.endswith("metadata.csv"):
                text = tar.extractfile(member).read().decode("utf-8")
                rows = {r["path"]: r for r in csv.DictReader(io.StringIO(text))}
            elif member.isfile() and member.name.endswith(".jpg"):
                images[member.name.split("/", 1)[1]] = _decode(tar.extractfile(member).read())
    return [dict(rows[name], image=images[name]) for name in sorted(images) if name in rows]


PAINTINGS = "paintings_impressionist192.tar.gz"


def load_paintings(artists=None) -> list[dict]:
    """The impressionist paintings (manifest.csv fields, 'file' as the path inside the archive, e.g.
    paintings_impressionist192/images/Monet/0001.jpg, and 'image' (H, W, 3) uint8, longest side 192),
    of the given artists (None: all), in file order."""
    path = require(PAINTINGS)
    root = "paintings_impressionist192/"
    wanted, rows, images = None if artists is None else set(artists), {}, {}
    with tarfile.open(path, "r:gz") as tar:  # one pass: a gzip stream cannot seek back cheaply
        for member in tar:
            if member.isfile() and member.name.endswith("manifest.csv"):
                text = tar.extractfile(member).read().decode("utf-8")
                rows = {root + r["file"]: r for r in csv.DictReader(io.StringIO(text))}
            elif member.isfile() and member.name.endswith(".jpg"):
                artist = member.name.split("/")[-2]
                if wanted is None or artist in wanted:
                    images[member.name] = _decode(tar.extractfile(member).read())
    return [dict(rows[name], file=name, image=images[name]) for name in sorted(images) if name in rows]


CAMVID = "camvid_seg192.tar.gz"
CAMVID_CLASSES = ("sky", "building", "pole", "road", "pavement", "tree", "sign_symbol", "fence", "car",
                  "pedestrian", "bicyclist", "void")


@dataclass
class Segmentations:
    """Photos (N, H, W, 3) uint8 with per-pixel class ids (N, H, W) uint8 (CAMVID_CLASSES) and file names."""

    images: np.ndarray
    labels: np.ndarray
    files: np.ndarray

    def __len__(self):
        return len(self.images)


def load_camvid(split: str = "train") -> Segmentations:
    """CamVid street scenes at 192x144 with their labels: 'train' (367) or 'val' (101); the test
    frames are held out to judge the project and are not here."""
    if split not in ("train", "val"):
        raise ValueError("CamVid: split must be 'train' or 'val' (its test frames are held out elsewhere)")
    path = require(CAMVID)

    def build():
        from PIL import Image
        files = {}
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                parts = member.name.split("/")
                if member.isfile() and len(parts) == 4 and parts[1] == split:
                    files[(parts[2], parts[3].rsplit(".", 1)[0])] = tar.extractfile(member).read()
        names = sorted(stem for kind, stem in files if kind == "images")
        images = np.stack([_decode(files[("images", n)]) for n in names])
        labels = np.stack([np.asarray(Image.open(io.BytesIO(files[("labels", n)]))) for n in names]).astype(np.uint8)
        return {"images": images, "labels": labels, "files": np.array(names)}

    arrays = cached_from_file(path, build, "camvid", split)
    return Segmentations(arrays["images"], arrays["labels"], arrays["files"])
