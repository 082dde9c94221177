"""Data loaders: shapes, labels, fixed splits, caching, and a clear message when data is absent."""
import numpy as np
import pytest

from train.common import data


def _or_skip(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except data.DataMissingError as e:
        pytest.skip(str(e))


def test_missing_data_names_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITORCH_COLOR_DATA", str(tmp_path / "nowhere"))
    with pytest.raises(data.DataMissingError, match="MINITORCH_COLOR_DATA") as e:
        data.load_cifar10("test")
    assert str(tmp_path / "nowhere") in str(e.value)
    with pytest.raises(data.DataMissingError):
        data.load_styles()


def test_split_indices_are_fixed_and_disjoint():
    a_train, a_val = data.split_indices(1000, 0.1, seed=0)
    b_train, b_val = data.split_indices(1000, 0.1, seed=0)
    np.testing.assert_array_equal(a_val, b_val)
    assert len(a_val) == 100 and len(np.intersect1d(a_train, a_val)) == 0
    assert len(np.union1d(a_train, a_val)) == 1000
    with pytest.raises(ValueError):
        data.load_cifar10("validation")


@pytest.mark.slow
def test_cifar10_test_split(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITORCH_COLOR_CACHE", str(tmp_path))
    test = _or_skip(data.load_cifar10, "test")
    assert test.images.shape == (10000, 32, 32, 3) and test.images.dtype == np.uint8
    assert np.bincount(test.labels).tolist() == [1000] * 10
    again = data.load_cifar10("test")  # from the cache this time
    np.testing.assert_array_equal(again.images[:5], test.images[:5])
    assert any(p.suffix == ".npz" for p in tmp_path.iterdir())


@pytest.mark.slow
def test_intel_scenes_train_val_and_near_gray(tmp_path, monkeypatch):
    monkeypatch.setenv("MINITORCH_COLOR_CACHE", str(tmp_path))
    train = _or_skip(data.load_intel_scenes, "train")
    val = data.load_intel_scenes("val")
    assert train.images.shape[1:] == (150, 150, 3)
    assert len(train) + len(val) == 8741
    assert len(np.intersect1d(train.paths, val.paths)) == 0
    test = data.load_intel_scenes("test")
    assert len(test) == 2158
    n_gray = int(train.near_gray.sum() + val.near_gray.sum() + test.near_gray.sum())
    assert n_gray == 633


@pytest.mark.slow
@pytest.mark.parametrize("loader,total,classes", [(data.load_faces, 8528, 1), (data.load_imagenette, 9014, 10)])
def test_faces_and_everyday_objects(loader, total, classes):
    train = _or_skip(loader, "train")
    val = loader("val")
    assert train.images.shape[1:] == (64, 64, 3) and train.images.dtype == np.uint8
    assert len(train) + len(val) == total and len(np.intersect1d(train.paths, val.paths)) == 0
    assert len(train.classes) == classes and set(np.unique(train.labels)) == set(range(classes))
    assert 0 <= val.near_gray.mean() < 0.2  # the archives dropped near-gray photos; a few low-chroma ones stay
    with pytest.raises(ValueError, match="held out"):
        loader("test")


def test_styles_and_historical():
    styles = _or_skip(data.load_styles)
    assert len(styles) == 31 and styles[0]["image"].ndim == 3 and "title" in styles[0]
    hist = data.load_historical()
    assert len(hist) == 192
    assert sum(h["decade"] is not None for h in hist) == 93


def test_load_folder(tmp_path):
    from PIL import Image
    Image.new("RGB", (4, 3), (10, 20, 30)).save(tmp_path / "b.png")
    Image.new("RGB", (2, 2)).save(tmp_path / "a.jpg")
    (tmp_path / "notes.txt").write_text("not an image")
    items = data.load_folder(tmp_path)
    assert [p.name for p, _ in items] == ["a.jpg", "b.png"]
    assert items[1][1].shape == (3, 4, 3)


def test_a_new_version_of_a_data_file_replaces_its_cached_copies(tmp_path, monkeypatch):
    import os
    monkeypatch.setenv("MINITORCH_COLOR_CACHE", str(tmp_path / "cache"))
    archive = tmp_path / "photos.tar.gz"
    archive.write_bytes(b"v1")
    calls = []

    def build(tag):
        return lambda: calls.append(tag) or {"x": np.array([len(calls)])}
    cache = data.cache_dir()
    (cache / "photos-0123456789abcdef.npz").write_bytes(b"a copy under the former naming")
    (cache / "other-0123456789abcdef.npz").write_bytes(b"another file's copy")
    assert data.cached_from_file(archive, build("a"), "train")["x"][0] == 1
    assert data.cached_from_file(archive, build("b"), "test")["x"][0] == 2  # other extra: its own copy
    assert data.cached_from_file(archive, build("c"), "train")["x"][0] == 1 and calls == ["a", "b"]  # cached
    os.utime(archive, (1e9, 1e9))  # the data file provisioned again
    assert data.cached_from_file(archive, build("d"), "train")["x"][0] == 3 and calls == ["a", "b", "d"]
    names = sorted(f.name for f in cache.glob("*.npz"))
    assert len([n for n in names if n.startswith("photos-")]) == 2  # the new train copy and the test one
    assert "photos-0123456789abcdef.npz" not in names and "other-0123456789abcdef.npz" in names


@pytest.mark.slow
def test_diverse_photos_split_within_every_collection():
    train = _or_skip(data.load_diverse, "train")
    val = data.load_diverse("val")
    assert len(train) + len(val) == 9985 and train.images.shape[1:] == (64, 64, 3)
    assert len(np.intersect1d(train.paths, val.paths)) == 0
    for source in np.unique(train.sources):  # every collection has its validation share
        share = (val.sources == source).sum() / ((train.sources == source).sum() + (val.sources == source).sum())
        assert 0.05 < share < 0.15
    assert val.subset(np.arange(3)).sources.shape == (3,)
    with pytest.raises(ValueError, match="held out"):
        data.load_diverse("test")
