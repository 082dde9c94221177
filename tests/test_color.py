"""Colour science: Lab against scikit-image, the ab gamut, soft encoding, decoding, prior, classes."""
import numpy as np
import pytest

from models.color import (
    COLOR_CLASSES,
    REFERENCE_RGB,
    ABQuantizer,
    ab_bins,
    color_class,
    gamut_cells,
    lab_to_rgb,
    rgb_to_lab,
)

skcolor = pytest.importorskip("skimage.color")


@pytest.fixture(scope="module")
def quant():
    return ABQuantizer()


def test_lab_agrees_with_scikit_image(rng):
    rgb = rng.random((50, 7, 3))
    np.testing.assert_allclose(rgb_to_lab(rgb), skcolor.rgb2lab(rgb), atol=1e-8)
    lab = skcolor.rgb2lab(rgb)
    np.testing.assert_allclose(lab_to_rgb(lab), skcolor.lab2rgb(lab), atol=1e-8)
    np.testing.assert_allclose(lab_to_rgb(rgb_to_lab(rgb)), rgb, atol=1e-10)
    assert rgb_to_lab(rgb.astype(np.float32)).dtype == np.float32


def test_lab_reference_values():
    # white: the rounded sRGB matrix leaves a, b about 0.005 off zero (scikit-image agrees)
    np.testing.assert_allclose(rgb_to_lab(np.array([1.0, 1.0, 1.0])), [100, 0, 0], atol=0.01)
    np.testing.assert_allclose(rgb_to_lab(np.array([0.0, 0.0, 0.0])), [0, 0, 0], atol=1e-8)
    # sRGB red in CIE Lab (D65): about (53.24, 80.09, 67.20)
    np.testing.assert_allclose(rgb_to_lab(np.array([1.0, 0.0, 0.0])), [53.24, 80.09, 67.20], atol=0.01)
    out_of_gamut = lab_to_rgb(np.array([50.0, 120.0, -120.0]), clip=False)
    assert out_of_gamut.min() < 0 or out_of_gamut.max() > 1
    assert lab_to_rgb(np.array([50.0, 120.0, -120.0])).max() <= 1


def test_the_stored_gamut_table_is_the_computed_one():
    assert np.array_equal(ab_bins(10), gamut_cells(10) * 10) and len(ab_bins(10)) == 261
    assert np.array_equal(ab_bins(20), gamut_cells(20) * 20)  # other grids are computed
    with pytest.raises(ValueError):
        ab_bins(10)[0, 0] = 1  # a shared constant: read-only


def test_gamut_bins_cover_every_srgb_color(quant, rng):
    assert 240 <= quant.num_bins <= 330
    centers = ab_bins()
    assert np.all(centers % 10 == 0)
    ab = rgb_to_lab(rng.random((20000, 3)))[:, 1:]
    nearest = quant.centers[quant.nearest(ab)]
    assert np.abs(nearest - ab).max() <= 5 + 1e-9  # every colour's own bin is in the gamut


def test_in_gamut_colors_decode_back_within_half_a_bin(quant, rng):
    ab = rgb_to_lab(rng.random((3000, 3)))[:, 1:]
    decoded = quant.decode(quant.soft_encode(ab), temperature=0.01)  # T -> 0: the mode
    assert np.abs(decoded - ab).max() <= 5 + 1e-6


def test_soft_targets(quant, rng):
    ab = rgb_to_lab(rng.random((4, 6, 3)))[..., 1:]
    t = quant.soft_encode(ab)
    assert t.shape == (4, 6, quant.num_bins)
    np.testing.assert_allclose(t.sum(-1), 1, rtol=1e-6)
    assert (t >= 0).all() and ((t > 0).sum(-1) == 5).all()
    # the largest weight sits on the nearest bin
    np.testing.assert_array_equal(t.argmax(-1), quant.nearest(ab))


def test_annealed_mean_limits(quant):
    q = quant.num_bins
    one_hot = np.zeros(q)
    one_hot[7] = 1
    np.testing.assert_allclose(quant.decode(one_hot, temperature=1.0), quant.centers[7], atol=1e-6)
    two = np.zeros(q)
    two[[3, 9]] = [0.75, 0.25]
    np.testing.assert_allclose(quant.decode(two, temperature=1.0), 0.75 * quant.centers[3] + 0.25 * quant.centers[9])
    np.testing.assert_allclose(quant.decode(two, temperature=0.01), quant.centers[3], atol=1e-6)
    probs = np.zeros((2, q, 3, 4))
    probs[:, 5] = 1
    assert quant.decode(probs, axis=1).shape == (2, 2, 3, 4)
    with pytest.raises(ValueError):
        quant.decode(one_hot, temperature=0)


def test_prior_and_rebalancing(quant, rng):
    ab = np.concatenate([np.zeros((900, 2)), rgb_to_lab(rng.random((100, 3)))[:, 1:]])
    p = quant.prior(ab)
    assert p.shape == (quant.num_bins,) and abs(p.sum() - 1) < 1e-12
    raw = quant.prior(ab, smooth_sigma=0)
    assert raw[quant.nearest(np.zeros(2))] == pytest.approx(0.9, abs=0.02)
    w = ABQuantizer.rebalance_weights(p, lam=0.5)
    assert (p * w).sum() == pytest.approx(1.0)
    assert w[quant.nearest(np.zeros(2))] < w.mean()  # the common grey is down-weighted
    np.testing.assert_allclose(ABQuantizer.rebalance_weights(p, lam=1.0), 1.0)


def test_color_classes():
    for i, name in enumerate(COLOR_CLASSES[1:], start=1):
        ab = rgb_to_lab(np.array(REFERENCE_RGB[name]))[1:]
        assert color_class(ab) == i, name
    assert color_class(np.array([3.0, -4.0])) == 0  # chroma 5 < 10
    named = {"#2060e0": "blue", "#30a030": "green", "#ffd700": "yellow", "#808080": "achromatic",
             "#ff1493": "pink", "#8b4513": "orange"}  # saddle brown counts as orange/brown
    for hexcode, name in named.items():
        rgb = np.array([int(hexcode[i:i + 2], 16) / 255 for i in (1, 3, 5)])
        assert COLOR_CLASSES[int(color_class(rgb_to_lab(rgb)[1:]))] == name, hexcode
    grid = np.stack(np.meshgrid(np.linspace(-100, 100, 41), np.linspace(-100, 100, 41)), -1)
    classes = color_class(grid)
    assert set(np.unique(classes)) == set(range(9))


def test_fast_nearest_matches_exhaustive_search(quant, rng):
    ab = np.concatenate([rng.uniform(-130, 130, (5000, 2)), rgb_to_lab(rng.random((5000, 3)))[:, 1:]])
    exhaustive = quant._sq_dist(ab).argmin(-1)
    fast = quant.nearest(ab)
    d_fast = np.linalg.norm(ab - quant.centers[fast], axis=1)
    d_exh = np.linalg.norm(ab - quant.centers[exhaustive], axis=1)
    np.testing.assert_allclose(d_fast, d_exh, atol=1e-9)  # same distance (ties may pick either bin)


def test_fast_soft_encoding_matches_exact_on_whole_units(quant, rng):
    whole = np.round(rng.uniform(-100, 100, (2000, 2)))
    np.testing.assert_allclose(quant.soft_encode(whole, exact=False), quant.soft_encode(whole), atol=1e-6)
    ab = rgb_to_lab(rng.random((2000, 3)))[:, 1:]
    fast, exact = quant.soft_encode(ab, exact=False), quant.soft_encode(ab)
    np.testing.assert_allclose(fast.sum(-1), 1, rtol=1e-5)
    # rounding moves a point by at most 0.71 units: the decoded mean moves by about as much
    assert np.abs(quant.decode(fast, 1.0) - quant.decode(exact, 1.0)).max() < 1.5


def test_soft_encoding_channels_first_is_the_same_numbers(quant, rng):
    ab = rgb_to_lab(rng.random((2, 5, 4, 3)))[..., 1:]  # (N, h, w, 2)
    for exact in (True, False):
        np.testing.assert_array_equal(quant.soft_encode(ab, exact=exact, channels_first=True),
                                      np.moveaxis(quant.soft_encode(ab, exact=exact), -1, 1))
