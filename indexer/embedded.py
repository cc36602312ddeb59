"""The embedded default store: one SQLite file under the data directory.

No server to install. Writes go through SQLite's write-ahead log with full sync, so a
batch that ``upsert`` returned from survives a crash or SIGKILL of the process. Keys are
stored as (kind, key, id) rows in a clustered WITHOUT ROWID table, so a candidate query
is a handful of index range scans aggregated inside SQLite. Each posting row also carries
its document's tags as short codes (``tag_codes``), so a filtered query checks the filter
on the row it is already reading instead of seeking each candidate's tags elsewhere.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson

from indexer.base import Candidate, CandidateQuery, IndexDoc, JsonDict
from pehchaan.errors import BackendError
from pehchaan.sqlite_conn import DURABLE, ThreadConnections

_KEYS_TABLE = """
CREATE TABLE IF NOT EXISTS keys (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    id   TEXT NOT NULL,
    tags TEXT NOT NULL,
    PRIMARY KEY (kind, key, id)
) WITHOUT ROWID
"""
_SCHEMA = _KEYS_TABLE + """;
CREATE TABLE IF NOT EXISTS docs (
    kind TEXT NOT NULL,
    id   TEXT NOT NULL,
    body TEXT NOT NULL,
    keys TEXT NOT NULL,
    tags TEXT NOT NULL,
    PRIMARY KEY (kind, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tag_codes (
    code INTEGER PRIMARY KEY,
    tag  TEXT NOT NULL UNIQUE
);
DROP TABLE IF EXISTS doc_tags;
CREATE TABLE IF NOT EXISTS key_counts (
    kind TEXT NOT NULL,
    key  TEXT NOT NULL,
    n    INTEGER NOT NULL,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kind_counts (
    kind TEXT PRIMARY KEY,
    n    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

log = logging.getLogger(__name__)

SEP = "\x1f"
SCHEMA_VERSION = 5


class EmbeddedBackend:
    """SQLite-backed `SearchBackend`; safe to share between threads."""

    name = "embedded"

    def __init__(self, data_dir: Path | str, *, filename: str = "pehchaan.sqlite3") -> None:
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.path = self.data_dir / filename
        self._connections = ThreadConnections(self.path, (
            *DURABLE, "PRAGMA cache_size=-65536", "PRAGMA temp_store=MEMORY",
            "PRAGMA mmap_size=268435456"))
        self._write_lock = threading.Lock()
        self._tag_codes: dict[str, int] = {}
        with self._write_lock:
            self._conn().executescript(_SCHEMA)
            self._migrate()

    def _migrate(self) -> None:
        """Bring a store written by an older version up to date: every table derived from
        ``docs`` (postings, counts, tags) is rebuilt from it, in one transaction."""
        conn = self._conn()
        row = conn.execute("SELECT value FROM meta WHERE name='schema_version'").fetchone()
        if row is not None and int(row[0]) >= SCHEMA_VERSION:
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            total = conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
            if total:
                log.warning("store %s was written by an older version (schema %s); rebuilding "
                            "its index of %d documents to schema %d, once", self.path,
                            row[0] if row else "unknown", total, SCHEMA_VERSION)
            conn.execute("DROP TABLE IF EXISTS tags")  # v3 and before: one row per tag
            conn.execute("DROP TABLE keys")  # before v5 the postings carried no tags
            conn.execute(_KEYS_TABLE)
            for table in ("key_counts", "kind_counts"):
                conn.execute(f"DELETE FROM {table}")
            codes: dict[str, int] = {}
            last: tuple[str, str] = ("", "")
            while True:
                rows = conn.execute(
                    "SELECT kind, id, keys, tags FROM docs WHERE (kind, id) > (?, ?) "
                    "ORDER BY kind, id LIMIT 5000", last).fetchall()
                if not rows:
                    break
                codes.update(self._assign_codes(conn, {
                    t for *_, tags in rows for t in tags.split(SEP) if t} - codes.keys()))
                key_rows: list[tuple[str, str, str, str]] = []
                for kind, doc_id, keys, tags in rows:
                    coded = _coded(codes, tags.split(SEP))
                    key_rows.extend((kind, k, doc_id, coded) for k in keys.split(SEP) if k)
                conn.executemany("INSERT INTO keys(kind, key, id, tags) VALUES (?,?,?,?)",
                                 sorted(key_rows))
                last = (rows[-1][0], rows[-1][1])
            conn.execute("INSERT INTO key_counts(kind, key, n) "
                         "SELECT kind, key, COUNT(*) FROM keys GROUP BY kind, key")
            conn.execute("INSERT INTO kind_counts(kind, n) SELECT kind, COUNT(*) FROM docs "
                         "GROUP BY kind")
            conn.execute("INSERT OR REPLACE INTO meta(name, value) "
                         "VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._tag_codes.update(codes)

    # -- tag codes -------------------------------------------------------------
    @staticmethod
    def _assign_codes(conn: sqlite3.Connection, tags: Iterable[str]) -> dict[str, int]:
        """Codes for tags, new ones assigned (inside the caller's write transaction)."""
        wanted = sorted(tags)
        conn.executemany("INSERT OR IGNORE INTO tag_codes(tag) VALUES (?)",
                         [(t,) for t in wanted])
        return _read_codes(conn, wanted)

    def _known_codes(self, tags: Iterable[str]) -> dict[str, int]:
        """Codes of the tags some stored document has; codes never change once given,
        so they are cached, and re-read when another process may have added one."""
        wanted = set(tags)
        missing = wanted - self._tag_codes.keys()
        if missing:
            self._tag_codes.update(_read_codes(self._conn(), sorted(missing)))
        return {t: self._tag_codes[t] for t in wanted if t in self._tag_codes}

    # -- connections -------------------------------------------------------
    def _conn(self) -> sqlite3.Connection:
        return self._connections.get()

    # -- writes --------------------------------------------------------------
    def upsert(self, kind: str, docs: Sequence[IndexDoc]) -> None:
        if not docs:
            return
        batch = _last_per_id(docs)
        with self._write_lock:
            conn = self._conn()
            try:
                conn.execute("BEGIN IMMEDIATE")
                existing = self._existing_ids(conn, kind, [d.id for d in batch])
                for doc_id in existing:
                    self._delete_in_txn(conn, kind, doc_id)
                codes = self._assign_codes(conn, {t for d in batch for t in d.tags}
                                           - self._tag_codes.keys())
                codes.update(self._tag_codes)
                doc_rows: list[tuple[str, str, str, str, str]] = []
                key_rows: list[tuple[str, str, str, str]] = []
                for doc in batch:
                    keys = sorted(set(doc.keys))
                    tags = sorted(set(doc.tags))
                    doc_rows.append((kind, doc.id, orjson.dumps(doc.body).decode(),
                                     SEP.join(keys), SEP.join(tags)))
                    coded = _coded(codes, tags)
                    key_rows.extend((kind, k, doc.id, coded) for k in keys)
                key_rows.sort()
                conn.executemany("INSERT INTO docs(kind, id, body, keys, tags) VALUES (?,?,?,?,?)",
                                 doc_rows)
                conn.executemany("INSERT INTO keys(kind, key, id, tags) VALUES (?,?,?,?)",
                                 key_rows)
                self._add_key_counts(conn, kind, Counter(row[1] for row in key_rows), +1)
                self._add_count(conn, kind, len(batch) - len(existing))
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise BackendError(f"embedded store refused the write: {exc}") from exc
            self._tag_codes.update(codes)  # only once committed

    @staticmethod
    def _existing_ids(conn: sqlite3.Connection, kind: str, ids: list[str]) -> list[str]:
        return [row[0] for row in _select_in(
            conn, "SELECT id FROM docs WHERE kind=? AND id IN ({marks})", (kind,), ids)]

    def delete(self, kind: str, doc_id: str) -> bool:
        with self._write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                existed = self._delete_in_txn(conn, kind, doc_id)
                if existed:
                    self._add_count(conn, kind, -1)
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise BackendError(f"embedded store refused the delete: {exc}") from exc
        return existed

    @staticmethod
    def _add_count(conn: sqlite3.Connection, kind: str, delta: int) -> None:
        """Document counts kept beside the data: counting a big table is a full scan."""
        conn.execute("INSERT INTO kind_counts(kind, n) VALUES (?, ?) "
                     "ON CONFLICT(kind) DO UPDATE SET n = n + excluded.n", (kind, delta))

    @staticmethod
    def _add_key_counts(conn: sqlite3.Connection, kind: str, counts: Counter[str],
                        sign: int) -> None:
        """Document frequency per key, kept beside the postings so queries read it in O(1)."""
        conn.executemany(
            "INSERT INTO key_counts(kind, key, n) VALUES (?,?,?) "
            "ON CONFLICT(kind, key) DO UPDATE SET n = n + excluded.n",
            [(kind, key, sign * n) for key, n in sorted(counts.items())])

    @staticmethod
    def _delete_in_txn(conn: sqlite3.Connection, kind: str, doc_id: str) -> bool:
        row = conn.execute("SELECT keys FROM docs WHERE kind=? AND id=?", (kind, doc_id)).fetchone()
        if row is None:
            return False
        keys = [k for k in row[0].split(SEP) if k]
        conn.executemany("DELETE FROM keys WHERE kind=? AND key=? AND id=?",
                         [(kind, k, doc_id) for k in keys])
        EmbeddedBackend._add_key_counts(conn, kind, Counter(keys), -1)
        conn.execute("DELETE FROM docs WHERE kind=? AND id=?", (kind, doc_id))
        return True

    # -- reads ---------------------------------------------------------------
    def get(self, kind: str, doc_id: str) -> JsonDict | None:
        row = self._conn().execute("SELECT body FROM docs WHERE kind=? AND id=?",
                                   (kind, doc_id)).fetchone()
        return None if row is None else orjson.loads(row[0])

    def get_many(self, kind: str, doc_ids: Sequence[str]) -> dict[str, JsonDict]:
        return {doc_id: body for doc_id, (body, _) in self._bodies_and_keys(kind, doc_ids).items()}

    def _bodies_and_keys(self, kind: str,
                         doc_ids: Sequence[str]) -> dict[str, tuple[JsonDict, str]]:
        """Bodies and each document's keys between separators (searched, not split)."""
        rows = _select_in(self._conn(), "SELECT id, body, keys FROM docs "
                          "WHERE kind=? AND id IN ({marks})", (kind,),
                          list(dict.fromkeys(doc_ids)))
        return {doc_id: (orjson.loads(body), SEP + keys + SEP) for doc_id, body, keys in rows}

    def candidates(self, kind: str, query: CandidateQuery) -> list[Candidate]:
        weights = {k: float(w) for k, w in query.keys.items() if k}
        if not weights or query.limit <= 0:
            return []
        codes = self._known_codes(t for group in query.tag_groups for t in group)
        groups = [[SEP + str(codes[t]) + SEP for t in dict.fromkeys(group) if t in codes]
                  for group in query.tag_groups]
        if any(not group for group in groups):
            return []  # a group none of whose tags any document has
        tag_where, tag_params = _tag_filter("k.tags", groups)
        tag_where = f"AND {tag_where} " if groups else ""
        if len(weights) == 1:
            # One key: every candidate has the same score, so the first `limit` ids in the
            # clustered (kind, key, id) index that pass the filter are the answer.
            [(key, weight)] = weights.items()
            sql = f"SELECT k.id FROM keys k WHERE k.kind=? AND k.key=? {tag_where}" \
                  "ORDER BY k.id LIMIT ?"
            ids = [r[0] for r in self._conn().execute(
                sql, [kind, key, *tag_params, int(query.limit)])]
            rows = [(doc_id, weight) for doc_id in ids]
        else:
            # Postings filtered as they are read (they carry the tags), then aggregated.
            values = ",".join("(?,?)" for _ in weights)
            sql = (
                f"WITH q(key, w) AS (VALUES {values}) "
                "SELECT k.id, SUM(q.w) AS s FROM q JOIN keys k ON k.kind=? AND k.key=q.key "
                f"WHERE 1 {tag_where}GROUP BY k.id ORDER BY s DESC, k.id ASC LIMIT ?"
            )
            params = [x for kw in weights.items() for x in kw]
            rows = self._conn().execute(
                sql, [*params, kind, *tag_params, int(query.limit)]).fetchall()
        # Which query keys each candidate carries: read from its row, cheaper than
        # concatenating them during the aggregation.
        found = self._bodies_and_keys(kind, [r[0] for r in rows])
        wanted = sorted(weights)
        return [
            Candidate(id=doc_id, body=found[doc_id][0], key_score=round(score, 6),
                      matched_keys=tuple(k for k in wanted if SEP + k + SEP in found[doc_id][1]))
            for doc_id, score in rows if doc_id in found
        ]

    def key_counts(self, kind: str, keys: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(keys))
        found = dict(_select_in(self._conn(), "SELECT key, n FROM key_counts "
                                "WHERE kind=? AND key IN ({marks})", (kind,), wanted))
        return {key: int(found.get(key, 0)) for key in wanted}

    def count(self, kind: str, tag_groups: Sequence[Sequence[str]] = ()) -> int:
        if not tag_groups:
            row = self._conn().execute("SELECT n FROM kind_counts WHERE kind=?",
                                       (kind,)).fetchone()
            return 0 if row is None else int(row[0])
        groups = [list(dict.fromkeys(group)) for group in tag_groups]
        if any(not group for group in groups):
            return 0
        # Counting by tags is for reports, not searches: the documents' own tags suffice.
        where, params = _tag_filter("(char(31) || d.tags || char(31))",
                                    [[SEP + t + SEP for t in g] for g in groups])
        sql = f"SELECT COUNT(*) FROM docs d WHERE d.kind=? AND {where}"
        return int(self._conn().execute(sql, [kind, *params]).fetchone()[0])

    def iter_docs(self, kind: str, batch_size: int = 1000) -> Iterator[IndexDoc]:
        last = ""
        conn = self._conn()
        while True:
            rows = conn.execute(
                "SELECT id, body, keys, tags FROM docs WHERE kind=? AND id>? ORDER BY id LIMIT ?",
                (kind, last, batch_size)).fetchall()
            if not rows:
                return
            for doc_id, body, keys, tags in rows:
                yield IndexDoc(id=doc_id, body=orjson.loads(body),
                               keys=tuple(k for k in keys.split(SEP) if k),
                               tags=tuple(t for t in tags.split(SEP) if t))
            last = rows[-1][0]

    # -- metadata (small named values, e.g. schema versions, job state) -------
    def get_meta(self, name: str) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, name: str, value: str) -> None:
        with self._write_lock:
            self._conn().execute("INSERT OR REPLACE INTO meta(name, value) VALUES (?,?)",
                                 (name, value))

    def close(self) -> None:
        self._connections.close_all()


def _tag_filter(column: str, groups: Sequence[Sequence[str]]) -> tuple[str, list[str]]:
    """SQL over a column of separator-delimited tags: one of each group's (delimited)
    needles is there."""
    where = " AND ".join(
        "(" + " OR ".join(f"instr({column}, ?) > 0" for _ in group) + ")" for group in groups)
    return where, [needle for group in groups for needle in group]


def _select_in(conn: sqlite3.Connection, sql: str, params: Sequence[object],
               values: Sequence[str]) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sql`` whose ``IN ({marks})`` takes the values 500 at a time (SQLite caps
    the number of parameters of one statement)."""
    for start in range(0, len(values), 500):
        chunk = values[start:start + 500]
        yield from conn.execute(sql.format(marks=",".join("?" * len(chunk))),
                                (*params, *chunk))


def _read_codes(conn: sqlite3.Connection, tags: Sequence[str]) -> dict[str, int]:
    return {tag: int(code) for code, tag in _select_in(
        conn, "SELECT code, tag FROM tag_codes WHERE tag IN ({marks})", (), tags)}


def _coded(codes: dict[str, int], tags: Iterable[str]) -> str:
    """A document's tags as the short codes its posting rows carry, between separators."""
    return SEP + SEP.join(sorted(str(codes[t]) for t in set(tags) if t)) + SEP


def _last_per_id(docs: Sequence[IndexDoc]) -> list[IndexDoc]:
    """Within one batch the last document with a given id wins, as in a bulk load."""
    return list({doc.id: doc for doc in docs}.values())
