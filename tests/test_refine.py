"""Hint refinement: hints hold exactly, corrections spread within a region and stop at lightness edges."""
import numpy as np

from models.refine import propagate


def _scene():
    L = np.full((24, 24), 30.0)
    L[:, 12:] = 80.0  # two regions split by a lightness edge
    ab = np.zeros((24, 24, 2))
    hint = np.zeros((24, 24, 2))
    mask = np.zeros((24, 24, 1))
    hint[5, 3] = (40.0, -20.0)
    mask[5, 3] = 1
    return L, ab, hint, mask


def test_no_hints_changes_nothing():
    L, ab, hint, mask = _scene()
    ab = np.random.default_rng(0).normal(size=ab.shape)
    np.testing.assert_allclose(propagate(L, ab, hint, np.zeros_like(mask)), ab, atol=1e-6)


def test_hints_hold_and_spread_within_their_region_only():
    L, ab, hint, mask = _scene()
    out = propagate(L, ab, hint, mask, reach=1.0, sigma=4.0)
    np.testing.assert_allclose(out[5, 3], (40, -20), atol=1e-4)
    left = np.linalg.norm(out[:, :11], axis=-1).mean()
    right = np.linalg.norm(out[:, 13:], axis=-1).mean()
    assert left > 20 and right < 0.05 * left, (left, right)


def test_smaller_reach_keeps_corrections_local():
    L, ab, hint, mask = _scene()
    far = [np.linalg.norm(propagate(L, ab, hint, mask, reach=r)[20, 10]) for r in (1.0, 0.2, 0.05)]
    assert far[0] > far[1] > far[2] >= 0, far


def test_localize_keeps_the_hinted_answer_near_the_hint_and_the_free_one_beyond_an_edge():
    from models.refine import localize
    L = np.full((20, 40), 50.0)
    L[:, 20:] = 90.0  # an edge of lightness down the middle
    free, hinted = np.zeros((20, 40, 2)), np.full((20, 40, 2), 30.0)  # the network tinted everything
    mask = np.zeros((20, 40), bool)
    mask[10, 5] = True
    out = localize(L, free, hinted, mask, reach=0.2)
    assert np.allclose(out[10, 5], 30) and np.abs(out[:, 25:]).max() < 1  # beyond the edge: as without the hint
    assert out[10, 8, 0] > out[10, 15, 0] > 0  # fading with distance on the hint's side
    np.testing.assert_array_equal(localize(L, free, hinted, np.zeros_like(mask)), free)
