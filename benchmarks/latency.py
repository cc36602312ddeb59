"""Query latency of person search at scale, next to a brute-force baseline.

    python -m benchmarks.latency --records N [--queries Q] [--backend embedded|elasticsearch]
                                 [--baseline-queries B] [--seed S]

Generates N synthetic persons (fixtures/), loads them into a fresh store, runs Q
realistic queries (both scripts, variant spellings, with and without filters) through
the person search, and the same queries by brute force (rapidfuzz over every name,
romanized once up front). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from typing import Any

from rapidfuzz import fuzz, process

from benchmarks.common import fresh_backend, note, peak_rss_mb, percentile_ms
from indexer.base import SearchBackend
from pehchaan.person import parse_person
from pehchaan.person_index import KIND, person_doc
from pehchaan.person_search import PersonQuery, search_persons
from transliteration import to_latin

BATCH = 5000
SAMPLE_EVERY = 97


def load(backend: SearchBackend, records: int, seed: int) -> tuple[float, list[dict[str, Any]]]:
    """Generate and store records; returns the seconds taken and a sample for queries."""
    from fixtures.persons import generate_persons

    sample: list[dict[str, Any]] = []
    batch = []
    started = time.perf_counter()
    for number, record in enumerate(generate_persons(records, seed=seed), start=1):
        batch.append(person_doc(parse_person(record, now="2025-01-01T00:00:00+00:00")))
        if number % SAMPLE_EVERY == 0 and len(sample) < 20_000:
            sample.append(record)
        if len(batch) >= BATCH:
            backend.upsert(KIND, batch)
            batch = []
            if number % 100_000 == 0:
                rate = number / (time.perf_counter() - started)
                note(f"  {number:,} records stored ({rate:,.0f}/s)")
    backend.upsert(KIND, batch)
    return time.perf_counter() - started, sample


def make_queries(sample: list[dict[str, Any]], count: int, seed: int) -> list[PersonQuery]:
    """Queries as investigators type them: the other script or a variant spelling, and
    sometimes a father's name, an age or a district filter."""
    rng = random.Random(seed)
    queries = []
    for _ in range(count):
        record = rng.choice(sample)
        name = rng.choice(record["names"])
        roll = rng.random()
        if roll < 0.4:
            name = to_latin(name).title()
        elif roll < 0.6:
            name = _respell(name, rng)
        query = PersonQuery(name=name, k=10)
        if record.get("relative_name") and rng.random() < 0.4:
            query = replace(query, relative_name=record["relative_name"])
        if record.get("age") and rng.random() < 0.3:
            query = replace(query, age=int(record["age"]) + rng.randint(-2, 2))
        if record.get("district") and rng.random() < 0.25:
            query = replace(query, district=record["district"])
        queries.append(query)
    return queries


def _respell(name: str, rng: random.Random) -> str:
    """A light spelling change of the kind clerks make (vowel length, a dropped letter)."""
    swaps = [("aa", "a"), ("ee", "i"), ("oo", "u"), ("sh", "s"), ("v", "w"), ("i", "ee")]
    for old, new in rng.sample(swaps, len(swaps)):
        if old in name:
            return name.replace(old, new, 1)
    return name


def run_queries(backend: SearchBackend, queries: list[PersonQuery]) -> tuple[list[float], float]:
    timings = []
    started = time.perf_counter()
    for query in queries:
        t0 = time.perf_counter()
        search_persons(backend, query)
        timings.append(time.perf_counter() - t0)
    return timings, time.perf_counter() - started


def brute_force(backend: SearchBackend, queries: list[PersonQuery]) -> tuple[list[float], float]:
    """The baseline: every stored name romanized once, each query compared with all."""
    names: list[str] = []
    for doc in backend.iter_docs(KIND, batch_size=20_000):
        names.extend(to_latin(n) for n in doc.body["names"])
    timings = []
    started = time.perf_counter()
    for query in queries:
        t0 = time.perf_counter()
        process.extract(to_latin(query.name), names, scorer=fuzz.ratio, limit=query.k)
        timings.append(time.perf_counter() - t0)
    return timings, time.perf_counter() - started


def summary(timings: list[float], wall: float) -> dict[str, float]:
    return {"p50_ms": percentile_ms(timings, 50), "p95_ms": percentile_ms(timings, 95),
            "p99_ms": percentile_ms(timings, 99),
            "qps": round(len(timings) / wall, 1) if wall > 0 else 0.0}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--baseline-queries", type=int, default=100,
                        help="how many of the queries the brute-force baseline runs")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.records < 1 or args.queries < 1:
        parser.error("--records and --queries must be positive")

    with fresh_backend(args.backend) as backend:
        note(f"loading {args.records:,} synthetic persons into {args.backend}")
        build_s, sample = load(backend, args.records, args.seed)
        note(f"loaded in {build_s:.1f} s; running {args.queries:,} queries")
        queries = make_queries(sample, args.queries, args.seed)
        search_persons(backend, queries[0])  # warm caches once, as a running server would
        timings, wall = run_queries(backend, queries)
        note("brute-force baseline")
        base_queries = queries[: max(1, min(args.baseline_queries, len(queries)))]
        base_timings, base_wall = brute_force(backend, base_queries)
    result = {
        "records": args.records, "queries": len(queries), "backend": args.backend,
        **summary(timings, wall),
        "index_build_s": round(build_s, 2),
        "ingest_per_s": round(args.records / build_s, 1),
        "peak_rss_mb": peak_rss_mb(),
        "baseline": {**summary(base_timings, base_wall), "queries": len(base_queries)},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
