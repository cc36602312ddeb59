"""Vehicle records and search end to end on the embedded store."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.vehicles import misread, sequential_gallery
from indexer.base import CandidateQuery
from indexer.embedded import EmbeddedBackend
from matcher.plate_similarity import Registered, misread_cost
from pehchaan.errors import NotFound, ValidationError
from pehchaan.vehicles import (
    CANDIDATE_LIMIT,
    KIND,
    VehicleQuery,
    add_vehicles,
    get_vehicle,
    query_keys,
    rank_candidates,
    rank_candidates_reference,
    search_vehicles,
    validate_vehicle,
)


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[EmbeddedBackend]:
    store = EmbeddedBackend(tmp_path / "data")
    yield store
    store.close()


@pytest.mark.parametrize(("record", "field"), [
    ({"registration": "HR26DK8337"}, "status"),
    ({"registration": "HR26DK8337", "status": "lost"}, "status"),
    ({"status": "stolen"}, "registration"),
    ({"registration": "HR@26", "status": "stolen"}, "registration"),
    ({"registration": "HR26DK8337", "status": "stolen", "chassis": "12"}, "chassis"),
    ({"registration": "HR26DK8337", "status": "stolen", "engine": "X" * 30}, "engine"),
    ({"registration": "HR26DK8337", "status": "stolen", "owner_names": "x" * 600},
     "owner_names[0]"),
    ({"registration": "HR26DK8337", "status": "stolen", "colour": 3}, "colour"),
    ({"registration": "HR26DK8337", "status": "stolen", "id": "has space"}, "id"),
    ({"registration": "HR26DK8337", "status": "stolen", "wheels": 4}, "wheels"),
])
def test_validation_names_the_field(record: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate_vehicle(record)
    assert info.value.field == field


def test_validation_normalises() -> None:
    rec = validate_vehicle({"registration": "hr-6-dk-837", "status": "stolen",
                            "chassis": "ma3-ewde1s00123456", "owner_names": ["  Ram   Lal "]})
    assert rec.registration == "HR06DK0837" and rec.plate_kind == "standard"
    assert rec.chassis == "MA3EWDE1S00123456" and rec.owner_names == ("Ram Lal",)
    odd = validate_vehicle({"registration": "NP 01 PA 1234", "status": "seized"})
    assert odd.plate_kind == "unrecognised" and odd.registration_note


@pytest.fixture(scope="module")
def gallery_store(tmp_path_factory: pytest.TempPathFactory,
                  ) -> Iterator[tuple[EmbeddedBackend, list[str]]]:
    backend = EmbeddedBackend(tmp_path_factory.mktemp("gallery"))
    gallery = sequential_gallery(12_000, seed=3)
    report = add_vehicles(backend, [
        {"id": f"v{i:06d}", "registration": p, "status": "stolen" if i % 3 else "abandoned",
         "district": "Gurugram" if i % 2 else "Rohtak"} for i, p in enumerate(gallery)])
    assert not report.errors
    yield backend, gallery
    backend.close()


def test_misread_plates_are_found_first(gallery_store: tuple[EmbeddedBackend, list[str]],
                                        ) -> None:
    backend, gallery = gallery_store
    rng = random.Random(9)
    hits_at_1 = 0
    plates = rng.sample(gallery, 60)
    for plate in plates:
        observed = misread(plate, rng, 1, (("confusable", 1.0),))
        hits = search_vehicles(backend, VehicleQuery(plate=observed, k=5))
        assert hits, observed
        hits_at_1 += hits[0].record["registration"] == plate
    assert hits_at_1 >= 50  # a confusable misreading is nearly always resolved


def test_slot_knowledge_picks_the_right_neighbour(
        gallery_store: tuple[EmbeddedBackend, list[str]]) -> None:
    backend, gallery = gallery_store
    target = next(p for p in gallery if p[-2] == "8" and p[:-2] + "3" + p[-1] in gallery
                  and p[:-2] + "0" + p[-1] in gallery)
    observed = target[:-2] + "B" + target[-1]
    hits = search_vehicles(backend, VehicleQuery(plate=observed, k=3))
    assert hits[0].record["registration"] == target
    feature = hits[0].explained.features[0]
    assert feature.name == "plate" and "8→B in the number" in feature.detail


def test_fast_ranking_equals_reference(gallery_store: tuple[EmbeddedBackend, list[str]],
                                       ) -> None:
    backend, gallery = gallery_store
    rng = random.Random(4)
    for plate in rng.sample(gallery, 40):
        query = VehicleQuery(plate=misread(plate, rng, 2), k=10)
        cands = backend.candidates(KIND, CandidateQuery(keys=query_keys(query, wide=True),
                                                        limit=CANDIDATE_LIMIT))
        fast = rank_candidates(query, cands)
        ref = rank_candidates_reference(query, cands)
        assert [h.id for h in fast] == [h.id for h in ref]
        assert [round(h.score, 9) for h in fast] == [round(h.score, 9) for h in ref]


def test_search_is_not_a_scan(gallery_store: tuple[EmbeddedBackend, list[str]]) -> None:
    backend, gallery = gallery_store
    query = VehicleQuery(plate=gallery[100][:-1] + "B")
    for wide in (False, True):
        cands = backend.candidates(KIND, CandidateQuery(keys=query_keys(query, wide=wide),
                                                        limit=10_000))
        assert 0 < len(cands) < len(gallery) / 10


def test_filters_and_partial(gallery_store: tuple[EmbeddedBackend, list[str]]) -> None:
    backend, gallery = gallery_store
    plate = gallery[500]
    hits = search_vehicles(backend, VehicleQuery(plate=plate, statuses=("abandoned",),
                                                 districts=("rohtak",), k=20))
    assert hits and all(h.record["status"] == "abandoned" and h.record["district"] == "Rohtak"
                        for h in hits)
    tail = plate[-6:]
    partial = search_vehicles(backend, VehicleQuery(plate=tail, k=50))
    assert plate in [h.record["registration"] for h in partial]
    assert all(h.record["registration"].endswith(tail[-4:].lstrip("0")) or h.score < 1.0
               for h in partial)


def test_chassis_engine_each_on_its_own(backend: EmbeddedBackend) -> None:
    add_vehicles(backend, [
        {"id": "a", "registration": "HR26DK8337", "status": "stolen",
         "chassis": "MA3EWDE1S00123456", "engine": "K12MN1234567"},
        {"id": "b", "registration": "HR26DK8338", "status": "stolen", "chassis": "654321"},
        {"id": "c", "registration": "DL03CAB1234", "status": "recovered",
         "engine": "G4FA9876543"}])
    swapped = search_vehicles(backend, VehicleQuery(chassis="MA3EWDE1SOO123456"))
    assert swapped[0].id == "a" and swapped[0].score > 0.8
    tail = search_vehicles(backend, VehicleQuery(chassis="MBHZZZ99X00654321"))
    assert tail[0].id == "b" and "last 6" in tail[0].explained.features[0].detail
    engine = search_vehicles(backend, VehicleQuery(engine="G4FA98765A3"))
    assert engine[0].id == "c"
    both = search_vehicles(backend, VehicleQuery(plate="UP16AB0001",
                                                 chassis="MA3EWDE1S00123456"))
    assert both[0].id == "a"  # chassis agrees although the plate was swapped
    names = [f.name for f in both[0].explained.features]
    assert names == ["plate", "chassis"]
    assert get_vehicle(backend, "a")["registration"] == "HR26DK8337"
    with pytest.raises(NotFound):
        get_vehicle(backend, "nope")
    with pytest.raises(ValidationError):
        search_vehicles(backend, VehicleQuery())


def test_reference_cost_agrees_with_score(backend: EmbeddedBackend) -> None:
    add_vehicles(backend, [{"id": "x", "registration": "HR26DK8387", "status": "stolen"}])
    hit = search_vehicles(backend, VehicleQuery(plate="HR26DK83B7"))[0]
    cost = misread_cost("HR26DK83B7", Registered.from_text("HR26DK8387"))
    assert hit.score == pytest.approx(2 ** (-cost / 4))


def test_a_reading_that_is_another_plate_still_finds_the_misread_one(
        backend: EmbeddedBackend) -> None:
    # HR26DK254 is HR26DK0254 written without its padding zero, and also HR26DK2594 with
    # its 9 dropped: the exact plate ranks first, the misread one must still be a lead
    add_vehicles(backend, [{"id": f"s{i}", "registration": p, "status": "stolen"}
                           for i, p in enumerate(["HR26DK0254", "HR26DK2594", "HR26DK8337"])])
    hits = search_vehicles(backend, VehicleQuery(plate="HR26DK254", k=5))
    plates = [h.record["registration"] for h in hits]
    assert plates[0] == "HR26DK0254" and hits[0].score == 1.0
    assert "HR26DK2594" in plates
    detail = hits[plates.index("HR26DK2594")].explained.features[0].detail
    assert "'9' missing from the number" in detail


def test_short_misread_plates_are_not_only_partial_readings(backend: EmbeddedBackend) -> None:
    add_vehicles(backend, [{"id": f"d{i}", "registration": p, "status": "seized"}
                           for i, p in enumerate(["11CD21", "11CD22", "PCW0001", "HR26DK8337"])])
    for reading, plate in (("11 CD 2I", "11CD21"), ("PCWI", "PCW0001"), ("DK8337", "HR26DK8337")):
        hits = search_vehicles(backend, VehicleQuery(plate=reading, k=3))
        assert hits and hits[0].record["registration"] == plate, reading
    explicit = search_vehicles(backend, VehicleQuery(plate="11CD2I", partial_plate=True, k=3))
    assert not explicit  # asked as the end of a plate only: the number keys alone


def test_two_dropped_characters_are_found_through_the_repair_keys(
        gallery_store: tuple[EmbeddedBackend, list[str]]) -> None:
    """A reading that lost two characters shares no key of the first call with its
    plate; when nothing explains it as well as one drop would, the search puts one
    character back at each place and asks again."""
    backend, gallery = gallery_store
    rng = random.Random(12)
    found = 0
    plates = [p for p in rng.sample(gallery, 40) if len(p) == 10]
    for plate in plates:
        observed = plate[0] + plate[2] + plate[4:]  # a state letter and an RTO digit lost
        first = backend.candidates(KIND, CandidateQuery(keys=query_keys(VehicleQuery(
            plate=observed), wide=True), limit=CANDIDATE_LIMIT))
        assert plate not in {c.body["registration"] for c in first}, observed
        hits = search_vehicles(backend, VehicleQuery(plate=observed, k=10))
        found += plate in [h.record["registration"] for h in hits]
    assert len(plates) >= 30 and found >= 0.9 * len(plates)
