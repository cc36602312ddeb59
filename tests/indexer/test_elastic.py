"""Elasticsearch backend: pure query builders, exact ranking, error translation, and
behaviour on a real node (template, aliases, per-document failures, bulk loads)."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError

from indexer import es_queries as q
from indexer.base import CandidateQuery, IndexDoc
from indexer.elastic import ElasticBackend, boundary_settled, exact_score, rank
from indexer.es_bulk import BulkReport, RetryPolicy, _chunks, encode
from indexer.es_client import CompatNode, make_client, translate
from pehchaan.errors import BackendError, BackendUnavailable, ValidationError

KIND = "persons"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- pure builders --------------------------------------------------------------------
def test_names_and_versions() -> None:
    assert q.alias_name("pehchaan", "persons") == "pehchaan-persons"
    assert q.index_name("pehchaan", "persons", 3) == "pehchaan-persons-v3"
    assert q.index_version("pehchaan-persons-v12") == 12
    assert q.index_version("pehchaan-persons") == 0
    with pytest.raises(ValidationError) as err:
        q.alias_name("Pehchaan Prod", "persons")
    assert err.value.field == "prefix"
    with pytest.raises(ValidationError):
        q.alias_name("pehchaan", "../x")


def test_template_is_strict_and_outranks_shorter_prefixes() -> None:
    short = q.index_template("pehchaan")
    longer = q.index_template("pehchaan-t1")
    assert short["index_patterns"] == ["pehchaan-*"]
    assert longer["priority"] > short["priority"]
    props = short["template"]["mappings"]["properties"]
    assert short["template"]["mappings"]["dynamic"] == "strict"
    assert props["keys"] == {"type": "keyword"} and props["tags"] == {"type": "keyword"}
    assert props["body"] == {"type": "object", "enabled": False}
    assert props["display"]["type"] == "text"


def test_candidates_body_names_each_key_and_filters_each_group() -> None:
    body = q.candidates_body({"n:ram": 2.5, "n:rm": 1.0},
                             [["district:rohtak", "district:hisar"], ["status:wanted"]], 12)
    should = body["query"]["bool"]["should"]
    assert should[0] == {"constant_score": {"filter": {"term": {"keys": "n:ram"}},
                                            "boost": 2.5, "_name": "n:ram"}}
    assert body["query"]["bool"]["minimum_should_match"] == 1
    assert body["query"]["bool"]["filter"] == [
        {"terms": {"tags": ["district:rohtak", "district:hisar"]}},
        {"terms": {"tags": ["status:wanted"]}}]
    assert body["sort"] == [{"_score": "desc"}, {"id": "asc"}]
    assert body["size"] == 12 and body["_source"] == ["body"]
    assert "search_after" not in body
    assert q.candidates_body({"k": 1.0}, [], 5, [1.0, "x"])["search_after"] == [1.0, "x"]
    assert "filter" not in q.candidates_query({"k": 1.0})["bool"]


def test_key_counts_are_one_exact_count_per_key() -> None:
    searches = q.key_counts_searches(["n:ram", "n:राम"])
    assert searches == [
        {}, {"size": 0, "track_total_hits": True, "query": {"term": {"keys": "n:ram"}}},
        {}, {"size": 0, "track_total_hits": True, "query": {"term": {"keys": "n:राम"}}}]


def test_weights_must_be_finite_and_not_negative() -> None:
    assert q.clean_weights({"a": 1, "": 5.0, "b": 0}) == {"a": 1.0, "b": 0.0}
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(ValidationError) as err:
            q.clean_weights({"a": bad})
        assert err.value.field == "keys"


def test_source_carries_body_terms_and_display_fields() -> None:
    doc = IndexDoc("p1", {"names": ["राम", "Ram"], "relative_name": "Shyam",
                          "date_of_birth": "1980-01-02"},
                   ("n:rm", "n:rm", "a"), ("district:rohtak", "status:wanted", "x"))
    src = q.source(doc)
    assert src["id"] == "p1" and src["body"] is doc.body
    assert src["keys"] == ["a", "n:rm"]
    assert src["display"] == ["राम", "Ram", "Shyam"]
    assert src["district"] == ["rohtak"] and src["status"] == ["wanted"]
    assert src["date_of_birth"] == "1980-01-02"
    assert "display" not in q.source(IndexDoc("p2", {"n": 1}))


def test_check_doc_refuses_terms_lucene_cannot_index() -> None:
    q.check_doc(IndexDoc("ok", {}, ("k" * q.MAX_TERM_CHARS,)))
    with pytest.raises(ValidationError) as err:
        q.check_doc(IndexDoc("p9", {}, ("k" * (q.MAX_TERM_CHARS + 1),)))
    assert err.value.field == "keys" and "p9" in str(err.value)
    with pytest.raises(ValidationError):
        q.check_doc(IndexDoc("", {}))


def test_chunks_cut_by_count_and_bytes_and_skip_refused_documents() -> None:
    docs = [IndexDoc(f"d{i}", {"pad": "x" * (5000 if i == 4 else 10)}, ("k",))
            for i in range(7)]
    report = BulkReport()
    cuts = [[d.id for d, _line in c] for c in _chunks(
        docs, 3, 4000, lambda d: q.check_doc(IndexDoc("", {})) if d.id == "d1" else None,
        report)]
    assert cuts == [["d0", "d2", "d3"], ["d4"], ["d5", "d6"]]  # d4 alone: over max_bytes
    assert [f.id for f in report.failed] == ["d1"]
    line = encode(docs[0]).decode()
    assert line.count("\n") == 2 and line.startswith('{"index":{"_id":"d0"}}\n')


# -- exact ranking ----------------------------------------------------------------------
def test_exact_score_adds_in_query_key_order() -> None:
    weights = {"a": 0.2, "b": 0.2, "c": 0.7, "d": 0.3}
    assert exact_score(weights, ("d", "c", "b", "a")) == 0.2 + 0.2 + 0.7 + 0.3
    assert exact_score(weights, ("d", "c", "b", "a")) > 1.4  # float addition, not math
    assert exact_score(weights, ("zzz",)) == 0.0


def test_rank_orders_by_exact_score_then_id() -> None:
    weights = {"a": 1.0, "b": 2.0}
    hits = [("z", 3.0, ("a", "b")), ("b", 1.0, ("a",)), ("a", 1.0, ("a",)),
            ("m", 2.0, ("b",))]
    assert [h[0] for h in rank(hits, weights)] == ["z", "m", "a", "b"]


def test_boundary_settled() -> None:
    weights = {"a": 1.0, "b": 0.5}
    tol = 1e-6
    gap = [("x", 1.5, ("a", "b")), ("y", 1.0, ("a",)), ("z", 0.5, ("b",))]
    assert boundary_settled(gap, weights, 2, tol)  # unfetched score <= 0.5 < 1.0
    tie = [("x", 1.5, ("a", "b")), ("y", 1.0, ("a",)), ("z", 1.0, ("a",))]
    assert boundary_settled(tie, weights, 2, tol)  # pure tie: Elasticsearch orders by id
    near = {"a": 0.1, "b": 0.2, "c": 0.3}  # a+b and c differ below float32 resolution
    mixed = [("x", 0.3, ("a", "b")), ("y", 0.3, ("c",))]
    assert not boundary_settled(mixed, near, 1, 1e-6)
    assert not boundary_settled(gap[:1], weights, 2, tol)


# -- error translation ----------------------------------------------------------------------
def _api_error(status: int, err_type: str) -> ApiError:
    meta = ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(),
                           duration=0.0, node=NodeConfig("http", "localhost", 9200))
    body = {"error": {"root_cause": [{"type": err_type, "reason": "because"}]},
            "status": status}
    return ApiError(err_type, meta=meta, body=body)


def test_translate_api_errors() -> None:
    busy = translate(_api_error(429, "es_rejected_execution_exception"), "http://es:9200", "x")
    assert isinstance(busy, BackendUnavailable) and busy.status == 503
    bad = translate(_api_error(400, "mapper_parsing_exception"), "http://es:9200", "bulk")
    assert isinstance(bad, BackendError) and bad.status == 502
    assert "http://es:9200" in str(bad) and "mapper_parsing_exception: because" in str(bad)


def test_unreachable_cluster_is_backend_unavailable() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    store = ElasticBackend(url, prefix="nobody", request_timeout=2.0,
                           retry=RetryPolicy(attempts=2, initial_backoff=0.01))
    with pytest.raises(BackendUnavailable) as err:
        store.candidates(KIND, CandidateQuery({"k": 1.0}))
    assert url in str(err.value) and err.value.status == 503
    with pytest.raises(BackendUnavailable):
        store.upsert(KIND, [IndexDoc("a", {}, ("k",))])
    store.close()


def test_compat_node_rewrites_only_after_server_asked() -> None:
    node_class: type[CompatNode] = type("N", (CompatNode,), {"compat_major": None})
    node = node_class(NodeConfig("http", "127.0.0.1", 9))
    headers = HttpHeaders({"accept": "application/vnd.elasticsearch+json; compatible-with=9"})
    assert node._rewrite(headers) is headers
    node_class.compat_major = 8
    rewritten = node._rewrite(headers)
    assert rewritten is not None and rewritten["accept"].endswith("compatible-with=8")
    assert CompatNode.compat_major is None  # per-client state, not global


# -- on a real node ------------------------------------------------------------------------
pytestmark_es = pytest.mark.elasticsearch


@pytestmark_es
def test_client_talks_to_the_test_node(es_url: str) -> None:
    client = make_client(es_url)
    assert client.cluster.health()["status"] in ("green", "yellow")
    client.close()


@pytestmark_es
def test_kind_gets_versioned_index_behind_alias_with_template(
        es_backend: ElasticBackend) -> None:
    es_backend.upsert(KIND, [IndexDoc("p1", {"names": ["Ram"]}, ("k",), ("district:x",))])
    index = es_backend.current_index(KIND)
    assert index == f"{es_backend.prefix}-{KIND}-v1"
    mapping = es_backend.es.indices.get_mapping(index=index)[index]["mappings"]
    assert mapping["dynamic"] == "strict"
    assert mapping["properties"]["keys"]["type"] == "keyword"
    assert mapping["properties"]["body"] == {"type": "object", "enabled": False}
    hits = es_backend.es.search(index=es_backend.alias(KIND),
                                query={"match": {"display": "ram"}})["hits"]["hits"]
    assert [h["_id"] for h in hits] == ["p1"]  # display names are searchable text


@pytestmark_es
def test_refused_documents_are_reported_by_id(es_backend: ElasticBackend) -> None:
    es_backend.upsert(KIND, [IndexDoc("seed", {}, ("k",))])
    index = es_backend.current_index(KIND)
    es_backend.es.indices.put_settings(index=index, settings={"index.blocks.write": True})
    try:
        with pytest.raises(BackendError) as err:
            es_backend.upsert(KIND, [IndexDoc("p1", {}, ("k",)), IndexDoc("p2", {}, ("k",))])
        assert "p1: 403" in str(err.value) and "p2" in str(err.value)
    finally:
        es_backend.es.indices.put_settings(index=index,
                                           settings={"index.blocks.write": False})


@pytestmark_es
def test_bulk_load_keeps_good_documents_and_reports_bad_ones(
        es_backend: ElasticBackend) -> None:
    long_key = "x" * (q.MAX_TERM_CHARS + 1)
    docs = [IndexDoc(f"p{i:04d}", {"i": i}, (long_key,) if i % 100 == 7 else (f"k{i % 5}",))
            for i in range(2500)]
    seen: list[int] = []
    report = es_backend.bulk_load(KIND, docs, chunk_size=400, progress=seen.append)
    assert report.acknowledged == 2475 and sum(seen) == 2475
    assert [f.id for f in report.failed] == [f"p{i:04d}" for i in range(7, 2500, 100)]
    assert all(f.status == 400 and "over 8191" in f.reason for f in report.failed)
    assert es_backend.count(KIND) == 2475  # visible without another refresh
    assert es_backend.get(KIND, "p0007") is None and es_backend.get(KIND, "p0008") == {"i": 8}
    settings = es_backend.es.indices.get_settings(index=es_backend.current_index(KIND))
    assert "refresh_interval" not in next(iter(settings.body.values()))["settings"]["index"]


@pytestmark_es
def test_writes_never_create_an_unversioned_index(es_backend: ElasticBackend) -> None:
    es_backend.upsert(KIND, [IndexDoc("p1", {}, ("k",))])
    es_backend.es.indices.delete(index=str(es_backend.current_index(KIND)))
    with pytest.raises(BackendError) as err:
        es_backend.upsert(KIND, [IndexDoc("p2", {}, ("k",))])  # stale cache: alias gone
    assert "p2" in str(err.value)
    assert not es_backend.es.indices.exists(index=es_backend.alias(KIND))


@pytestmark_es
def test_refresh_false_defers_visibility_until_refresh(
        make_es: Callable[..., ElasticBackend]) -> None:
    store = make_es(refresh="false")
    store.upsert(KIND, [IndexDoc("seed", {}, ("k",))])
    store.refresh_kind(KIND)
    store.es.indices.put_settings(index=store.alias(KIND),
                                  settings={"index": {"refresh_interval": "-1"}})
    store.upsert(KIND, [IndexDoc("late", {}, ("k",))])
    assert store.count(KIND) == 1  # the protocol's promise needs refresh='wait_for'
    store.refresh_kind(KIND)
    assert store.count(KIND) == 2
