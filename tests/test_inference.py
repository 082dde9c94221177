"""Colorizer: weights files, decoding, full-resolution recombination and the process view."""
import numpy as np
import pytest

import minitorch_color as mt
from models.color import ABQuantizer, rgb_to_lab
from models.colornet import ColorNet, ColorNetConfig
from models.hints import Hints
from models.inference import Colorizer, save_colornet, work_shape
from models.visualize import activation_grid
from models.weights import WeightsError

TINY = ColorNetConfig(channels=(8, 16, 32, 64))


@pytest.fixture(scope="module")
def tiny_weights(tmp_path_factory):
    mt.manual_seed(0)
    path = tmp_path_factory.mktemp("w") / "tiny.npz"
    w = np.linspace(0.5, 2.0, 261)
    save_colornet(ColorNet(TINY), path, w, {"decode": {"size": 32, "temperature": 0.5},
                                           "scene_classes": list("abcdef")})
    return path


def test_weights_round_trip_in_float16(tiny_weights):
    cz = Colorizer.from_weights(tiny_weights)
    assert (cz.size, cz.temperature, cz.scene_classes) == (32, 0.5, tuple("abcdef"))
    assert all(p.data.dtype == np.float32 for p in cz.net.parameters())
    blob = mt.load(tiny_weights)
    assert blob["model"]["encoders.0.conv1.weight"].dtype == np.float16
    np.testing.assert_allclose(np.exp(cz.log_w), np.linspace(0.5, 2.0, 261), rtol=1e-6)
    assert Colorizer.from_weights(tiny_weights, size=48, temperature=None).size == 48


def _carded(path):
    """The file with a card recording its sha256, as a maker of weights would write it."""
    import json

    from models.weights import sha256
    path.with_suffix(".json").write_text(json.dumps({"sha256": sha256(path)}))
    return path


def test_wrong_weight_files_are_refused(tmp_path, tiny_weights):
    with pytest.raises(WeightsError, match="no such weights file"):
        Colorizer.from_weights(tmp_path / "nope.npz")
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, a=np.zeros(3))
    with pytest.raises(WeightsError, match="not a minitorch_color file"):
        Colorizer.from_weights(_carded(foreign))
    other = tmp_path / "other.npz"
    mt.save({"w": np.zeros(2)}, other, metadata={"kind": "something else"})
    with pytest.raises(WeightsError, match="not colornet weights"):
        Colorizer.from_weights(_carded(other))
    truncated = tmp_path / "trunc.npz"
    truncated.write_bytes(tiny_weights.read_bytes()[:5000])
    with pytest.raises(WeightsError):
        Colorizer.from_weights(_carded(truncated))
    blob, meta = mt.load(tiny_weights), mt.serialization.load_metadata(tiny_weights)
    meta["model_config"]["channels"] = [8, 16, 32, 32]
    mt.save(blob, tmp_path / "misfit.npz", metadata=meta)
    with pytest.raises(WeightsError, match="do not fit"):
        Colorizer.from_weights(_carded(tmp_path / "misfit.npz"))
    with pytest.raises(WeightsError, match="no card"):  # weights nobody vouched for
        (tmp_path / "misfit.json").unlink()
        Colorizer.from_weights(tmp_path / "misfit.npz")


def test_old_film_grays_get_their_own_decoding_unless_the_caller_chose_one(tmp_path):
    mt.manual_seed(0)
    net = ColorNet(ColorNetConfig(channels=(8, 16), film_inputs=True))
    path = tmp_path / "film.npz"
    save_colornet(net, path, np.linspace(0.5, 2.0, 261), {"decode": {
        "size": 16, "temperature": 0.6, "prior_correction": 0.75,
        "old_film": {"temperature": 0.2, "prior_correction": 0.25, "rule": "test"}}})
    cz = Colorizer.from_weights(path)
    assert cz.decoding() == (0.6, 0.75) and cz.decoding("orthochromatic") == (0.2, 0.25)
    image = np.random.default_rng(0).random((16, 16))
    for film, (T, a) in (("blue-sensitive", (0.2, 0.25)), ("panchromatic", (0.6, 0.75))):
        result = cz.process(image, film=film, explain=True)
        assert result.prediction.film == film
        np.testing.assert_allclose(cz.ab(result.prediction), cz.decode(result.prediction.logits, T, a))
    assert not np.allclose(cz.decode(result.prediction.logits, 0.2, 0.25), cz.decode(result.prediction.logits))
    chosen = Colorizer.from_weights(path, temperature=0.38)  # a user's --temperature holds for every film
    assert chosen.decoding("orthochromatic") == (0.38, 0.75) and chosen.old_film_decoding is None


def test_decode_is_the_annealed_mean_and_prior_correction_undoes_the_weights():
    q = ABQuantizer()
    net = ColorNet(TINY)
    w = np.exp(np.random.default_rng(0).normal(size=q.num_bins))
    cz = Colorizer(net, w)
    logits = np.random.default_rng(1).normal(size=(q.num_bins, 3, 4)).astype(np.float32)
    p = np.exp(logits - logits.max(0))
    p /= p.sum(0)
    np.testing.assert_allclose(cz.decode(logits, 0.38, 0.0), q.decode(p, 0.38, axis=0).transpose(1, 2, 0), atol=1e-3)
    corrected = p / w[:, None, None]
    corrected /= corrected.sum(0)
    np.testing.assert_allclose(cz.decode(logits, 1.0, 1.0), q.decode(corrected, 1.0, axis=0).transpose(1, 2, 0),
                               atol=1e-3)
    # a very low temperature picks the mode's centre; batches decode like single images
    top = logits.argmax(0)
    sharp = logits.copy()
    np.put_along_axis(sharp, top[None], np.take_along_axis(logits, top[None], 0) + 1.0, 0)
    np.testing.assert_allclose(cz.decode(sharp, 0.01, 0.0), q.centers[top], atol=1e-2)
    assert cz.decode(np.stack([logits, logits]), 0.38).shape == (2, 3, 4, 2)
    with pytest.raises(ValueError):
        cz.decode(logits, 0.0)


@pytest.mark.parametrize("hw, size, expected", [((100, 150), 64, (40, 64)), ((512, 512), 128, (128, 128)),
                                                 ((10, 1000), 64, (8, 64))])
def test_work_shape_keeps_aspect_and_multiples(hw, size, expected):
    assert work_shape(hw, size) == expected


def test_colorize_keeps_full_resolution_lightness(tiny_weights):
    cz = Colorizer.from_weights(tiny_weights)
    rng = np.random.default_rng(0)
    img = rng.random((37, 53, 3)).astype(np.float32)
    out = cz.colorize(img)
    assert out.shape == img.shape and out.dtype == np.float32
    L_in, L_out = rgb_to_lab(img)[..., 0], rgb_to_lab(out)[..., 0]
    assert np.median(np.abs(L_in - L_out)) < 1.0  # gamut clipping may move a few pixels
    gray = np.repeat(rgb_to_lab(img)[..., :1] / 100, 3, -1)  # not the same as L, but a colour input
    np.testing.assert_allclose(cz.colorize(img), cz.colorize(lightness=rgb_to_lab(img)[..., 0]), atol=1e-5)
    assert cz.colorize(gray).shape == img.shape


def test_hints_change_the_color_where_they_are(tiny_weights):
    cz = Colorizer.from_weights(tiny_weights)
    img = np.full((64, 64, 3), 0.5, np.float32)
    a = cz.predict(img)
    b = cz.predict(img, Hints().add_point(10, 10, (1, 0, 0)))
    assert b.hint_mask.sum() > 0 and a.hint_mask.sum() == 0
    assert not np.allclose(a.logits, b.logits)


def test_process_explains_only_when_asked(tiny_weights):
    cz = Colorizer.from_weights(tiny_weights)
    img = np.random.default_rng(0).random((48, 40, 3)).astype(np.float32)
    plain = cz.process(img)
    assert plain.output.shape == (48, 40, 3)
    assert plain.stages is None and plain.entropy is None and plain.activations == {}
    result = cz.process(img, layers=cz.layer_names(), explain=True)
    np.testing.assert_array_equal(result.output, plain.output)
    pred = result.prediction
    assert [s.shape for s in result.stages] == [pred.work_hw + (3,)] * 4
    assert result.entropy.shape == pred.work_hw
    assert 0 <= result.entropy.min() and result.entropy.max() <= np.log2(261) + 1e-4
    assert result.entropy.max() > 0.5  # an untrained network is unsure: the map is not all zeros
    assert set(result.activations) == set(cz.layer_names())
    assert result.activations["encoders.0"].shape[0] == 8
    assert result.gray.shape == (48, 40, 3)
    scene = result.scene
    assert scene.name in "abcdef" and scene.probability == max(scene.probabilities.values())
    assert abs(sum(scene.probabilities.values()) - 1) < 1e-6
    with pytest.raises(KeyError, match="unknown layer"):
        cz.predict(img, layers=["nope"])
    assert not cz.net._forward_hooks and not cz.net.encoders[0]._forward_hooks  # hooks removed


def test_suggestions_are_distinct_and_sorted(tiny_weights):
    cz = Colorizer.from_weights(tiny_weights)
    pred = cz.predict(np.random.default_rng(0).random((32, 32, 3)).astype(np.float32))
    s = cz.suggestions(pred, 5, 7, k=4, min_separation=15)
    assert len(s) == 4
    probs = [x["prob"] for x in s]
    assert probs == sorted(probs, reverse=True) and sum(probs) <= 1 + 1e-6
    ab = np.array([x["ab"] for x in s])
    assert min(np.hypot(*(ab[i] - ab[j])) for i in range(4) for j in range(i)) >= 15
    assert all(len(x["rgb"]) == 3 and all(0 <= c <= 1 for c in x["rgb"]) for x in s)
    with pytest.raises(ValueError, match="outside"):
        cz.suggestions(pred, 40, 3)


def test_activation_grid_scales_each_channel():
    act = np.stack([np.arange(12.0).reshape(3, 4), np.full((3, 4), 5.0), -np.arange(12.0).reshape(3, 4)])
    g = activation_grid(act, columns=2)
    assert g.shape == (2 * 4 - 1, 2 * 5 - 1)
    assert g[:3, :4].min() == 0 and g[:3, :4].max() == 1
    assert not g[:3, 5:].any()  # a constant channel shows as zeros
