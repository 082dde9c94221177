"""User-hint simulation: counts, patch colours, masks, regions, seeds."""
import numpy as np
import pytest

from train.common import simulate


@pytest.fixture
def target(rng):
    ab = rng.uniform(-60, 60, (6, 24, 24, 2)).astype(np.float32)
    return ab


def test_point_hints_patch_is_mean_ab(target):
    hint, mask = simulate.point_hints(target, np.random.default_rng(0), count=1, max_patch=4)
    assert hint.shape == target.shape and mask.shape == (6, 24, 24, 1)
    for i in range(6):
        where = mask[i, ..., 0] > 0
        assert 1 <= where.sum() <= 16
        ys, xs = np.nonzero(where)
        patch = target[i, ys.min():ys.max() + 1, xs.min():xs.max() + 1]
        np.testing.assert_allclose(hint[i][where], np.broadcast_to(patch.reshape(-1, 2).mean(0), (where.sum(), 2)),
                                   rtol=1e-5)
        assert not hint[i][~where].any()


def test_point_counts_are_geometric_with_p_one_eighth():
    ab = np.zeros((4000, 8, 8, 2), np.float32)
    rng = np.random.default_rng(1)
    counts = rng.geometric(1 / 8, 4000) - 1
    assert abs(counts.mean() - 7) < 0.5  # mean of (geometric - 1) is (1 - p) / p = 7
    _, mask = simulate.point_hints(ab, np.random.default_rng(2), max_points=0)
    assert not mask.any()
    _, mask = simulate.point_hints(ab[:200], np.random.default_rng(3))
    assert 0.1 < (mask.reshape(200, -1).sum(1) == 0).mean() < 0.2  # P(0 points) = 1/8


def test_seeds_reproduce(target):
    a = simulate.point_hints(target, np.random.default_rng(7))
    b = simulate.point_hints(target, np.random.default_rng(7))
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("method", ["felzenszwalb", "slic"])
def test_region_hints_fill_whole_regions(method, rng):
    L = np.zeros((2, 20, 20))
    L[:, :, 10:] = 80  # two flat halves: the superpixels follow the edge
    ab = np.zeros((2, 20, 20, 2), np.float32)
    ab[:, :, :10] = [40, -20]
    ab[:, :, 10:] = [-30, 50]
    hint, mask = simulate.region_hints(L, ab, np.random.default_rng(0), max_regions=1, method=method)
    for i in range(2):
        where = mask[i, ..., 0] > 0
        assert where.any()
        side = where[:, :10].any(), where[:, 10:].any()
        assert side in ((True, False), (False, True))  # one side only
        expect = [40, -20] if side[0] else [-30, 50]
        np.testing.assert_allclose(hint[i][where], np.broadcast_to(expect, (where.sum(), 2)), atol=1e-5)
    with pytest.raises(ValueError):
        simulate.region_hints(L, ab, rng, method="kmeans")
