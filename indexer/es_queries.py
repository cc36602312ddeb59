"""Pure builders of Elasticsearch index names, mappings and query bodies.

Why pure: tests read the bodies, and the same functions serve the backend, the reindex
and the docs. Nothing here talks to a cluster.

Scoring mirrors the embedded store: every query key is a ``constant_score`` term
query whose boost is the key's weight, all in one ``bool.should`` (at least one must
match), so Elasticsearch's score is the sum of the weights of the shared keys. Each
clause is named after its key, so the hit says which keys matched and the backend
recomputes the score exactly in Python (Elasticsearch sums in float32).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from indexer.base import IndexDoc, JsonDict
from pehchaan.errors import ValidationError

# Lucene refuses terms over 32766 UTF-8 bytes; 8191 characters always fit.
MAX_TERM_CHARS = 8191
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
# Body fields copied into searchable/display fields when present (persons and others).
_DISPLAY_FIELDS = ("names", "aliases", "relative_name", "name", "plate", "display_name")


def check_name(value: str, what: str) -> str:
    """Index name parts must be lowercase letters, digits, '-' or '_'."""
    if not _NAME_RE.match(value):
        raise ValidationError(f"{value!r} is not a valid Elasticsearch name part "
                              "(lowercase letters, digits, '-' and '_')", field=what)
    return value


def alias_name(prefix: str, kind: str) -> str:
    """The stable name every read and write uses: ``{prefix}-{kind}``."""
    return f"{check_name(prefix, 'prefix')}-{check_name(kind, 'kind')}"


def index_name(prefix: str, kind: str, version: int) -> str:
    """The concrete, versioned index behind the alias: ``{prefix}-{kind}-v{N}``."""
    return f"{alias_name(prefix, kind)}-v{version}"


def index_version(name: str) -> int:
    """The N of ``...-vN`` (0 when the name does not carry one)."""
    match = re.search(r"-v(\d+)$", name)
    return int(match.group(1)) if match else 0


def template_name(prefix: str) -> str:
    return f"{check_name(prefix, 'prefix')}-docs"


def mappings() -> JsonDict:
    """Explicit, strict mappings: keys/tags/id as keywords, the body kept but not indexed."""
    return {
        "dynamic": "strict",
        "properties": {
            "id": {"type": "keyword"},
            "keys": {"type": "keyword"},
            "tags": {"type": "keyword"},
            "body": {"type": "object", "enabled": False},
            "display": {"type": "text", "fields": {"raw": {"type": "keyword",
                                                           "ignore_above": 512}}},
            "district": {"type": "keyword"},
            "status": {"type": "keyword"},
            "date_of_birth": {"type": "date", "ignore_malformed": True},
            "updated_at": {"type": "date", "ignore_malformed": True},
            "indexed_at": {"type": "date"},
        },
    }


def index_settings(shards: int = 1, replicas: int = 0) -> JsonDict:
    return {"number_of_shards": shards, "number_of_replicas": replicas,
            "max_result_window": 10000}


def index_template(prefix: str, shards: int = 1, replicas: int = 0) -> JsonDict:
    """A composable template for ``{prefix}-*``.

    Its priority is the prefix length: a per-test prefix such as ``pehchaan-t1`` then
    outranks ``pehchaan`` instead of clashing with it (equal priorities on overlapping
    patterns are refused by Elasticsearch).
    """
    return {
        "index_patterns": [f"{check_name(prefix, 'prefix')}-*"],
        "priority": len(prefix),
        "template": {"settings": index_settings(shards, replicas), "mappings": mappings()},
        "_meta": {"owner": "pehchaan", "why": "keys and tags are computed in Python"},
    }


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    return []


def check_doc(doc: IndexDoc) -> None:
    """Refuse what Elasticsearch would refuse, with the document and field named."""
    if not doc.id:
        raise ValidationError("empty document id", field="id")
    if len(doc.id.encode()) > 512:
        raise ValidationError(f"document id {doc.id[:40]!r}... is over 512 bytes", field="id")
    for what, terms in (("keys", doc.keys), ("tags", doc.tags)):
        for term in terms:
            if len(term) > MAX_TERM_CHARS:
                raise ValidationError(
                    f"document {doc.id!r}: a term of {len(term)} characters is over "
                    f"{MAX_TERM_CHARS}", field=what)


def source(doc: IndexDoc, now: datetime | None = None) -> JsonDict:
    """The stored ``_source`` of a document: the body, the terms and display fields."""
    body = doc.body
    display: list[str] = []
    for name in _DISPLAY_FIELDS:
        display.extend(_strings(body.get(name)))
    out: JsonDict = {
        "id": doc.id,
        "keys": sorted(set(doc.keys)),
        "tags": sorted(set(doc.tags)),
        "body": body,
        "indexed_at": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    if display:
        out["display"] = display
    district = [t.split(":", 1)[1] for t in doc.tags if t.startswith("district:")]
    status = [t.split(":", 1)[1] for t in doc.tags if t.startswith("status:")]
    if district:
        out["district"] = district
    if status:
        out["status"] = status
    for field in ("date_of_birth", "updated_at"):
        if isinstance(body.get(field), str) and body[field]:
            out[field] = body[field]
    return out


def clean_weights(keys: Mapping[str, float]) -> dict[str, float]:
    """Query weights as Elasticsearch accepts them: finite and not negative."""
    out: dict[str, float] = {}
    for key, weight in keys.items():
        if not key:
            continue
        w = float(weight)
        if not math.isfinite(w) or w < 0:
            raise ValidationError(f"weight of key {key!r} is {weight!r}; "
                                  "weights must be finite and >= 0", field="keys")
        out[key] = w
    return out


def tag_filters(tag_groups: Sequence[Sequence[str]]) -> list[JsonDict]:
    """One ``terms`` filter per group: a document must carry a tag of every group."""
    return [{"terms": {"tags": list(dict.fromkeys(group))}} for group in tag_groups]


def candidates_query(weights: Mapping[str, float],
                     tag_groups: Sequence[Sequence[str]] = ()) -> JsonDict:
    """Sum of the weights of the shared keys, named per key, restricted by tag groups."""
    should = [
        {"constant_score": {"filter": {"term": {"keys": key}}, "boost": weight, "_name": key}}
        for key, weight in weights.items()
    ]
    query: JsonDict = {"should": should, "minimum_should_match": 1}
    filters = tag_filters(tag_groups)
    if filters:
        query["filter"] = filters
    return {"bool": query}


def candidates_body(weights: Mapping[str, float], tag_groups: Sequence[Sequence[str]],
                    size: int, search_after: Sequence[Any] | None = None) -> JsonDict:
    """The search request: best score first, ties by id; bodies and matched key names
    come back in the same round trip."""
    body: JsonDict = {
        "query": candidates_query(weights, tag_groups),
        "sort": [{"_score": "desc"}, {"id": "asc"}],
        "size": size,
        "_source": ["body"],
        "track_total_hits": False,
    }
    if search_after is not None:
        body["search_after"] = list(search_after)
    return body


def count_query(tag_groups: Sequence[Sequence[str]] = ()) -> JsonDict:
    """Every document, or those carrying a tag of each group."""
    filters = tag_filters(tag_groups)
    return {"bool": {"filter": filters}} if filters else {"match_all": {}}


def key_counts_searches(keys: Sequence[str]) -> list[JsonDict]:
    """An ``_msearch`` body: one exact hit count per key (document frequency).

    A single-term count is answered from Lucene's term statistics, so common keys
    (``singh``) cost no more than rare ones, unlike a terms aggregation.
    """
    out: list[JsonDict] = []
    for key in keys:
        out.append({})
        out.append({"size": 0, "track_total_hits": True, "query": {"term": {"keys": key}}})
    return out


def scan_body(size: int, search_after: Sequence[Any] | None = None) -> JsonDict:
    """Every document in id order, a page at a time (for iter_docs and reindex)."""
    body: JsonDict = {"query": {"match_all": {}}, "sort": [{"id": "asc"}], "size": size,
                      "_source": ["id", "body", "keys", "tags"], "track_total_hits": False}
    if search_after is not None:
        body["search_after"] = list(search_after)
    return body
