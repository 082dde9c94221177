"""The single homes of shared concerns: weights location and kinds, image writing, the decoder,
the network input, and the training scripts' configuration."""
import numpy as np
import pytest
from PIL import Image

import minitorch_color as mt
from models import weights as W
from models.classifier import SmallClassifier, load_classifier, save_classifier
from models.color import ABQuantizer
from models.colornet import encode_input
from models.decoding import annealed_mean, entropy_bits, softmax
from models.image_io import load_image, resize, save_image
from train.colornet.training import TrainConfig
from train.common.config import config_dict, config_from_dict, parse_config, parse_overrides


def test_shipped_weights_are_found_beside_the_package_or_through_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv(W.ENV_VAR, raising=False)
    assert W.shipped().name == "colornet.npz" and W.shipped().parent.name == "weights"
    monkeypatch.setenv(W.ENV_VAR, str(tmp_path))
    assert W.shipped("colornet.npz") == tmp_path / "colornet.npz"
    with pytest.raises(W.WeightsError, match="no such weights file"):
        W.load_weights(W.shipped(), "colornet")


def test_weights_of_another_kind_are_refused_by_name(tmp_path):
    net = SmallClassifier(3, width=4)
    path = tmp_path / "clf.npz"
    save_classifier(net, path, {"classes": ["a", "b", "c"], "config": {"width": 4}})
    with pytest.raises(W.WeightsError, match="not colornet weights"):
        W.load_weights(path, "colornet")
    loaded, meta = load_classifier(path)
    x = np.random.default_rng(0).random((2, 8, 8, 3))
    np.testing.assert_array_equal(loaded(mt.tensor(x.transpose(0, 3, 1, 2))).data,
                                  net.eval()(mt.tensor(x.transpose(0, 3, 1, 2))).data)
    assert len(W.sha256(path)) == 64


def test_save_image_is_atomic_and_says_which_formats(tmp_path):
    rgb = np.random.default_rng(0).random((5, 7, 3))
    save_image(rgb, tmp_path / "a.png")
    np.testing.assert_allclose(load_image(tmp_path / "a.png"), np.round(rgb * 255) / 255, atol=1e-6)
    save_image(rgb, tmp_path / "a.jpg")
    assert Image.open(tmp_path / "a.jpg").format == "JPEG"
    with pytest.raises(ValueError, match="save as .png, .jpg, .jpeg"):
        save_image(rgb, tmp_path / "a.gif")
    with pytest.raises(OSError):
        save_image(rgb, tmp_path / "missing" / "a.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "a.png"]  # no temporary file left
    assert resize(rgb, (10, 14)).shape == (10, 14, 3) and resize(rgb[..., 0], (5, 7)).dtype == np.float32


def test_annealed_mean_with_and_without_a_log_prior():
    q = ABQuantizer()
    logits = np.random.default_rng(0).normal(size=(2, q.num_bins, 3, 4))
    T = 0.5
    p = softmax(logits / T, axis=1)
    want = np.einsum("nqhw,qc->nhwc", p, q.centers)
    np.testing.assert_allclose(annealed_mean(logits, q.centers, T, axis=1), want, rtol=1e-10, atol=1e-10)
    prior = np.log(np.linspace(0.1, 1, q.num_bins))
    p2 = softmax((logits + prior[:, None, None]) / T, axis=1)
    np.testing.assert_allclose(annealed_mean(logits, q.centers, T, axis=1, log_prior=prior),
                               np.einsum("nqhw,qc->nhwc", p2, q.centers), rtol=1e-10, atol=1e-10)
    assert annealed_mean(logits.astype(np.float32), q.centers, T, axis=1).dtype == np.float32
    uniform = np.full((1, q.num_bins), 1 / q.num_bins)
    np.testing.assert_allclose(entropy_bits(uniform, axis=1), np.log2(q.num_bins))


def test_network_input_scaling():
    L = np.array([[[0.0, 50.0], [100.0, 25.0]]])
    ab = np.full((1, 2, 2, 2), 55.0)
    x = encode_input(L, ab, np.ones((1, 2, 2, 1)))
    assert x.shape == (1, 4, 2, 2) and x.dtype == np.float32 and x.flags.c_contiguous
    np.testing.assert_allclose(x[0, 0], [[-1, 0], [1, -0.5]])
    np.testing.assert_allclose(x[0, 1:3], 0.5)
    np.testing.assert_array_equal(encode_input(L)[0, 1:], 0)  # no hints: zeros


def test_training_configuration_parses_and_round_trips(capsys):
    cfg = parse_overrides(["--steps=7", "--channels=8,16", "--use_global=false", "--lr=0.5"], TrainConfig())
    assert (cfg.steps, cfg.channels, cfg.use_global, cfg.lr) == (7, (8, 16), False, 0.5)
    assert config_from_dict(TrainConfig, config_dict(cfg)) == cfg
    assert parse_config(["--help"], TrainConfig(), "the doc") is None
    assert "the doc" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="unknown setting 'stpes'"):
        parse_overrides(["--stpes=3"], TrainConfig())
