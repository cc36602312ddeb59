"""The one protocol every store implements, and the plain values it speaks.

A store holds documents of several *kinds* (``persons``, ``vehicles``,
``fingerprints``...). Each document is a JSON body plus two lists of keyword terms
computed in Python:

- ``keys``: retrieval keys (phonetic name keys, plate keys...). A query names keys with
  weights; a document is a candidate when it shares at least one, and its candidate
  score is the sum of the weights of the keys it shares.
- ``tags``: filter terms such as ``district:rohtak`` or ``birth_year:1985``. A query
  lists groups of tags; a candidate must carry at least one tag of every group.

Because keys and tags are computed before the store sees them, the embedded store and
Elasticsearch return the same candidates in the same order (ties broken by id), and
``matcher/`` ranks them identically.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

JsonDict = dict[str, Any]


@dataclass(frozen=True, slots=True)
class IndexDoc:
    """A document as stored: id, body, retrieval keys and filter tags."""

    id: str
    body: JsonDict
    keys: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CandidateQuery:
    """Find documents sharing keys with the query, restricted by tag groups."""

    keys: Mapping[str, float]
    tag_groups: Sequence[Sequence[str]] = ()
    limit: int = 200


@dataclass(frozen=True, slots=True)
class Candidate:
    """A document found by keys: its id, its body and the summed weight of shared keys."""

    id: str
    body: JsonDict
    key_score: float
    matched_keys: tuple[str, ...] = field(default=())


@runtime_checkable
class SearchBackend(Protocol):
    """Where records live and how candidates are found."""

    name: str

    def upsert(self, kind: str, docs: Sequence[IndexDoc]) -> None:
        """Insert or replace documents; durable and visible to the next query on return."""

    def delete(self, kind: str, doc_id: str) -> bool:
        """Remove a document; True when it existed."""

    def get(self, kind: str, doc_id: str) -> JsonDict | None:
        """The stored body, or None."""

    def get_many(self, kind: str, doc_ids: Sequence[str]) -> dict[str, JsonDict]:
        """Bodies of the ids that exist."""

    def candidates(self, kind: str, query: CandidateQuery) -> list[Candidate]:
        """Documents sharing a key with the query, best key score first, ties by id."""

    def key_counts(self, kind: str, keys: Iterable[str]) -> dict[str, int]:
        """How many documents carry each key (document frequency); absent keys give 0."""

    def count(self, kind: str, tag_groups: Sequence[Sequence[str]] = ()) -> int:
        """Number of documents of a kind, optionally restricted by tag groups."""

    def iter_docs(self, kind: str, batch_size: int = 1000) -> Iterable[IndexDoc]:
        """Every document of a kind, for reindexing and exports."""

    def close(self) -> None:
        """Release files and connections."""
