"""Files written whole or not at all, under names nobody else holds.

Every writer of the project goes through here. The bytes go to a temporary file with a unique name
(tempfile.mkstemp) in the target's folder, are flushed to disk, and only then get their real name:

- with overwrite, by os.replace: the name holds the old file or the new one, never half of either;
- without, the rename is the claim of the name: os.link fails when the name exists, so two runs
  writing into one folder at once never replace each other's files; the writer then tries its next
  name (write_first_free) or says the name is taken (FileExistsError).

A crash or a kill leaves at most a temporary file (TMP_PREFIX...), never a half-written file under
a real name; remove_stale_temporaries deletes those of a folder. Files other than photos (hints,
cards, checkpoints) are read through read_bounded: regular files of a bounded size only.
"""
from __future__ import annotations

import contextlib
import itertools
import os
import signal
import stat
import tempfile
import threading
from pathlib import Path

TMP_PREFIX = ".tmp-"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_temporary(folder: str, suffix: str, write) -> str:
    """A new temporary file in folder holding what write(binary file) wrote, flushed to disk; its path."""
    fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, suffix=suffix[:16], dir=folder)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a written file gets the usual permissions
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return tmp


def _claim(tmp: str, path: str) -> None:
    """Give tmp the name path only if no file holds it (FileExistsError otherwise)."""
    try:
        os.link(tmp, path)  # atomic, and refuses an existing name
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: claim the name empty, then fill it atomically
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666 & ~_umask()))
        os.replace(tmp, path)
        return
    os.unlink(tmp)


def write_atomic(path, write, overwrite: bool = False) -> Path:
    """Write a file through write(binary file object); see the module doc. Returns the path."""
    return write_first_free([path], write, overwrite)


@contextlib.contextmanager
def _ctrl_c_after():
    """Hold a Ctrl-C (SIGINT) that arrives inside the block until it ends, then raise it: a file being
    written is finished and named, or not begun, never left as a temporary. Main thread only (the only
    one Python delivers signals to); elsewhere a no-op."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = []
    previous = signal.signal(signal.SIGINT, lambda *_: held.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
        if held:
            raise KeyboardInterrupt


def write_first_free(candidates, write, overwrite: bool = False) -> Path:
    """Write once, then take the first of the candidate paths (all in one folder) that is free when
    claimed (with overwrite: the first, replaced if it exists). FileExistsError if none is free."""
    with _ctrl_c_after():
        return _write_first_free(iter(candidates), write, overwrite)


def _write_first_free(candidates, write, overwrite: bool) -> Path:
    first = os.fspath(next(candidates))
    folder = os.path.dirname(os.path.abspath(first))
    tmp = _write_temporary(folder, os.path.splitext(first)[1], write)
    try:
        if overwrite:
            os.replace(tmp, first)
            return Path(first)
        for path in itertools.chain([first], map(os.fspath, candidates)):
            try:
                _claim(tmp, path)
                return Path(path)
            except FileExistsError:
                continue
        raise FileExistsError(f"{first}: that name and every other one tried are taken")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def remove_stale_temporaries(folder, suffix: str = "") -> list:
    """Delete the temporary files (ending in suffix) that interrupted writers left in folder; their names."""
    removed = []
    for name in os.listdir(folder):
        if name.startswith(TMP_PREFIX) and name.endswith(suffix):
            os.unlink(os.path.join(folder, name))
            removed.append(name)
    return removed


def read_bounded(path, max_bytes: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most max_bytes. A pipe, device, socket or folder is refused
    before it is opened (reading /dev/zero or a FIFO would never end), and so is a larger file; the
    error (OSError; FileNotFoundError when there is none) names the path and says which."""
    path = os.fspath(path)
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise OSError(f"{path}: not a regular file (a pipe, device, socket or folder), so not read as a {what}")
    if st.st_size > max_bytes:
        raise OSError(f"{path}: {st.st_size:,} bytes, more than a {what} may hold ({max_bytes:,})")
    with open(path, "rb") as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise OSError(f"{path}: grew beyond {max_bytes:,} bytes while being read as a {what}")
    return data
