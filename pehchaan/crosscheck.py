"""The automated cross-check: every registration against the wanted lists.

Each registration (plate, chassis, engine, owner name) is checked against vehicles that
are stolen, abandoned or linked to wanted persons, by each identifier on its own (plates
are swapped on stolen vehicles), and the owner's name against wanted persons and
proclaimed offenders with the person search. Each hit says which identifier matched, how
(exact, misread, last characters) and with what score.

The wanted lists live in memory for a run (``pehchaan.wanted_index``); rows (CSV/JSONL,
bad rows reported, not fatal) are read and checked in ``pehchaan.crosscheck_rows``; this
module runs the jobs: submitted, persisted in ``crosscheck.sqlite3`` and resumed after a
restart, and re-exports the rest. The store is read through ``SearchBackend`` only.
"""

from __future__ import annotations

import json
import os
import queue
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexer.base import SearchBackend
from pehchaan.crosscheck_hits import Hit, Registration
from pehchaan.crosscheck_rows import (
    RowChecker,
    RowError,
    RowResult,
    check_rows,
    default_workers,
    registration_from_row,
)
from pehchaan.wanted_index import WantedIndex

__all__ = [
    "Hit",
    "JobRunner",
    "JobStatus",
    "JobStore",
    "Registration",
    "RowChecker",
    "RowError",
    "RowResult",
    "WantedIndex",
    "check_rows",
    "default_workers",
    "get_runner",
    "iter_file_rows",
    "registration_from_row",
    "run_job",
]

# -- jobs: submitted, persisted, resumed after a restart -------------------------------

JOB_DB = "crosscheck.sqlite3"
JOB_INPUTS = "crosscheck-inputs"
CHUNK_ROWS = 1000
_JOB_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY, state TEXT NOT NULL, input TEXT NOT NULL, fmt TEXT NOT NULL,
    total INTEGER NOT NULL, processed INTEGER NOT NULL DEFAULT 0,
    last_line INTEGER NOT NULL DEFAULT 0, hits INTEGER NOT NULL DEFAULT 0,
    bad INTEGER NOT NULL DEFAULT 0, created TEXT NOT NULL, updated TEXT NOT NULL,
    error TEXT
);
CREATE TABLE IF NOT EXISTS results (
    job_id TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
) WITHOUT ROWID;
"""
JOB_STATES = ("queued", "running", "done", "failed")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class JobStatus:
    """A job as its submitter sees it: state and progress."""

    id: str
    state: str
    total: int
    processed: int
    hits: int
    bad: int
    created: str
    updated: str
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "state": self.state,
                "progress": {"processed": self.processed, "total": self.total,
                             "fraction": round(self.processed / self.total, 4)
                             if self.total else 1.0},
                "hits": self.hits, "bad_rows": self.bad, "created": self.created,
                "updated": self.updated, "error": self.error}


class JobStore:
    """Job state, progress and results in ``crosscheck.sqlite3`` under the data directory.

    The results of a chunk and the job's progress are written in one transaction, so a
    job killed at any point resumes after the last committed line with no duplicates.
    """

    def __init__(self, data_dir: Path | str) -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / JOB_INPUTS).mkdir(exist_ok=True)
        self.path = self.data_dir / JOB_DB
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None,
                                     timeout=30.0)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_JOB_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def create_from_rows(self, rows: Sequence[Mapping[str, Any]]) -> JobStatus:
        """A job over rows given in a request; they are saved as JSONL first."""
        job_id = uuid.uuid4().hex[:16]
        path = self.data_dir / JOB_INPUTS / f"{job_id}.jsonl"
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        return self._insert(job_id, path, "jsonl", len(rows))

    def create_from_file(self, source: Path, fmt: str) -> JobStatus:
        """A job over a file already saved under the data directory (an upload)."""
        job_id = uuid.uuid4().hex[:16]
        path = self.data_dir / JOB_INPUTS / f"{job_id}.{fmt}"
        source.replace(path)
        return self._insert(job_id, path, fmt, _count_rows(path, fmt))

    def _insert(self, job_id: str, path: Path, fmt: str, total: int) -> JobStatus:
        now = _now()
        with self._lock:
            self._conn.execute(
                "INSERT INTO jobs(id, state, input, fmt, total, created, updated) "
                "VALUES (?,?,?,?,?,?,?)", (job_id, "queued", str(path), fmt, total, now, now))
        status = self.get(job_id)
        assert status is not None
        return status

    def get(self, job_id: str) -> JobStatus | None:
        with self._lock:  # one connection: never read inside another thread's transaction
            row = self._conn.execute(
                "SELECT id, state, total, processed, hits, bad, created, updated, error "
                "FROM jobs WHERE id=?", (job_id,)).fetchone()
        return None if row is None else JobStatus(*row)

    def unfinished(self) -> list[str]:
        with self._lock:
            rows = self._conn.execute("SELECT id FROM jobs WHERE state IN ('queued','running') "
                                      "ORDER BY created, id").fetchall()
        return [r[0] for r in rows]

    def input_of(self, job_id: str) -> tuple[Path, str, int]:
        with self._lock:
            row = self._conn.execute("SELECT input, fmt, last_line FROM jobs WHERE id=?",
                                     (job_id,)).fetchone()
        return Path(row[0]), row[1], int(row[2])

    def set_state(self, job_id: str, state: str, error: str | None = None) -> None:
        with self._lock:
            self._conn.execute("UPDATE jobs SET state=?, error=?, updated=? WHERE id=?",
                               (state, error, _now(), job_id))

    def commit_chunk(self, job_id: str, last_line: int, results: Sequence[RowResult]) -> None:
        """Results of a chunk and the progress after it, atomically."""
        items: list[tuple[str, str]] = []
        hits = bad = 0
        for res in results:
            if res.error is not None:
                bad += 1
                items.append(("bad", json.dumps(res.bad_dict(), ensure_ascii=False)))
            for hit in res.hit_dicts():
                hits += 1
                items.append(("hit", json.dumps(hit, ensure_ascii=False)))
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                start = conn.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM results "
                                     "WHERE job_id=?", (job_id,)).fetchone()[0]
                conn.executemany(
                    "INSERT INTO results(job_id, seq, kind, body) VALUES (?,?,?,?)",
                    [(job_id, start + i, kind, body) for i, (kind, body) in enumerate(items)])
                conn.execute(
                    "UPDATE jobs SET processed=processed+?, last_line=?, hits=hits+?, "
                    "bad=bad+?, updated=? WHERE id=?",
                    (len(results), last_line, hits, bad, _now(), job_id))
                conn.execute("COMMIT")
            except sqlite3.Error:
                conn.execute("ROLLBACK")
                raise

    def results(self, job_id: str, *, kind: str | None = None, offset: int = 0,
                limit: int = 1000) -> list[dict[str, Any]]:
        sql = "SELECT kind, body FROM results WHERE job_id=?"
        params: list[Any] = [job_id]
        if kind:
            sql += " AND kind=?"
            params.append(kind)
        sql += " ORDER BY seq LIMIT ? OFFSET ?"
        params += [limit, offset]
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        return [{"kind": k, **json.loads(b)} for k, b in rows]


def _count_rows(path: Path, fmt: str) -> int:
    with path.open("rb") as fh:
        lines = sum(1 for line in fh if line.strip())
    return max(0, lines - 1) if fmt == "csv" else lines


def iter_file_rows(path: Path, fmt: str | None = None, *, after_line: int = 0,
                   ) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """``(line, values, error)`` of a CSV/JSONL file, skipping lines already processed."""
    from indexer.ingest import read_rows

    for raw in read_rows(path, fmt):
        if raw.line > after_line:
            yield raw.line, raw.values, raw.error


def run_job(store: JobStore, backend: SearchBackend, job_id: str, *,
            index: WantedIndex | None = None, max_chunks: int | None = None) -> JobStatus:
    """Run (or resume) a job to the end; ``max_chunks`` stops early (tests of resume)."""
    path, fmt, last_line = store.input_of(job_id)
    store.set_state(job_id, "running")
    try:
        index = index or WantedIndex.build(backend)
        chunk: list[tuple[int, dict[str, Any] | None, str | None]] = []
        chunks = 0
        for row in iter_file_rows(path, fmt, after_line=last_line):
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                store.commit_chunk(job_id, chunk[-1][0], list(check_rows(index, chunk)))
                chunk = []
                chunks += 1
                if max_chunks is not None and chunks >= max_chunks:
                    status = store.get(job_id)
                    assert status is not None
                    return status
        if chunk:
            store.commit_chunk(job_id, chunk[-1][0], list(check_rows(index, chunk)))
        store.set_state(job_id, "done")
    except Exception as exc:  # the job records why it stopped; the server keeps running
        store.set_state(job_id, "failed", f"{type(exc).__name__}: {exc}")
    status = store.get(job_id)
    assert status is not None
    return status


class JobRunner:
    """One worker thread per data directory; resumes unfinished jobs when it starts."""

    def __init__(self, store: JobStore, backend: SearchBackend) -> None:
        self.store = store
        self.backend = backend
        self._queue: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._work, name="crosscheck", daemon=True)
        for job_id in store.unfinished():
            self._queue.put(job_id)
        self._thread.start()

    def submit(self, job_id: str) -> None:
        self._queue.put(job_id)

    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            status = self.store.get(job_id)
            if status is not None and status.state in ("queued", "running"):
                run_job(self.store, self.backend, job_id)


_runners: dict[tuple[str, int], JobRunner] = {}
_runners_lock = threading.Lock()


def get_runner(data_dir: Path | str, backend: SearchBackend) -> JobRunner:
    """The runner of a data directory (and store), started (and resuming) on first use."""
    key = (str(Path(data_dir).resolve()), id(backend))
    with _runners_lock:
        runner = _runners.get(key)
        if runner is None:
            runner = JobRunner(JobStore(data_dir), backend)
            _runners[key] = runner
        return runner
