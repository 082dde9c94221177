"""Old-photo simulation: emulsions, era parameters, ranges, toning, seeds."""
import numpy as np

from train.common import oldphoto as O


def _scene():
    img = np.zeros((32, 48, 3))
    img[:, :16] = [0.9, 0.1, 0.1]   # red
    img[:, 16:32] = [0.1, 0.7, 0.1]  # green
    img[:, 32:] = [0.1, 0.2, 0.9]   # blue
    return img


def test_emulsions_see_colors_differently():
    img = _scene()
    red, green, blue = (slice(0, 16), slice(16, 32), slice(32, 48))
    bs = O.film_gray(img, "blue-sensitive")
    ortho = O.film_gray(img, "orthochromatic")
    pan = O.film_gray(img, "panchromatic")
    assert bs[:, red].mean() < 0.2 and bs[:, blue].mean() > bs[:, red].mean() * 3  # red goes black
    assert ortho[:, green].mean() > bs[:, green].mean()  # orthochromatic sees green
    assert pan[:, red].mean() > ortho[:, red].mean()  # only panchromatic sees red
    white = O.film_gray(np.ones((2, 2, 3)), "panchromatic")
    np.testing.assert_allclose(white, 1.0, atol=1e-2)


def test_era_parameters_age_with_decade():
    rng = np.random.default_rng(0)
    old = [O.era_params(1860, rng) for _ in range(200)]
    new = [O.era_params(1950, rng) for _ in range(200)]
    assert all(p.emulsion == "blue-sensitive" for p in old)
    assert all(p.emulsion == "panchromatic" for p in new)
    assert np.mean([p.grain for p in old]) > 2 * np.mean([p.grain for p in new])
    assert np.mean([p.dust for p in old]) > np.mean([p.dust for p in new])
    assert any(p.tone == "sepia" for p in old) and all(p.tone == "neutral" for p in new)


def test_simulation_range_toning_and_seeds():
    img = np.random.default_rng(1).random((40, 40, 3))
    for decade in (1850, 1900, 1930, 1970):
        a = O.old_photo(img, decade, np.random.default_rng(decade))
        b = O.old_photo(img, decade, np.random.default_rng(decade))
        np.testing.assert_array_equal(a, b)
        assert a.shape == img.shape and a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1
    params = O.EraParams("panchromatic", 0.0, 0.0, 0.0, 0.0, 0, 0, "sepia")
    sepia = O.simulate_old_photo(np.full((8, 8, 3), 0.5), params, np.random.default_rng(0))
    assert (sepia[..., 0] > sepia[..., 2]).all()
    params.tone = "neutral"
    grey = O.simulate_old_photo(img, params, np.random.default_rng(0))
    np.testing.assert_allclose(grey[..., 0], grey[..., 2])


def test_archive_prints_mounts_and_little_damage():
    img = np.random.default_rng(2).random((60, 80, 3))
    rng = np.random.default_rng(3)
    for decade in (1850, 1890, 1910, 1950):
        a = O.archive_print(img, decade, rng)
        assert a.shape == img.shape and a.dtype == np.float32 and 0 <= a.min() and a.max() <= 1
    card = O.add_mount(np.zeros((60, 80, 3)), "cream card", rng)
    assert (card[0, 0] > 0.6).all() and (card[30, 40] == 0).all()  # the board around, the print inside
    slide = O.add_mount(np.ones((60, 80, 3)), "lantern slide", rng)
    assert slide[0, 0].max() < 0.1 and slide[30, 40].min() == 1.0  # black frame, open middle
    assert O.mount_probability(1870) > O.mount_probability(1910) > O.mount_probability(1950)
