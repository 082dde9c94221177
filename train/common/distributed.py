"""Data-parallel training on MPI (mpi4py), in the common loop (train/common/loop.py).

    mpiexec -n 4 python -m mpi4py -m train.train_colornet --distributed --batch=16 ...

Contract
- world(distributed) is Single() (one process: every collective is the identity, nothing of MPI is
  loaded) or MPIWorld over COMM_WORLD. The loop and the trainers call the same methods on either.
- At the start rank 0's weights (parameters and buffers) are broadcast: every rank starts equal.
- Every step each rank runs its own batch (its own shard of the data, its own random stream), then
  average_gradients sums one flat float32 buffer of every gradient with ONE Allreduce and divides by
  the number of ranks; the buffer carries one more value, the stop flag (a rank past --max_minutes),
  so every rank stops at the same step. N ranks of batch b step exactly as one process of batch N*b
  would (up to float32 summation order) when the loss is a mean over the batch and no layer looks
  across the batch.
- Batch norm: each rank normalises with its own batch's statistics (as PyTorch's DDP does without
  SyncBatchNorm); the running statistics are averaged over the ranks before every validation and
  checkpoint, so the saved model is one model. Global batch statistics would cost two more
  collectives per batch-norm layer per step (ColorNet has 12), each a network round trip of
  latency; with 16 photos per rank the per-rank statistics are already a fair estimate.
- Only rank 0 validates, writes checkpoint.npz and best.npz and shows progress; the log record it
  makes is broadcast, so every rank keeps the same history. The checkpoint keeps every rank's
  random state; resumed with as many ranks, each rank goes on with its own stream, with another
  number of ranks the streams start afresh from (seed, step, rank).
- A rank that fails ends the job: `python -m mpi4py` calls MPI_Abort on an exception that leaves
  the program, so no rank waits for ever in a collective.
- world(True), called by the training scripts (the entry points), shares the node's cores among
  its ranks: cores // ranks on this node engine threads each, BLAS at one thread when that is 1
  (MINITORCH_NUM_THREADS, when set, decides instead).
"""
from __future__ import annotations

import os

import numpy as np
from threadpoolctl import threadpool_limits

from minitorch_color.backend import asnumpy, get_array_module
from minitorch_color.kernels.threads import set_num_threads

_blas_held = []  # the threadpoolctl limit that keeps BLAS at one thread in a rank of one engine thread


class Single:
    """One process: rank 0 of 1."""

    rank, size = 0, 1

    def broadcast_model(self, net) -> None:
        pass

    def average_gradients(self, params, stop: bool = False) -> bool:
        return stop

    def average_buffers(self, net) -> None:
        pass

    def mean_numbers(self, numbers: dict) -> dict:
        return numbers

    def bcast(self, obj):
        return obj

    def gather(self, obj) -> list:
        return [obj]

    def barrier(self) -> None:
        pass


class MPIWorld(Single):
    """Every rank of an MPI communicator (COMM_WORLD unless given)."""

    def __init__(self, comm=None):
        from mpi4py import MPI  # late: importing it starts MPI, which a one-process run never needs
        self.MPI = MPI
        self.comm = comm or MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        self._buffer = None

    def broadcast_model(self, net) -> None:
        """Rank 0's parameters and buffers on every rank."""
        for p in net.parameters():
            p.data[...] = self._bcast_array(p.data)
        for _, b in net.named_buffers():
            b[...] = self._bcast_array(b)

    def _bcast_array(self, a):
        host = np.ascontiguousarray(asnumpy(a))
        self.comm.Bcast(host, root=0)
        return get_array_module(a).asarray(host)

    def average_gradients(self, params, stop: bool = False) -> bool:
        """Each parameter's gradient averaged over the ranks (a missing one counts as zero), by one
        Allreduce of one flat float32 buffer; True when any rank asked to stop."""
        params = list(params)
        sizes = [p.data.size for p in params]
        total = sum(sizes) + 1
        if self._buffer is None or self._buffer.size != total:
            self._buffer = np.empty(total, np.float32)
        buf, at = self._buffer, 0
        for p, n in zip(params, sizes):
            buf[at:at + n] = 0.0 if p.grad is None else asnumpy(p.grad).ravel()
            at += n
        buf[-1] = float(bool(stop))
        self.comm.Allreduce(self.MPI.IN_PLACE, buf, op=self.MPI.SUM)
        buf[:-1] *= np.float32(1.0 / self.size)
        at = 0
        for p, n in zip(params, sizes):
            xp = get_array_module(p.data)
            p.grad = xp.asarray(buf[at:at + n].reshape(p.data.shape), dtype=p.data.dtype)
            at += n
        return bool(buf[-1] > 0)

    def average_buffers(self, net) -> None:
        """The floating buffers (batch norm's running statistics) averaged over the ranks."""
        for _, b in net.named_buffers():
            if np.issubdtype(b.dtype, np.floating):
                host = np.ascontiguousarray(asnumpy(b), dtype=np.float64)
                self.comm.Allreduce(self.MPI.IN_PLACE, host, op=self.MPI.SUM)
                b[...] = get_array_module(b).asarray(host / self.size, dtype=b.dtype)

    def mean_numbers(self, numbers: dict) -> dict:
        """{name: mean over the ranks} of each rank's {name: number} (the same names on every rank)."""
        gathered = self.comm.allgather(numbers)
        return {k: float(np.mean([g[k] for g in gathered])) for k in numbers}

    def bcast(self, obj):
        return self.comm.bcast(obj, root=0)

    def gather(self, obj) -> list:
        """Every rank's obj on rank 0 (None elsewhere)."""
        return self.comm.gather(obj, root=0)

    def barrier(self) -> None:
        self.comm.Barrier()


def world(distributed: bool) -> Single:
    """MPIWorld when asked for (under mpiexec), its ranks sharing this node's cores; Single otherwise."""
    if not distributed:
        return Single()
    w = MPIWorld()
    share_cores(w)
    return w


def share_cores(w: MPIWorld) -> int:
    """Engine threads for this rank: the node's cores over its ranks (at least 1); the number set."""
    if "MINITORCH_NUM_THREADS" in os.environ:
        return int(os.environ["MINITORCH_NUM_THREADS"])
    local = w.comm.Split_type(w.MPI.COMM_TYPE_SHARED).Get_size()
    threads = max(1, (os.cpu_count() or 1) // local)
    set_num_threads(threads)
    if threads == 1 and not _blas_held:
        _blas_held.append(threadpool_limits(limits=1, user_api="blas"))
    return threads


def shard(n: int, world_: Single) -> slice:
    """The rank's share of n items: every size-th one, starting at its rank."""
    return slice(world_.rank, n, world_.size)
