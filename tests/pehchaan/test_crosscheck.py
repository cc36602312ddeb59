"""The cross-check end to end on the embedded store: each identifier on its own, owner
names against wanted persons, bad rows, and jobs that resume after a stop."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from indexer.embedded import EmbeddedBackend
from pehchaan.crosscheck import (
    JobStore,
    RowError,
    WantedIndex,
    check_rows,
    iter_file_rows,
    registration_from_row,
    run_job,
)
from pehchaan.vehicles import add_vehicles

WANTED: list[dict[str, Any]] = [
    {"id": "w1", "registration": "HR26DK8387", "status": "stolen",
     "chassis": "MA3EWDE1S00123456", "engine": "K12MN1234567", "make": "Maruti Suzuki"},
    {"id": "w2", "registration": "DL03CAB1234", "status": "abandoned", "chassis": "654321"},
    {"id": "w3", "registration": "UP16BC0042", "status": "wanted-linked",
     "engine": "G4FA9876543", "linked_person_ids": ["p1"]},
    {"id": "r1", "registration": "HR51BA7777", "status": "recovered",
     "chassis": "MBHZZZ99X00999999"},  # not on a wanted list: never a hit
]


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[EmbeddedBackend]:
    store = EmbeddedBackend(tmp_path / "data")
    report = add_vehicles(store, WANTED)
    assert not report.errors
    yield store
    store.close()


def _hits(index: WantedIndex, row: dict[str, str]) -> list[tuple[str, str, str]]:
    [result] = list(check_rows(index, [(2, row, None)]))
    return [(h.identifier, h.how, h.record_id) for h in result.hits]


def test_each_identifier_on_its_own(backend: EmbeddedBackend) -> None:
    index = WantedIndex.build(backend, with_persons=False)
    assert len(index.vehicles) == 3  # the recovered vehicle is not loaded
    assert _hits(index, {"registration": "hr 26 dk 8387"}) == [("registration", "exact", "w1")]
    assert _hits(index, {"registration": "HR26DK83B7"}) == [("registration", "misread", "w1")]
    # plate swapped: the chassis still finds it, misread O for 0
    assert _hits(index, {"registration": "HR10AA0001", "chassis": "MA3EWDE1SOO123456"}) == [
        ("chassis", "misread", "w1")]
    assert _hits(index, {"chassis": "MBHZZZ99X00654321"}) == [("chassis", "last characters",
                                                                "w2")]
    assert _hits(index, {"engine": "G4FA9876543"}) == [("engine", "exact", "w3")]
    assert _hits(index, {"registration": "HR51BA7777", "chassis": "MBHZZZ99X00999999"}) == []
    assert _hits(index, {"registration": "HR26DK3387"}) != []  # 3/8 on a valid plate: likely
    # ... unless the make says it is another vehicle
    assert _hits(index, {"registration": "HR26DK3387", "make": "Hero"}) == []
    assert _hits(index, {"registration": "HR26DK3387", "make": "maruti-suzuki"}) != []
    assert _hits(index, {"registration": "HR26DK8387", "make": "Hero"}) != []  # exact
    assert _hits(index, {"registration": "HR26DK8357"}) == []  # arbitrary digit: another car
    both = _hits(index, {"registration": "HR26DK8387", "engine": "K12MN1234567"})
    assert sorted(both) == [("engine", "exact", "w1"), ("registration", "exact", "w1")]


def test_owner_name_against_wanted_persons(backend: EmbeddedBackend) -> None:
    from pehchaan.person import parse_person
    from pehchaan.person_index import KIND, person_doc

    backend.upsert(KIND, [
        person_doc(parse_person({"id": "p1", "names": ["Surender Singh Dahiya"],
                                 "status": ["wanted"]})),
        person_doc(parse_person({"id": "p2", "names": ["Kamla Devi"], "status": ["victim"]})),
    ])
    index = WantedIndex.build(backend)
    hits = _hits(index, {"registration": "PB10AB1234", "owner_name": "सुरेन्द्र सिंह दहिया"})
    assert ("owner_name", "name match", "p1") in hits
    assert _hits(index, {"registration": "PB10AB1234", "owner_name": "Kamla Devi"}) == []


@pytest.mark.parametrize(("row", "field"), [
    ({}, None),
    ({"make": "Hero"}, None),
    ({"registration": "H1"}, "registration"),
    ({"chassis": "x" * 300}, "chassis"),
    ({"engine": {"a": 1}}, "engine"),
])
def test_bad_rows_are_reported(row: dict[str, object], field: str | None) -> None:
    with pytest.raises(RowError) as info:
        registration_from_row(row)
    assert info.value.field == field and info.value.reason


def test_aliases_are_read() -> None:
    reg = registration_from_row({"regn_no": "HR26DK8387", "vin": "X1234", "owner": "Ram",
                                 "colour": "red"})
    assert (reg.registration, reg.chassis, reg.owner_name) == ("HR26DK8387", "X1234", "Ram")
    assert reg.extra == {"colour": "red"}


def _write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["registration", "chassis", "engine",
                                                "owner_name"])
        writer.writeheader()
        writer.writerows(rows)


def _stream(n: int) -> list[dict[str, str]]:
    rows = []
    for i in range(n):
        row = {"registration": f"HR10AA{i % 9999 + 1:04d}", "chassis": "", "engine": "",
               "owner_name": ""}
        if i % 97 == 0:
            row["registration"] = "HR26DK83B7"
        if i % 101 == 0:
            row["engine"] = "G4FA98765A3"
        if i % 503 == 0:
            row = {"registration": "H-1", "chassis": "", "engine": "", "owner_name": ""}
        rows.append(row)
    return rows


def test_file_rows_and_bad_lines(tmp_path: Path, backend: EmbeddedBackend) -> None:
    path = tmp_path / "regs.jsonl"
    path.write_text('{"registration": "HR26DK8387"}\nnot json\n[1]\n{"engine": "G4FA9876543"}\n')
    results = list(check_rows(WantedIndex.build(backend), iter_file_rows(path)))
    assert [r.line for r in results] == [1, 2, 3, 4]
    assert [bool(r.hits) for r in results] == [True, False, False, True]
    assert results[1].error is not None and "JSON" in results[1].error.reason
    assert results[2].bad_dict() == {"line": 3, "field": None,
                                     "reason": "a line must hold one JSON object"}


def test_job_resumes_where_it_stopped(tmp_path: Path, backend: EmbeddedBackend) -> None:
    rows = _stream(3500)
    source = tmp_path / "regs.csv"
    _write_csv(source, rows)

    # reference: the same rows checked in one go
    reference = [h for r in check_rows(WantedIndex.build(backend), iter_file_rows(source))
                 for h in r.hit_dicts()]
    assert len(reference) > 60

    data = tmp_path / "jobs"
    store = JobStore(data)
    upload = data / "incoming.csv"
    upload.write_bytes(source.read_bytes())
    job = store.create_from_file(upload, "csv")
    assert job.state == "queued" and job.total == 3500
    partial = run_job(store, backend, job.id, max_chunks=2)  # stopped after 2 chunks
    assert partial.state == "running" and partial.processed == 2000
    store.close()

    reopened = JobStore(data)  # a restart: state and progress come back from disk
    assert reopened.unfinished() == [job.id]
    done = run_job(reopened, backend, job.id)
    assert done.state == "done" and done.processed == 3500
    hits = reopened.results(job.id, kind="hit", limit=10_000)
    assert [{k: v for k, v in h.items() if k != "kind"} for h in hits] == reference
    bad = reopened.results(job.id, kind="bad", limit=10_000)
    assert len(bad) == done.bad == sum(1 for i in range(3500) if i % 503 == 0)
    assert json.dumps(done.as_dict())
    reopened.close()



def test_quick_canonical_equals_the_parser() -> None:
    import random

    from fixtures.vehicles import misread, sequential_gallery
    from matcher.plates import loose_compact, try_parse
    from pehchaan.wanted_index import _parsed_canonical

    rng = random.Random(8)
    readings = ["HR261234", "HR2612", "HR212", "DL3CAB1234", "DL1CAAA1111", "HR26DO1234",
                "HR00AB1234", "HR26AB0000", "22BH1234AB", "11CD21", "PCW1", "XX26AB1234",
                "TS9AB1", "HR26ABCD1234"]
    for plate in sequential_gallery(5000, seed=4)[::10]:
        readings += [loose_compact(misread(plate, rng, rng.choice([1, 2]))) for _ in range(5)]
    for reading in readings:
        parsed = try_parse(reading)
        assert _parsed_canonical(reading) == (parsed.canonical if parsed else None), reading


def test_model_partition_gives_the_same_hits(tmp_path: Path) -> None:
    store = EmbeddedBackend(tmp_path / "m")
    add_vehicles(store, [
        {"id": "s1", "registration": "HR26DK8387", "status": "stolen", "make": "Hero",
         "model": "Splendor"},
        {"id": "s2", "registration": "HR26DK3387", "status": "stolen"},  # model unknown
        {"id": "s3", "registration": "HR26DK8381", "status": "stolen", "model": "Activa"}])
    index = WantedIndex.build(store, with_persons=False)
    near = {"registration": "HR26DK8337"}  # a valid plate, one 3/8 away from s1 only
    assert {h for _, _, h in _hits(index, {**near, "model": "Splendor"})} == {"s1"}
    assert {h for _, _, h in _hits(index, {**near, "model": "Pulsar"})} == set()
    assert {h for _, _, h in _hits(index, near)} == {"s1"}
    exact = _hits(index, {"registration": "HR26DK8381", "model": "Splendor"})
    assert exact == [("registration", "exact", "s3")]  # the exact plate, whatever the model
    store.close()


def test_worker_processes_give_the_same_results(backend: EmbeddedBackend) -> None:
    from pehchaan.crosscheck import RowChecker

    index = WantedIndex.build(backend, with_persons=False)
    rows: list[tuple[int, dict[str, Any] | None, str | None]] = [
        (2, {"registration": "HR26DK83B7", "make": "Maruti Suzuki"}, None),
        (3, {"registration": "HR10AA0001", "chassis": "MA3EWDE1SOO123456"}, None),
        (4, None, "unreadable CSV line"),
        (5, {"registration": "HR"}, None),
        (6, {"engine": "G4FA9876543", "registration": "UP16BC42"}, None),
    ] + [(7 + i, {"registration": f"HR26DK{7000 + i:04d}"}, None) for i in range(2500)]
    with RowChecker(index, workers=1) as one, RowChecker(index, workers=2) as two:
        alone = [(r.line, r.hit_dicts(), r.bad_dict()) for r in one.check_rows(rows)]
        forked = [(r.line, r.hit_dicts(), r.bad_dict()) for r in two.check_rows(rows)]
    assert forked == alone
    assert [line for line, _, _ in forked] == [line for line, _, _ in rows]
    assert alone[3][2] == {"line": 5, "field": "registration",
                           "reason": "'HR' has fewer than 4 letters/digits"}
    hit_lines = {line for line, hits, _ in alone if hits}
    assert {2, 3, 6, 7 + 1387} <= hit_lines  # HR26DK8387 itself is in the stream


def test_plate_hits_equal_a_full_scan(tmp_path: Path) -> None:
    """The key tables find exactly what scoring every wanted plate would: dense series,
    one or two misreadings of every kind, and registrations that are other real plates."""
    import random

    from fixtures.vehicles import HARSH_MISREADINGS, misread, sequential_gallery
    from matcher.plate_batch import misread_costs
    from matcher.plate_similarity import Registered, similarity_from_cost
    from matcher.plates import loose_compact
    from pehchaan.crosscheck import Registration
    from pehchaan.wanted_index import PLATE_MIN

    gallery = sequential_gallery(3000, seed=5)
    rng = random.Random(6)
    wanted = rng.sample(gallery, 300)
    store = EmbeddedBackend(tmp_path / "scan")
    add_vehicles(store, [{"id": f"w{i}", "registration": p, "status": "stolen"}
                         for i, p in enumerate(wanted)])
    index = WantedIndex.build(store, with_persons=False)
    readings = [misread(rng.choice(wanted), rng, rng.choice([1, 2]), HARSH_MISREADINGS)
                for _ in range(300)] + rng.sample(gallery, 300)
    regs = [Registered.from_text(p) for p in wanted]
    for text, hits in zip(readings, index.check_many([Registration(r) for r in readings]),
                          strict=True):
        costs = misread_costs(loose_compact(text), regs)
        expected = {f"w{i}" for i, cost in enumerate(costs)
                    if similarity_from_cost(float(cost)) >= PLATE_MIN}
        assert {h.record_id for h in hits} == expected, text
    store.close()
