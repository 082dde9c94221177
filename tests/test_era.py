"""The era recogniser: labels and eras, its input, a tiny training run and the cross-validation."""
import numpy as np
import pytest

from models import era as E
from train import era_training as T


def test_labels_eras_and_input():
    assert E.LABELS[0] == "1850s" and E.LABELS[-2] == "1970s" and E.LABELS[-1] == "modern"
    assert [E.era_of(x) for x in ("1890s", "1900s", "1910s", "1920s", "modern")] == \
        ["before 1900", "1900-1919", "1900-1919", "1920 and later", "1920 and later"]
    assert E.label_of(1907) == "1900s" and E.label_of(1994) == "modern"
    with pytest.raises(ValueError, match="1850s"):
        E.label_of(1839)
    gray = np.linspace(0, 1, 50 * 70).reshape(50, 70)
    x = E.era_input(gray)
    assert x.shape == (3, E.SIZE, E.SIZE) and x.dtype == np.float32 and np.allclose(x[0], x[2])
    assert np.allclose(E.era_input((np.stack([gray] * 3, -1) * 255).astype(np.uint8)), x, atol=0.01)
    with pytest.raises(ValueError, match="gray"):
        E.era_input(np.zeros((4, 4, 2)))
    p = E.prediction_from_probs(np.eye(len(E.LABELS))[E.LABELS.index("1910s")] * 0.6 + 0.4 / len(E.LABELS))
    assert p.decade == "1910s" and p.era == "1900-1919" and abs(sum(p.era_probabilities.values()) - 1) < 1e-9


def test_folds_hold_each_photo_out_once_and_spread_the_eras():
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] * 3)
    fold = T.folds_of(labels, 3)
    assert sorted(np.bincount(fold).tolist()) == [14, 14, 14]
    for f in range(3):
        assert set(T.era_index(labels[fold == f])) == {0, 1, 2}


def test_report_against_the_baselines():
    labels = np.array([0, 0, 6, 9])  # 1850s, 1850s, 1910s, 1940s
    probs = np.eye(len(E.LABELS))[[0, 1, 6, 3]]  # the last one wrong: 1880s for the 1940s
    rep = T.era_report(probs, labels, np.zeros(4, int), np.full(4, 1880.0))
    assert rep["era"]["accuracy"] == 0.75 and rep["decade_mae_years"] == (10 + 60) / 4
    assert rep["baselines"]["majority_era_accuracy"] == 0.5
    assert rep["baselines"]["median_decade_mae_years"] == (30 + 30 + 30 + 60) / 4


def test_a_tiny_run_trains_and_cross_validates(tmp_path):
    rng = np.random.default_rng(0)
    photos = [rng.random((32, 32, 3)).astype(np.float32) for _ in range(6)]
    real = T.RealPhotos(rng.random((9, 3, E.SIZE, E.SIZE)).astype(np.float32),
                        np.array([0, 2, 4, 5, 6, 7, 8, 10, 12]), [f"p{i}.jpg" for i in range(9)])
    cfg = T.EraConfig(width=4, steps=3, finetune_steps=2, batch=4, folds=3)
    net, report = T.run(cfg, photos, real, progress=False)
    cv = report["cross_validated"]
    assert cv["n"] == 9 and len(report["per_photo"]) == 9 and cv["folds"] == 3
    assert 0 <= cv["era"]["accuracy"] <= 1 and np.isfinite(cv["decade_mae_years"])
    from models.era import EraRecognizer, save_era
    save_era(net, tmp_path / "era.npz", {"config": {"width": 4}})
    p = EraRecognizer.from_weights(tmp_path / "era.npz").recognise(rng.random((40, 30)))
    assert p.decade in E.LABELS and p.era in E.ERAS
