"""Rebuild an Elasticsearch index and swap the alias to it in one atomic step.

Why: mappings and keys change (a new name-key algorithm, a new field); readers must
never see a half-built index. We build ``{prefix}-{kind}-v{N+1}`` beside the live
``v{N}`` (from the live index itself, or from another store such as the embedded one),
check that it holds as many documents as were read, then move the alias with a single
``_aliases`` request and drop the old index.

Writes that arrive during a reindex go to the old index and are not copied: pause
ingestion while it runs (it is a maintenance command).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from indexer import es_queries as q
from indexer.base import IndexDoc, SearchBackend
from indexer.elastic import ElasticBackend
from indexer.es_bulk import FailedDoc, bulk_index
from indexer.es_client import es_errors
from pehchaan.errors import BackendError


@dataclass(slots=True)
class ReindexReport:
    """Old and new index names, documents copied, and how long it took."""

    kind: str
    old_index: str | None
    new_index: str
    source: str
    read: int = 0
    indexed: int = 0
    failed: list[FailedDoc] = field(default_factory=list)
    seconds: float = 0.0
    old_deleted: bool = False

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["failed"] = [str(f) for f in self.failed[:100]]
        out["failed_count"] = len(self.failed)
        out["per_second"] = round(self.indexed / self.seconds, 1) if self.seconds else 0.0
        return out


def _counting(docs: Iterable[IndexDoc], report: ReindexReport) -> Iterator[IndexDoc]:
    for doc in docs:
        report.read += 1
        yield doc


def reindex(es: ElasticBackend, kind: str, *, source: SearchBackend | None = None,
            batch_size: int = 1000, keep_old: bool = False,
            transform: Callable[[IndexDoc], IndexDoc] | None = None,
            progress: Callable[[int], Any] | None = None) -> ReindexReport:
    """Build the next version of ``kind``'s index and point the alias at it.

    ``source`` defaults to the live index; pass the embedded store to migrate from it.
    ``transform`` recomputes a document (new keys, say) on its way in. On any refused
    document the new index is deleted and the alias left alone.
    """
    start = time.perf_counter()
    old = es.current_index(kind)
    version = max((q.index_version(old) if old else 0) + 1, _highest_version(es, kind) + 1)
    new = es.create_index(kind, version, with_alias=False)
    report = ReindexReport(kind=kind, old_index=old, new_index=new,
                           source=source.name if source is not None else (old or "none"))
    if source is not None:
        docs: Iterable[IndexDoc] = source.iter_docs(kind, batch_size)
    elif old is not None:
        docs = es.iter_index(old, batch_size)
    else:
        docs = ()
    if transform is not None:
        docs = (transform(d) for d in docs)
    es.set_refresh_interval(new, "-1")
    try:
        bulk = bulk_index(es.es, new, _counting(docs, report), url=es.url, refresh="false",
                          chunk_size=batch_size, policy=es.retry, progress=progress,
                          check=q.check_doc)
        report.indexed, report.failed = bulk.acknowledged, bulk.failed
        es.set_refresh_interval(new, None)
        with es_errors(es.url, f"refresh {new}"):
            es.es.indices.refresh(index=new)
            stored = int(es.es.count(index=new)["count"])
        if report.failed or stored != _distinct_expected(report):
            raise BackendError(
                f"reindex of {kind} into {new} read {report.read} document(s) but "
                f"{report.indexed} were indexed and {stored} are stored "
                f"({len(report.failed)} refused); the alias still points to {old}")
        _swap_alias(es, kind, old, new)
    except BaseException:
        with contextlib.suppress(Exception):  # the original error is the one to report
            es.es.indices.delete(index=new, ignore_unavailable=True)
        raise
    if old is not None and not keep_old:
        with es_errors(es.url, f"delete {old}"):
            es.es.indices.delete(index=old, ignore_unavailable=True)
        report.old_deleted = True
    report.seconds = time.perf_counter() - start
    return report


def _distinct_expected(report: ReindexReport) -> int:
    """Documents read are distinct ids (every source iterates ids once)."""
    return report.read


def _highest_version(es: ElasticBackend, kind: str) -> int:
    """The highest ``-vN`` among existing indices (an aborted run may have left one)."""
    with es_errors(es.url, "list indices"):
        resp = es.es.indices.get(index=f"{es.alias(kind)}-v*", allow_no_indices=True,
                                 ignore_unavailable=True, expand_wildcards="all")
    return max((q.index_version(name) for name in resp.body), default=0)


def _swap_alias(es: ElasticBackend, kind: str, old: str | None, new: str) -> None:
    """One ``_aliases`` request: readers see the old index or the new, never neither."""
    alias = es.alias(kind)
    actions: list[dict[str, Any]] = [
        {"add": {"index": new, "alias": alias, "is_write_index": True}}]
    if old is not None:
        actions.insert(0, {"remove": {"index": old, "alias": alias}})
    with es_errors(es.url, f"swap alias {alias} to {new}"):
        es.es.indices.update_aliases(actions=actions)


def reindex_command(settings: Any, kind: str = "persons", *, from_embedded: bool = False,
                    keep_old: bool = False,
                    transform: Callable[[IndexDoc], IndexDoc] | None = None) -> dict[str, Any]:
    """Entry point for ``pehchaan reindex``: returns the report as a dict to print."""
    es = ElasticBackend.from_settings(settings)
    source: SearchBackend | None = None
    try:
        if from_embedded:
            from indexer.embedded import EmbeddedBackend

            source = EmbeddedBackend(settings.data_dir)
        return reindex(es, kind, source=source, keep_old=keep_old,
                       transform=transform).as_dict()
    finally:
        if source is not None:
            source.close()
        es.close()
