"""The one training loop (train/common/loop.py): fixed checkpoint keys, exact resume, earlier checkpoints read."""
import json

import numpy as np
import pytest

import minitorch_color as mt
from minitorch_color import nn
from train.common.loop import CHECKPOINT_KEYS, Loop, read_checkpoint

TARGET = np.array([[1.0, -2.0, 0.5]], np.float32)


def tiny_loop(out, steps, max_minutes=0.0):
    mt.manual_seed(0)
    net = nn.Linear(3, 1)
    opt = mt.optim.Adam(net.parameters(), lr=0.05)
    sched = mt.optim.WarmupCosineLR(opt, 2, max(steps, 2), 0.001)
    loop = Loop(net, opt, sched, out, {"steps": steps}, steps, log_every=3, max_minutes=max_minutes,
                best_by="score", best_metadata=lambda rec: {"score": rec["score"]})

    def step_fn(rng):
        x = rng.normal(size=(8, 3)).astype(np.float32)
        y = x @ TARGET.T
        err = net(mt.tensor(x)) - mt.tensor(y)
        return (err * err).mean(), {"batch_mean": float(x.mean())}

    def log_fn(step, means):
        return {"score": -float(np.abs(net.weight.data - TARGET).sum()), "batch_mean": means["batch_mean"]}

    return loop, step_fn, log_fn


def test_a_run_checkpoints_with_the_fixed_keys_and_learns(tmp_path):
    loop, step_fn, log_fn = tiny_loop(tmp_path, 12)
    history = loop.run(loop.start(False, seed=1), step_fn, log_fn, progress=False)
    assert [r["step"] for r in history] == [3, 6, 9, 12]
    assert history[-1]["score"] > history[0]["score"] and history[-1]["loss"] < history[0]["loss"]
    ck = mt.load(tmp_path / "checkpoint.npz")
    assert set(ck) == set(CHECKPOINT_KEYS) and ck["step"] == 12
    best = mt.load_metadata(tmp_path / "best.npz")
    assert best["score"] == max(r["score"] for r in history) == ck["best"]


def test_stopped_and_resumed_it_reaches_the_very_weights_of_one_run(tmp_path):
    whole, step_fn, log_fn = tiny_loop(tmp_path / "whole", 12)
    one_go = whole.run(whole.start(False, seed=1), step_fn, log_fn, progress=False)
    first, step_fn, log_fn = tiny_loop(tmp_path / "pieces", 12, max_minutes=1e-9)  # stops after one step
    first.run(first.start(False, seed=1), step_fn, log_fn, progress=False)
    assert mt.load(tmp_path / "pieces" / "checkpoint.npz")["step"] == 1  # between two logs
    second, step_fn, log_fn = tiny_loop(tmp_path / "pieces", 12)
    again = second.run(second.start(True, seed=1), step_fn, log_fn, progress=False)
    assert np.array_equal(whole.net.weight.data, second.net.weight.data)
    assert [r["step"] for r in again] == [r["step"] for r in one_go]
    assert [r["loss"] for r in again] == pytest.approx([r["loss"] for r in one_go])  # the means span the stop


def test_an_earlier_checkpoint_is_read_with_todays_keys(tmp_path):
    mt.save({"model": {}, "optimizer": {}, "config": {"steps": 5}, "step": 4, "best_val": 0.3,
             "history": json.dumps([{"step": 4}]), "styles": json.dumps([{"name": "Monet", "files": []}])},
            tmp_path / "old.npz")
    ck = read_checkpoint(tmp_path / "old.npz")
    assert ck["best"] == 0.3 and ck["extra"]["styles"][0]["name"] == "Monet" and ck["history"] == [{"step": 4}]
    assert ck["seconds"] == 0.0 and ck["running"] == {}
    with pytest.raises(SystemExit, match="no checkpoint"):
        read_checkpoint(tmp_path / "none.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a checkpoint")
    with pytest.raises(SystemExit, match="is not a checkpoint"):
        read_checkpoint(tmp_path / "bad.npz")
