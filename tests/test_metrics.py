"""Metrics on small hand-built cases with known answers."""
import json

import numpy as np
import pytest

from models.color import ABQuantizer
from train.common import metrics


def test_classification_report_by_hand():
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 0, 0]
    r = metrics.classification_report(y_true, y_pred, ["a", "b", "c"])
    assert r.confusion == [[2, 1, 0], [1, 1, 0], [1, 0, 0]]
    assert r.accuracy == pytest.approx(3 / 6)
    assert r.balanced_accuracy == pytest.approx((2 / 3 + 1 / 2 + 0) / 3)
    assert r.per_class["a"].precision == pytest.approx(2 / 4)
    assert r.per_class["a"].recall == pytest.approx(2 / 3)
    assert r.per_class["a"].f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert r.per_class["c"].precision is None  # never predicted
    assert r.per_class["c"].recall == 0.0
    np.testing.assert_allclose(np.array(r.confusion_normalized).sum(1), 1)


def test_a_report_is_one_from_its_confusion_and_survives_json():
    r = metrics.classification_report([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 0, 0], ["a", "b", "c"])
    assert metrics.report_from_confusion(r.confusion, r.classes) == r
    back = metrics.ClassificationReport.from_dict(json.loads(json.dumps(r.to_dict())))
    assert back == r
    assert set(r.to_dict()["per_class"]["a"]) == {"precision", "recall", "f1", "support"}


def test_old_metric_names_are_read_as_todays():
    old = {"pixel_acc": 0.5, "sources": [{"all_gray_pixel_acc": 0.4, "balanced_acc": 0.2, "pixel_accuracy": 0.6}],
           "best_by": "balanced_acc", "pixel_acc_network_only": 0.3, "n": 3, "note": "pixel_access"}
    assert metrics.current_names(old) == {
        "pixel_accuracy": 0.5, "sources": [{"all_gray_pixel_accuracy": 0.4, "balanced_accuracy": 0.2,
                                            "pixel_accuracy": 0.6}],
        "best_by": "balanced_accuracy", "pixel_accuracy_network_only": 0.3, "n": 3, "note": "pixel_access"}


def test_balanced_accuracy_ignores_absent_classes():
    r = metrics.classification_report([0, 0, 1], [0, 0, 1], ["x", "y", "z"])
    assert r.balanced_accuracy == 1.0 and r.per_class["z"].recall is None


def test_all_gray_color_class_accuracy_is_the_achromatic_share():
    ab_true = np.array([[0, 0], [2, 3], [50, 40], [-40, 30]], float)  # 2 achromatic, 2 chromatic
    r = metrics.color_class_report(ab_true, np.zeros_like(ab_true))
    assert r.accuracy == 0.5
    assert r.per_class["achromatic"].recall == 1.0
    assert r.balanced_accuracy == pytest.approx(1 / 3)  # achromatic 1, two hue classes 0


def test_auc_by_hand():
    ab_true = np.array([[0.0, 0.0], [30.0, 40.0]])
    ab_pred = np.zeros((2, 2))  # errors 0 and 50
    out = metrics.ab_auc(ab_true, ab_pred, max_threshold=100)
    # fraction within t: 0.5 for t < 50, 1 for t >= 50, over 101 thresholds
    assert out["auc_raw"] == pytest.approx((50 * 0.5 + 51 * 1.0) / 101)
    assert out["acc_at_10"] == 0.5 and out["acc_at_20"] == 0.5
    q = ABQuantizer()
    w = np.ones(q.num_bins)
    w[q.nearest(np.array([30.0, 40.0]))] = 3.0  # the coloured pixel counts 3x
    out = metrics.ab_auc(ab_true, ab_pred, max_threshold=100, class_weights=w, quantizer=q)
    assert out["auc_rebalanced"] == pytest.approx((50 * 0.25 + 51 * 1.0) / 101)
    assert metrics.ab_auc(ab_true, ab_true)["auc_raw"] == 1.0


def test_psnr_ssim_colorfulness(rng):
    img = rng.random((16, 16, 3))
    assert metrics.psnr(img, img) == float("inf")
    assert metrics.psnr(np.zeros((4, 4, 3)), np.full((4, 4, 3), 0.1)) == pytest.approx(20.0)
    assert metrics.ssim(img, img) == pytest.approx(1.0)
    assert metrics.ssim(img, rng.random((16, 16, 3))) < 0.5
    gray = np.repeat(rng.random((8, 8, 1)), 3, -1)
    assert metrics.colorfulness(gray) == pytest.approx(0.0, abs=1e-9)
    red = np.zeros((8, 8, 3))
    red[..., 0] = 1
    # rg = 255, yb = 127.5 everywhere: no spread, mean term only
    assert metrics.colorfulness(red) == pytest.approx(0.3 * np.hypot(255, 127.5))
    assert metrics.colorfulness(img) > metrics.colorfulness(gray)


def test_confusion_figure(tmp_path):
    r = metrics.classification_report([0, 1, 1, 2], [0, 1, 2, 2], ["a", "b", "c"])
    metrics.plot_confusion(r, tmp_path / "cm.png")
    assert (tmp_path / "cm.png").stat().st_size > 1000
    metrics.plot_confusion(r.to_dict(), tmp_path / "from_json.png")  # as a report file holds it
    assert (tmp_path / "from_json.png").stat().st_size > 1000


def test_skin_hue_recall():
    from models.color import REFERENCE_RGB, rgb_to_lab
    ab = {k: rgb_to_lab(np.array(v))[1:] for k, v in REFERENCE_RGB.items()}
    true = np.array([ab["red"], ab["orange"], ab["pink"], ab["blue"]])
    pred = np.array([ab["orange"], ab["blue"], ab["pink"], ab["red"]])  # red read as orange still counts
    r = metrics.skin_hue_recall(true, pred)
    assert r == {"recall": 2 / 3, "n_pixels": 3}
    assert metrics.skin_hue_recall(true[3:], pred[3:])["recall"] is None
