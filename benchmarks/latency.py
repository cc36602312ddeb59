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
import multiprocessing
import os
import time
from collections.abc import Iterator
from typing import Any

from rapidfuzz import fuzz, process

from benchmarks.common import fresh_backend, note, peak_rss_mb, percentile_ms
from indexer.base import IndexDoc, SearchBackend
from pehchaan.gc_tuning import tune_for_serving
from pehchaan.person import parse_person
from pehchaan.person_index import KIND, person_doc
from pehchaan.person_search import PersonQuery, search_persons
from transliteration import to_latin

CHUNK = 5120
FIXED_NOW = "2025-01-01T00:00:00+00:00"


def build_docs(args: tuple[int, int, int]) -> list[IndexDoc]:
    """Records ``start`` .. ``start + n`` of the seeded stream, validated and keyed
    (runs in worker processes: generation and key computation use every core)."""
    from fixtures.persons import generate_persons

    start, n, seed = args
    return [person_doc(parse_person(record, now=FIXED_NOW))
            for record in generate_persons(n, seed=seed, start=start)]


def load(backend: SearchBackend, records: int, seed: int, workers: int) -> float:
    """Generate, validate, key and store the records; returns the seconds taken.

    A store with a bulk path (Elasticsearch: refresh once at the end) gets the stream;
    the embedded store commits chunk by chunk.
    """
    chunks = [(start, min(CHUNK, records - start), seed) for start in range(0, records, CHUNK)]
    started = time.perf_counter()
    stored = 0
    with multiprocessing.get_context("fork").Pool(workers) as pool:

        def stream() -> Iterator[list[IndexDoc]]:
            nonlocal stored
            for docs in pool.imap(build_docs, chunks):
                yield docs
                stored += len(docs)
                if stored % 100_000 < CHUNK:
                    note(f"  {stored:,} records stored "
                         f"({stored / (time.perf_counter() - started):,.0f}/s)")

        bulk_load = getattr(backend, "bulk_load", None)
        if callable(bulk_load):
            bulk_load(KIND, (doc for docs in stream() for doc in docs), chunk_size=2000)
        else:
            for docs in stream():
                backend.upsert(KIND, docs)
    return time.perf_counter() - started


def make_queries(records: int, count: int, seed: int) -> tuple[list[PersonQuery], list[str]]:
    """Realistic queries from the fixtures (either script, fresh spellings, typos, and
    sometimes a father's name, gender, birth year or district), with the identity each
    one looks for."""
    from fixtures.persons import generate_queries

    queries, expected = [], []
    for q in generate_queries(count, n_records=records, seed=seed, query_seed=seed + 1):
        queries.append(PersonQuery(
            name=q["name"], relative_name=q.get("relative_name"), gender=q.get("gender"),
            birth_year_from=q.get("birth_year_from"), birth_year_to=q.get("birth_year_to"),
            district=q.get("district"), k=10))
        expected.append(q["expected_identity"])
    return queries, expected


def run_queries(backend: SearchBackend, queries: list[PersonQuery],
                expected: list[str]) -> tuple[list[float], float, float]:
    """Timings, wall time, and the share of queries whose person is in the top 10."""
    timings = []
    found = 0
    started = time.perf_counter()
    for query, identity in zip(queries, expected, strict=True):
        t0 = time.perf_counter()
        hits = search_persons(backend, query)
        timings.append(time.perf_counter() - t0)
        found += any(h.person.external_ids.get("synthetic_identity") == identity for h in hits)
    return timings, time.perf_counter() - started, found / max(1, len(queries))


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


def measure(backend_name: str, args: argparse.Namespace, queries: list[PersonQuery],
            expected: list[str], *, with_baseline: bool) -> dict[str, Any]:
    """Build a fresh store of one kind and time the queries on it."""
    with fresh_backend(backend_name) as backend:
        note(f"loading {args.records:,} synthetic persons into {backend_name}")
        build_s = load(backend, args.records, args.seed, args.workers)
        note(f"loaded in {build_s:.1f} s; running {len(queries):,} queries")
        search_persons(backend, queries[0])  # warm caches once, as a running server would
        tune_for_serving()  # as the API does at start-up
        timings, wall, recall = run_queries(backend, queries, expected)
        result: dict[str, Any] = {
            **summary(timings, wall), "index_build_s": round(build_s, 2),
            "ingest_per_s": round(args.records / build_s, 1), "recall_at_10": round(recall, 4)}
        if with_baseline:
            note("brute-force baseline")
            base_queries = queries[: max(1, min(args.baseline_queries, len(queries)))]
            base_timings, base_wall = brute_force(backend, base_queries)
            result["baseline"] = {**summary(base_timings, base_wall),
                                  "queries": len(base_queries)}
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.latency",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, required=True)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--baseline-queries", type=int, default=100,
                        help="how many of the queries the brute-force baseline runs")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1),
                        help="processes that generate and key records")
    parser.add_argument("--no-compare", action="store_true",
                        help="with --backend elasticsearch, skip the embedded run beside it")
    args = parser.parse_args(argv)
    if args.records < 1 or args.queries < 1:
        parser.error("--records and --queries must be positive")

    queries, expected = make_queries(args.records, args.queries, args.seed)
    main_run = measure(args.backend, args, queries, expected, with_baseline=True)
    result: dict[str, Any] = {
        "records": args.records, "queries": len(queries), "backend": args.backend,
        **{k: v for k, v in main_run.items() if k != "baseline"},
        "peak_rss_mb": peak_rss_mb(),
        "baseline": main_run["baseline"],
    }
    if args.backend == "elasticsearch" and not args.no_compare:
        result["embedded"] = measure("embedded", args, queries, expected, with_baseline=False)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
