"""Person search: one function used by the CLI, the API and the benchmarks.

1. The query name (and father's name) becomes name keys (transliteration/).
2. Keys are weighted by rarity in the store (inverse document frequency); keys carried
   by a large share of records (Singh, Kumar, Devi...) are dropped from retrieval.
3. The store returns candidates sharing keys (indexer/), first restricted by the soft
   facts of the query (gender, birth years) and then, if that left room, without them.
4. matcher/ scores each candidate feature by feature; the top k come back explained.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date

from indexer.base import Candidate, CandidateQuery, SearchBackend
from matcher.explain import Explained
from matcher.persons import PersonFacts, score_person_above
from pehchaan.districts import district_tag
from pehchaan.errors import ValidationError
from pehchaan.person import MAX_TEXT, Person, Status
from pehchaan.person_index import KIND, NAME_KEY, RELATIVE_KEY, cached_name_keys, pair_keys
from transliteration import relative_of

CANDIDATE_LIMIT = 70
POSTINGS_BUDGET = 3000
RELATIVE_WEIGHT = 0.5
AGE_TOLERANCE = 3


@dataclass(frozen=True, slots=True)
class PersonQuery:
    """What an investigator asks: a name plus optional facts and filters."""

    name: str
    relative_name: str | None = None
    gender: str | None = None
    age: int | None = None
    birth_year_from: int | None = None
    birth_year_to: int | None = None
    district: str | None = None
    status: tuple[str, ...] = ()
    k: int = 10
    include_restricted: bool = True
    min_score: float = 0.0

    def birth_years(self) -> tuple[int, int] | None:
        if self.birth_year_from or self.birth_year_to:
            lo = self.birth_year_from or self.birth_year_to or 0
            hi = self.birth_year_to or self.birth_year_from or 0
            return lo, hi
        if self.age is not None:
            year = date.today().year - self.age
            return year - 1, year
        return None

    def facts(self) -> PersonFacts:
        """What the query says about the person, as the scorer compares it."""
        return PersonFacts(name=self.name, relative_name=self.relative_name,
                           gender=self.gender, birth_years=self.birth_years(),
                           district=self.district)

    def with_named_relative(self) -> PersonQuery:
        """The query with its relative's name as the scorer compares it: the field without
        a marker typed before it ("S/o Mahesh"), or else taken from a relation marker in
        the name ("अंकित पुत्र महिपाल")."""
        relative = relative_of(self.relative_name, (self.name,))
        return replace(self, relative_name=relative) if relative != self.relative_name else self

    def validate(self, *, max_k: int = 1000) -> None:
        if not self.name or not any(ch.isalpha() for ch in self.name):
            raise ValidationError("a name with at least one letter is required", field="name")
        for label, value in (("name", self.name), ("relative_name", self.relative_name)):
            if value is not None and len(value) > MAX_TEXT:
                raise ValidationError(f"is {len(value):,} characters long; the limit is "
                                      f"{MAX_TEXT}", field=label)
        if not 1 <= self.k <= max_k:
            raise ValidationError(f"must be between 1 and {max_k}", field="k")
        if self.age is not None and not 0 <= self.age <= 120:
            raise ValidationError("must be between 0 and 120", field="age")
        years = self.birth_years()
        if years and (years[0] > years[1] or years[0] < 1900 or years[1] > date.today().year):
            raise ValidationError(f"birth years {years[0]}-{years[1]} are not a plausible range",
                                  field="birth_year_from")
        if self.gender is not None and self.gender.upper() not in {"M", "F", "X"}:
            raise ValidationError("must be M, F or X", field="gender")
        for status in self.status:
            if status not in Status.__members__.values():
                allowed = ", ".join(s.value for s in Status)
                raise ValidationError(f"{status!r} is not one of {allowed}", field="status")


@dataclass(frozen=True, slots=True)
class PersonHit:
    """One ranked result: the record, its score and the explanation."""

    person: Person
    explained: Explained
    key_score: float
    matched_keys: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        return self.explained.score


def hit_order(hit: PersonHit) -> tuple[float, float, float, str]:
    """Best first: the score; between equal scores the more agreeing evidence (a father's
    name that agrees beats one unknown), then the key evidence, then the id."""
    return (-hit.explained.score, -hit.explained.evidence, -hit.key_score, hit.person.id)


Keys = tuple[dict[str, float], int]
"""Weighted keys of one retrieval tier, and the postings they add up to."""


def weighted_keys(backend: SearchBackend, query: PersonQuery) -> dict[str, float]:
    """Query keys weighted by rarity (IDF). The rarest keys are kept until their postings
    add up to the budget, so a query never aggregates the postings of Singh or Kumar when
    a rarer part of the name is there to find the person by."""
    return _rarest(backend, _name_keys(query), backend.count(KIND))[0]


def _name_keys(query: PersonQuery) -> dict[str, float]:
    wanted = {NAME_KEY + k: 1.0 for k in cached_name_keys(query.name)}
    if query.relative_name:
        wanted.update({RELATIVE_KEY + k: RELATIVE_WEIGHT
                       for k in cached_name_keys(query.relative_name)})
    return wanted


def _pair_keys(query: PersonQuery) -> dict[str, float]:
    """Pair keys of the query's name and relative's name."""
    if not query.relative_name:
        return {}
    return dict.fromkeys(pair_keys(query.name, query.relative_name), 1.0 + RELATIVE_WEIGHT)


def _rarest(backend: SearchBackend, wanted: dict[str, float], total: int) -> Keys:
    if not wanted:
        return {}, 0
    counts = backend.key_counts(KIND, wanted)
    total = max(1, total)
    present = {k: c for k, c in counts.items() if c > 0}
    selective: dict[str, int] = {}
    spent = 0
    for key in sorted(present, key=lambda k: (present[k], k)):
        if selective and spent + present[key] > POSTINGS_BUDGET:
            break
        selective[key] = present[key]
        spent += present[key]
    return ({k: round(wanted[k] * math.log(1.0 + total / c), 4)
             for k, c in selective.items()}, spent)


def _filters(query: PersonQuery) -> list[list[str]]:
    groups: list[list[str]] = []
    if query.district:
        groups.append([district_tag(query.district)])
    if query.status:
        groups.append([f"status:{s}" for s in query.status])
    if not query.include_restricted:
        groups.append(["restricted:none"])
    return groups


def _soft_filters(query: PersonQuery) -> list[list[str]]:
    groups: list[list[str]] = []
    if query.gender:
        groups.append([f"gender:{query.gender.lower()}"])
    years = query.birth_years()
    if years:
        groups.append([f"birth_year:{y}" for y in range(years[0] - AGE_TOLERANCE,
                                                        years[1] + AGE_TOLERANCE + 1)])
    return groups


def find_candidates(backend: SearchBackend, query: PersonQuery,
                    limit: int = CANDIDATE_LIMIT) -> list[Candidate]:
    """Candidates from the index, in tiers until the limit is reached: first the records
    whose name and relative's name both share keys with the query (pair keys), then
    those sharing name keys. Within a tier, when a name is so common that the limit cuts
    the list, those agreeing with the soft facts (gender, birth years) go first: they
    are asked for first, and the tier is topped up without the soft facts."""
    total = backend.count(KIND)
    hard, soft = _filters(query), _soft_filters(query)
    found: dict[str, Candidate] = {}
    for wanted in (_pair_keys(query), _name_keys(query)):
        keys, postings = _rarest(backend, wanted, total)
        if not keys:
            continue
        tier: dict[str, Candidate] = {}
        # Soft facts first only when the limit cuts: else every posting fits anyway.
        if soft and postings > limit:
            _top_up(tier, backend.candidates(KIND, CandidateQuery(keys, [*hard, *soft],
                                                                  limit)), limit)
        if len(tier) < limit:
            _top_up(tier, backend.candidates(KIND, CandidateQuery(keys, hard, limit)), limit)
        _top_up(found, tier.values(), limit)
        if len(found) >= limit:
            break
    return list(found.values())


def _top_up(found: dict[str, Candidate], more: Iterable[Candidate], limit: int) -> None:
    """Add candidates not there yet, in order, until the limit."""
    for cand in more:
        if len(found) >= limit:
            return
        found.setdefault(cand.id, cand)


def search_persons(backend: SearchBackend, query: PersonQuery) -> list[PersonHit]:
    """The top k persons for a query, best first, each with its explanation.

    Candidates are scored best key evidence first; once k are scored, the k-th best score
    is a floor that later candidates must be able to reach, so most of them stop after
    the cheap features or the name (same results as scoring every candidate fully)."""
    query.validate()
    query = query.with_named_relative()
    facts = query.facts()
    candidates = sorted(find_candidates(backend, query), key=lambda c: -c.key_score)
    hits: list[PersonHit] = []
    best: list[float] = []  # min-heap of the k best scores so far
    for cand in candidates:
        floor = max(query.min_score, best[0]) if len(best) >= query.k else query.min_score
        person = Person.from_body(cand.body)
        explained = score_person_above(facts, person, floor)
        if explained is None or explained.score < query.min_score:
            continue
        hits.append(PersonHit(person, explained, cand.key_score, cand.matched_keys))
        if len(best) < query.k:
            heapq.heappush(best, explained.score)
        elif explained.score > best[0]:
            heapq.heapreplace(best, explained.score)
    hits.sort(key=hit_order)
    return hits[: query.k]
