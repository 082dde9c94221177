import os
import zipfile

import numpy as np
import pytest

import minitorch_color as mt
from minitorch_color import nn
from minitorch_color.serialization import SerializationError, load_metadata


def _model():
    mt.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))


def test_state_dict_round_trip(tmp_path):
    m = _model()
    mt.save(m.state_dict(), tmp_path / "w.npz", metadata={"config": {"width": 2}})
    sd = mt.load(tmp_path / "w.npz")
    m2 = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2))
    m2.load_state_dict(sd)
    for (k, v), (k2, v2) in zip(m.state_dict().items(), m2.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(v, v2)
    assert load_metadata(tmp_path / "w.npz") == {"config": {"width": 2}}


def test_checkpoint_round_trip(tmp_path):
    m = _model()
    opt = mt.optim.Adam(m.parameters())
    for p in m.parameters():
        p.grad = np.ones_like(p.data)
    opt.step()
    ckpt = {"model": m.state_dict(), "optimizer": opt.state_dict(), "config": {"lr": 1e-3, "sizes": (1, 2)},
            "step": 7, "best_val": 0.25, "note": None}
    mt.save(ckpt, tmp_path / "c.npz")
    back = mt.load(tmp_path / "c.npz")
    assert back["step"] == 7 and back["best_val"] == 0.25 and back["note"] is None
    assert back["config"] == {"lr": 1e-3, "sizes": (1, 2)}
    opt2 = mt.optim.Adam(_model().parameters())
    opt2.load_state_dict(back["optimizer"])
    assert opt2.state[0]["step"] == 1


def test_files_need_no_pickle(tmp_path):
    mt.save({"a": np.arange(3)}, tmp_path / "x.npz")
    with np.load(tmp_path / "x.npz", allow_pickle=False) as z:
        assert "__meta__" in z.files


def test_atomic_write_leaves_no_temp_and_keeps_old_file_on_failure(tmp_path):
    path = tmp_path / "w.npz"
    mt.save({"a": np.zeros(2)}, path)
    with pytest.raises(TypeError):
        mt.save({"a": object()}, path)
    np.testing.assert_array_equal(mt.load(path)["a"], np.zeros(2))
    assert sorted(os.listdir(tmp_path)) == ["w.npz"]


def test_errors_for_bad_files(tmp_path):
    good = tmp_path / "good.npz"
    mt.save({"a": np.arange(1000.0)}, good)
    raw = good.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(raw[: len(raw) // 2])
    (tmp_path / "garbage.npz").write_bytes(b"not a zip at all")
    np.savez(tmp_path / "foreign.npz", a=np.zeros(2))
    with zipfile.ZipFile(tmp_path / "empty.npz", "w"):
        pass
    for name, pattern in [("trunc.npz", "not a readable"), ("garbage.npz", "not a .npz file"),
                          ("foreign.npz", "not a minitorch_color file"), ("empty.npz", "not a minitorch_color")]:
        with pytest.raises(SerializationError, match=pattern):
            mt.load(tmp_path / name)
    with pytest.raises(FileNotFoundError):
        mt.load(tmp_path / "missing.npz")
    np.save(tmp_path / "obj.npy", np.array([{"x": 1}], dtype=object), allow_pickle=True)
    os.replace(tmp_path / "obj.npy", tmp_path / "obj.npz")
    with pytest.raises(SerializationError, match="never loaded") as err:
        mt.load(tmp_path / "obj.npz")
    assert "allow_pickle" not in str(err.value)  # NumPy's advice to unpickle is never passed on


def test_newer_version_is_refused(tmp_path, monkeypatch):
    from minitorch_color import serialization
    monkeypatch.setattr(serialization, "VERSION", 99)
    mt.save({"a": np.zeros(1)}, tmp_path / "new.npz")
    monkeypatch.setattr(serialization, "VERSION", 1)
    with pytest.raises(SerializationError, match="newer"):
        mt.load(tmp_path / "new.npz")
