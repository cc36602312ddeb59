"""Bulk loading of CSV and JSONL files: good rows go in, each bad row is reported with
its line number and reason, and progress is committed batch by batch so that a load
killed half-way keeps every batch it had acknowledged."""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from indexer.base import IndexDoc, SearchBackend
from pehchaan.errors import PehchaanError

MAX_LINE_BYTES = 1024 * 1024
csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True, slots=True)
class BadRow:
    """A row that was refused: where it is and why."""

    line: int
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"line {self.line}: {where}{self.reason}"


@dataclass(slots=True)
class IngestReport:
    """What a load did: rows stored, rows refused, and where it stopped."""

    source: str
    stored: int = 0
    bad: list[BadRow] = field(default_factory=list)
    last_line: int = 0

    def as_dict(self, *, max_bad: int = 1000) -> dict[str, Any]:
        return {
            "source": self.source, "stored": self.stored, "bad_count": len(self.bad),
            "bad": [{"line": b.line, "field": b.field, "reason": b.reason}
                    for b in self.bad[:max_bad]],
            "last_line": self.last_line,
        }


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as read: its first line number and either the values or why it is unreadable."""

    line: int
    values: dict[str, Any] | None
    error: str | None = None


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".csv", ".tsv"}:
        return "csv"
    raise PehchaanError(f"{path.name}: unknown file type {suffix!r}; use .csv or .jsonl",
                        field="path")


def read_rows(path: Path, fmt: str | None = None) -> Iterator[RawRow]:
    """Rows of a CSV or JSONL file with their line numbers; never raises on a bad row."""
    fmt = fmt or detect_format(path)
    with path.open("rb") as handle:
        yield from (_read_jsonl(handle) if fmt == "jsonl" else _read_csv(handle))


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8-sig", errors="surrogateescape")


def _bad_encoding(text: str) -> bool:
    return any(0xDC80 <= ord(ch) <= 0xDCFF for ch in text)


def _read_jsonl(handle: BinaryIO) -> Iterator[RawRow]:
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            yield RawRow(number, None, f"line is {len(raw):,} bytes; the limit is "
                                       f"{MAX_LINE_BYTES:,}")
            continue
        text = _decode(raw)
        if _bad_encoding(text):
            yield RawRow(number, None, "not valid UTF-8 (save the file as UTF-8)")
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield RawRow(number, None, f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(value, dict):
            yield RawRow(number, None, "a line must hold one JSON object")
            continue
        yield RawRow(number, value)


def _read_csv(handle: BinaryIO) -> Iterator[RawRow]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="surrogateescape", newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return
    columns = [c.strip() for c in header]
    line = reader.line_num
    while True:
        start = line + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = reader.line_num
            yield RawRow(start, None, f"unreadable CSV: {exc}")
            continue
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if any(_bad_encoding(c) for c in cells):
            yield RawRow(start, None, "not valid UTF-8 (save the file as UTF-8)")
            continue
        if len(cells) != len(columns):
            yield RawRow(start, None, f"has {len(cells)} cells; the header has {len(columns)}")
            continue
        yield RawRow(start, {k: v for k, v in zip(columns, cells, strict=True) if v.strip()})


ToDoc = Callable[[dict[str, Any], str], IndexDoc]


def load_file(
    backend: SearchBackend,
    kind: str,
    path: Path,
    to_doc: ToDoc,
    *,
    fmt: str | None = None,
    batch_size: int = 1000,
    on_batch: Callable[[IngestReport], None] | None = None,
) -> IngestReport:
    """Load every good row of a file; ``to_doc(values, fmt)`` validates one row.

    Each batch is committed before ``on_batch`` is told about it, so whatever the
    callback reports as stored is durable.
    """
    report = IngestReport(source=str(path))
    batch: list[IndexDoc] = []

    def flush() -> None:
        if batch:
            backend.upsert(kind, batch)
            report.stored += len(batch)
            batch.clear()
        if on_batch:
            on_batch(report)

    for row in read_rows(path, fmt):
        report.last_line = row.line
        if row.values is None:
            report.bad.append(BadRow(row.line, None, row.error or "unreadable"))
            continue
        try:
            batch.append(to_doc(row.values, fmt or detect_format(path)))
        except PehchaanError as exc:
            report.bad.append(BadRow(row.line, exc.field, exc.detail))
            continue
        if len(batch) >= batch_size:
            flush()
    flush()
    return report
