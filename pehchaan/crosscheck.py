"""The automated cross-check: every registration against the wanted lists.

Each registration (plate, chassis, engine, owner name) is checked against vehicles that
are stolen, abandoned or linked to wanted persons, by each identifier on its own (plates
are swapped on stolen vehicles), and the owner's name against wanted persons and
proclaimed offenders with the person search. Each hit says which identifier matched, how
(exact, misread, last characters) and with what score.

Speed comes from loading the wanted vehicles' keys into memory once per run (a dict per
identifier: confusion-folded form and its deletion neighbourhood), so a registration
that matches nothing costs a few dictionary look-ups; the misreading model scores only
the few candidates that share a key. The store is read through ``SearchBackend`` only.
"""

from __future__ import annotations

import json
import math
import os
import queue
import re
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from rapidfuzz.distance import OSA

from indexer.base import SearchBackend
from matcher.plate_keys import deletions, fold
from matcher.plate_similarity import (
    MIN_EDIT_COST,
    SCALE,
    Registered,
    describe_ops,
    explain_misread,
    misread_cost,
    similarity_from_cost,
)
from matcher.plates import loose_compact, spelling_variants, state_codes, try_parse
from matcher.vehicle_ids import SHORT_TAIL, TAIL, id_score, id_similarity
from pehchaan.vehicles import KIND as VEHICLES

WANTED_STATUSES = frozenset({"stolen", "abandoned", "wanted-linked"})
WANTED_PERSON_STATUSES = ("wanted", "proclaimed_offender")
# A plate reading hits down to one dropped character (0.59). A reading that is itself a
# valid, different plate must also not be contradicted by the make or model: in densely
# issued series it is usually another real vehicle.
PLATE_MIN = 0.55
MAX_FOLDED_EDITS = int(-SCALE * math.log2(PLATE_MIN) // MIN_EDIT_COST)
ID_MIN = 0.55
NAME_MIN = 0.85
FIELD_ALIASES = {
    "registration": ("registration", "registration_no", "plate", "reg_no", "regn_no"),
    "chassis": ("chassis", "chassis_no", "chassis_number", "vin"),
    "engine": ("engine", "engine_no", "engine_number"),
    "owner_name": ("owner_name", "owner", "owner_names"),
}
MAX_VALUE = 200


class RowError(ValueError):
    """A registration row that cannot be checked; ``field`` names the culprit."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True, slots=True)
class Registration:
    """The identifiers of one registration, as received (normalised for matching)."""

    registration: str | None = None
    chassis: str | None = None
    engine: str | None = None
    owner_name: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


_ALIAS = {alias: (name, rank) for name, aliases in FIELD_ALIASES.items()
          for rank, alias in enumerate(aliases)}


def registration_from_row(values: Mapping[str, Any]) -> Registration:
    """Pick the identifiers out of a CSV/JSONL row; RowError when nothing is checkable."""
    found: dict[str, tuple[int, str, str]] = {}  # name -> (alias rank, alias, value)
    extra: dict[str, str] = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        target = _ALIAS.get(key)
        if target is None:
            extra[key] = str(value)
            continue
        name, rank = target
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        elif not isinstance(value, str | int):
            raise RowError("must be text", key)
        value = str(value).strip()
        if len(value) > MAX_VALUE:
            raise RowError(f"longer than {MAX_VALUE} characters", key)
        if name in found and found[name][0] < rank:
            extra[key] = value
            continue
        if name in found:
            extra[found[name][1]] = found[name][2]
        found[name] = (rank, key, value)
    picked = {name: item[2] for name, item in found.items()}
    for name in ("registration", "chassis", "engine"):
        value = picked.get(name)
        if value is not None and len(loose_compact(value)) < 4:
            raise RowError(f"{value!r} has fewer than 4 letters/digits", name)
    if not picked:
        raise RowError("no registration, chassis, engine or owner name in the row")
    return Registration(picked.get("registration"), picked.get("chassis"),
                        picked.get("engine"), picked.get("owner_name"), extra)


@dataclass(frozen=True, slots=True)
class Hit:
    """One registration matching one wanted record by one identifier."""

    identifier: str  # registration | chassis | engine | owner_name
    how: str  # exact | misread | last N characters | name match
    score: float
    detail: str
    record_kind: str  # vehicles | persons
    record_id: str
    record_status: str
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"identifier": self.identifier, "how": self.how, "score": round(self.score, 4),
                "detail": self.detail, "record_kind": self.record_kind,
                "record_id": self.record_id, "record_status": self.record_status,
                "record": self.summary}


@dataclass(slots=True)
class _WantedVehicle:
    id: str
    status: str
    registration: str | None
    chassis: str | None
    engine: str | None
    summary: dict[str, Any]


def _summary(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: body.get(k) for k in ("registration", "chassis", "engine", "make", "model",
                                      "colour", "status", "district", "police_station", "fir",
                                      "linked_person_ids") if body.get(k)}


class WantedIndex:
    """The wanted vehicles' keys in memory for one run; wanted persons' name keys too."""

    def __init__(self) -> None:
        self.vehicles: list[_WantedVehicle] = []
        # folded spellings and their one-character deletions, one namespace: a reading
        # matches when it or one of its deletions is there (symmetric deletion)
        self.plates: dict[str, Bucket] = {}
        # every folded spelling of each wanted plate, for the cheap lower bound
        self.plate_folds: dict[int, tuple[str, ...]] = {}
        self.plate_facts: dict[int, tuple[str, ...]] = {}  # normalised make, model
        # the plate keys again, prefixed by the normalised model ('' when unknown): a
        # reading that is a valid plate only needs candidates of its own model
        self.plates_by_model: dict[str, Bucket] = {}
        self.unknown_models = 0  # wanted plates without a model (their partition is '')
        self.exact_plates: dict[str, Bucket] = {}
        self.ids: dict[str, IdTables] = {"chassis": IdTables(), "engine": IdTables()}
        self.person_keys: frozenset[str] = frozenset()
        self.backend: SearchBackend | None = None

    @classmethod
    def build(cls, backend: SearchBackend, *, with_persons: bool = True) -> WantedIndex:
        """Read the wanted vehicles (and wanted persons' name keys) through the protocol."""
        index = cls()
        index.backend = backend
        for doc in backend.iter_docs(VEHICLES, batch_size=5000):
            if doc.body.get("status") in WANTED_STATUSES:
                index.add_vehicle(doc.id, doc.body)
        if with_persons:
            index.person_keys = frozenset(_wanted_person_keys(backend))
        return index

    def add_vehicle(self, doc_id: str, body: Mapping[str, Any]) -> None:
        n = len(self.vehicles)
        reg = body.get("registration")
        self.vehicles.append(_WantedVehicle(doc_id, str(body.get("status")), reg,
                                            body.get("chassis"), body.get("engine"),
                                            _summary(body)))
        if reg:
            plate = try_parse(reg)
            spellings = spelling_variants(plate) if plate else (loose_compact(reg),)
            facts = _facts_key(body)
            model = facts[-1]  # the same keys again under the model: see _check_plate
            self.unknown_models += not model
            for spelling in spellings:
                f = fold(spelling)
                _add(self.plates, f, n)
                _add(self.plates_by_model, f"{model}|{f}", n)
                for d in deletions(f):
                    _add(self.plates, d, n)
                    _add(self.plates_by_model, f"{model}|{d}", n)
            if plate is not None:
                _add(self.exact_plates, plate.canonical, n)
            written = Registered.from_text(reg).spellings()
            self.plate_folds[n] = tuple({fold(x) for x in written})
            self.plate_facts[n] = facts
        for name in ("chassis", "engine"):
            value = body.get(name)
            if value:
                self.ids[name].add(fold(loose_compact(str(value))), n)

    # -- checks ------------------------------------------------------------------
    def check(self, reg: Registration) -> list[Hit]:
        """Every wanted record this registration matches, best first."""
        hits: list[Hit] = []
        if reg.registration:
            hits += self._check_plate(reg.registration, reg.extra)
        for name in ("chassis", "engine"):
            value = getattr(reg, name)
            if value:
                hits += self._check_id(name, value)
        if reg.owner_name and self.backend is not None and self.person_keys:
            hits += self._check_owner(reg.owner_name)
        hits.sort(key=lambda h: (-h.score, h.record_id, h.identifier))
        return hits

    def _check_plate(self, text: str, facts: Mapping[str, str] | None = None) -> list[Hit]:
        obs = loose_compact(text)
        if not obs:
            return []
        f = fold(obs)
        keys = (f, *_dels(f))
        parsed = _parsed_canonical(obs)
        vehicles = self.vehicles
        mine = _facts_key(facts)
        if parsed is not None and mine[-1]:
            # a valid plate with a known model: the exact plate, or candidates of the same
            # model or of unknown model (any other model contradicts it)
            found = _gather(self.exact_plates, (parsed,))
            found |= _gather(self.plates_by_model, [f"{mine[-1]}|{k}" for k in keys])
            if self.unknown_models:
                found |= _gather(self.plates_by_model, [f"|{k}" for k in keys])
            found = {n for n in found if vehicles[n].registration == parsed
                     or _agrees(mine, self.plate_facts[n])}
        else:
            found = _gather(self.plates, keys)
            if parsed is not None:  # a valid plate: exact, or not contradicted by the make
                found = {n for n in found if vehicles[n].registration == parsed
                         or _agrees(mine, self.plate_facts[n])}
        if not found:
            return []
        # no error set costs less than MIN_EDIT_COST per edit between folded spellings:
        # candidates two folded edits away cannot reach the threshold, skip the full model
        folds = self.plate_folds
        near = [n for n in found
                if min(OSA.distance(f, s, score_cutoff=MAX_FOLDED_EDITS) for s in folds[n])
                <= MAX_FOLDED_EDITS]
        if not near:
            return []
        hits = []
        for n in near:
            v = vehicles[n]
            assert v.registration is not None
            score = (1.0 if parsed == v.registration else
                     similarity_from_cost(misread_cost(obs, _registered(v.registration))))
            if score >= PLATE_MIN:
                _, ops = explain_misread(obs, _registered(v.registration))
                how = "exact" if not ops else "misread"
                hits.append(Hit("registration", how, score,
                                f"plate {v.registration} ~ {obs}: {describe_ops(ops)}",
                                VEHICLES, v.id, v.status, v.summary))
        return hits

    def _check_id(self, name: str, value: str) -> list[Hit]:
        s = loose_compact(value)
        if len(s) < 4:
            return []
        found = self.ids[name].lookup(fold(s))
        hits = []
        for n in found:
            v = self.vehicles[n]
            recorded = getattr(v, name)
            if not recorded:
                continue
            score = id_score(s, recorded)
            if score >= ID_MIN:
                feature = id_similarity(s, recorded, label=name)
                how = ("exact" if s == recorded else
                       "last characters" if "(last " in feature.detail else "misread")
                hits.append(Hit(name, how, score, feature.detail, VEHICLES, v.id, v.status,
                                v.summary))
        return hits

    def _check_owner(self, owner: str) -> list[Hit]:
        if not _owner_may_be_wanted(owner, self.person_keys):
            return []
        assert self.backend is not None
        return list(_owner_hits(self.backend, owner))


class IdTables:
    """Keys of the wanted chassis (or engine) numbers, confusion-folded.

    A full number is found by its folded form and deletion neighbourhood (one dropped,
    doubled, swapped or substituted character), and by its last 5-6 characters only from
    readings that hold nothing more; a number recorded only as its last characters is
    found from the end of full readings. Tail-only matching between two full numbers
    would tie unrelated engines that share their last digits.
    """

    __slots__ = ("full", "short", "tail5", "tail6")

    def __init__(self) -> None:
        self.full: dict[str, Bucket] = {}
        self.short: dict[str, Bucket] = {}
        self.tail6: dict[str, Bucket] = {}
        self.tail5: dict[str, Bucket] = {}

    def add(self, f: str, n: int) -> None:
        if len(f) > TAIL:
            _add(self.full, f, n)
            for d in _dels(f):
                _add(self.full, d, n)
            _add(self.tail6, f[-TAIL:], n)
            _add(self.tail5, f[-SHORT_TAIL:], n)
        else:
            _add(self.short, f, n)

    def lookup(self, f: str) -> set[int]:
        if len(f) > TAIL:
            found = _gather(self.full, (f, *_dels(f)))
            found |= _gather(self.short, (f[-TAIL:], f[-SHORT_TAIL:]))
            return found
        found = _gather(self.short, (f,))
        found |= _gather(self.tail5, (f[-SHORT_TAIL:],))
        if len(f) == TAIL:
            found |= _gather(self.tail6, (f,))
        return found


def _dels(f: str) -> list[str]:
    return [f[:i] + f[i + 1:] for i in range(len(f))]


Bucket = int | list[int]


def _gather(table: dict[str, Bucket], keys: Iterable[str]) -> set[int]:
    """Union of the buckets of ``keys`` (most are absent). Not ``table.keys() & keys``:
    that copies every key of the table into a new set on each call."""
    found: set[int] = set()
    get = table.get
    for key in keys:
        bucket = get(key)
        if bucket is None:
            continue
        if isinstance(bucket, int):
            found.add(bucket)
        else:
            found.update(bucket)
    return found


CORROBORATING = ("make", "model")


def _facts_key(facts: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Normalised make and model ('' when unknown), compared by ``_agrees``."""
    if not facts:
        return ("",) * len(CORROBORATING)
    return tuple(_norm(str(facts.get(name) or "")) for name in CORROBORATING)


def _agrees(mine: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """A reading that is itself a valid plate, one likely error away from a wanted plate,
    is usually another real vehicle (plates are issued densely): it is a hit only when no
    known make or model contradicts the wanted record."""
    return all(not a or not b or a == b for a, b in zip(mine, theirs, strict=True))


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


_STANDARD = re.compile(r"([A-Z]{2})(\d{1,2})([A-Z]{0,3})(\d{1,4})")


def _parsed_canonical(obs: str) -> str | None:
    """``try_parse(obs).canonical`` (None when not a plate), with the common standard shape
    checked by one regular expression first (the cross-check asks for every reading that
    has a candidate; the test holds it to ``try_parse``)."""
    m = _STANDARD.fullmatch(obs)
    if m:
        state, rto, series, number = m.groups()
        if (state in state_codes() and int(rto) and int(number) and "I" not in series
                and "O" not in series):
            return f"{state}{rto.zfill(2)}{series}{number.zfill(4)}"
    plate = try_parse(obs)
    return None if plate is None else plate.canonical


@lru_cache(maxsize=200_000)
def _registered(registration: str) -> Registered:
    return Registered.from_text(registration)


def _add(table: dict[str, Bucket], key: str, n: int) -> None:
    """Most keys belong to one vehicle: a bare int until a second one comes (memory)."""
    bucket = table.get(key)
    if bucket is None:
        table[key] = n
    elif isinstance(bucket, int):
        if bucket != n:
            table[key] = [bucket, n]
    elif bucket[-1] != n:
        bucket.append(n)


# -- owner names against wanted persons ------------------------------------------------

def _wanted_person_keys(backend: SearchBackend) -> set[str]:
    """Name keys of every wanted person / proclaimed offender (a prefilter only)."""
    from pehchaan.person_index import KIND as PERSONS
    from pehchaan.person_index import NAME_KEY

    keys: set[str] = set()
    for doc in backend.iter_docs(PERSONS, batch_size=5000):
        status = doc.body.get("status")
        statuses = status if isinstance(status, list) else [status]
        if any(s in WANTED_PERSON_STATUSES for s in statuses):
            keys.update(k for k in doc.keys if k.startswith(NAME_KEY))
    return keys


@lru_cache(maxsize=100_000)
def _owner_keys(owner: str) -> frozenset[str]:
    from pehchaan.person_index import NAME_KEY
    from transliteration import name_keys

    try:
        return frozenset(NAME_KEY + k for k in name_keys(owner))
    except Exception:  # a name the transliterator cannot read is simply not prefiltered in
        return frozenset()


def _owner_may_be_wanted(owner: str, person_keys: frozenset[str]) -> bool:
    return not _owner_keys(owner).isdisjoint(person_keys)


_owner_cache: dict[tuple[int, str], tuple[Hit, ...]] = {}


def _owner_hits(backend: SearchBackend, owner: str) -> tuple[Hit, ...]:
    """Person search for the owner among wanted persons; cached per name for the run."""
    cache_key = (id(backend), owner)
    cached = _owner_cache.get(cache_key)
    if cached is not None:
        return cached
    from pehchaan.person_search import PersonQuery, search_persons

    try:
        found = search_persons(backend, PersonQuery(name=owner, status=WANTED_PERSON_STATUSES,
                                                    k=3, min_score=NAME_MIN))
    except Exception:  # a name the person search refuses is not a hit
        found = []
    hits = []
    for h in found:
        body = h.person.to_body()
        status = body.get("status")
        hits.append(Hit("owner_name", "name match", h.score,
                        "; ".join(f.detail for f in h.explained.features if f.detail),
                        "persons", h.person.id,
                        ",".join(status) if isinstance(status, list) else str(status),
                        {k: body.get(k) for k in ("names", "relative_name", "district",
                                                  "status") if body.get(k)}))
    result = tuple(hits)
    if len(_owner_cache) > 100_000:
        _owner_cache.clear()
    _owner_cache[cache_key] = result
    return result


# -- running over a file or a list ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RowResult:
    """The outcome of one input row: its hits, or why it was refused."""

    line: int
    registration: Registration | None
    hits: tuple[Hit, ...] = ()
    error: RowError | None = None

    def hit_dicts(self) -> list[dict[str, Any]]:
        reg = self.registration
        head = {"line": self.line,
                "registration": None if reg is None else {
                    k: getattr(reg, k) for k in ("registration", "chassis", "engine",
                                                 "owner_name") if getattr(reg, k)}}
        return [{**head, **h.as_dict()} for h in self.hits]

    def bad_dict(self) -> dict[str, Any] | None:
        if self.error is None:
            return None
        return {"line": self.line, "field": self.error.field, "reason": self.error.reason}


def check_rows(index: WantedIndex,
               rows: Iterable[tuple[int, Mapping[str, Any] | None, str | None]],
               ) -> Iterator[RowResult]:
    """Check ``(line, values, read_error)`` rows; unreadable or uncheckable rows are reported."""
    for line, values, read_error in rows:
        if values is None:
            yield RowResult(line, None, error=RowError(read_error or "unreadable row"))
            continue
        try:
            reg = registration_from_row(values)
        except RowError as exc:
            yield RowResult(line, None, error=exc)
            continue
        yield RowResult(line, reg, tuple(index.check(reg)))


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
