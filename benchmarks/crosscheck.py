"""Cross-check throughput and recall on a synthetic wanted list and registration stream.

    python -m benchmarks.crosscheck --wanted N --registrations M

N wanted vehicles (stolen / abandoned / wanted-linked) and N/100 wanted persons go into
a fresh embedded store (a temporary directory). M registrations are drawn from a plate
universe of sequentially issued series (17 offices x 40 series x 9,999 numbers); 1 % of
them are planted: a wanted vehicle seen again (same make and model) by exactly one
identifier (plate, chassis or engine; half exact, half with one misreading), or, for
0.1 %, a wanted person's name as owner. The check runs over the stream exactly as
``pehchaan crosscheck`` does.

Recall: planted rows whose hits include the planted record. False hits: hits on rows
that were not planted, per 10,000 registrations (a random registration whose plate is
exactly a wanted plate counts as a true hit). Time counts the checking only (not the
store load or the generation of the stream), by the wall clock; the line before the last
also gives the rate per CPU second (for shared machines). Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Iterator

from fixtures.vehicles import (
    FIRST,
    LAST,
    MAKES,
    OFFICES,
    _misread_id,
    _series_after,
    engine_number,
    misread,
    vin,
    wanted_vehicles,
)
from indexer.embedded import EmbeddedBackend
from pehchaan.crosscheck import RowChecker, WantedIndex, default_workers
from pehchaan.vehicles import add_vehicles

SERIES_PER_OFFICE = 40
SERIES = [_series_after(first, SERIES_PER_OFFICE) for _, _, _, first in OFFICES]
SYLLABLES = ["zor", "qua", "vex", "yul", "xan", "wim", "jho", "fey", "kru", "plo", "tuz"]


def universe_plate(rng: random.Random) -> str:
    o = rng.randrange(len(OFFICES))
    state, rto, cat, _ = OFFICES[o]
    return f"{state}{rto}{cat}{rng.choice(SERIES[o])}{rng.randint(1, 9999):04d}"


def rare_name(rng: random.Random) -> str:
    """Names outside the registration owners' pool, so that namesakes stay rare."""
    return " ".join("".join(rng.choice(SYLLABLES) for _ in range(2)).title() for _ in range(2))


def build_store(backend: EmbeddedBackend, n_wanted: int, rng: random.Random,
                ) -> tuple[list[dict[str, object]], list[tuple[str, str]]]:
    plates: set[str] = set()
    while len(plates) < n_wanted:
        plates.add(universe_plate(rng))
    wanted = list(wanted_vehicles(sorted(plates), rng))
    for start in range(0, len(wanted), 5000):
        add_vehicles(backend, wanted[start:start + 5000], batch_size=5000)
    persons = []
    try:
        from pehchaan.person import parse_person
        from pehchaan.person_index import KIND as PERSONS
        from pehchaan.person_index import person_doc

        docs = []
        for i in range(max(1, n_wanted // 100)):
            name = rare_name(rng)
            status = rng.choice(["wanted", "proclaimed_offender"])
            person = parse_person({"id": f"wp{i:06d}", "names": [name], "status": [status]})
            docs.append(person_doc(person))
            persons.append((person.id, name))
        backend.upsert(PERSONS, docs)
    except ImportError:  # person records not available: vehicles only
        persons = []
    return wanted, persons


def stream(wanted: list[dict[str, object]], persons: list[tuple[str, str]], count: int,
           rng: random.Random, planted: dict[int, str]) -> Iterator[tuple[int, dict[str, str],
                                                                         None]]:
    for i in range(count):
        make, model = rng.choice(MAKES)
        row = {"registration": universe_plate(rng), "chassis": vin(rng),
               "engine": engine_number(rng),
               "owner_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "make": make,
               "model": model}
        r = rng.random()
        if r < 0.01:
            target = rng.choice(wanted)
            ident = rng.choice([k for k in ("registration", "chassis", "engine")
                                if target.get(k)])
            value = str(target[ident])
            if rng.random() < 0.5:
                value = misread(value, rng, 1) if ident == "registration" else _misread_id(
                    value, rng)
            row[ident] = value
            # the same vehicle seen again: its make and model are the wanted record's
            row["make"], row["model"] = str(target["make"]), str(target["model"])
            planted[i + 2] = str(target["id"])
        elif r < 0.011 and persons:
            pid, name = rng.choice(persons)
            row["owner_name"] = name
            planted[i + 2] = pid
        yield i + 2, row, None  # line numbers as in a CSV file with a header


def _children_cpu() -> float:
    t = os.times()
    return t.children_user + t.children_system


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.crosscheck")
    ap.add_argument("--wanted", type=int, default=10_000)
    ap.add_argument("--registrations", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--workers", type=int, default=None,
                    help="processes checking rows, as pehchaan crosscheck (default: the cores, "
                         "at most 4)")
    args = ap.parse_args(argv)
    workers = args.workers or default_workers()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-crosscheck-") as tmp:
        backend = EmbeddedBackend(tmp)
        t0 = time.perf_counter()
        wanted, persons = build_store(backend, args.wanted, rng)
        t1 = time.perf_counter()
        index = WantedIndex.build(backend)
        t2 = time.perf_counter()
        wanted_plates = {str(w["registration"]) for w in wanted}
        planted: dict[int, str] = {}
        found_planted = 0
        false_hits = 0
        hits_total = 0
        checking = 0.0
        checking_cpu = 0.0
        rows = stream(wanted, persons, args.registrations, rng, planted)
        batch: list[tuple[int, dict[str, str], None]] = []
        checker = RowChecker(index, workers)
        children_cpu = _children_cpu()

        def run(batch: list[tuple[int, dict[str, str], None]]) -> None:
            nonlocal found_planted, false_hits, hits_total, checking, checking_cpu
            t, c = time.perf_counter(), time.process_time()
            results = list(checker.check_rows(batch))
            checking += time.perf_counter() - t
            checking_cpu += time.process_time() - c
            for res in results:
                ids = {h.record_id for h in res.hits}
                hits_total += len(res.hits)
                target = planted.get(res.line)
                if target is not None:
                    found_planted += target in ids
                    false_hits += len(ids - {target})
                else:
                    plate = res.registration.registration if res.registration else None
                    exact = plate in wanted_plates
                    false_hits += sum(1 for h in res.hits
                                      if not (exact and h.identifier == "registration"
                                              and h.how == "exact"))

        for item in rows:
            batch.append(item)
            if len(batch) >= 50_000:
                run(batch)
                batch = []
        run(batch)
        checker.close()  # the workers' CPU time counts once they are joined
        checking_cpu += _children_cpu() - children_cpu
        backend.close()
    n = args.registrations
    print(json.dumps({"store_load_s": round(t1 - t0, 1), "wanted_index_s": round(t2 - t1, 2),
                      "planted": len(planted), "hits": hits_total,
                      "registrations_per_cpu_s": round(args.registrations
                                                       / max(checking_cpu, 1e-9), 1),
                      "wanted_persons": len(persons), "workers": workers,
                      "peak_rss_worker_mb": round(resource.getrusage(
                          resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)}), file=sys.stderr)
    result = {
        "wanted": args.wanted, "registrations": n,
        "registrations_per_s": round(n / max(checking, 1e-9), 1),
        "recall": round(found_planted / max(1, len(planted)), 4),
        "false_hits_per_10k": round(false_hits * 10_000 / max(1, n), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
