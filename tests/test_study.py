"""The augmentation study on a toy scale: arms share everything but the recipe, runs resume and are
skipped when done, the variants keep the truth they should, and the verdicts respect the spread."""
import numpy as np
import pytest

import minitorch_color as mt
from models.color import ABQuantizer
from train.augmentation import study as S
from train.colornet.training import make_batch


def _data(rng, n=24, size=16):
    def pool():
        imgs = (rng.random((n, size, size, 3)) * 255).astype(np.uint8)
        imgs[: n // 2, :, : size // 2] = [200, 40, 40]
        return imgs
    split = {"cifar": (pool(), np.full(n, -1)), "intel": (pool(), rng.integers(0, 6, n))}
    return {"train": split, "val": split}


def _study(tmp_path, steps=4):
    return S.StudyConfig(size=16, channels=(8, 16), steps=steps, batch=4, seeds=(0,), arms=("none", "all"),
                         val_every=2, out=str(tmp_path / "runs"), report=str(tmp_path / "report"))


def test_arms_see_the_same_images_and_hints(tmp_path):
    data = _data(np.random.default_rng(0))
    cfg = _study(tmp_path)
    quant, w = ABQuantizer(), np.ones(261)
    a = make_batch(data["train"], cfg.train_config("none", 0), np.random.default_rng(5), quant, w, 4)
    b = make_batch(data["train"], cfg.train_config("geometric", 0), np.random.default_rng(5), quant, w, 4)
    np.testing.assert_array_equal(a[3], b[3])  # the same photos (their scene labels) in the same order
    assert not np.array_equal(a[4], b[4])  # but augmented differently
    c = make_batch(data["train"], cfg.train_config("degradations", 0), np.random.default_rng(5), quant, w, 4)
    np.testing.assert_array_equal(a[4], c[4])  # degradations leave the colours to learn alone


@pytest.mark.slow
def test_a_tiny_study_trains_resumes_scores_and_reports(tmp_path):
    data = _data(np.random.default_rng(0))
    cfg = _study(tmp_path)
    for arm in cfg.arms:
        S.run_arm(cfg.train_config(arm, 0), data, progress=False)
        assert S.run_done(cfg.train_config(arm, 0))
    before = (tmp_path / "runs" / "none-seed0" / "checkpoint.npz").stat().st_mtime_ns
    S.run_arm(cfg.train_config("none", 0), data, progress=False)  # finished: nothing to do
    assert (tmp_path / "runs" / "none-seed0" / "checkpoint.npz").stat().st_mtime_ns == before
    longer = _study(tmp_path, steps=6)
    S.run_arm(longer.train_config("none", 0), data, progress=False)  # resumes to the new length
    assert int(mt.load(tmp_path / "runs" / "none-seed0" / "checkpoint.npz")["step"]) == 6
    cz, history = S.load_run(cfg.train_config("all", 0), data)
    assert history[-1]["step"] == 4
    variants = S.make_variants(np.random.default_rng(1).random((6, 16, 16, 3)))
    assert set(variants) == set(S.VARIANTS)
    scores = S.score_variants(cz, variants, np.ones(261), ABQuantizer())
    assert set(scores["old_1900s"]) == set(S.METRICS)
    agg = S.aggregate([scores, scores])
    assert agg["clean"]["pixel_accuracy"]["spread"] == 0


def test_variants_keep_the_right_truth():
    rgb = np.random.default_rng(2).random((3, 16, 16, 3))
    v = S.make_variants(rgb)
    for name in S.DEGRADED:
        np.testing.assert_array_equal(v[name][1], rgb.astype(np.float32))  # degraded input, clean truth
        assert not np.array_equal(v[name][0], v[name][1])
    np.testing.assert_array_equal(v["mirrored"][0], v["mirrored"][1])  # a changed photo is its own truth
    np.testing.assert_array_equal(v["mirrored"][1], rgb[:, :, ::-1].astype(np.float32))
    again = S.make_variants(rgb)
    np.testing.assert_array_equal(again["old_1870s"][0], v["old_1870s"][0])  # built with fixed seeds


def test_a_difference_counts_only_beyond_the_seed_spread():
    def arm(mean, spread):
        return {"clean": {"pixel_accuracy": {"mean": mean, "spread": spread, "values": []}}}
    v = S.verdicts({"none": arm(0.50, 0.01), "a": arm(0.53, 0.01), "b": arm(0.51, 0.01), "c": arm(0.45, 0.0)})
    assert v["a"]["clean"]["verdict"] == "better"
    assert v["b"]["clean"]["verdict"] == "within spread"
    assert v["c"]["clean"]["verdict"] == "worse"
