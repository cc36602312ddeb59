"""Owner names of registrations against wanted persons and proclaimed offenders.

The name keys of every wanted person are read once per run (a prefilter); a name that
shares one is confirmed with the person search, and the answer is cached per name.
"""

from __future__ import annotations

from functools import lru_cache

from indexer.base import SearchBackend
from pehchaan.crosscheck_hits import WANTED_PERSON_STATUSES, Hit

NAME_MIN = 0.85


def wanted_person_keys(backend: SearchBackend) -> set[str]:
    """Name keys of every wanted person / proclaimed offender (a prefilter only)."""
    from pehchaan.person_index import KIND as PERSONS
    from pehchaan.person_index import NAME_KEY

    keys: set[str] = set()
    for doc in backend.iter_docs(PERSONS, batch_size=5000):
        status = doc.body.get("status")
        statuses = status if isinstance(status, list) else [status]
        if any(s in WANTED_PERSON_STATUSES for s in statuses):
            keys.update(k for k in doc.keys if k.startswith(NAME_KEY))
    return keys


@lru_cache(maxsize=100_000)
def _owner_keys(owner: str) -> frozenset[str]:
    from pehchaan.person_index import NAME_KEY
    from transliteration import name_keys

    try:
        return frozenset(NAME_KEY + k for k in name_keys(owner))
    except Exception:  # a name the transliterator cannot read is simply not prefiltered in
        return frozenset()


def owner_may_be_wanted(owner: str, person_keys: frozenset[str]) -> bool:
    return not _owner_keys(owner).isdisjoint(person_keys)


_owner_cache: dict[tuple[int, str], tuple[Hit, ...]] = {}


def owner_hits(backend: SearchBackend, owner: str) -> tuple[Hit, ...]:
    """Person search for the owner among wanted persons; cached per name for the run.

    A hit's summary carries the person's restrictions (when there are any), so that a
    role that may not see a restricted record gets the job's results without that hit
    (api/ redacts every response by the caller's scope)."""
    cache_key = (id(backend), owner)
    cached = _owner_cache.get(cache_key)
    if cached is not None:
        return cached
    from pehchaan.person_search import PersonQuery, search_persons

    try:
        found = search_persons(backend, PersonQuery(name=owner, status=WANTED_PERSON_STATUSES,
                                                    k=3, min_score=NAME_MIN))
    except Exception:  # a name the person search refuses is not a hit
        found = []
    hits = []
    for h in found:
        body = h.person.to_body()
        status = body.get("status")
        hits.append(Hit("owner_name", "name match", h.score,
                        "; ".join(f.detail for f in h.explained.features if f.detail),
                        "persons", h.person.id,
                        ",".join(status) if isinstance(status, list) else str(status),
                        {k: body.get(k) for k in ("names", "relative_name", "district",
                                                  "status", "restrictions") if body.get(k)}))
    result = tuple(hits)
    if len(_owner_cache) > 100_000:
        _owner_cache.clear()
    _owner_cache[cache_key] = result
    return result
