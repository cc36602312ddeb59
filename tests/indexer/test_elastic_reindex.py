"""Reindex on a real node: a new versioned index, the alias swapped, nothing lost."""

from __future__ import annotations

import dataclasses

import pytest

from indexer import es_queries as q
from indexer.base import CandidateQuery, IndexDoc
from indexer.elastic import ElasticBackend
from indexer.embedded import EmbeddedBackend
from indexer.reindex import reindex, reindex_command
from pehchaan.errors import BackendError
from tests.conftest import person_docs_without_pair_keys

pytestmark = pytest.mark.elasticsearch
KIND = "persons"


def _docs(n: int) -> list[IndexDoc]:
    return [IndexDoc(f"p{i:04d}", {"i": i, "names": [f"नाम {i}"]}, (f"k{i % 7}", "all"),
                     (f"g:{i % 2}",)) for i in range(n)]


def _settings(store: ElasticBackend, data_dir: object) -> object:
    """The few settings reindex_command reads, pointing at the test node."""
    return type("S", (), {"es_url": store.url, "es_index_prefix": store.prefix,
                          "es_username": None, "es_password": None, "data_dir": data_dir})()


def _answers(store: ElasticBackend) -> list[tuple[str, float]]:
    got = store.candidates(KIND, CandidateQuery({"k3": 2.0, "all": 1.0}, [["g:1"]], 50))
    return [(c.id, c.key_score) for c in got]


def test_reindex_swaps_alias_and_keeps_every_document(es_backend: ElasticBackend) -> None:
    es_backend.upsert(KIND, _docs(1234))
    before = _answers(es_backend)
    report = reindex(es_backend, KIND, batch_size=300)
    assert report.old_index == q.index_name(es_backend.prefix, KIND, 1)
    assert report.new_index == q.index_name(es_backend.prefix, KIND, 2)
    assert (report.read, report.indexed, report.failed) == (1234, 1234, [])
    assert report.old_deleted
    assert es_backend.current_index(KIND) == report.new_index
    assert not es_backend.es.indices.exists(index=report.old_index)
    assert es_backend.count(KIND) == 1234 and _answers(es_backend) == before
    es_backend.upsert(KIND, [IndexDoc("new", {}, ("k3",), ("g:1",))])  # writes follow alias
    assert es_backend.get(KIND, "new") == {}
    assert reindex(es_backend, KIND, keep_old=True).new_index.endswith("-v3")
    assert es_backend.es.indices.exists(index=report.new_index)  # kept on request


def test_reindex_from_the_embedded_store(es_backend: ElasticBackend,
                                         embedded_store: EmbeddedBackend) -> None:
    embedded_store.upsert(KIND, _docs(500))
    report = reindex(es_backend, KIND, source=embedded_store)
    assert report.old_index is None and report.source == "embedded"
    assert es_backend.count(KIND) == 500
    query = CandidateQuery({"k3": 2.0, "all": 1.0}, [["g:1"]], 50)
    assert [(c.id, c.key_score) for c in es_backend.candidates(KIND, query)] == [
        (c.id, c.key_score) for c in embedded_store.candidates(KIND, query)]


def test_reindex_with_transform_recomputes_keys(es_backend: ElasticBackend) -> None:
    es_backend.upsert(KIND, _docs(50))
    reindex(es_backend, KIND,
            transform=lambda d: dataclasses.replace(d, keys=(*d.keys, "v2:" + d.id)))
    assert [c.id for c in es_backend.candidates(KIND, CandidateQuery({"v2:p0042": 1.0}))] == [
        "p0042"]


def test_failed_reindex_leaves_the_alias_alone(es_backend: ElasticBackend) -> None:
    es_backend.upsert(KIND, _docs(100))
    live = es_backend.current_index(KIND)

    def poison(doc: IndexDoc) -> IndexDoc:
        return dataclasses.replace(doc, keys=("x" * 9000,)) if doc.id == "p0050" else doc

    with pytest.raises(BackendError) as err:
        reindex(es_backend, KIND, transform=poison)
    assert "alias still points to" in str(err.value)
    assert es_backend.current_index(KIND) == live
    assert not es_backend.es.indices.exists(index=q.index_name(es_backend.prefix, KIND, 2))
    assert es_backend.count(KIND) == 100


def test_reindex_command_uses_settings(es_backend: ElasticBackend, tmp_path: object) -> None:
    es_backend.upsert(KIND, _docs(10))
    settings = _settings(es_backend, tmp_path)
    out = reindex_command(settings, KIND)
    assert out["indexed"] == 10 and out["new_index"].endswith("-v2")


def test_reindex_command_keys_person_records_afresh(es_backend: ElasticBackend,
                                                    tmp_path: object) -> None:
    """Records stored before a version added keys (the pair keys) gain them on reindex."""
    from pehchaan.person import parse_person
    from pehchaan.person_index import person_doc, rekey_person

    records = [{"id": f"P{i}", "names": ["Pawan"], "relative_name": "Naresh" if i == 3 else "Ram"}
               for i in range(6)]
    es_backend.upsert(KIND, person_docs_without_pair_keys(records))
    assert es_backend.key_counts(KIND, ["p:pbn+nrs"]) == {"p:pbn+nrs": 0}
    settings = _settings(es_backend, tmp_path)
    out = reindex_command(settings, KIND, transform=rekey_person)
    assert out["indexed"] == 6
    assert es_backend.key_counts(KIND, ["p:pbn+nrs", "p:pbn+rm"]) == {"p:pbn+nrs": 1,
                                                                    "p:pbn+rm": 5}
    assert es_backend.get(KIND, "P3") == person_doc(
        parse_person(records[3], now="2025-01-01T00:00:00+00:00")).body
