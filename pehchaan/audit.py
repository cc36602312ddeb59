"""The audit trail: append-only and tamper-evident.

Every search, view, ingest, delete and key change becomes one entry (who, agency, role,
time, endpoint, query terms, purpose, case reference, ids returned, outcome). Each entry
carries the SHA-256 of the previous one, so editing or deleting an entry in storage
breaks the chain at that point and ``verify`` names it. Truncating the newest entries
cannot be seen from the chain alone: compare the head ``verify`` prints with one written
down earlier (docs/access.md).

Two stores with one interface: a SQLite file (``audit.sqlite3``, the default, with
triggers refusing UPDATE and DELETE) and documents of kind ``audit`` in any
``SearchBackend`` (used with Elasticsearch).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from indexer.base import IndexDoc, SearchBackend
from pehchaan.errors import BackendError
from pehchaan.sqlite_conn import ThreadConnections

GENESIS = "0" * 64
AUDIT_DB = "audit.sqlite3"
KIND = "audit"
MAX_IDS = 500

Entry = dict[str, Any]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def entry_hash(entry: Entry) -> str:
    """SHA-256 of the canonical JSON of an entry without its own hash."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What an auditor asks for; every field optional."""

    agency: str | None = None
    key_id: str | None = None
    record_id: str | None = None
    since: str | None = None
    until: str | None = None
    flagged: bool | None = None
    before_seq: int | None = None
    limit: int = 100

    def matches(self, entry: Entry) -> bool:
        ts = str(entry.get("ts", ""))
        return ((self.agency is None or entry.get("agency") == self.agency)
                and (self.key_id is None or entry.get("key_id") == self.key_id)
                and (self.record_id is None or self.record_id in (entry.get("ids") or []))
                and (self.since is None or ts >= self.since)
                and (self.until is None or ts <= self.until)
                and (self.flagged is None or bool(entry.get("flags")) == self.flagged)
                and (self.before_seq is None or int(entry["seq"]) < self.before_seq))


@dataclass(slots=True)
class VerifyResult:
    """Outcome of checking the chain: ``first_bad`` is the seq of the first bad entry."""

    ok: bool
    checked: int
    head_seq: int = 0
    head_hash: str = GENESIS
    first_bad: int | None = None
    reason: str = ""
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "checked": self.checked, "head_seq": self.head_seq,
                "head_hash": self.head_hash, "first_bad": self.first_bad,
                "reason": self.reason}


Anchor = tuple[int, str]


def verify_entries(entries: Iterator[Entry], anchor: Anchor | None = None) -> VerifyResult:
    """Walk the chain in seq order; stop at the first entry that does not fit.

    ``anchor`` is a (seq, hash) written down earlier (``verify`` prints the head): the
    log must still hold that entry with that hash, which catches removal of the newest
    entries, the one change the chain cannot show by itself.
    """
    result = _walk(entries, anchor)
    if result.ok and anchor is not None and result.head_seq < anchor[0]:
        return VerifyResult(False, result.checked, result.head_seq, result.head_hash,
                            first_bad=result.head_seq + 1,
                            reason=f"the log ends at entry {result.head_seq} but entry "
                                   f"{anchor[0]} existed: entries {result.head_seq + 1}-"
                                   f"{anchor[0]} were deleted")
    return result


def _walk(entries: Iterator[Entry], anchor: Anchor | None) -> VerifyResult:
    expected, prev, checked = 1, GENESIS, 0
    for entry in entries:
        seq = int(entry.get("seq", -1))
        if seq != expected:
            return VerifyResult(False, checked, expected - 1, prev, first_bad=expected,
                                reason=f"entry {expected} is missing (the next entry "
                                       f"found is {seq}): it was deleted")
        if entry_hash(entry) != entry.get("hash"):
            return VerifyResult(False, checked, expected - 1, prev, first_bad=seq,
                                reason=f"entry {seq} does not match its hash: it was edited")
        if entry.get("prev_hash") != prev:
            return VerifyResult(False, checked, expected - 1, prev, first_bad=seq,
                                reason=f"entry {seq} does not chain to entry {seq - 1}: "
                                       f"entry {seq - 1} was edited, replaced or deleted")
        if anchor is not None and seq == anchor[0] and entry["hash"] != anchor[1]:
            return VerifyResult(False, checked, expected - 1, prev, first_bad=seq,
                                reason=f"entry {seq} is not the one anchored (hash "
                                       f"{anchor[1][:12]}...): the log was rewritten")
        prev, expected, checked = str(entry["hash"]), expected + 1, checked + 1
    return VerifyResult(True, checked, expected - 1, prev)


class AuditLog(Protocol):
    """Where audit entries go; ``append`` returns the stored entry with its hashes."""

    def append(self, record: Entry) -> Entry: ...

    def entries(self) -> Iterator[Entry]: ...

    def search(self, flt: AuditFilter) -> list[Entry]: ...

    def verify(self, anchor: Anchor | None = None) -> VerifyResult: ...

    def close(self) -> None: ...


def _prepare(record: Entry, seq: int, prev: str) -> Entry:
    entry = {k: v for k, v in record.items() if k not in ("seq", "prev_hash", "hash")}
    entry.setdefault("ts", now_iso())
    ids = list(dict.fromkeys(str(i) for i in entry.get("ids") or []))
    entry["ids"] = ids[:MAX_IDS]
    entry["seq"] = seq
    entry["prev_hash"] = prev
    entry["hash"] = entry_hash(entry)
    return entry


_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq  INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_agency ON audit(json_extract(body, '$.agency'));
CREATE INDEX IF NOT EXISTS audit_key ON audit(json_extract(body, '$.key_id'));
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


class SqliteAuditLog:
    """The default audit store: one SQLite file, appends serialised across processes."""

    def __init__(self, data_dir: Path | str, *, filename: str = AUDIT_DB) -> None:
        self.path = Path(data_dir) / filename
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connections = ThreadConnections(self.path)
        self._conn().executescript(_SCHEMA)

    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    def append(self, record: Entry) -> Entry:
        conn = self._conn()
        with self._lock:
            try:
                conn.execute("BEGIN IMMEDIATE")
                row = conn.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
                                   ).fetchone()
                seq, prev = (int(row[0]) + 1, str(row[1])) if row else (1, GENESIS)
                entry = _prepare(record, seq, prev)
                body = {k: v for k, v in entry.items() if k != "hash"}
                conn.execute("INSERT INTO audit(seq, body, hash) VALUES (?,?,?)",
                             (seq, json.dumps(body, ensure_ascii=False, sort_keys=True),
                              entry["hash"]))
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise BackendError(f"the audit log refused the entry: {exc}") from exc
        return entry

    @staticmethod
    def _entry(body: str, digest: str) -> Entry:
        entry: Entry = json.loads(body)
        entry["hash"] = digest
        return entry

    def entries(self) -> Iterator[Entry]:
        last = 0
        conn = self._conn()
        while True:
            rows = conn.execute("SELECT seq, body, hash FROM audit WHERE seq > ? "
                                "ORDER BY seq LIMIT 1000", (last,)).fetchall()
            if not rows:
                return
            for _, body, digest in rows:
                yield self._entry(body, digest)
            last = int(rows[-1][0])

    def search(self, flt: AuditFilter) -> list[Entry]:
        where, params = ["1=1"], []
        if flt.agency is not None:
            where.append("json_extract(body, '$.agency') = ?")
            params.append(flt.agency)
        if flt.key_id is not None:
            where.append("json_extract(body, '$.key_id') = ?")
            params.append(flt.key_id)
        if flt.before_seq is not None:
            where.append("seq < ?")
            params.append(str(flt.before_seq))
        if flt.since is not None:
            where.append("json_extract(body, '$.ts') >= ?")
            params.append(flt.since)
        if flt.until is not None:
            where.append("json_extract(body, '$.ts') <= ?")
            params.append(flt.until)
        if flt.record_id is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(body, '$.ids') WHERE value = ?)")
            params.append(flt.record_id)
        if flt.flagged is not None:
            where.append("json_array_length(body, '$.flags') " + ("> 0" if flt.flagged
                                                                  else "= 0"))
        sql = (f"SELECT body, hash FROM audit WHERE {' AND '.join(where)} "
               f"ORDER BY seq DESC LIMIT {int(flt.limit)}")
        return [self._entry(b, h) for b, h in self._conn().execute(sql, params)]

    def verify(self, anchor: Anchor | None = None) -> VerifyResult:
        return verify_entries(self.entries(), anchor)

    def close(self) -> None:
        self._connections.close_all()


class BackendAuditLog:
    """Audit entries as documents of kind ``audit`` in a `SearchBackend` (Elasticsearch).

    The head of the chain is read once at start and kept in memory, so one process
    writes the log; filters scan the entries (fine for an auditor's occasional query).
    """

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend
        self._lock = threading.Lock()
        self._head: tuple[int, str] | None = None

    def _load_head(self) -> tuple[int, str]:
        if self._head is None:
            self._head = self._head_by_count() or self._head_by_scan()
        return self._head

    def _head_by_count(self) -> tuple[int, str] | None:
        """The newest entry in two lookups when the log is whole (seq == count)."""
        count = self.backend.count(KIND)
        if count == 0:
            return 0, GENESIS
        last = self.backend.get(KIND, f"{count:012d}")
        if last is None or self.backend.get(KIND, f"{count + 1:012d}") is not None:
            return None
        return count, str(last.get("hash", ""))

    def _head_by_scan(self) -> tuple[int, str]:
        head = (0, GENESIS)
        for doc in self.backend.iter_docs(KIND):
            seq = int(doc.body.get("seq", 0))
            if seq > head[0]:
                head = (seq, str(doc.body.get("hash", "")))
        return head

    def append(self, record: Entry) -> Entry:
        with self._lock:
            seq, prev = self._load_head()
            entry = _prepare(record, seq + 1, prev)
            tags = [f"agency:{entry.get('agency')}", f"key:{entry.get('key_id')}"]
            self.backend.upsert(KIND, [IndexDoc(id=f"{entry['seq']:012d}", body=entry,
                                                keys=("audit",), tags=tuple(tags))])
            self._head = (int(entry["seq"]), str(entry["hash"]))
        return entry

    def entries(self) -> Iterator[Entry]:
        docs = sorted((d.body for d in self.backend.iter_docs(KIND)),
                      key=lambda b: int(b.get("seq", 0)))
        yield from docs

    def search(self, flt: AuditFilter) -> list[Entry]:
        found = [e for e in self.entries() if flt.matches(e)]
        return list(reversed(found))[: flt.limit]

    def verify(self, anchor: Anchor | None = None) -> VerifyResult:
        return verify_entries(self.entries(), anchor)

    def close(self) -> None:
        """The backend is owned by whoever opened it."""


def open_audit_log(data_dir: Path | str, backend: SearchBackend | None,
                   backend_name: str) -> AuditLog:
    """The SQLite log by default; documents in the backend when it is Elasticsearch."""
    if backend_name == "elasticsearch" and backend is not None:
        return BackendAuditLog(backend)
    return SqliteAuditLog(data_dir)
