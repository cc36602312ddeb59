"""The Elasticsearch store: the same `SearchBackend` contract as the embedded one.

For when one machine is not enough. Each kind lives in a versioned index
``{prefix}-{kind}-v{N}`` behind the alias ``{prefix}-{kind}``; every read and write
goes through the alias, so a reindex builds ``v{N+1}`` and swaps the alias atomically.
Mappings come from one composable index template (``indexer/es_queries.py``).

Same candidates, same order: Elasticsearch scores in float32, so the hits carry the
names of the keys they matched and the score is recomputed in Python (summed in query-key
order, as the embedded store sums them), then re-sorted by score desc, id asc. A few more hits than
the limit are fetched, and more pages while the boundary is uncertain, so that a tie at
the limit resolves by id exactly as in the embedded store.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError

from indexer import es_queries as q
from indexer.base import Candidate, CandidateQuery, IndexDoc, JsonDict
from indexer.es_bulk import BulkReport, RetryPolicy, bulk_index
from indexer.es_client import es_errors, make_client
from pehchaan.errors import BackendError

log = logging.getLogger(__name__)

PAGE_MAX = 10_000  # Elasticsearch's index.max_result_window
BIG_BATCH = 500  # upserts at least this big refresh explicitly instead of waiting
_F32_EPS = 2.0 ** -23


class ElasticBackend:
    """`SearchBackend` on an Elasticsearch cluster (stock distribution, no plugins)."""

    name = "elasticsearch"

    def __init__(self, url: str = "http://127.0.0.1:9200", *, prefix: str = "pehchaan",
                 username: str | None = None, password: str | None = None,
                 client: Elasticsearch | None = None, shards: int = 1, replicas: int = 0,
                 refresh: str = "wait_for", request_timeout: float = 30.0,
                 candidate_page_cap: int = 5000, retry: RetryPolicy | None = None) -> None:
        """``refresh='wait_for'`` makes each upsert visible to the next query (the
        protocol's promise); ``'true'`` forces a refresh, ``'false'`` defers it."""
        q.check_name(prefix, "prefix")
        self.url = url
        self.prefix = prefix
        self.shards = shards
        self.replicas = replicas
        self.refresh = refresh
        self.candidate_page_cap = candidate_page_cap
        self.retry = retry or RetryPolicy()
        self.es = client or make_client(url, username=username, password=password,
                                        request_timeout=request_timeout)
        self._ready: set[str] = set()  # kinds whose alias this process ensured
        self._seen: set[str] = set()  # kinds whose alias was seen by a read
        self._template_done = False

    @classmethod
    def from_settings(cls, settings: Any) -> ElasticBackend:
        """Build from `pehchaan.settings.Settings` (url, prefix, credentials)."""
        return cls(settings.es_url, prefix=settings.es_index_prefix,
                   username=settings.es_username, password=settings.es_password)

    # -- indices and aliases --------------------------------------------------------
    def alias(self, kind: str) -> str:
        return q.alias_name(self.prefix, kind)

    def ensure_template(self) -> None:
        """Install (idempotently) the index template that carries the mappings."""
        if self._template_done:
            return
        body = q.index_template(self.prefix, self.shards, self.replicas)
        with es_errors(self.url, "put index template"):
            self.es.indices.put_index_template(
                name=q.template_name(self.prefix), index_patterns=body["index_patterns"],
                priority=body["priority"], template=body["template"], meta=body["_meta"])
        self._template_done = True

    def current_index(self, kind: str) -> str | None:
        """The concrete index the alias points to, or None when the kind has none yet."""
        with es_errors(self.url, "read alias"):
            try:
                resp = self.es.indices.get_alias(name=self.alias(kind))
            except NotFoundError:
                return None
        names = sorted(resp.body, key=q.index_version)
        return names[-1] if names else None

    def create_index(self, kind: str, version: int, *, with_alias: bool) -> str:
        """Create ``{prefix}-{kind}-v{version}`` (from the template), optionally aliased."""
        self.ensure_template()
        name = q.index_name(self.prefix, kind, version)
        aliases = {self.alias(kind): {"is_write_index": True}} if with_alias else None
        with es_errors(self.url, f"create index {name}"):
            try:
                self.es.indices.create(index=name, aliases=aliases,
                                       wait_for_active_shards="1")
            except ApiError as exc:
                if exc.meta.status != 400 or "already_exists" not in str(exc.error):
                    raise
        return name

    def ensure_kind(self, kind: str) -> str:
        """The alias of a kind, creating v1 behind it on first use."""
        alias = self.alias(kind)
        if kind in self._ready:
            return alias
        current = self.current_index(kind)
        if current is None:
            self.create_index(kind, 1, with_alias=True)
        else:
            self._undo_interrupted_load(current)
        self._ready.add(kind)
        return alias

    def _undo_interrupted_load(self, index: str) -> None:
        """A bulk load killed mid-way leaves refresh off; without refresh,
        ``refresh=wait_for`` upserts would wait forever. Turn it back on."""
        with es_errors(self.url, f"read settings of {index}"):
            resp = self.es.indices.get_settings(index=index, name="index.refresh_interval")
        value = (resp.body.get(index, {}).get("settings", {}).get("index", {})
                 .get("refresh_interval"))
        if value == "-1":
            log.warning("%s still had refresh off from an interrupted bulk load; restoring",
                        index)
            self.set_refresh_interval(index, None)

    def _exists(self, kind: str) -> bool:
        """Whether the kind has an index; a yes is remembered (one round trip, not one
        per read), a no is asked again next time."""
        if kind in self._ready or kind in self._seen:
            return True
        if self.current_index(kind) is None:
            return False
        self._seen.add(kind)
        return True

    # -- writes ------------------------------------------------------------------------
    def upsert(self, kind: str, docs: Sequence[IndexDoc]) -> None:
        """Index (by id) and wait until visible; raise unless every document went in.

        Small batches (the API's) wait for the next scheduled refresh; big batches
        (loads) skip that wait and refresh once explicitly, which is much faster.
        """
        if not docs:
            return
        for doc in docs:
            q.check_doc(doc)
        alias = self.ensure_kind(kind)
        big = len(docs) >= BIG_BATCH and self.refresh == "wait_for"
        report = bulk_index(self.es, alias, docs, url=self.url,
                            refresh="false" if big else self.refresh, chunk_size=5000,
                            policy=self.retry, require_alias=True)
        if big and report.acknowledged:
            self.refresh_kind(kind)
        report.raise_for_failures()

    def bulk_load(self, kind: str, docs: Iterable[IndexDoc], *, chunk_size: int = 1000,
                  fast: bool = True, progress: Any = None) -> BulkReport:
        """Load a large stream, refreshing once at the end.

        Each failed document is reported (id and reason), the good ones go in. If the
        cluster goes away, `BackendUnavailable` names how many documents were
        acknowledged; a re-run of the same load is idempotent (upserts by id).
        ``fast`` turns periodic refresh off during the load and restores it after.
        """
        alias = self.ensure_kind(kind)
        index = self.current_index(kind) or alias
        if fast:
            self.set_refresh_interval(index, "-1")
        try:
            report = bulk_index(self.es, alias, docs, url=self.url, refresh="false",
                                chunk_size=chunk_size, progress=progress, check=q.check_doc,
                                policy=self.retry, require_alias=True)
        finally:
            if fast:
                try:
                    self.set_refresh_interval(index, None)
                except Exception as exc:  # the load's own error matters more
                    log.warning("could not restore refresh_interval on %s: %s", index, exc)
        with es_errors(self.url, "refresh after bulk load"):
            self.es.indices.refresh(index=alias)
        return report

    def set_refresh_interval(self, index: str, value: str | None) -> None:
        """``'-1'`` turns periodic refresh off for a load; None restores the default."""
        with es_errors(self.url, f"set refresh_interval on {index}"):
            self.es.indices.put_settings(index=index,
                                         settings={"index": {"refresh_interval": value}})

    def delete(self, kind: str, doc_id: str) -> bool:
        if not _storable_id(doc_id) or not self._exists(kind):
            return False
        with es_errors(self.url, "delete"):
            try:
                self.es.delete(index=self.alias(kind), id=doc_id, refresh=self.refresh)
            except NotFoundError:
                return False
        return True

    # -- reads ---------------------------------------------------------------------------
    def get(self, kind: str, doc_id: str) -> JsonDict | None:
        if not _storable_id(doc_id):
            return None
        with es_errors(self.url, "get"):
            try:
                resp = self.es.get(index=self.alias(kind), id=doc_id, source_includes=["body"])
            except NotFoundError:
                return None
        body: JsonDict = resp["_source"]["body"]
        return body

    def get_many(self, kind: str, doc_ids: Sequence[str]) -> dict[str, JsonDict]:
        ids = [i for i in dict.fromkeys(doc_ids) if _storable_id(i)]
        out: dict[str, JsonDict] = {}
        if not ids or not self._exists(kind):
            return out
        for start in range(0, len(ids), 1000):
            with es_errors(self.url, "get_many"):
                resp = self.es.mget(index=self.alias(kind), ids=ids[start:start + 1000],
                                    source_includes=["body"])
            for doc in resp["docs"]:
                if doc.get("found"):
                    out[doc["_id"]] = doc["_source"]["body"]
        return out

    def candidates(self, kind: str, query: CandidateQuery) -> list[Candidate]:
        weights = q.clean_weights(query.keys)
        limit = int(query.limit)
        if not weights or limit <= 0 or any(not g for g in query.tag_groups):
            return []
        if not self._exists(kind):
            return []
        bodies: dict[str, JsonDict] = {}
        hits = self._candidate_hits(kind, weights, query.tag_groups, limit, bodies)
        top = rank(hits, weights)[:limit]
        return [Candidate(id=doc_id, body=bodies[doc_id], key_score=round(score, 6),
                          matched_keys=matched)
                for doc_id, score, matched in top]

    def _candidate_hits(self, kind: str, weights: dict[str, float],
                        tag_groups: Sequence[Sequence[str]], limit: int,
                        bodies: dict[str, JsonDict]) -> list[tuple[str, float, tuple[str, ...]]]:
        """(id, es_score, matched keys) of enough hits that the top ``limit`` is exact;
        their bodies go into ``bodies``."""
        margin = max(10, limit // 4)
        page = min(PAGE_MAX, limit + margin)
        tol = exact_tolerance(weights)
        hits: list[tuple[str, float, tuple[str, ...]]] = []
        after: list[Any] | None = None
        while True:
            body = q.candidates_body(weights, tag_groups, page, after)
            with es_errors(self.url, "candidate search"):
                resp = self.es.search(index=self.alias(kind), **body)
            batch = resp["hits"]["hits"]
            for hit in batch:
                hits.append((hit["_id"], float(hit["_score"]),
                             tuple(sorted(hit.get("matched_queries") or ()))))
                bodies[hit["_id"]] = hit["_source"]["body"]
            if len(batch) < page:
                return hits  # every candidate is here
            after = batch[-1]["sort"]
            if boundary_settled(hits, weights, limit, tol):
                return hits
            if len(hits) >= limit + self.candidate_page_cap:
                log.warning("candidate boundary still uncertain after %d hits", len(hits))
                return hits

    def key_counts(self, kind: str, keys: Iterable[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(keys))
        out = dict.fromkeys(wanted, 0)
        present = [k for k in wanted if k]
        if not present or not self._exists(kind):
            return out
        for start in range(0, len(present), 500):
            chunk = present[start:start + 500]
            with es_errors(self.url, "key_counts"):
                resp = self.es.msearch(index=self.alias(kind),
                                       searches=q.key_counts_searches(chunk))
            for key, answer in zip(chunk, resp["responses"], strict=True):
                if "error" in answer:
                    raise BackendError(f"Elasticsearch at {self.url} refused key_counts: "
                                       f"{answer['error']}")
                out[key] = int(answer["hits"]["total"]["value"])
        return out

    def count(self, kind: str, tag_groups: Sequence[Sequence[str]] = ()) -> int:
        if any(not g for g in tag_groups) or not self._exists(kind):
            return 0
        with es_errors(self.url, "count"):
            resp = self.es.count(index=self.alias(kind), query=q.count_query(tag_groups))
        return int(resp["count"])

    def iter_docs(self, kind: str, batch_size: int = 1000) -> Iterator[IndexDoc]:
        """Every document in id order (search_after on the id keyword)."""
        if not self._exists(kind):
            return
        yield from self.iter_index(self.alias(kind), batch_size)

    def iter_index(self, index: str, batch_size: int = 1000) -> Iterator[IndexDoc]:
        """Every document of a concrete index or alias, in id order."""
        after: list[Any] | None = None
        size = max(1, min(PAGE_MAX, batch_size))
        while True:
            with es_errors(self.url, "scan"):
                resp = self.es.search(index=index, **q.scan_body(size, after))
            batch = resp["hits"]["hits"]
            for hit in batch:
                src = hit["_source"]
                yield IndexDoc(id=src["id"], body=src["body"], keys=tuple(src.get("keys", ())),
                               tags=tuple(src.get("tags", ())))
            if len(batch) < size:
                return
            after = batch[-1]["sort"]

    def refresh_kind(self, kind: str) -> None:
        """Make everything written so far searchable (after writes with refresh off)."""
        with es_errors(self.url, "refresh"):
            self.es.indices.refresh(index=self.alias(kind))

    def drop_all(self) -> None:
        """Delete every index and the template under this prefix (tests, demo resets)."""
        with es_errors(self.url, "drop indices"):
            self.es.indices.delete(index=f"{self.prefix}-*", expand_wildcards="all",
                                   allow_no_indices=True, ignore_unavailable=True)
            with contextlib.suppress(NotFoundError):
                self.es.indices.delete_index_template(name=q.template_name(self.prefix))
        self._ready.clear()
        self._seen.clear()
        self._template_done = False

    def close(self) -> None:
        self.es.close()


def _storable_id(doc_id: str) -> bool:
    """Ids Elasticsearch can hold (1..512 bytes); others cannot exist, so reads say no."""
    return 0 < len(doc_id.encode()) <= 512


# -- exact ranking (pure; tests compare it with the embedded store) ----------------------
def exact_score(weights: dict[str, float], matched: Sequence[str]) -> float:
    """The sum of the weights of the matched keys, added in query-key order.

    That is how the embedded store's SQL ``SUM`` adds them (it walks the query keys in
    order), so floating-point sums such as 0.2 + 0.2 + 0.7 + 0.3 come out identical and
    near-ties order the same way in both stores.
    """
    hit = set(matched)
    total = 0.0
    for key, weight in weights.items():
        if key in hit:
            total += weight
    return total


def exact_tolerance(weights: dict[str, float]) -> float:
    """How far Elasticsearch's float32 score may stray from the exact sum."""
    return (len(weights) + 2) * _F32_EPS * math.fsum(weights.values()) + 1e-12


def rank(hits: Sequence[tuple[str, float, tuple[str, ...]]],
         weights: dict[str, float]) -> list[tuple[str, float, tuple[str, ...]]]:
    """(id, exact score, matched keys), best score first, ties by id."""
    scored = [(doc_id, exact_score(weights, matched), matched)
              for doc_id, _es, matched in hits]
    scored.sort(key=lambda h: (-h[1], h[0]))
    return scored


def boundary_settled(hits: Sequence[tuple[str, float, tuple[str, ...]]],
                     weights: dict[str, float], limit: int, tol: float) -> bool:
    """Whether no unfetched hit can enter the top ``limit``.

    Unfetched hits score at most the last fetched Elasticsearch score (+ float32
    error). Settled when that is below the limit-th exact score, or when every fetched
    hit near the boundary has the same exact score (a pure tie, which Elasticsearch
    already orders by id, as the embedded store does).
    """
    if len(hits) < limit:
        return False
    ranked = rank(hits, weights)
    kth = ranked[limit - 1][1]
    last_es = hits[-1][1]
    if last_es + tol < kth:
        return True
    near = {exact_score(weights, m) for _i, es, m in hits if es <= last_es + tol}
    return near == {kth}


__all__ = ["BackendError", "BulkReport", "ElasticBackend", "boundary_settled", "rank"]
