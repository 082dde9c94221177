"""What every notebook starts with: the shipped-weights flag, a figure display, and the Intel sample.

    from train.common.notebook import USE_SHIPPED_WEIGHTS, show, intel_sample
"""
from __future__ import annotations

import io
import os

import numpy as np

from train.common import data
from train.common.baselines import as_float_images

# True loads the shipped weights (what CI does: MINITORCH_COLOR_SHIPPED_WEIGHTS=1); False trains a
# small ColorNet first (32 px, about 1,500 steps: a few minutes on 2 cores)
USE_SHIPPED_WEIGHTS = os.environ.get("MINITORCH_COLOR_SHIPPED_WEIGHTS", "0") == "1"


def show(fig, dpi: int = 60) -> None:
    """Display a matplotlib Figure built without pyplot (as models/visualize.py and train/ make them)."""
    from IPython.display import Image, display
    buf = io.BytesIO()
    fig.savefig(buf, format="jpeg", dpi=dpi, bbox_inches="tight")
    display(Image(buf.getvalue()))


def intel_sample(n_test: int, size: int, n_train: int = 1000) -> tuple:
    """(test ImageSet, test RGB, train RGB): a seeded sample of Intel test photos without the near-gray
    ones and of training photos for the baselines, as float images at size x size."""
    test = data.load_intel_scenes("test")
    test = test.subset(~test.near_gray)
    train_set = data.load_intel_scenes("train")
    train_set = train_set.subset(~train_set.near_gray)
    test = test.subset(np.sort(np.random.default_rng(0).permutation(len(test))[:n_test]))
    train_pick = np.random.default_rng(0).choice(len(train_set), n_train, replace=False)
    return test, as_float_images(test.images, size), as_float_images(train_set.images[train_pick], size)
