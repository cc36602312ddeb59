"""Per-thread SQLite connections to one file, all closed together.

The API serves requests from a thread pool; a sqlite3 connection must not be used by
two threads at once, so each thread gets its own, opened with the same pragmas.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

DURABLE = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL")


class ThreadConnections:
    """Lazily opened connections (autocommit mode, WAL), one per thread."""

    def __init__(self, path: Path, pragmas: Sequence[str] = DURABLE) -> None:
        self.path = path
        self.pragmas = tuple(pragmas)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []

    def get(self) -> sqlite3.Connection:
        """This thread's connection, opened with the pragmas on first use."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None,
                                   check_same_thread=False)
            for pragma in self.pragmas:
                conn.execute(pragma)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close_all(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
