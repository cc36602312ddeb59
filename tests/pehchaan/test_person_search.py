"""Person search on a real embedded store: the pruned scoring loop against a plain
reference that scores every candidate fully, and the soft facts' place in retrieval."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.persons import generate_persons, generate_queries
from indexer.embedded import EmbeddedBackend
from matcher.persons import score_person, score_person_above
from pehchaan.person import Person, parse_person
from pehchaan.person_index import KIND, person_doc
from pehchaan.person_search import (
    CANDIDATE_LIMIT,
    POSTINGS_BUDGET,
    PersonHit,
    PersonQuery,
    find_candidates,
    hit_order,
    search_persons,
)

RECORDS = 3000
SEED = 5


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBackend]:
    backend = EmbeddedBackend(tmp_path_factory.mktemp("search"))
    docs = [person_doc(parse_person(r, now="2025-01-01T00:00:00+00:00"))
            for r in generate_persons(RECORDS, seed=SEED)]
    backend.upsert(KIND, docs)
    yield backend
    backend.close()


def _queries(n: int) -> list[PersonQuery]:
    return [PersonQuery(name=q["name"], relative_name=q.get("relative_name"),
                        gender=q.get("gender"), birth_year_from=q.get("birth_year_from"),
                        birth_year_to=q.get("birth_year_to"), district=q.get("district"), k=k)
            for q, k in zip(generate_queries(n, n_records=RECORDS, seed=SEED, query_seed=3),
                            [1, 3, 10] * n, strict=False)]


def _reference(store: EmbeddedBackend, query: PersonQuery) -> list[PersonHit]:
    """Every candidate scored fully, no floor: what the search must return."""
    query = query.with_named_relative()
    facts = query.facts()
    hits = []
    for cand in find_candidates(store, query):
        person = Person.from_body(cand.body)
        explained = score_person(facts, person)
        if explained.score >= query.min_score:
            hits.append(PersonHit(person, explained, cand.key_score, cand.matched_keys))
    hits.sort(key=hit_order)
    return hits[: query.k]


def test_pruned_search_returns_what_full_scoring_returns(store: EmbeddedBackend) -> None:
    compared = 0
    for query in _queries(90):
        got = search_persons(store, query)
        want = _reference(store, query)
        assert [(h.person.id, h.score, h.explained) for h in got] == \
            [(h.person.id, h.score, h.explained) for h in want], query
        compared += bool(want)
    assert compared >= 80  # the fixtures' queries name people who are in the store


def test_min_score_is_a_floor_too(store: EmbeddedBackend) -> None:
    for query in _queries(30):
        strict = dataclasses.replace(query, min_score=0.8)
        got = search_persons(store, strict)
        want = _reference(store, strict)
        assert [h.person.id for h in got] == [h.person.id for h in want]
        assert all(h.score >= 0.8 for h in got)


def test_score_above_a_floor_is_none_only_below_it(store: EmbeddedBackend) -> None:
    pruned = 0
    for query in _queries(20):
        facts = query.facts()
        for cand in find_candidates(store, query)[:30]:
            person = Person.from_body(cand.body)
            full = score_person(facts, person)
            for floor in (0.0, 0.3, 0.6, 0.8, 0.95, 1.0):
                above = score_person_above(facts, person, floor)
                if above is None:
                    assert full.score < floor
                    pruned += 1
                else:
                    assert above == full
    assert pruned > 0


def test_soft_facts_pick_among_many_namesakes(tmp_path: Path) -> None:
    """When a name has more holders than the candidate limit, those born in the asked
    years are all candidates, and the list is topped up with the others."""
    store = EmbeddedBackend(tmp_path)
    born = {f"P{i:04d}": (1960 + i % 40) for i in range(CANDIDATE_LIMIT * 3)}
    store.upsert(KIND, [person_doc(parse_person({
        "id": pid, "names": ["Sachin Kumar"], "date_of_birth": f"{year}-05-01",
        "gender": "M"}, now="2025-01-01T00:00:00+00:00")) for pid, year in born.items()])
    query = PersonQuery(name="सचिन कुमार", birth_year_from=1990, birth_year_to=1990)
    found = {c.id for c in find_candidates(store, query)}
    in_range = {pid for pid, year in born.items() if 1987 <= year <= 1993}
    assert len(found) == CANDIDATE_LIMIT
    assert in_range <= found
    hits = search_persons(store, query)
    assert {h.person.id for h in hits} <= {p for p, y in born.items() if 1989 <= y <= 1991}
    store.close()


def test_father_finds_one_among_many_namesakes(tmp_path: Path) -> None:
    """Pawan and Naresh are each so common that neither key alone can bring every
    holder: the one Pawan whose father is Naresh is found through the pair of names,
    wherever it sits in the postings."""
    store = EmbeddedBackend(tmp_path)
    common = POSTINGS_BUDGET // 2 + 100
    fathers = ["Ramesh", "Suresh", "Mahesh", "Dinesh", "Rajesh", "Mukesh"]
    sons = ["Sunil", "Anil", "Vinod", "Manoj", "Sanjay", "Ajay"]
    records = [{"id": f"A{i:05d}", "names": ["Pawan"], "relative_name": fathers[i % 6]}
               for i in range(common)]
    records += [{"id": f"B{i:05d}", "names": [sons[i % 6]], "relative_name": "Naresh"}
                for i in range(common)]
    records.append({"id": "Z00001", "names": ["Pawan"], "relative_name": "Naresh"})
    store.upsert(KIND, [person_doc(parse_person(r, now="2025-01-01T00:00:00+00:00"))
                        for r in records])
    query = PersonQuery(name="पवन", relative_name="नरेश")
    assert "Z00001" in {c.id for c in find_candidates(store, query)}
    hits = search_persons(store, query)
    assert hits[0].person.id == "Z00001"
    assert any(k.startswith("p:") for k in hits[0].matched_keys)
    # without the pair, one of the two common keys alone cannot reach it
    assert "Z00001" not in {c.id for c in find_candidates(store, PersonQuery(name="पवन"))}
    store.close()


def test_relative_written_inside_the_name_counts_as_the_relative(tmp_path: Path) -> None:
    """Records and queries typed in one field ("Ankit s/o Mahipal", "अंकित पुत्र
    महिपाल") carry the father's name as a relation marker: it is keyed and compared as
    the relative's name, so the one Ankit whose father is Mahipal ranks first among
    namesakes whose fathers differ or are not known."""
    store = EmbeddedBackend(tmp_path)
    fathers = ["Ramesh", "Suresh", "Rajesh", "Mukesh", "Dinesh", "Naresh"]
    records: list[dict[str, object]] = [
        {"id": f"A{i:04d}", "names": [f"Ankit s/o {fathers[i % 6]}"]} for i in range(20)]
    records += [{"id": f"U{i:04d}", "names": ["Ankit"]} for i in range(20)]
    records.append({"id": "Z0001", "names": ["ANKIT S/O S/O Sh. MAHIPAL"]})
    store.upsert(KIND, [person_doc(parse_person(r, now="2025-01-01T00:00:00+00:00"))
                        for r in records])
    hits = search_persons(store, PersonQuery(name="अंकित पुत्र महिपाल", k=5))
    assert hits[0].person.id == "Z0001"
    relative = next(f for f in hits[0].explained.features if f.name == "relative_name")
    assert relative.score == 1.0 and "mahipal" in relative.detail
    # a namesake with no father recorded has the same score, and less evidence for it
    assert hits[1].score == hits[0].score and hits[1].person.id.startswith("U")
    assert hits[1].explained.evidence < hits[0].explained.evidence
    # a relative's name given in its own field wins over one inside the name
    asked = PersonQuery(name="अंकित पुत्र महिपाल", relative_name="Ramesh").with_named_relative()
    assert asked.relative_name == "Ramesh"
    store.close()


def test_relative_field_typed_with_its_marker_is_keyed_and_compared(tmp_path: Path) -> None:
    """A relative's field that starts with its marker ("S/o Sh. Mahesh", as 15 % of the
    synthetic records and many real ones have it) names Mahesh: a father who differs
    from the one asked for lowers the score instead of going uncompared."""
    store = EmbeddedBackend(tmp_path)
    store.upsert(KIND, [person_doc(parse_person(r, now="2025-01-01T00:00:00+00:00")) for r in [
        {"id": "A1", "names": ["Tek Chand"], "relative_name": "S/o Sh. Mahesh"},
        {"id": "B1", "names": ["Tek Chand"], "relative_name": "S/O Ramphal"},
        {"id": "C1", "names": ["Tek Chand"]}]])
    assert store.key_counts(KIND, ["p:tk+mhs"]) == {"p:tk+mhs": 1}
    hits = search_persons(store, PersonQuery(name="टेक चंद", relative_name="पुत्र रामफल"))
    # C1, whose father is not recorded, is neither rewarded nor punished
    assert [h.person.id for h in hits][2] == "A1"
    assert {h.person.id for h in hits[:2]} == {"B1", "C1"}
    relative = {f.name: f for f in hits[2].explained.features}["relative_name"]
    assert relative.score is not None and relative.score < 0.5
    store.close()
