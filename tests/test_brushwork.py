"""Brushwork (models/brushwork.py): the palette moves onto the painting's, strokes follow the photo's
edges, flat patches keep edges, ink draws where lightness changes; StyleNet weights carry it, strength
0 still returns the plain colorization exactly, and broken brushwork in a weights file is refused."""
import numpy as np
import pytest

from models import brushwork as B
from models import stylenet as S
from models.color import rgb_to_lab
from models.weights import WeightsError, save_weights
from tests.test_stylenet import NAMES, tiny_stylizer


def blue_palette(n=2000):
    rng = np.random.default_rng(0)
    return np.stack([rng.uniform(20, 70, n), rng.normal(5, 3, n), rng.normal(-45, 5, n)], -1).astype(np.float32)


def test_the_palette_moves_onto_the_paintings_colours_and_keeps_the_photos_order_of_light():
    rng = np.random.default_rng(1)
    lab = np.stack([rng.uniform(10, 90, (40, 40)), rng.normal(10, 8, (40, 40)), rng.normal(20, 8, (40, 40))], -1)
    moved = B.transfer_palette(lab, blue_palette(), amount=1.0, light=0.5)
    assert abs(moved[..., 2].mean() - (-45)) < 3 and abs(moved[..., 1].mean() - 5) < 2  # the palette's a*b*
    assert np.corrcoef(lab[..., 0].ravel(), moved[..., 0].ravel())[0, 1] > 0.95  # lighter stays lighter
    np.testing.assert_allclose(B.transfer_palette(lab, blue_palette(), amount=0.0), lab)
    half = B.transfer_palette(lab, blue_palette(), amount=0.5)
    np.testing.assert_allclose(half[..., 1:], 0.5 * (lab[..., 1:] + moved[..., 1:]), atol=1e-9)


def test_strokes_run_along_the_edges_of_the_photo_not_across_them():
    h = w = 64
    stripes = np.repeat((np.arange(h) // 8 % 2).astype(np.float32)[:, None], w, 1) * 0.6 + 0.2
    rgb = np.repeat(stripes[..., None], 3, -1)
    rgb = rgb + np.random.default_rng(2).normal(0, 0.05, rgb.shape).astype(np.float32)
    out = B.strokes(rgb, length=8, texture=0.0, grain=1.0, smooth=2.0)
    along = np.abs(np.diff(out[..., 0], axis=1)).mean()  # along the stripes: smoothed
    assert along < 0.5 * np.abs(np.diff(rgb[..., 0], axis=1)).mean()
    inner = slice(2, -2)  # the stripes themselves stay: each row keeps its stripe's level
    assert np.abs(out[inner, inner, 0].mean(1) - stripes[inner, 0]).max() < 0.15
    tx, ty = B.flow_field(rgb, 2.0)
    assert np.abs(tx[4:-4, 4:-4]).mean() > 0.95  # horizontal stripes: the flow is horizontal


def test_flat_patches_lose_their_texture_and_keep_their_edges():
    rng = np.random.default_rng(3)
    step = np.zeros((48, 48, 3), np.float32)
    step[:, 24:] = 0.8
    noisy = np.clip(step + rng.normal(0, 0.05, step.shape), 0, 1).astype(np.float32)
    flat = B.flatten(noisy, 0.1)
    assert flat[:, :20].std() < 0.5 * noisy[:, :20].std()
    assert flat[:, 28:].mean() - flat[:, :20].mean() > 0.7


def test_ink_is_drawn_where_lightness_changes_and_nowhere_else():
    img = np.full((40, 40, 3), 0.8, np.float32)
    img[:, 20:] = 0.2
    ink = B.outlines(img, 1.0)
    assert ink[:, :10].min() == 1 and ink[:, 30:].min() == 1
    assert ink[:, 17:23].min() < 0.5


def test_brushes_and_palettes_mix_by_their_shares():
    a, b = B.Brush(stroke=8, ink=0.0), B.Brush(stroke=0, ink=0.6)
    m = B.mix([a, b], [0.75, 0.25])
    assert m.stroke == pytest.approx(6) and m.ink == pytest.approx(0.15)
    pa, pb = np.zeros((100, 3), np.float32), np.ones((100, 3), np.float32)
    mixed = B.mix_palettes([pa, pb], [0.7, 0.3])
    assert len(mixed) == 100 and (mixed[:, 0] == 0).sum() == 70
    with pytest.raises(ValueError, match="unknown brush settings"):
        B.Brush.from_dict({"strokes": 3})


def test_lengths_scale_with_the_photo_so_a_style_looks_the_same_at_any_size():
    rng = np.random.default_rng(4)
    small = np.clip(rng.random((16, 16, 3)), 0, 1).astype(np.float32)
    base = np.kron(small, np.ones((8, 8, 1), np.float32))  # 128 px of 8 px blocks
    big = np.kron(small, np.ones((16, 16, 1), np.float32))  # the same picture at 256 px
    brush = B.Brush(palette=0, flat=0.05, stroke=6, texture=0.0, ink=0.4)
    a, b = B.paint(base, brush), B.paint(big, brush)
    b_down = b.reshape(128, 2, 128, 2, 3).mean((1, 3))
    assert np.abs(a - b_down).mean() < 0.05


def brushed_stylizer(tmp_path):
    plain = S.Stylizer.from_weights(tiny_stylizer(tmp_path))
    palettes = np.stack([blue_palette(256)] * len(NAMES))
    brushes = [B.Brush(stroke=4, texture=0.2), B.Brush(flat=0.1, ink=0.5), B.Brush(palette=0.5)]
    path = tmp_path / "brushed.npz"
    S.save_stylenet(plain.net, path, plain.styles, plain.work_size, plain.metadata, plain.thumbnails, palettes, brushes)
    return plain, S.Stylizer.from_weights(path)


def test_weights_carry_brushwork_and_strength_zero_is_still_the_plain_colorization(tmp_path):
    plain_st, st = brushed_stylizer(tmp_path)
    assert st.brushes[1] == B.Brush(flat=0.1, ink=0.5) and st.palettes[0].shape == (256, 3)
    photo = np.random.default_rng(5).random((37, 50, 3)).astype(np.float32)
    assert np.array_equal(st.stylize(photo, st.blend("Monet", strength=0.0)), photo)
    net_only = plain_st.stylize(photo, plain_st.blend("Van Gogh, The Starry Night"))
    brushed = st.stylize(photo, st.blend("Van Gogh, The Starry Night"))
    assert brushed.shape == photo.shape and brushed.dtype == np.float32
    lab = rgb_to_lab(brushed.astype(np.float64))
    assert lab[..., 2].mean() < rgb_to_lab(net_only.astype(np.float64))[..., 2].mean() - 10  # toward the blue palette
    half = st.stylize(photo, st.blend("Van Gogh, The Starry Night", strength=0.5))
    assert 0 < np.abs(half - photo).mean() < np.abs(brushed - photo).mean()
    narrowed = S.subset(st, ["Gauguin"])
    assert narrowed.brushes == [st.brushes[2]]
    np.testing.assert_array_equal(narrowed.stylize(photo, narrowed.blend("Gauguin")),
                                  st.stylize(photo, st.blend("Gauguin")))


def test_broken_brushwork_in_a_weights_file_is_refused(tmp_path):
    plain = S.Stylizer.from_weights(tiny_stylizer(tmp_path))
    bad = tmp_path / "bad.npz"
    S.save_stylenet(plain.net, bad, plain.styles, plain.work_size, plain.metadata, plain.thumbnails,
                    np.zeros((2, 10, 3)), [B.Brush()] * 2)  # two palettes for three styles
    with pytest.raises(WeightsError, match="brushwork"):
        S.Stylizer.from_weights(bad)
    meta = {**plain.metadata, "styles": [{"name": x.name, "files": list(x.files)} for x in plain.styles],
            "work_size": plain.work_size, "brushes": [{"strokes": 3}] * 3}  # a setting no Brush has
    save_weights(bad, plain.net.state_dict(), S.KIND, meta, arrays={"palettes": np.zeros((3, 10, 3), np.float16)})
    with pytest.raises(WeightsError, match="brush is unreadable"):
        S.Stylizer.from_weights(bad)


def test_a_photo_larger_than_the_brush_size_gets_the_brushwork_upsampled(tmp_path, monkeypatch):
    _, st = brushed_stylizer(tmp_path)
    photo = np.random.default_rng(6).random((37, 50, 3)).astype(np.float32)
    full = st.stylize(photo, st.blend("Gauguin"))
    monkeypatch.setattr(S, "BRUSH_SIZE", 24)  # the brushwork laid at 24 px, its change upsampled
    coarse = st.stylize(photo, st.blend("Gauguin"))
    assert coarse.shape == photo.shape and coarse.dtype == np.float32
    assert np.abs(coarse - photo).mean() > 0.01  # still painted
    assert np.abs(coarse - full).mean() < np.abs(full - photo).mean()  # and much like the full-size brushwork


@pytest.mark.parametrize("shape", [(1, 1, 3), (2, 3, 3), (2, 40, 3)])
def test_tiny_and_flat_photos_are_painted_without_error(tmp_path, shape):
    _, st = brushed_stylizer(tmp_path)
    for photo in (np.zeros(shape, np.float32), np.full(shape, 0.5, np.float32)):
        for name in NAMES:
            out = st.stylize(photo, st.blend(name, 0.7, {NAMES[0]: 0.3}))
            assert out.shape == shape and np.isfinite(out).all()
