"""The semantic-interpretability classifiers: a tiny run learns, weights and card round-trip."""
import json

import numpy as np

from models.classifier import load_classifier, predict, save_classifier
from train import train_classifier as C


def _data(rng, n=64, size=16):
    y = rng.integers(0, 2, n)
    x = (rng.random((n, size, size, 3)) * 60).astype(np.uint8)
    x[y == 1, ..., 0] += 150  # class 1 is red: only colour tells the classes apart
    return (x, y, ("gray", "red")), (x[:16], y[:16], ("gray", "red"))


def test_tiny_classifier_learns_color_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    cfg = C.ClassifierConfig(dataset="toy", size=16, width=4, epochs=20, batch=16, lr=1e-2)
    net, info = C.train(cfg, progress=False, data=_data(rng))
    assert info["val_accuracy"] >= 0.9, info
    path = tmp_path / "clf.npz"
    save_classifier(net, path, {"config": vars(cfg), **info, "command": "test"})
    card = json.loads(C.write_card(path).read_text())
    assert card["metrics"]["val_accuracy"] == info["val_accuracy"] and len(card["sha256"]) == 64
    loaded, meta = load_classifier(path)
    x = _data(rng)[1][0]
    np.testing.assert_allclose(predict(loaded, x), predict(net, x), atol=1e-5)
