"""train/run_state.py: a run's resume state saved as the single commit of its own branch."""
import subprocess

import numpy as np
import pytest

import minitorch_color as mt
from train import run_state


def _git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def test_save_replaces_the_state_and_restore_brings_it_back(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "main")
    monkeypatch.chdir(repo)
    monkeypatch.setenv("GIT_AUTHOR_NAME", "t")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "t@t")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "t")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "t@t")
    run = tmp_path / "run"
    run.mkdir()
    for step in (3, 7):
        mt.save({"step": step, "model": {"w": np.full(4, float(step), np.float32)}}, run / "checkpoint.npz")
        run_state.save(run, "state")
    log = _git(repo, "log", "--format=%s", "state").strip().splitlines()
    assert len(log) == 1 and "step 7" in log[0]  # one commit: the older state is not kept
    assert _git(repo, "status", "--porcelain") == ""  # the working tree was not touched
    back = tmp_path / "elsewhere"
    assert "step 7" in run_state.restore(back, "state")
    np.testing.assert_array_equal(mt.load(back / "checkpoint.npz")["model"]["w"], np.full(4, 7.0, np.float32))
    clone = tmp_path / "clone"  # a fresh machine: the branch is origin/state there
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    monkeypatch.chdir(clone)
    assert "step 7" in run_state.restore(tmp_path / "again", "state")
    with pytest.raises(SystemExit, match="no branch nope"):
        run_state.restore(tmp_path / "x", "nope")
