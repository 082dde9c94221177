"""Colorizing an archive on Dask: many processes or machines, a ledger that makes a run resumable.

    colorize scans/ -o out --workers 2                   # an embedded Dask LocalCluster on this machine
    colorize scans/ -o out --scheduler tcp://head:8786   # an existing cluster (or a scheduler file)

Contract
- Workers get file paths, never arrays; each worker process loads the weights once (the command's
  worker function keeps its job per process) and reuses Numba's kernels, compiled once into the
  on-disk cache every worker shares.
- At most `window` photos are in flight at once (submitted as others finish), so a million files
  never sit in the scheduler together.
- OUT/colorize-ledger.jsonl has one line per finished photo ({input, settings, output, status,
  reason}), appended and flushed by the worker as soon as the photo is written (so the ledger knows
  every output, whatever happens to the process that started the run; appends of one short line are
  atomic on a local file system), and by that process for a task that failed outright: a rerun with
  the same settings skips the photos whose output is still there and retries the rest.
- Ctrl-C stops submitting and waits for the photos in hand (a second Ctrl-C cancels them).
- A worker that dies has its photos retried on another (Dask's own retries); every output is
  written under a unique temporary name and then claimed, so nothing is ever half-written.
Dask is imported only when a run asks for workers: the single-process command never loads it.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

LEDGER = "colorize-ledger.jsonl"
# memory a worker needs (peak RSS, 2026-12-06): the interpreter, libraries (Dask's too) and weights, about
# 0.5 GB, and Dask's bookkeeping, growing to 0.6 GB over 2,000 photos; 16 bytes per pixel of the photo
# (24 MP in 0.84 GB at default settings, benchmarks/big_photo.json); the network's activations, about 5 KB
# per pixel of the working size (a 600x800 photo at --size 512: 1.41 GB for the command). The limit is the
# need over 0.8: a worker above 95% of it is restarted by Dask and its photo retried elsewhere. Pausing is
# off: a worker's tasks hold no data to spill, so a paused worker would only wait forever for memory that
# the process keeps for reuse (minitorch_color/memory.py).
BASE_BYTES, BYTES_PER_PIXEL, BYTES_PER_WORK_PIXEL, HEADROOM = 800 * 2**20, 16, 5 * 2**10, 0.8
WORKER_MEMORY_CONFIG = {"distributed.worker.memory.target": False, "distributed.worker.memory.spill": False,
                        "distributed.worker.memory.pause": False, "distributed.worker.memory.terminate": 0.95}


def settings_key(settings: dict) -> str:
    """A short fingerprint of the settings that decide a photo's output (a ledger line holds for them only)."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class Ledger:
    """OUT/colorize-ledger.jsonl: what a run did with each photo, one JSON line each, appended."""

    path: Path

    def done(self, key: str) -> dict:
        """{input: its last record} for the photos written with these settings whose output is still there."""
        out = {}
        if not self.path.is_file():
            return out
        with open(self.path, encoding="utf-8") as f:
            for line in f:
                try:
                    rec = json.loads(line)
                except ValueError:  # a line cut by a crash of the machine: as if that photo were not done
                    continue
                if not isinstance(rec, dict) or rec.get("settings") != key:
                    continue
                if rec.get("status") == "ok" and Path(str(rec.get("output"))).is_file():
                    out[rec["input"]] = rec
                else:
                    out.pop(rec.get("input"), None)
        return out

    def append(self, record: dict, key: str) -> None:
        """One finished photo: a whole line, flushed to disk before the next is written."""
        line = json.dumps({"input": record["input"], "settings": key, "output": record.get("output"),
                           "status": record["status"], "reason": record.get("error")}) + "\n"
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(line)
            f.flush()
            os.fsync(f.fileno())


def worker_memory(files, work_size: int) -> int:
    """Bytes a worker may use: enough for the largest photo among files (read from its header only) at
    working size work_size (the longer side the network sees)."""
    largest = 0
    for path in files:
        try:
            with Image.open(path) as im:
                largest = max(largest, im.size[0] * im.size[1])
        except (OSError, ValueError, Image.DecompressionBombError):
            continue  # the worker will report it
    need = BASE_BYTES + BYTES_PER_PIXEL * largest + BYTES_PER_WORK_PIXEL * work_size ** 2
    return int(need / HEADROOM)


def local_cluster(workers: int, memory_bytes: int):
    """A Dask client on an embedded LocalCluster: `workers` processes with one thread each."""
    import dask
    from dask.distributed import Client, LocalCluster

    dask.config.set(WORKER_MEMORY_CONFIG)  # for the whole run: a nanny hands it to every worker it (re)starts
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory_bytes,
                           dashboard_address=None, silence_logs=40)
    return Client(cluster)


def remote_client(scheduler: str):
    """A Dask client on an existing cluster: a scheduler address (tcp://host:8786) or a scheduler file."""
    from dask.distributed import Client

    if Path(scheduler).is_file():
        return Client(scheduler_file=scheduler)
    return Client(scheduler)


def close(client) -> None:
    """Close a client and, for an embedded cluster, the cluster with it."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def run_windowed(client, items, work, on_done, window: int, *args, on_stop=None) -> None:
    """work(item, *args) for every item on the cluster, at most `window` in flight; on_done(item, result)
    in the order they finish (result: what work returned, or the exception it raised). A task whose
    worker died is retried by Dask on another. Ctrl-C stops submitting and waits for the photos in hand
    (on_stop() is called to say so), then goes up as KeyboardInterrupt; a second Ctrl-C cancels them."""
    from dask.distributed import as_completed

    items = iter(items)
    futures, in_flight = as_completed(), {}
    stop = threading.Event()

    def on_sigint(signum, frame):  # the first Ctrl-C only asks to stop: no exception in the middle of a photo
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if on_stop is not None:
            on_stop()

    def submit(item):
        fut = client.submit(work, item, *args, pure=False)
        in_flight[fut.key] = (item, fut)
        futures.add(fut)

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_sigint) if in_main else None
    try:
        for item in itertools.islice(items, window):
            submit(item)
        for fut in futures:
            item, _ = in_flight.pop(fut.key)
            try:
                result = fut.result()
            except Exception as e:  # a failure inside the task itself (a killed worker is retried first)
                result = e
            on_done(item, result)
            nxt = None if stop.is_set() else next(items, None)
            if nxt is not None:
                submit(nxt)
    except KeyboardInterrupt:  # the second Ctrl-C: stop now
        client.cancel([f for _, f in in_flight.values()])
        raise
    finally:
        if in_main:
            signal.signal(signal.SIGINT, previous)
    if stop.is_set():
        raise KeyboardInterrupt
