"""The person scoring model: a table of features and weights, not a nest of ifs.

Each feature compares one aspect of the query with a candidate record and says why.
A feature missing on either side neither rewards nor punishes: the total is the
weighted mean of the features known on both sides. The name always counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from matcher.explain import MISSING, Explained, FeatureResult, FeatureScore
from matcher.names import compare_names as _compare_names
from pehchaan.districts import canonical_district
from pehchaan.person import Person

compare_names = lru_cache(maxsize=131_072)(_compare_names)
"""Names repeat across a state's records (and results are immutable), so pairs are cached."""


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What a query says about the person sought."""

    name: str
    relative_name: str | None = None
    gender: str | None = None
    birth_years: tuple[int, int] | None = None
    district: str | None = None


def name_feature(query: PersonFacts, person: Person) -> FeatureScore:
    """The query name against the record's names and aliases; the best one counts."""
    best: FeatureScore | None = None
    best_label = ""
    for label, candidates in (("name", person.names), ("alias", person.aliases)):
        for candidate in candidates:
            result = compare_names(query.name, candidate)
            if best is None or (result.score or 0.0) > (best.score or 0.0):
                best, best_label = result, f"{label} '{candidate}'"
    if best is None:
        return MISSING
    return FeatureScore(best.score, f"{best_label}: {best.detail}")


def relative_feature(query: PersonFacts, person: Person) -> FeatureScore:
    """Father's or husband's name: strong evidence in Indian records."""
    theirs = person.known_relative() if query.relative_name else None
    if not query.relative_name or not theirs:
        return MISSING
    result = compare_names(query.relative_name, theirs)
    return FeatureScore(result.score, f"'{query.relative_name}' ~ '{theirs}': {result.detail}")


def age_feature(query: PersonFacts, person: Person) -> FeatureScore:
    """Birth years compared with a tolerance: recorded ages are often estimates."""
    theirs = person.birth_year_range()
    if query.birth_years is None or theirs is None:
        return MISSING
    gap = max(0, max(query.birth_years[0], theirs[0]) - min(query.birth_years[1], theirs[1]))
    score = max(0.0, 1.0 - gap / 8.0) if gap > 1 else 1.0
    shown = f"{theirs[0]}" if theirs[0] == theirs[1] else f"{theirs[0]}-{theirs[1]}"
    return FeatureScore(score, f"birth year {shown}, {gap} year(s) from the query")


def gender_feature(query: PersonFacts, person: Person) -> FeatureScore:
    """Gender agrees or not (a disagreement is strong evidence against)."""
    if not query.gender or not person.gender:
        return MISSING
    same = query.gender.upper() == person.gender.upper()
    return FeatureScore(1.0 if same else 0.0, f"gender {person.gender}"
                        + (" agrees" if same else f" differs from {query.gender}"))


def district_feature(query: PersonFacts, person: Person) -> FeatureScore:
    """Same district is weak evidence: people move and are booked across districts."""
    if not query.district or not person.district:
        return MISSING
    same = canonical_district(query.district) == person.district
    return FeatureScore(1.0 if same else 0.5, f"district {person.district}"
                        + (" agrees" if same else " differs"))


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    weight: float
    compare: Callable[[PersonFacts, Person], FeatureScore]
    cheap: bool = False
    """Compared before the costly ones, so a candidate that cannot reach a floor stops early."""


PERSON_MODEL: tuple[Feature, ...] = (
    Feature("name", 0.60, name_feature),
    Feature("relative_name", 0.20, relative_feature),
    Feature("age", 0.10, age_feature, cheap=True),
    Feature("gender", 0.06, gender_feature, cheap=True),
    Feature("district", 0.04, district_feature, cheap=True),
)

FLOOR_SLACK = 1e-9  # rounding room: a bound this close to the floor is not trusted to prune


@lru_cache(maxsize=16)
def _evaluation_order(model: tuple[Feature, ...]) -> tuple[int, ...]:
    return tuple(sorted(range(len(model)), key=lambda i: not model[i].cheap))


def score_person(query: PersonFacts, person: Person,
                 model: tuple[Feature, ...] = PERSON_MODEL) -> Explained:
    """Weighted mean of the features known on both sides, with each feature's share."""
    explained = score_person_above(query, person, None, model)
    assert explained is not None  # no floor: always scored
    return explained


def score_person_above(query: PersonFacts, person: Person, floor: float | None,
                       model: tuple[Feature, ...] = PERSON_MODEL) -> Explained | None:
    """`score_person`, or None as soon as the score provably stays below ``floor``.

    Cheap features go first; after each one the best still reachable is the mean with
    every feature not yet compared agreeing fully, so a candidate that cannot reach the
    floor (the k-th best score of a search so far) never gets its names compared."""
    verdicts: list[FeatureScore] = [MISSING] * len(model)
    total_weight = 0.0
    total = 0.0
    remaining = sum(f.weight for f in model)
    for i in _evaluation_order(model):
        feature = model[i]
        verdict = verdicts[i] = feature.compare(query, person)
        remaining -= feature.weight
        if verdict.score is not None:
            total_weight += feature.weight
            total += feature.weight * verdict.score
        if floor is not None and total_weight + remaining > 0 and \
                (total + remaining) / (total_weight + remaining) < floor - FLOOR_SLACK:
            return None
    score = total / total_weight if total_weight else 0.0
    features = tuple(
        FeatureResult(
            name=f.name, score=v.score, weight=f.weight,
            contribution=(f.weight * v.score / total_weight) if v.score is not None and
            total_weight else 0.0,
            detail=v.detail,
        )
        for f, v in zip(model, verdicts, strict=True)
    )
    return Explained(score=score, features=features)
