"""Undo and redo of one piece of state, by snapshots: record() before each change.

    h = History(get=lambda: doc.hints, put=lambda s: setattr(doc, "hints", s))
    h.record(); doc.hints.append(p)      # one undo step
    h.undo(); h.redo()                   # True when there was a step to take
"""
from __future__ import annotations

import copy


class History:
    def __init__(self, get, put, limit: int = 200):
        self.get, self.put, self.limit = get, put, limit
        self._undo, self._redo = [], []

    def record(self) -> None:
        """Keep the state as it is now (a deep copy) as the next undo step; a new change clears redo."""
        self._undo.append(copy.deepcopy(self.get()))
        del self._undo[:-self.limit]
        self._redo.clear()

    def clear(self) -> None:
        self._undo.clear()
        self._redo.clear()

    def undo(self) -> bool:
        return self._step(self._undo, self._redo)

    def redo(self) -> bool:
        return self._step(self._redo, self._undo)

    def _step(self, source: list, other: list) -> bool:
        if not source:
            return False
        other.append(copy.deepcopy(self.get()))
        self.put(source.pop())
        return True

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)
