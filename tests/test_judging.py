"""The user-centred judgement (train/colornet/judging.py), region pooling and the vividness control."""
import numpy as np
import pytest

import minitorch_color as mt
from models.color import COLOR_CLASSES, lab_to_rgb
from models.colornet import ColorNet, ColorNetConfig
from models.decoding import lightness_regions, region_pool
from models.inference import Colorizer
from train.colornet import judging as J


def _cz(**kw):
    mt.manual_seed(0)
    return Colorizer(ColorNet(ColorNetConfig(channels=(8, 16, 32))), np.linspace(0.5, 2, 261), size=32, **kw)


def _photo(ab, L=60.0, shape=(24, 24)):
    """An sRGB photo of one Lab colour."""
    lab = np.zeros(shape + (3,))
    lab[..., 0], lab[..., 1:] = L, ab
    return np.clip(lab_to_rgb(lab), 0, 1)


def test_all_gray_and_the_truth_itself_score_what_they_must():
    rng = np.random.default_rng(0)
    truth = _photo((50.0, 30.0))  # one red-orange surface
    truth[:, :8] = _photo((-40.0, 40.0), shape=(24, 8))  # and a green strip
    t = J.Truth.of(truth)
    perfect = J.Judgement.of(J.photo_stats(t, truth), resamples=0)
    assert perfect.pixel_accuracy == 1 and perfect.balanced_accuracy == 1 and perfect.patchiness == 0
    assert perfect.chroma_ratio == pytest.approx(1, abs=1e-6)
    assert perfect.recall["green"] == 1 and perfect.precision["green"] == 1 and perfect.recall["blue"] is None
    gray = np.repeat(truth.mean(-1, keepdims=True), 3, -1)
    g = J.Judgement.of(J.photo_stats(t, gray), resamples=0)
    assert g.pixel_accuracy == 0 and g.chroma_ratio < 0.05 and g.patchiness == 0  # nothing coloured: nothing patchy
    assert g.precision["green"] is None and g.skin_hue_recall == 0
    assert rng is not None


def test_patchiness_sees_a_one_color_surface_painted_in_two_hues():
    truth = _photo((45.0, 40.0))  # one orange-red surface
    t = J.Truth.of(truth)
    assert (t.regions >= 0).mean() > 0.9  # one region, one colour
    patchy = truth.copy()
    patchy[:, 12:] = _photo((-40.0, 40.0), shape=(24, 12))  # half of it green
    j = J.Judgement.of(J.photo_stats(t, patchy), resamples=0)
    assert j.patchiness == pytest.approx(0.5, abs=0.05)
    assert J.Judgement.of(J.photo_stats(t, truth), resamples=0).patchiness == 0


def test_judgement_sums_photos_and_gives_an_interval():
    truth = [_photo((45.0, 40.0)), _photo((-40.0, 40.0))]
    stats = J.PhotoStats.concat([J.photo_stats(J.Truth.of(t), t) for t in truth] +
                                [J.photo_stats(J.Truth.of(truth[0]), truth[1])])
    j = J.Judgement.of(stats, resamples=50)
    assert j.n_photos == 3 and j.n_pixels == 3 * 24 * 24
    assert j.pixel_accuracy == pytest.approx(2 / 3)
    lo, hi = j.intervals["pixel_accuracy"]
    assert lo <= j.pixel_accuracy <= hi and hi - lo > 0
    assert np.array(j.confusion).sum() == j.n_pixels and len(j.confusion) == len(COLOR_CLASSES)


def test_the_rule_takes_the_most_balanced_natural_decoding_or_says_none_is():
    def jd(pixel, balanced, chroma, patch=0.0):
        return J.Judgement(1, 1, pixel, balanced, chroma, chroma, patch, None, {}, {}, [])
    gray = {"a": jd(0.5, 0.11, 0.0)}
    cands = {"timid": {"a": jd(0.6, 0.2, 0.6)}, "vivid": {"a": jd(0.55, 0.3, 0.9)},
             "garish": {"a": jd(0.45, 0.35, 1.3)}, "patchy": {"a": jd(0.56, 0.32, 0.9, 0.3)}}
    assert J.choose(cands, gray) == ("patchy", True)
    assert J.choose(cands, gray, {"a": 0.1}) == ("vivid", True)  # no patchier than the model it replaces
    assert J.choose({k: cands[k] for k in ("timid", "garish")}, gray) == ("timid", False)  # nearest, and said so


def test_judging_follows_the_product_path_exactly():
    cz = _cz()
    rng = np.random.default_rng(1)
    photos = [rng.random((20, 28, 3)), rng.random((16, 16, 3))]
    d = J.Decoding(0.38, 0.2, 0.7, 24)
    stats, gray = J.judge_photos(cz, photos, [d, J.Decoding(0.5, 0.0)])
    cz.temperature, cz.prior_correction, cz.smoothing = 0.38, 0.2, 0.7
    for i, photo in enumerate(photos):
        out = cz.process(photo, size=24).output
        np.testing.assert_array_equal(J.photo_stats(J.Truth.of(photo), out).confusion[0], stats[d].confusion[i])
    assert len(gray) == 2 and J.Judgement.of(gray, resamples=0).chroma_ratio < 0.01


def test_choose_decoding_judges_the_whole_grid_on_every_source():
    cz, rng = _cz(), np.random.default_rng(2)
    grid = J.decoding_grid(sizes=(16,), temperatures=(0.38,), corrections=(0.0, 0.6), smoothing=(0.0, 1.0),
                           gates=(0.0, 0.35))
    photos = {"a": rng.random((3, 16, 16, 3)), "b": rng.random((2, 24, 24, 3))}
    chosen = J.choose_decoding(cz, photos, grid, reference=_cz(), progress=False)
    assert chosen.decoding in grid and len(chosen.table) == 8
    assert set(chosen.gray) == set(chosen.reference) == {"a", "b"}
    assert all(set(row["sources"]) == {"a", "b"} for row in chosen.table)


def test_region_pool_gives_each_region_its_mean_at_full_weight():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 6, 8)).astype(np.float32)
    regions = np.zeros((6, 8), int)
    regions[:, 4:] = 2  # ids need not be consecutive
    np.testing.assert_array_equal(region_pool(z, regions, 0.0), z)
    full = region_pool(z, regions, 1.0)
    np.testing.assert_allclose(full[:, :, :4], np.broadcast_to(z[:, :, :4].mean((1, 2), keepdims=True), (5, 6, 4)),
                               rtol=1e-5)
    half = region_pool(z, regions, 0.5)
    np.testing.assert_allclose(half, 0.5 * z + 0.5 * full, rtol=1e-5, atol=1e-6)
    L = np.zeros((30, 30))
    L[:, 15:] = 90  # two flat halves of very different lightness
    seg = lightness_regions(L)
    assert seg[0, 0] != seg[0, 29] and len(np.unique(seg[:, :12])) == 1  # the edge itself may be its own


def test_vividness_is_one_minus_the_prior_correction(tmp_path):
    from models.inference import save_colornet
    path = tmp_path / "cn.npz"
    save_colornet(_cz().net, path, np.linspace(0.5, 2, 261),
                  {"decode": {"temperature": 0.4, "prior_correction": 0.3, "smoothing": 0.5, "size": 32}})
    cz = Colorizer.from_weights(path)
    assert (cz.vividness, cz.smoothing) == (pytest.approx(0.7), 0.5)
    assert Colorizer.from_weights(path, vividness=0.9).prior_correction == pytest.approx(0.1)
    with pytest.raises(ValueError, match="not both"):
        Colorizer.from_weights(path, vividness=0.9, prior_correction=0.2)
    with pytest.raises(ValueError, match="vividness"):
        Colorizer.from_weights(path, vividness=1.5)
    with pytest.raises(ValueError, match="smoothing"):
        _cz(smoothing=float("nan"))


def test_the_gray_gate_keeps_what_is_probably_gray_gray():
    from models.color import ABQuantizer
    from models.decoding import gray_gate, gray_share
    centers = ABQuantizer().centers
    gray_bin = int(np.argmin(np.hypot(*centers.T)))
    red_bin = int(np.argmin(np.hypot(centers[:, 0] - 60, centers[:, 1] - 40)))
    z = np.full((len(centers), 1, 2), -20.0, np.float32)
    z[gray_bin, 0, 0], z[red_bin, 0, 1] = 5.0, 5.0  # one pixel surely gray, one surely red
    share = gray_share(z, centers)
    assert share[0, 0] > 0.99 and share[0, 1] < 0.01
    np.testing.assert_allclose(gray_gate(np.array([0.0, 0.35, 0.9]), 0.35), [1.0, 0.5, 0.0])
    cz = Colorizer(ColorNet(ColorNetConfig(channels=(8, 16, 32))), np.ones(len(centers)), size=16, gray_gate=0.35)
    ab = cz.decode(z)
    assert np.hypot(*ab[0, 1]) > 40 and np.hypot(*ab[0, 0]) < 1
    with pytest.raises(ValueError, match="gray_gate"):
        _cz(gray_gate=2.0)
