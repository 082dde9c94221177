"""One background thread that runs the latest request only.

submit() replaces whatever is waiting (a newer request supersedes a pending one); the request
being computed finishes, and its result is handed to `done` with its generation number, which
the controller drops if it is no longer the newest. The render thread never waits.
"""
from __future__ import annotations

import threading
import traceback


class Worker:
    def __init__(self, debounce_s: float = 0.0):
        self._cv = threading.Condition()
        self._pending = None
        self._stop = False
        self.debounce_s = debounce_s
        self.busy = False
        self.completed = 0
        self._thread = threading.Thread(target=self._loop, name="colorize-worker", daemon=True)
        self._thread.start()

    def submit(self, gen, job, run, done, fail):
        with self._cv:
            self._pending = (gen, job, run, done, fail)
            self._cv.notify()

    def _loop(self):
        while True:
            with self._cv:
                while self._pending is None and not self._stop:
                    self._cv.wait()
                if self._stop:
                    return
                if self.debounce_s:  # let a burst of edits (a drag) settle into one request
                    self._cv.wait(self.debounce_s)
                gen, job, run, done, fail = self._pending
                self._pending = None
                self.busy = True
            try:
                result = run(job)
            except Exception as e:  # reported to the window; the document stays as it was
                traceback.print_exc()
                fail(gen, str(e) or type(e).__name__)
            else:
                done(gen, result)
            finally:
                with self._cv:
                    self.busy = False
                    self.completed += 1
                    self._cv.notify_all()

    def idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is pending or running (for tests and headless runs)."""
        with self._cv:
            return self._cv.wait_for(lambda: self._pending is None and not self.busy, timeout)

    def stop(self):
        with self._cv:
            self._stop = True
            self._cv.notify_all()
