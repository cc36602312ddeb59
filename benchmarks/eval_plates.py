"""Plate search under misreadings: top-1, top-5 and MRR over (registered, observed) pairs.

    python -m benchmarks.eval_plates PAIRS.tsv [--gallery GALLERY.txt]

Every distinct registered plate (from both files) becomes a vehicle record in a fresh
embedded index (a temporary directory); each observed string is searched through the
same vehicle search the API uses. A hit at rank r when the r-th result's plate equals
the registered one. The last line is one JSON object; the line before it gives CPU time
per query and plain Levenshtein's top-1 over the same gallery for comparison, with ties
to gallery order and with ties shared (``--baseline 0`` skips it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import data_lines
from indexer.embedded import EmbeddedBackend
from matcher.plates import loose_compact
from pehchaan.errors import ValidationError
from pehchaan.vehicles import (
    VehicleQuery,
    add_vehicles,
    search_vehicles,
    validate_vehicle,
)


def read_pairs(path: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in data_lines(path):
        registered, _, observed = line.partition("\t")
        pairs.append((registered.strip(), observed.strip()))
    return pairs


def read_gallery(path: Path | None) -> list[str]:
    if path is None:
        return []
    return [line.strip() for line in data_lines(path)]


def canonical(registered: str) -> str | None:
    """The registration a record of this plate holds (None when it cannot be a record)."""
    try:
        return validate_vehicle({"id": "x", "registration": registered,
                                 "status": "stolen"}).registration
    except ValidationError:
        return None


def levenshtein_top1(pairs: list[tuple[str, str]], gallery: list[str],
                     sample: int) -> tuple[float, float]:
    """Plain Levenshtein (rapidfuzz) of the normalised reading (upper case, separators
    removed) over the whole gallery. First: ties go to gallery order (what a plain
    implementation returns); second: a tie of t plates counts 1/t (the expected top-1
    under random tie-breaking), because on a sequential gallery most misreadings tie."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    step = max(1, len(pairs) // max(1, sample))
    chosen = pairs[::step][:sample]
    hits = 0
    shared = 0.0
    for reg, obs in chosen:
        reading = loose_compact(obs)
        best = process.extractOne(reading, gallery, scorer=Levenshtein.distance)
        hits += best is not None and best[0] == reg
        if best is not None and Levenshtein.distance(reading, reg) == best[1]:
            ties = process.extract(reading, gallery, scorer=Levenshtein.distance,
                                   score_cutoff=best[1], limit=None)
            shared += 1 / max(1, len(ties))
    n = max(1, len(chosen))
    return hits / n, shared / n


def main(argv: list[str] | None = None) -> dict[str, object]:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.eval_plates")
    ap.add_argument("pairs", type=Path)
    ap.add_argument("--gallery", type=Path)
    ap.add_argument("--baseline", type=int, default=1000,
                    help="pairs sampled for the Levenshtein baseline (0: skip)")
    args = ap.parse_args(argv)
    raw_pairs = read_pairs(args.pairs)
    registered = dict.fromkeys([r for r, _ in raw_pairs] + read_gallery(args.gallery))
    canon = {r: canonical(r) for r in registered}
    plates = sorted({c for c in canon.values() if c})
    pairs = [(canon[r], o) for r, o in raw_pairs]
    with tempfile.TemporaryDirectory(prefix="eval-plates-") as tmp:
        backend = EmbeddedBackend(tmp)
        t0 = time.perf_counter()
        add_vehicles(backend, [{"id": f"p{i:07d}", "registration": p, "status": "stolen"}
                               for i, p in enumerate(plates)], batch_size=5000)
        print(json.dumps({"indexed": len(plates), "index_s": round(time.perf_counter() - t0, 1)}),
              file=sys.stderr)
        ranks: list[int | None] = []
        times: list[float] = []
        cpu: list[float] = []
        for reg, obs in pairs:
            t, c = time.perf_counter(), time.thread_time()
            hits = search_vehicles(backend, VehicleQuery(plate=obs, k=10)) if obs else []
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
            rank = next((i + 1 for i, h in enumerate(hits)
                         if reg is not None and h.record.get("registration") == reg), None)
            ranks.append(rank)
        backend.close()
    n = len(pairs)
    cpu.sort()
    extra: dict[str, object] = {"query_cpu_ms": {
        "p50": round(statistics.median(cpu), 3) if cpu else 0.0,
        "p99": round(cpu[min(len(cpu) - 1, int(0.99 * len(cpu)))], 3) if cpu else 0.0}}
    if args.baseline:
        lev, lev_shared = levenshtein_top1([(r, o) for r, o in pairs if r], plates,
                                           args.baseline)
        extra.update(levenshtein_top1=round(lev, 4),
                     levenshtein_top1_ties_shared=round(lev_shared, 4),
                     levenshtein_sample=min(args.baseline, n))
    print(json.dumps(extra))
    times.sort()
    result = {
        "pairs": n, "gallery": len(plates),
        "top1": round(sum(r == 1 for r in ranks) / max(1, n), 4),
        "top5": round(sum(r is not None and r <= 5 for r in ranks) / max(1, n), 4),
        "mrr": round(sum(1 / r for r in ranks if r) / max(1, n), 4),
        "query_ms": {"p50": round(statistics.median(times), 3) if times else 0.0,
                     "p99": round(times[min(len(times) - 1, int(0.99 * len(times)))], 3)
                     if times else 0.0},
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
