"""The era recogniser: labels and eras, its input, a tiny training run and the cross-validation."""
import numpy as np
import pytest

from models import era as E
from train.eras import training as T


def test_labels_eras_and_input():
    assert E.LABELS[0] == "1850s" and E.LABELS[-2] == "1970s" and E.LABELS[-1] == "modern"
    assert [E.era_of(x) for x in ("1890s", "1900s", "1910s", "1920s", "modern")] == \
        ["before 1900", "1900-1919", "1900-1919", "1920 and later", "1920 and later"]
    assert E.label_of(1907) == "1900s" and E.label_of(1994) == "modern"
    with pytest.raises(ValueError, match="1850s"):
        E.label_of(1839)
    p = E.prediction_from_probs(np.eye(len(E.LABELS))[E.LABELS.index("1910s")] * 0.6 + 0.4 / len(E.LABELS))
    assert p.decade == "1910s" and p.era == "1900-1919" and abs(sum(p.era_probabilities.values()) - 1) < 1e-9


def test_folds_hold_each_photo_out_once_and_spread_the_eras():
    labels = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] * 3)
    fold = T.folds_of(labels, 3)
    assert sorted(np.bincount(fold).tolist()) == [14, 14, 14]
    for f in range(3):
        assert set(T.era_index(labels[fold == f])) == {0, 1, 2}


def test_subsample_keeps_each_eras_share_and_one_of_each():
    labels = np.array([E.LABELS.index(d) for d in ["1880s"] * 8 + ["1910s"] * 4 + ["1940s"] * 2])
    photos = T.Photos(np.arange(14.0)[:, None], labels, [f"p{i}" for i in range(14)])
    half = T.subsample(photos, 0.5, seed=1)
    assert np.bincount(T.era_index(half.labels), minlength=3).tolist() == [4, 2, 1]
    assert np.bincount(T.era_index(T.subsample(photos, 0.1, 1).labels), minlength=3).tolist() == [1, 1, 1]
    assert T.subsample(photos, 1.0, 1) is photos
    assert len(set(half.files)) == 7 and set(half.files) <= set(photos.files)


def test_report_against_the_baselines():
    labels = np.array([0, 0, 6, 9])  # 1850s, 1850s, 1910s, 1940s
    probs = np.eye(len(E.LABELS))[[0, 1, 6, 3]]  # the last one wrong: 1880s for the 1940s
    rep = T.era_report(probs, labels, np.zeros(4, int), np.full(4, 1880.0))
    assert rep["era"]["accuracy"] == 0.75 and rep["decade_mae_years"] == (10 + 60) / 4
    assert rep["baselines"]["majority_era_accuracy"] == 0.5
    assert rep["baselines"]["median_decade_mae_years"] == (30 + 30 + 30 + 60) / 4


def probs_of(**shares):
    """Class probabilities with these decade shares and the rest spread evenly."""
    p = np.zeros(len(E.LABELS))
    for lab, share in shares.items():
        p[E.LABELS.index(lab.lstrip("_"))] = share
    return p + (1 - p.sum()) / len(E.LABELS)


def test_auto_acts_only_when_sure_and_never_on_a_color_photo():
    sure = E.prediction_from_probs(probs_of(_1880s=0.5, _1890s=0.3))
    assert sure.sure and sure.auto_label == "1880s"
    # the likeliest decade (1930s) is not in the likeliest era: auto takes the era's likeliest decade
    split = E.prediction_from_probs(probs_of(_1930s=0.22, _1870s=0.2, _1880s=0.2, _1890s=0.21, _1860s=0.15))
    assert split.decade == "1930s" and split.era == "before 1900" and split.auto_label == "1890s"
    unsure = E.prediction_from_probs(probs_of(_1880s=0.4, _1920s=0.3))
    assert not unsure.sure and unsure.auto_label == "modern"
    assert "not sure enough (under 70%): coloured as modern" in E.EraDecision("modern", unsure).describe()
    colour = E.prediction_from_probs(probs_of(_1880s=0.5, _1890s=0.3), color_photo=True)
    assert not colour.sure and colour.auto_label == "modern"
    assert "colour photo" in E.EraDecision(colour.auto_label, colour).describe()
    assert E.EraDecision("1910s").describe() == "coloured as the 1910s (chosen)"
    record = E.EraDecision(sure.auto_label, sure).to_report()
    assert record["sure"] is True and record["colour_photo"] is False and record["used"] == "1880s"


def test_color_photos_are_told_from_toned_prints():
    rng = np.random.default_rng(3)
    gray = rng.random((64, 64))
    sepia = np.stack([gray, gray * 0.85, gray * 0.65], -1)
    colour = rng.random((64, 64, 3))  # colours of every hue
    assert not E.is_color_photo(E.photo_features(gray)) and not E.is_color_photo(E.photo_features(sepia))
    assert E.is_color_photo(E.photo_features(colour))


def random_recognizer(seed=0):
    rng = np.random.default_rng(seed)
    f, c = len(E.FEATURES), len(E.LABELS)
    return E.EraRecognizer(rng.normal(size=f), rng.uniform(0.5, 2, f), rng.normal(size=(f, c)), rng.normal(size=c))


def test_photo_features_measure_tint_tone_and_frame():
    rng = np.random.default_rng(0)
    gray = rng.random((60, 80))
    f = dict(zip(E.FEATURES, E.photo_features(gray)))
    assert len(E.photo_features(gray)) == len(E.FEATURES) and np.isfinite(list(f.values())).all()
    assert abs(f["chroma"]) < 0.5 and abs(f["b_midtones"]) < 0.5  # a neutral print has no tint
    sepia = np.stack([gray * 1.0, gray * 0.85, gray * 0.65], -1)  # a brown-toned print
    g = dict(zip(E.FEATURES, E.photo_features((sepia * 255).astype(np.uint8))))
    assert g["chroma"] > 8 and g["b_midtones"] > 8 and g["hue_sin"] > 0.3  # yellow-brown: b > 0
    assert f["aspect"] == pytest.approx(np.log(80 / 60))
    framed = gray * 0.6 + 0.2
    framed[:10], framed[-10:], framed[:, :10], framed[:, -10:] = 0.95, 0.95, 0.95, 0.95  # a white mount
    assert dict(zip(E.FEATURES, E.photo_features(framed)))["border_offset"] > 0.2
    dark = np.clip(gray * 0.3, 0, 1)
    assert dict(zip(E.FEATURES, E.photo_features(dark)))["L50"] < f["L50"]
    with pytest.raises(ValueError, match="gray"):
        E.photo_features(np.zeros((4, 4, 2)))


def test_recognizer_round_trips_and_refuses_other_files(tmp_path):
    from models.weights import WeightsError, save_weights
    rec = random_recognizer()
    rec.save(tmp_path / "era.npz", {"config": {}})
    back = E.EraRecognizer.from_weights(tmp_path / "era.npz")
    photo = np.random.default_rng(1).random((40, 30))
    assert back.recognize(photo).probabilities == pytest.approx(rec.recognize(photo).probabilities)
    save_weights(tmp_path / "old.npz", {}, E.KIND, {"config": {"width": 4}})  # the never-shipped version 1
    with pytest.raises(WeightsError, match="version"):
        E.EraRecognizer.from_weights(tmp_path / "old.npz")
    with pytest.raises(WeightsError, match="shape"):
        E.EraRecognizer(np.zeros(3), np.ones(3), np.zeros((3, 2)), np.zeros(2))


def test_a_tiny_run_learns_a_tint_and_cross_validates(tmp_path):
    """Toned photos of the 1880s and neutral ones of the 1920s, alike in tone and frame: the recogniser
    must tell them apart by the tint alone."""
    from models.color import lab_to_rgb
    rng = np.random.default_rng(0)
    photos, labels = [], []
    for k in range(24):
        gray = rng.random((40, 50)) * 0.8 + 0.1
        old = k % 2 == 0
        lab = np.stack([gray * 100, np.full_like(gray, 3.0 * old), np.full_like(gray, 14.0 * old)], -1)
        photos.append(np.clip(lab_to_rgb(lab), 0, 1))
        labels.append(E.LABELS.index("1880s" if old else "1920s"))
    real = T.Photos(np.stack([E.photo_features(p) for p in photos]), np.array(labels),
                    [f"p{i}.jpg" for i in range(24)])
    modern = T.Photos(np.stack([E.photo_features(rng.random((40, 50))) for _ in range(6)]),
                      np.full(6, E.LABELS.index("modern")), [f"m{i}" for i in range(6)])
    cfg = T.EraConfig(steps=150, folds=3, repeats=2, modern_share=0.2)
    rec, report = T.run(cfg, real, modern, progress=False)
    cv = report["cross_validated"]
    assert cv["n"] == 24 and len(cv["per_photo"]) == 24 and cv["folds"] == 3
    assert report["repeats"]["accuracy"]["mean"] > 0.9  # the tint tells these apart
    assert report["ablation_accuracy_without"]["tint"]["mean"] < 0.8  # and nothing else does
    assert cv["baselines"]["majority_era_accuracy"] <= 0.5
    curve = report["training_size_curve"]
    assert [r["fraction"] for r in curve] == list(T.TRAINING_FRACTIONS)
    assert curve[-1]["accuracy"]["mean"] == report["repeats"]["accuracy"]["mean"]  # all photos: the same folds
    assert curve[-1]["training_photos"] == 16
    auto = report["auto"]  # the tint is plain here: auto acts on most photos and is right when it does
    assert auto["real_photos_given_an_era"]["mean"] > 0.3 and auto["era_right_when_given"]["mean"] > 0.9
    assert 0 <= auto["modern_gray_prints_left_modern"]["mean"] <= 1
    rec.save(tmp_path / "era.npz", {"config": {}})
    p = E.EraRecognizer.from_weights(tmp_path / "era.npz").recognize(photos[0])
    assert p.era == "before 1900" and p.decade in E.LABELS
