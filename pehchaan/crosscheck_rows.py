"""Registration rows of a cross-check: read, checked in order, in worker processes.

A row (CSV or JSONL values) becomes a ``Registration`` or a reported bad row. Rows are
checked a batch at a time (plate candidates scored together); with ``workers > 1`` the
batches go to forked processes that share the read-only wanted index, and results come
back in input order. Owner names are checked in this process, which holds the store.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult, Pool
from typing import Any

from matcher.plates import loose_compact
from pehchaan.crosscheck_hits import Hit, Registration, hit_order
from pehchaan.wanted_index import WantedIndex

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

    def __reduce__(self) -> tuple[type[RowError], tuple[str, str | None]]:
        return RowError, (self.reason, self.field)  # crosses to and from worker processes


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
            extra[key] = value if type(value) is str else str(value)
            continue
        name, rank = target
        if type(value) is not str:  # the usual text skips these checks
            if isinstance(value, list):
                value = " ".join(str(v) for v in value)
            elif not isinstance(value, str | int):
                raise RowError("must be text", key)
            value = str(value)
        value = value.strip()
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


CHECK_BATCH = 1000  # rows whose plate candidates are scored together
MAX_WORKERS = 4
Row = tuple[int, Mapping[str, Any] | None, str | None]
_Parsed = tuple[int, Registration | None, RowError | None]


def default_workers() -> int:
    """Worker processes for a large check: the cores there are, at most ``MAX_WORKERS``
    (one, this process, where processes cannot be forked)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def check_rows(index: WantedIndex, rows: Iterable[Row], *,
               workers: int = 1) -> Iterator[RowResult]:
    """Check ``(line, values, read_error)`` rows; unreadable or uncheckable rows are reported.

    Results come in input order, a batch of rows at a time."""
    with RowChecker(index, workers) as checker:
        yield from checker.check_rows(rows)


_WORKER_INDEX: WantedIndex | None = None  # set before forking; the workers inherit it


_Wire = tuple[str | None, str | None, str | None, str | None, str | None]


def _to_wire(reg: Registration) -> _Wire:
    """What a worker needs of a registration, as plain strings (cheap to pickle)."""
    extra = reg.extra
    return (reg.registration, reg.chassis, reg.engine, extra.get("make"), extra.get("model"))


def _check_in_worker(wired: list[_Wire]) -> list[list[Hit]]:
    assert _WORKER_INDEX is not None
    regs = [Registration(r, c, e, None, {"make": mk or "", "model": md or ""})
            for r, c, e, mk, md in wired]
    return _WORKER_INDEX.check_many(regs, owners=False)


def _check_batch(index: WantedIndex, parsed: list[_Parsed],
                 found: list[list[Hit]] | None = None) -> list[RowResult]:
    """Results of a read batch; its registrations are checked here unless ``found``."""
    if found is None:
        found = index.check_many([reg for _, reg, _ in parsed if reg is not None])
    hits = iter(found)
    return [RowResult(line, None, error=error) if reg is None
            else RowResult(line, reg, tuple(next(hits))) for line, reg, error in parsed]


def _parse(row: Row) -> _Parsed:
    line, values, read_error = row
    if values is None:
        return line, None, RowError(read_error or "unreadable row")
    try:
        return line, registration_from_row(values), None
    except RowError as exc:
        return line, None, exc


class RowChecker:
    """Checks rows against one index, in this process or in ``workers`` forked processes.

    Forked workers share the index's memory (frozen, read-only) and read and check whole
    batches; a few batches are in flight at a time so a long input is never read ahead.
    Owner names need the store, so they are checked here. Forking is for command-line
    runs: a server with threads checks in its own process (``workers=1``).
    """

    def __init__(self, index: WantedIndex, workers: int = 1) -> None:
        self.index = index
        self.workers = workers if "fork" in multiprocessing.get_all_start_methods() else 1
        self._pool: Pool | None = None

    def __enter__(self) -> RowChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (their CPU time then counts in ``os.times()``)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def check_rows(self, rows: Iterable[Row]) -> Iterator[RowResult]:
        if self.workers <= 1:
            for batch in _batches(rows):
                yield from _check_batch(self.index, batch)
            return
        in_flight: deque[tuple[list[_Parsed], AsyncResult[list[list[Hit]]]]] = deque()
        for batch in _batches(rows):
            in_flight.append((batch, self._submit(batch)))
            if len(in_flight) > 2 * self.workers:
                yield from self._collect(*in_flight.popleft())
        while in_flight:
            yield from self._collect(*in_flight.popleft())

    def _submit(self, batch: list[_Parsed]) -> AsyncResult[list[list[Hit]]]:
        if self._pool is None:
            global _WORKER_INDEX
            _WORKER_INDEX = self.index
            self._pool = multiprocessing.get_context("fork").Pool(self.workers)
        wired = [_to_wire(reg) for _, reg, _ in batch if reg is not None]
        return self._pool.apply_async(_check_in_worker, (wired,))

    def _collect(self, batch: list[_Parsed],
                 pending: AsyncResult[list[list[Hit]]]) -> list[RowResult]:
        found = pending.get()
        regs = [reg for _, reg, _ in batch if reg is not None]
        for reg, hits in zip(regs, found, strict=True):
            owner = self.index.check_owner(reg.owner_name) if reg.owner_name else []
            if owner:
                hits += owner
                hits.sort(key=hit_order)
        return _check_batch(self.index, batch, found)


def _batches(rows: Iterable[Row]) -> Iterator[list[_Parsed]]:
    batch: list[_Parsed] = []
    for row in rows:
        batch.append(_parse(row))
        if len(batch) >= CHECK_BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
