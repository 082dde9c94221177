"""The weights in weights/: each matches its card, loads without pickle, and does its job on a real photo."""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

WEIGHTS = Path(__file__).resolve().parent.parent / "weights"
CARDS = sorted(WEIGHTS.glob("*.json"))


def test_every_weights_file_has_a_card():
    files = sorted(WEIGHTS.glob("*.npz"))
    assert files, "no weights shipped"
    assert [f.with_suffix(".json") for f in files] == CARDS
    assert all(f.stat().st_size < 8_000_000 for f in files)  # a few MB each


@pytest.mark.parametrize("card_path", CARDS, ids=[c.stem for c in CARDS])
def test_card_matches_its_file(card_path):
    card = json.loads(card_path.read_text())
    path = WEIGHTS / card["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == card["sha256"]
    assert card["command"] if "command" in card else card["training"]["command"]
    assert card["metrics"]


def test_shipped_colornet_colorizes_a_real_photo():
    """On scikit-image's rocket photo (sky over trees), reduced to gray: the result keeps the
    lightness, is not gray, and puts blue above green like the original."""
    import skimage.data

    from models.color import rgb_to_lab
    from models.inference import Colorizer
    cz = Colorizer.from_weights()
    truth = skimage.data.rocket().astype(np.float32) / 255  # 427 x 640
    lab = rgb_to_lab(truth)
    out = cz.colorize(lightness=lab[..., 0])
    out_lab = rgb_to_lab(out)
    assert out.shape == truth.shape
    assert np.median(np.abs(out_lab[..., 0] - lab[..., 0])) < 1.0
    chroma = np.hypot(out_lab[..., 1], out_lab[..., 2])
    assert np.median(chroma) > 5, "output is practically gray"
    sky = out_lab[:80, :, 2].mean()  # b < 0 is blue
    assert sky < lab[:80, :, 2].mean() + 15 and sky < 0, sky
