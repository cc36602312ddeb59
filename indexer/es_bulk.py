"""Bulk indexing into Elasticsearch with retries, backoff and a per-document report.

Why not fire and forget: a load that loses the cluster half-way must say so, with the
number of documents Elasticsearch acknowledged, and must be safe to run again. Every
document is indexed by its id (an upsert), so a re-run only overwrites what is there.
Rejections with 429 (queue full) and connection failures are retried with exponential
backoff; other per-document errors are reported (id and reason) while the good
documents go in.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ApiError, Elasticsearch

from indexer import es_queries as q
from indexer.base import IndexDoc
from indexer.es_client import describe_api_error, translate
from pehchaan.errors import BackendError, BackendUnavailable, PehchaanError

RETRY_STATUS = frozenset({429, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class FailedDoc:
    """A document Elasticsearch (or our own check) refused, and why."""

    id: str
    status: int
    reason: str

    def __str__(self) -> str:
        return f"{self.id}: {self.status} {self.reason}"


@dataclass(slots=True)
class BulkReport:
    """What a bulk load did: documents acknowledged, documents refused, time spent."""

    acknowledged: int = 0
    failed: list[FailedDoc] = field(default_factory=list)
    requests: int = 0
    retries: int = 0
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return self.acknowledged / self.seconds if self.seconds > 0 else 0.0

    def as_dict(self, *, max_failed: int = 1000) -> dict[str, Any]:
        return {"acknowledged": self.acknowledged, "failed_count": len(self.failed),
                "failed": [{"id": f.id, "status": f.status, "reason": f.reason}
                           for f in self.failed[:max_failed]],
                "requests": self.requests, "retries": self.retries,
                "seconds": round(self.seconds, 3), "per_second": round(self.per_second, 1)}

    def raise_for_failures(self) -> None:
        """For all-or-nothing callers (``upsert``): refuse when any document failed."""
        if self.failed:
            shown = "; ".join(str(f) for f in self.failed[:5])
            more = f" (and {len(self.failed) - 5} more)" if len(self.failed) > 5 else ""
            raise BackendError(f"Elasticsearch refused {len(self.failed)} document(s): "
                               f"{shown}{more}")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try before declaring the cluster unavailable."""

    attempts: int = 6
    initial_backoff: float = 0.5
    max_backoff: float = 10.0

    def delays(self) -> Iterator[float]:
        delay = self.initial_backoff
        for _ in range(self.attempts - 1):
            yield delay
            delay = min(self.max_backoff, delay * 2)


def actions(doc: IndexDoc) -> list[dict[str, Any]]:
    """The two NDJSON lines of one upsert: ``index`` by id, then the source."""
    return [{"index": {"_id": doc.id}}, q.source(doc)]


def encode(doc: IndexDoc) -> bytes:
    """One upsert as NDJSON bytes, serialised once (and measured for chunking)."""
    head, src = actions(doc)
    return (json.dumps(head, ensure_ascii=False, separators=(",", ":")) + "\n"
            + json.dumps(src, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


Item = tuple[IndexDoc, bytes]


def _chunks(docs: Iterable[IndexDoc], size: int, max_bytes: int,
            check: Callable[[IndexDoc], None] | None, report: BulkReport) -> Iterator[list[Item]]:
    """Chunks of at most ``size`` documents and about ``max_bytes``; refused docs noted."""
    chunk: list[Item] = []
    nbytes = 0
    for doc in docs:
        if check is not None:
            try:
                check(doc)
            except PehchaanError as exc:
                report.failed.append(FailedDoc(doc.id, 400, str(exc)))
                continue
        line = encode(doc)
        if chunk and nbytes + len(line) > max_bytes:
            yield chunk
            chunk, nbytes = [], 0
        chunk.append((doc, line))
        nbytes += len(line)
        if len(chunk) >= size:  # send now, not when the next document shows up
            yield chunk
            chunk, nbytes = [], 0
    if chunk:
        yield chunk


def _send(es: Elasticsearch, index: str, items: Sequence[Item], *, url: str,
          refresh: str, policy: RetryPolicy, report: BulkReport, require_alias: bool) -> None:
    """Index one chunk; retry transient failures; record acks and refusals in ``report``."""
    pending = list(items)
    delays = policy.delays()
    while pending:
        ops = [line for _doc, line in pending]
        try:
            report.requests += 1
            # Pre-serialised NDJSON lines: the client's NDJSON serializer passes bytes on.
            resp = es.bulk(index=index, operations=ops,  # type: ignore[arg-type]
                           refresh=refresh, require_alias=require_alias or None)
        except (ApiError, TransportConnectionError, ConnectionTimeout) as exc:
            transient = not isinstance(exc, ApiError) or exc.meta.status in RETRY_STATUS
            delay = next(delays, None) if transient else None
            if delay is None:
                err = translate(exc, url, "bulk index")
                raise _with_progress(err, report) from exc
            report.retries += 1
            time.sleep(delay)
            continue
        retry: list[Item] = []
        for (doc, line), item in zip(pending, resp["items"], strict=True):
            result = item.get("index", {})
            status = int(result.get("status", 500))
            if status < 300:
                report.acknowledged += 1
            elif status in RETRY_STATUS:
                retry.append((doc, line))
            else:
                error = result.get("error") or {}
                reason = (f"{error.get('type', 'error')}: {error.get('reason', '')}"
                          if isinstance(error, dict) else str(error))
                report.failed.append(FailedDoc(doc.id, status, reason))
        if retry:
            delay = next(delays, None)
            if delay is None:
                report.failed.extend(FailedDoc(d.id, 429, "rejected after retries")
                                     for d, _line in retry)
                return
            report.retries += 1
            time.sleep(delay)
        pending = retry


def _with_progress(err: Exception, report: BulkReport) -> Exception:
    """Say how far the load got, and that it can simply be run again."""
    if isinstance(err, PehchaanError):
        cls = BackendUnavailable if isinstance(err, BackendUnavailable) else BackendError
        return cls(f"{err.detail}. Bulk load stopped after {report.acknowledged} document(s) "
                   f"acknowledged and {len(report.failed)} refused; re-run the same load to "
                   "resume (documents are upserted by id, so a re-run is idempotent).")
    return err


def bulk_index(es: Elasticsearch, index: str, docs: Iterable[IndexDoc], *, url: str,
               refresh: str = "false", chunk_size: int = 1000,
               max_chunk_bytes: int = 20 * 1024 * 1024,
               policy: RetryPolicy | None = None,
               progress: Callable[[int], Any] | None = None,
               check: Callable[[IndexDoc], None] | None = None,
               require_alias: bool = False) -> BulkReport:
    """Index a stream of documents in chunks; ``progress(n)`` after each chunk.

    ``require_alias`` makes Elasticsearch refuse to auto-create a plain index named like
    the alias (if the alias vanished), so versioned indices stay the only ones.
    """
    report = BulkReport()
    policy = policy or RetryPolicy()
    start = time.perf_counter()
    try:
        for chunk in _chunks(docs, max(1, chunk_size), max_chunk_bytes, check, report):
            before = report.acknowledged
            _send(es, index, chunk, url=url, refresh=refresh, policy=policy, report=report,
                  require_alias=require_alias)
            if progress is not None:
                progress(report.acknowledged - before)
    finally:
        report.seconds = time.perf_counter() - start
    return report


__all__ = ["BulkReport", "FailedDoc", "RetryPolicy", "bulk_index", "describe_api_error"]
