"""One server process, one way into the store at a time: readers together, a writer alone.

DuckDB refuses, inside one process, a read-write connection to a file that is open read-only (and
the other way round): "Can't open a connection to same database file with a different
configuration". The server runs each request's work on a thread, so a slow read (a backtest) and
an approval would collide. The gate lets any number of read-only actions run together and makes
a writing action wait until they are done (and them wait for it).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class StoreGate:
    """A readers-writer lock; writers waiting go first, so a stream of reads cannot starve them."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            while self._writing or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


GATE = StoreGate()
