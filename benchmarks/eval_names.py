"""Cross-script name retrieval through the person search the API uses.

    python -m benchmarks.eval_names PAIRS.tsv [--backend embedded|elasticsearch] [--limit N]
                                    [--report FILE]

PAIRS.tsv: ``latin<TAB>devanagari`` per line (more columns ignored, ``#`` lines skipped).
Every distinct Latin name becomes a person record in a fresh store; each distinct
Devanagari name is searched (k = 10); then the reverse. A hit at rank r when the r-th
result's name is paired with the query somewhere in the file. The last line printed is
one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common import data_lines, fresh_backend, note, percentile_ms
from indexer.base import SearchBackend
from pehchaan.errors import ValidationError
from pehchaan.gc_tuning import tune_for_serving
from pehchaan.person import Person
from pehchaan.person_index import KIND, person_doc
from pehchaan.person_search import PersonQuery, search_persons

K = 10


def read_pairs(path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    pairs = []
    for line in data_lines(path):
        cols = line.split("\t")
        if len(cols) < 2 or not cols[0].strip() or not cols[1].strip():
            continue
        pairs.append((cols[0].strip(), cols[1].strip()))
        if limit and len(pairs) >= limit:
            break
    return pairs


@dataclass
class Direction:
    """Results of one direction: reciprocal ranks and the misses for the report."""

    ranks: list[int] = field(default_factory=list)
    misses: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        n = max(1, len(self.ranks))
        return {
            "top1": round(sum(r == 1 for r in self.ranks) / n, 4),
            "top5": round(sum(0 < r <= 5 for r in self.ranks) / n, 4),
            "mrr": round(sum(1.0 / r for r in self.ranks if r > 0) / n, 4),
        }


def index_names(backend: SearchBackend, names: list[str], prefix: str) -> None:
    docs = [person_doc(Person(id=f"{prefix}{i:07d}", names=(name,)))
            for i, name in enumerate(names)]
    for start in range(0, len(docs), 5000):
        backend.upsert(KIND, docs[start:start + 5000])


def run_direction(backend: SearchBackend, queries: list[str], truth: dict[str, set[str]],
                  timings: list[float]) -> Direction:
    result = Direction()
    for number, query in enumerate(queries, start=1):
        started = time.perf_counter()
        try:
            hits = search_persons(backend, PersonQuery(name=query, k=K))
        except ValidationError:  # a "name" with no letter ("100", "॥"): a miss, not a crash
            hits = []
        timings.append(time.perf_counter() - started)
        rank = next((r for r, h in enumerate(hits, start=1) if h.person.names[0] in truth[query]),
                    0)
        result.ranks.append(rank)
        if rank != 1:
            result.misses.append({"query": query, "expected": sorted(truth[query]),
                                  "rank": rank or None,
                                  "got": [h.person.names[0] for h in hits[:3]]})
        if number % 1000 == 0:
            note(f"  {number:,}/{len(queries):,} queries")
    return result


def evaluate(path: Path, backend_name: str, limit: int | None) -> tuple[dict[str, Any],
                                                                      dict[str, Direction]]:
    pairs = read_pairs(path, limit)
    lat_to_dev: dict[str, set[str]] = defaultdict(set)
    dev_to_lat: dict[str, set[str]] = defaultdict(set)
    for lat, dev in pairs:
        lat_to_dev[lat].add(dev)
        dev_to_lat[dev].add(lat)
    timings: list[float] = []
    index_s = 0.0
    directions: dict[str, Direction] = {}
    for label, gallery, truth in (("dev2lat", sorted(lat_to_dev), dev_to_lat),
                                  ("lat2dev", sorted(dev_to_lat), lat_to_dev)):
        with fresh_backend(backend_name) as backend:
            note(f"{label}: indexing {len(gallery):,} names in {backend_name}")
            started = time.perf_counter()
            index_names(backend, gallery, "G")
            index_s += time.perf_counter() - started
            tune_for_serving()  # as the API does at start-up: no collector pauses in queries
            note(f"{label}: {len(truth):,} queries")
            directions[label] = run_direction(backend, sorted(truth), truth, timings)
    summary = {
        "pairs": len(pairs),
        "dev2lat": directions["dev2lat"].summary(),
        "lat2dev": directions["lat2dev"].summary(),
        "query_ms": {"p50": percentile_ms(timings, 50), "p99": percentile_ms(timings, 99)},
        "index_s": round(index_s, 3),
        "backend": backend_name,
        "queries": {"dev2lat": len(dev_to_lat), "lat2dev": len(lat_to_dev)},
    }
    return summary, directions


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.eval_names",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("pairs", type=Path, help="latin<TAB>devanagari file")
    parser.add_argument("--backend", choices=["embedded", "elasticsearch"], default="embedded")
    parser.add_argument("--limit", type=int, default=None, help="read at most N pairs")
    parser.add_argument("--report", type=Path, default=None, help="write the misses as JSON")
    args = parser.parse_args(argv)
    if not args.pairs.is_file():
        parser.error(f"{args.pairs}: no such file")
    summary, directions = evaluate(args.pairs, args.backend, args.limit)
    if args.report:
        args.report.write_text(json.dumps(
            {label: d.misses for label, d in directions.items()}, ensure_ascii=False, indent=1),
            encoding="utf-8")
        note(f"misses written to {args.report}")
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
