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

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from indexer.base import SearchBackend
from matcher.plate_keys import deletions, fold
from matcher.plate_similarity import (
    Registered,
    describe_ops,
    explain_misread,
    misread_cost,
    similarity_from_cost,
)
from matcher.plates import loose_compact, spelling_variants, try_parse
from matcher.vehicle_ids import TAIL, id_score, id_similarity
from pehchaan.vehicles import KIND as VEHICLES

WANTED_STATUSES = frozenset({"stolen", "abandoned", "wanted-linked"})
WANTED_PERSON_STATUSES = ("wanted", "proclaimed_offender")
PLATE_MIN = 0.55  # one dropped character (0.59) still hits; an arbitrary substitution does not
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


def registration_from_row(values: Mapping[str, Any]) -> Registration:
    """Pick the identifiers out of a CSV/JSONL row; RowError when nothing is checkable."""
    found: dict[str, str | None] = {}
    used: set[str] = set()
    for name, aliases in FIELD_ALIASES.items():
        found[name] = None
        for alias in aliases:
            if alias in values and values[alias] not in (None, ""):
                value = values[alias]
                if isinstance(value, list):
                    value = " ".join(str(v) for v in value)
                if not isinstance(value, str | int):
                    raise RowError("must be text", alias)
                value = str(value).strip()
                if len(value) > MAX_VALUE:
                    raise RowError(f"longer than {MAX_VALUE} characters", alias)
                found[name] = value
                used.add(alias)
                break
    for name in ("registration", "chassis", "engine"):
        value = found[name]
        if value is not None and len(loose_compact(value)) < 4:
            raise RowError(f"{value!r} has fewer than 4 letters/digits", name)
    if not any(found.values()):
        raise RowError("no registration, chassis, engine or owner name in the row")
    extra = {k: str(v) for k, v in values.items() if k not in used and v not in (None, "")}
    return Registration(found["registration"], found["chassis"], found["engine"],
                        found["owner_name"], extra)


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
        self.plate_exact: dict[str, list[int]] = {}
        self.plate_del: dict[str, list[int]] = {}
        self.ids: dict[str, dict[str, list[int]]] = {"chassis": {}, "engine": {}}
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
            for spelling in spellings:
                f = fold(spelling)
                _add(self.plate_exact, f, n)
                for d in deletions(f):
                    _add(self.plate_del, d, n)
        for name in ("chassis", "engine"):
            value = body.get(name)
            if value:
                table = self.ids[name]
                f = fold(loose_compact(value))
                _add(table, "f:" + f, n)
                tail = f[-TAIL:]
                _add(table, "t:" + tail, n)
                for d in deletions(tail):
                    _add(table, "d:" + d, n)

    # -- checks ------------------------------------------------------------------
    def check(self, reg: Registration) -> list[Hit]:
        """Every wanted record this registration matches, best first."""
        hits: list[Hit] = []
        if reg.registration:
            hits += self._check_plate(reg.registration)
        for name in ("chassis", "engine"):
            value = getattr(reg, name)
            if value:
                hits += self._check_id(name, value)
        if reg.owner_name and self.backend is not None and self.person_keys:
            hits += self._check_owner(reg.owner_name)
        hits.sort(key=lambda h: (-h.score, h.record_id, h.identifier))
        return hits

    def _check_plate(self, text: str) -> list[Hit]:
        obs = loose_compact(text)
        if not obs:
            return []
        f = fold(obs)
        found: set[int] = set(self.plate_exact.get(f, ()))
        found.update(self.plate_del.get(f, ()))
        for d in deletions(f):
            found.update(self.plate_exact.get(d, ()))
            found.update(self.plate_del.get(d, ()))
        hits = []
        for n in found:
            v = self.vehicles[n]
            assert v.registration is not None
            registered = _registered(v.registration)
            score = similarity_from_cost(misread_cost(obs, registered))
            if score >= PLATE_MIN:
                _, ops = explain_misread(obs, registered)
                how = "exact" if not ops else "misread"
                hits.append(Hit("registration", how, score,
                                f"plate {v.registration} ~ {obs}: {describe_ops(ops)}",
                                VEHICLES, v.id, v.status, v.summary))
        return hits

    def _check_id(self, name: str, value: str) -> list[Hit]:
        s = loose_compact(value)
        if len(s) < 4:
            return []
        table = self.ids[name]
        f = fold(s)
        tail = f[-TAIL:]
        found: set[int] = set(table.get("f:" + f, ()))
        found.update(table.get("t:" + tail, ()))
        found.update(table.get("d:" + tail, ()))
        for d in deletions(tail):
            found.update(table.get("t:" + d, ()))
            found.update(table.get("d:" + d, ()))
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


@lru_cache(maxsize=200_000)
def _registered(registration: str) -> Registered:
    return Registered.from_text(registration)


def _add(table: dict[str, list[int]], key: str, n: int) -> None:
    bucket = table.get(key)
    if bucket is None:
        table[key] = [n]
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
