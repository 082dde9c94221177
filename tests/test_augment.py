"""Augmentation invariants: identities, shapes, value ranges, seeds."""
import numpy as np
import pytest

from train.common import augment as A


@pytest.fixture
def batch(rng):
    return rng.random((4, 16, 16, 3)).astype(np.float32)


def test_flip_twice_and_four_quarter_turns_are_identity(batch):
    np.testing.assert_array_equal(A.hflip(A.hflip(batch)), batch)
    np.testing.assert_array_equal(A.rot90(A.rot90(A.rot90(A.rot90(batch)))), batch)
    np.testing.assert_array_equal(A.hflip(batch)[:, :, 0], batch[:, :, -1])
    mask = np.array([True, False, True, False])
    part = A.hflip(batch, mask)
    np.testing.assert_array_equal(part[1], batch[1])
    np.testing.assert_array_equal(part[0], batch[0][:, ::-1])


def test_photometric_ranges_and_effects(batch, rng):
    for out in (A.brightness(batch, 0.5), A.contrast(batch, 3.0), A.gamma(batch, 0.5),
                A.noise(batch, 0.3, rng), A.blur(batch, 1.5), A.rotate(batch, 30.0)):
        assert out.shape == batch.shape and out.dtype == batch.dtype
        assert out.min() >= 0 and out.max() <= 1
    assert A.brightness(batch, 0.1).mean() > batch.mean()
    assert A.contrast(batch, 0.5).std() < batch.std()
    assert A.gamma(batch, 2.0).mean() < batch.mean()
    assert A.blur(batch, 2.0).std() < batch.std()
    np.testing.assert_allclose(A.rotate(batch, 0.0), batch, atol=1e-6)
    np.testing.assert_array_equal(A.blur(batch, 0), batch)


def test_crop_shapes(batch, rng):
    out = A.random_resized_crop(batch, 8, rng)
    assert out.shape == (4, 8, 8, 3) and out.min() >= 0 and out.max() <= 1


def test_composition_is_seeded(batch):
    aug = A.Augment()
    a = aug(batch, np.random.default_rng(5))
    b = aug(batch, np.random.default_rng(5))
    c = aug(batch, np.random.default_rng(6))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.shape == batch.shape and a.min() >= 0 and a.max() <= 1
    assert not np.array_equal(a, batch)  # something changed


@pytest.mark.parametrize("name", ["none", "geometric", "photometric", "degradations", "all", "standard"])
def test_every_recipe_is_seeded_and_keeps_shape_and_range(batch, name):
    recipe = A.recipe(name)
    inp, target = recipe(batch, np.random.default_rng(3))
    again = recipe(batch, np.random.default_rng(3))
    np.testing.assert_array_equal(inp, again[0])
    np.testing.assert_array_equal(target, again[1])
    for out in (inp, target):
        assert out.shape == batch.shape and out.dtype == batch.dtype and out.min() >= 0 and out.max() <= 1
    if name == "none":
        np.testing.assert_array_equal(inp, batch)
        np.testing.assert_array_equal(target, batch)
    else:
        assert not np.array_equal(inp, batch)  # something changed


def test_degradations_touch_the_input_only(batch):
    recipe = A.Recipe(degradations=True, old_photo_p=0.5)
    inp, target = recipe(batch, np.random.default_rng(0))
    np.testing.assert_array_equal(target, batch)  # the colours to learn stay those of the clean photo
    assert not np.array_equal(inp, batch)
    geo, geo_target = A.recipe("geometric")(batch, np.random.default_rng(0))
    np.testing.assert_array_equal(geo, geo_target)  # geometry moves input and colours together


def test_recipes_by_name_and_by_old_boolean():
    assert A.recipe(True) is A.RECIPES["standard"] and A.recipe("false") is A.RECIPES["none"]
    with pytest.raises(ValueError, match="unknown augmentation recipe 'wild'"):
        A.recipe("wild")
