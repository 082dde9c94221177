"""The region segmenter: shapes, low confidence means no region, the report's baselines, weights, and
a tiny training run that learns a bright sky above a dark road."""
import numpy as np
import pytest

import minitorch_color as mt
from models import segmenter as S
from train.common import data
from train.regions import judging as J
from train.regions import training as T


def test_shapes_and_full_size_maps(tmp_path):
    mt.manual_seed(0)
    net = S.Segmenter((4, 8, 8, 16))
    assert net(mt.tensor(np.zeros((2, 1, 24, 32), np.float32))).shape == (2, len(S.REGIONS), 24, 32)
    S.save_segmenter(net, tmp_path / "seg.npz", {"config": {"channels": [4, 8, 8, 16]}})
    finder = S.RegionFinder.from_weights(tmp_path / "seg.npz")
    rm = finder.find(np.random.default_rng(0).random((37, 53, 3)))
    assert rm.probabilities.shape == (len(S.REGIONS), 37, 53)
    np.testing.assert_allclose(rm.probabilities.sum(0), 1, atol=1e-5)
    assert rm.labels.shape == (37, 53)

    gray = np.random.default_rng(1).random((48, 64))  # the photo and its mirror image get mirrored answers
    mirrored = finder.find(np.ascontiguousarray(gray[:, ::-1])).probabilities
    np.testing.assert_allclose(mirrored, finder.find(gray).probabilities[:, :, ::-1], atol=1e-5)


def test_low_confidence_means_no_region():
    p = np.zeros((len(S.REGIONS), 2, 2), np.float32)
    p[0] = [[0.9, 0.3], [0.6, 0.1]]
    p[4] = 0.8 * (1 - p[0])  # tree: 0.08, 0.56, 0.32, 0.72
    p[1] = 0.2 * (1 - p[0])  # building: the rest
    rm = S.RegionMap(p, min_confidence=0.65)
    assert rm.labels.tolist() == [[0, -1], [-1, 4]]
    assert rm.mask("sky").tolist() == [[True, False], [False, False]]
    assert rm.soft("sky")[0, 0] == pytest.approx(0.9) and rm.soft("sky")[0, 1] == 0
    assert rm.present(min_share=0.2) == {"sky": 0.25, "tree": 0.25}


def test_report_against_majority_and_layout():
    truth = np.array([[[0, 0], [2, -1]], [[0, 0], [2, 2]]])  # sky on top, road below, one void pixel
    prior = np.array([[0, 0], [2, 2]])
    pred = np.array([[[0, 0], [0, 2]], [[0, 0], [2, 2]]])
    rep = T.seg_report(pred, truth, prior, majority=0)
    assert rep["pixels"] == 7 and rep["pixel_accuracy"] == pytest.approx(6 / 7)
    assert rep["baselines"]["position_prior_pixel_accuracy"] == 1.0
    assert rep["baselines"]["majority_region_pixel_accuracy"] == pytest.approx(4 / 7)
    assert rep["iou"]["sky"] == pytest.approx(4 / 5) and rep["iou"]["road"] == pytest.approx(2 / 3)


def test_a_tiny_run_learns_sky_above_road(tmp_path):
    rng = np.random.default_rng(0)
    L = np.empty((6, 32, 48), np.float32)
    R = np.empty((6, 32, 48), np.int64)
    for i in range(6):
        horizon = rng.integers(8, 24)
        L[i, :horizon], R[i, :horizon] = rng.uniform(75, 95), 0  # a bright sky
        L[i, horizon:], R[i, horizon:] = rng.uniform(15, 35), 2  # a dark road
    L += rng.normal(0, 3, L.shape).astype(np.float32)
    frames = T.Frames(L, R)
    cfg = T.SegConfig(channels=(4, 8, 8, 16), steps=80, batch=4, lr=1e-2, val_every=40, zoom=1.2,
                      out=str(tmp_path / "run"))
    run = T.train(cfg, data=(frames, frames), progress=False)
    assert run.history[-1]["pixel_accuracy"] > 0.9, run.history
    again = T.train(T.SegConfig(channels=(4, 8, 8, 16), steps=120, batch=4, lr=1e-2, val_every=40, zoom=1.2,
                                out=str(tmp_path / "run")), resume=True, data=(frames, frames), progress=False)
    assert [h["step"] for h in again.history] == [40, 80, 120]


def test_scene_tones_change_only_the_regions_they_name():
    rng = np.random.default_rng(0)
    L = np.full((40, 30), 50.0, np.float32)
    L[:15] = 95 + rng.uniform(-2, 2, (15, 30))  # a white winter sky
    R = np.full((40, 30), T.REGIONS.index("road"), np.int64)
    R[:15], R[15:25] = T.REGIONS.index("sky"), T.REGIONS.index("tree")
    blue = T.scene_tones(L, R, rng, sky=65.0, draw=False)
    assert 50 <= blue[:15].mean() <= 66 and blue[0].mean() < blue[14].mean()  # graded: darker at the top
    np.testing.assert_array_equal(blue[15:], L[15:])  # nothing else moved
    summer = T.scene_tones(L, R, rng, foliage=-12.0, ground=20.0, draw=False)
    np.testing.assert_allclose(summer[15:25], L[15:25] - 12)
    np.testing.assert_allclose(summer[25:], L[25:] + 20)
    np.testing.assert_array_equal(summer[:15], L[:15])
    assert np.array_equal(T.scene_tones(L, R, rng, draw=False), L)  # nothing asked, nothing drawn
    frames = T.Frames(np.stack([L] * 3), np.stack([R] * 3))
    x, y = T.batch(frames, rng, 4, 1.2, scenes=1.0)
    assert x.shape == (4, 1, 40, 30) and y.shape == (4, 40, 30)


def test_a_sequence_held_out_of_training_is_judged_only_by_a_segmenter_that_never_saw_it():
    try:
        all_train, without = T.frames("train"), T.frames("train", without="0006R0")
        only = T.frames("train", only="0006R0")
    except data.DataMissingError as e:
        pytest.skip(str(e))
    assert len(without.L) + len(only.L) == len(all_train.L) and len(only.L) > 0
    with pytest.raises(ValueError, match="no CamVid"):
        T.frames("train", only="no-such-sequence")
    seen = S.RegionFinder(S.Segmenter((4, 8, 8, 8)), {"config": {"hold_out_sequence": ""}})
    with pytest.raises(ValueError, match="trained on sequence 0006R0"):
        J.sequence_frames("0006R0", seen)
    unseen = S.RegionFinder(S.Segmenter((4, 8, 8, 8)), {"config": {"hold_out_sequence": "0006R0"}})
    frames = J.sequence_frames("0006R0", unseen)
    assert len(frames) == len(only.L) and all(f.startswith("0006R0") for f in frames.files)


