"""The `SearchBackend` contract, run against every backend, plus side-by-side checks
that Elasticsearch returns exactly what the embedded store returns."""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from indexer.base import Candidate, CandidateQuery, IndexDoc, SearchBackend
from indexer.elastic import ElasticBackend
from indexer.embedded import EmbeddedBackend

KIND = "persons"


def doc(doc_id: str, keys: tuple[str, ...] = (), tags: tuple[str, ...] = (),
        **body: object) -> IndexDoc:
    return IndexDoc(id=doc_id, body={"id": doc_id, **body}, keys=keys, tags=tags)


def ids(cands: list[Candidate]) -> list[str]:
    return [c.id for c in cands]


def reopen(backend: SearchBackend, tmp_path: Path,
           make_es: Callable[..., ElasticBackend] | None) -> SearchBackend:
    """A second handle on the same store, as after a restart."""
    if isinstance(backend, EmbeddedBackend):
        return EmbeddedBackend(backend.data_dir)
    assert isinstance(backend, ElasticBackend) and make_es is not None
    return make_es(prefix=backend.prefix)


# -- writes and reads -------------------------------------------------------------------
def test_satisfies_protocol(any_backend: SearchBackend) -> None:
    assert isinstance(any_backend, SearchBackend)


def test_upsert_then_get(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [doc("p1", ("n:ram",), ("district:rohtak",), names=["Ram"])])
    assert any_backend.get(KIND, "p1") == {"id": "p1", "names": ["Ram"]}
    assert any_backend.get(KIND, "missing") is None
    assert any_backend.get("vehicles", "p1") is None
    assert any_backend.get(KIND, "x" * 600) is None  # longer than any storable id
    assert any_backend.get(KIND, "") is None
    assert any_backend.delete(KIND, "x" * 600) is False
    assert any_backend.get_many(KIND, ["p1", "x" * 600]) == {"p1": {"id": "p1",
                                                                   "names": ["Ram"]}}


def test_upsert_replaces_body_keys_and_tags(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [doc("p1", ("n:ram",), ("district:rohtak",), v=1)])
    any_backend.upsert(KIND, [doc("p1", ("n:shyam",), ("district:hisar",), v=2)])
    assert any_backend.get(KIND, "p1") == {"id": "p1", "v": 2}
    assert any_backend.candidates(KIND, CandidateQuery({"n:ram": 1.0})) == []
    assert ids(any_backend.candidates(KIND, CandidateQuery({"n:shyam": 1.0}))) == ["p1"]
    assert any_backend.count(KIND, [["district:rohtak"]]) == 0
    assert any_backend.count(KIND, [["district:hisar"]]) == 1
    assert any_backend.key_counts(KIND, ["n:ram", "n:shyam"]) == {"n:ram": 0, "n:shyam": 1}


def test_last_document_of_a_batch_wins(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [doc("p1", ("a",), v=1), doc("p1", ("b",), v=2)])
    assert any_backend.get(KIND, "p1") == {"id": "p1", "v": 2}
    assert any_backend.count(KIND) == 1
    assert any_backend.key_counts(KIND, ["a", "b"]) == {"a": 0, "b": 1}


def test_delete(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [doc("p1", ("k",), ("t:1",)), doc("p2", ("k",), ("t:1",))])
    assert any_backend.delete(KIND, "p1") is True
    assert any_backend.delete(KIND, "p1") is False
    assert any_backend.delete(KIND, "never") is False
    assert any_backend.delete("vehicles", "p2") is False
    assert any_backend.get(KIND, "p1") is None
    assert ids(any_backend.candidates(KIND, CandidateQuery({"k": 1.0}))) == ["p2"]
    assert any_backend.count(KIND) == 1
    assert any_backend.key_counts(KIND, ["k"]) == {"k": 1}
    assert [d.id for d in any_backend.iter_docs(KIND)] == ["p2"]


def test_get_many(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [doc(f"p{i}", ("k",), n=i) for i in range(5)])
    got = any_backend.get_many(KIND, ["p3", "p1", "nope", "p3"])
    assert got == {"p3": {"id": "p3", "n": 3}, "p1": {"id": "p1", "n": 1}}
    assert any_backend.get_many(KIND, []) == {}
    assert any_backend.get_many("vehicles", ["p1"]) == {}


def test_kinds_are_separate(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [doc("x", ("k",), kind="person")])
    any_backend.upsert("vehicles", [doc("x", ("k",), kind="vehicle")])
    assert any_backend.get(KIND, "x") == {"id": "x", "kind": "person"}
    assert any_backend.get("vehicles", "x") == {"id": "x", "kind": "vehicle"}
    any_backend.delete("vehicles", "x")
    assert any_backend.count(KIND) == 1
    assert any_backend.count("vehicles") == 0


def test_reopened_store_keeps_documents(any_backend: SearchBackend, tmp_path: Path,
                                        request: pytest.FixtureRequest) -> None:
    make_es = (request.getfixturevalue("make_es")
               if isinstance(any_backend, ElasticBackend) else None)
    any_backend.upsert(KIND, [doc("p1", ("k",), v=1)])
    other = reopen(any_backend, tmp_path, make_es)
    assert other.get(KIND, "p1") == {"id": "p1", "v": 1}
    assert ids(other.candidates(KIND, CandidateQuery({"k": 2.0}))) == ["p1"]


# -- candidates -------------------------------------------------------------------------
def test_candidate_scores_are_sums_of_shared_weights(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [
        doc("a", ("k1", "k2", "k3")), doc("b", ("k1",)), doc("c", ("k2", "k3")),
        doc("d", ("zz",)),
    ])
    got = any_backend.candidates(KIND, CandidateQuery({"k1": 1.5, "k2": 0.25, "k3": 2.0}))
    assert [(c.id, c.key_score, c.matched_keys) for c in got] == [
        ("a", 3.75, ("k1", "k2", "k3")), ("c", 2.25, ("k2", "k3")), ("b", 1.5, ("k1",))]
    assert got[0].body == {"id": "a"}


def test_ties_break_by_id_and_limit_cuts(any_backend: SearchBackend) -> None:
    rng = random.Random(4)
    names = [f"id{i:03d}" for i in range(60)]
    rng.shuffle(names)
    any_backend.upsert(KIND, [doc(n, ("same",)) for n in names] + [doc("top", ("same", "x"))])
    got = any_backend.candidates(KIND, CandidateQuery({"same": 1.0, "x": 0.5}, limit=7))
    assert ids(got) == ["top", "id000", "id001", "id002", "id003", "id004", "id005"]
    assert [c.key_score for c in got] == [1.5] + [1.0] * 6


def test_tag_groups_are_and_of_ors(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [
        doc("a", ("k",), ("district:rohtak", "status:wanted")),
        doc("b", ("k",), ("district:hisar", "status:wanted")),
        doc("c", ("k",), ("district:rohtak", "status:arrested")),
        doc("d", ("k",), ()),
    ])
    q = {"k": 1.0}
    assert ids(any_backend.candidates(KIND, CandidateQuery(q, [["district:rohtak"]]))) == [
        "a", "c"]
    assert ids(any_backend.candidates(KIND, CandidateQuery(
        q, [["district:rohtak", "district:hisar"], ["status:wanted"]]))) == ["a", "b"]
    assert any_backend.candidates(KIND, CandidateQuery(q, [["district:nowhere"]])) == []
    assert any_backend.candidates(KIND, CandidateQuery(q, [[]])) == []
    assert any_backend.count(KIND, [["status:wanted"], ["district:hisar"]]) == 1
    assert any_backend.count(KIND, [["status:wanted", "status:arrested"]]) == 3
    assert any_backend.count(KIND, [[]]) == 0


def test_empty_queries_give_nothing(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [doc("a", ("k",))])
    assert any_backend.candidates(KIND, CandidateQuery({})) == []
    assert any_backend.candidates(KIND, CandidateQuery({"": 1.0})) == []
    assert any_backend.candidates(KIND, CandidateQuery({"k": 1.0}, limit=0)) == []
    assert any_backend.candidates("vehicles", CandidateQuery({"k": 1.0})) == []


def test_empty_store(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [])
    assert any_backend.count(KIND) == 0
    assert any_backend.key_counts(KIND, ["a", "b"]) == {"a": 0, "b": 0}
    assert any_backend.key_counts(KIND, []) == {}
    assert list(any_backend.iter_docs(KIND)) == []


def test_zero_weight_key_still_finds(any_backend: SearchBackend) -> None:
    any_backend.upsert(KIND, [doc("a", ("z",)), doc("b", ("k",))])
    got = any_backend.candidates(KIND, CandidateQuery({"z": 0.0, "k": 1.0}))
    assert [(c.id, c.key_score) for c in got] == [("b", 1.0), ("a", 0.0)]


# -- unicode ------------------------------------------------------------------------------
def test_devanagari_keys_ids_tags_and_bodies(any_backend: SearchBackend) -> None:
    body = {"names": ["मोहम्मद इरफ़ान", "Mohd Irfan"], "father": "अब्दुल"}
    any_backend.upsert(KIND, [
        IndexDoc("व्यक्ति-१", body, ("n:मोहम्मद", "n:mhmd"), ("district:रोहतक",)),
        IndexDoc("P-2", {"names": ["इरफ़ान"]}, ("n:इरफ़ान",), ("district:रोहतक",)),
    ])
    assert any_backend.get(KIND, "व्यक्ति-१") == body
    got = any_backend.candidates(KIND, CandidateQuery({"n:मोहम्मद": 2.0, "n:इरफ़ान": 1.0},
                                                     [["district:रोहतक"]]))
    assert [(c.id, c.key_score) for c in got] == [("व्यक्ति-१", 2.0), ("P-2", 1.0)]
    assert any_backend.key_counts(KIND, ["n:मोहम्मद", "n:इरफान"]) == {
        "n:मोहम्मद": 1, "n:इरफान": 0}  # nukta matters: keys are compared exactly
    assert [d.id for d in any_backend.iter_docs(KIND)] == ["P-2", "व्यक्ति-१"]


# -- large inputs -------------------------------------------------------------------------
def test_large_body_and_many_keys(any_backend: SearchBackend) -> None:
    big = "क" * 2_000_000
    keys = tuple(f"k{i}" for i in range(2000))
    any_backend.upsert(KIND, [doc("big", keys, ("t:x",), text=big)])
    assert any_backend.get(KIND, "big") == {"id": "big", "text": big}
    query = {f"k{i}": 0.5 for i in range(0, 4000, 2)}  # 1000 of them match
    got = any_backend.candidates(KIND, CandidateQuery(query))
    assert [(c.id, c.key_score, len(c.matched_keys)) for c in got] == [("big", 500.0, 1000)]
    counts = any_backend.key_counts(KIND, [f"k{i}" for i in range(1500, 2500)])
    assert sum(counts.values()) == 500 and len(counts) == 1000


def test_many_documents_in_one_upsert(any_backend: SearchBackend) -> None:
    docs = [doc(f"p{i:05d}", (f"k{i % 10}", "all"), (f"g:{i % 3}",)) for i in range(5000)]
    any_backend.upsert(KIND, docs)
    assert any_backend.count(KIND) == 5000
    assert any_backend.count(KIND, [["g:0"]]) == 1667
    assert any_backend.key_counts(KIND, ["k3", "all"]) == {"k3": 500, "all": 5000}
    got = any_backend.candidates(KIND, CandidateQuery({"all": 1.0, "k7": 1.0}, limit=300))
    assert len(got) == 300
    assert ids(got)[:3] == ["p00007", "p00017", "p00027"]
    assert ids(got)[-1] == "p02997"  # the 500 k7 docs first (only 300 fit), by id


def test_iter_docs_pages_in_id_order(any_backend: SearchBackend) -> None:
    docs = [doc(f"d{i:03d}", (f"k{i}", "shared"), (f"t:{i % 2}",), n=i) for i in range(53)]
    any_backend.upsert(KIND, list(reversed(docs)))
    out = list(any_backend.iter_docs(KIND, batch_size=7))
    assert [d.id for d in out] == [d.id for d in docs]
    assert [(d.body, set(d.keys), set(d.tags)) for d in out] == [
        (d.body, set(d.keys), set(d.tags)) for d in docs]


# -- Elasticsearch answers exactly what the embedded store answers -------------------------
def _random_store(seed: int, n: int) -> tuple[list[IndexDoc], list[CandidateQuery]]:
    rng = random.Random(seed)
    pool = [f"n:{w}" for w in ("ram", "rm", "shyam", "sym", "irfan", "irfn", "mohd", "mhmd",
                               "singh", "sng", "kaur", "kr", "राम", "श्याम", "kumar", "kmr",
                               "devi", "dv", "chaudhary", "chdr")]
    tags = ["district:rohtak", "district:hisar", "district:karnal", "status:wanted",
            "status:arrested", "gender:m", "gender:f"]
    docs = [IndexDoc(f"P-{rng.randrange(10**6):06d}-{i}", {"i": i},
                     tuple(rng.sample(pool, rng.randint(1, 5))),
                     tuple(rng.sample(tags, rng.randint(0, 3)))) for i in range(n)]
    weight_sets = [
        lambda: 1.0,                                 # everything ties
        lambda: rng.choice([0.5, 1.0, 1.5]),         # many ties
        lambda: round(rng.uniform(0.1, 3.0), 3),     # few ties
        lambda: rng.choice([0.1, 0.2, 0.3, 0.7]),    # float sums like 0.1 + 0.2 vs 0.3
    ]
    queries = []
    for j in range(40):
        weight = weight_sets[j % len(weight_sets)]
        keys = {k: weight() for k in rng.sample(pool, rng.randint(1, 8))}
        groups = rng.choice([(), ([rng.choice(tags)],), (tags[:3], tags[3:5])])
        queries.append(CandidateQuery(keys, groups, limit=rng.choice([1, 5, 10, 37, 200])))
    return docs, queries


@pytest.mark.elasticsearch
@pytest.mark.parametrize("seed", [1, 2])
def test_same_candidates_in_same_order(
        both_backends: tuple[EmbeddedBackend, ElasticBackend], seed: int) -> None:
    embedded, elastic = both_backends
    docs, queries = _random_store(seed, 1500)
    embedded.upsert(KIND, docs)
    elastic.upsert(KIND, docs)
    assert elastic.count(KIND) == embedded.count(KIND)
    for query in queries:
        want = embedded.candidates(KIND, query)
        got = elastic.candidates(KIND, query)
        assert [(c.id, c.key_score, c.matched_keys) for c in got] == [
            (c.id, c.key_score, c.matched_keys) for c in want], query
        assert [c.body for c in got] == [c.body for c in want]
        groups = [list(g) for g in query.tag_groups]
        assert elastic.count(KIND, groups) == embedded.count(KIND, groups)
    keys = [*sorted({k for d in docs for k in d.keys}), "absent"]
    assert elastic.key_counts(KIND, keys) == embedded.key_counts(KIND, keys)


@pytest.mark.elasticsearch
def test_float_sums_order_like_embedded(
        both_backends: tuple[EmbeddedBackend, ElasticBackend]) -> None:
    """0.1 + 0.2 > 0.3 in binary floating point; both stores must agree on that."""
    embedded, elastic = both_backends
    docs = [doc("a", ("c",)), doc("b", ("a1", "b1")), doc("c", ("c",))]
    for store in both_backends:
        store.upsert(KIND, docs)
    query = CandidateQuery({"a1": 0.1, "b1": 0.2, "c": 0.3}, limit=2)
    want = [(c.id, c.key_score) for c in embedded.candidates(KIND, query)]
    assert [(c.id, c.key_score) for c in elastic.candidates(KIND, query)] == want


@pytest.mark.elasticsearch
def test_near_ties_beyond_the_first_page_resolve_like_embedded(
        both_backends: tuple[EmbeddedBackend, ElasticBackend],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """0.1 + 0.2 and 0.3 are one float32 score, so Elasticsearch interleaves these docs
    by id; the backend must page on until it can rank them exactly."""
    embedded, elastic = both_backends
    docs = [doc(f"d{i:04d}", ("c",) if i % 2 else ("a1", "b1")) for i in range(600)]
    for store in both_backends:
        store.upsert(KIND, docs)
    calls = 0
    search = elastic.es.search

    def counting(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return search(**kwargs)

    monkeypatch.setattr(elastic.es, "search", counting)
    query = CandidateQuery({"a1": 0.1, "b1": 0.2, "c": 0.3}, limit=310)
    want = [(c.id, c.key_score) for c in embedded.candidates(KIND, query)]
    got = [(c.id, c.key_score) for c in elastic.candidates(KIND, query)]
    assert got == want
    assert want[299][0] == "d0598" and want[300][0] == "d0001"  # all a1+b1 docs first
    assert calls > 1  # the first page could not settle the boundary
