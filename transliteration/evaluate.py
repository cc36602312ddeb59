"""Quick cross-script retrieval evaluation of name_keys + compare_names on a pairs file.

    python -m transliteration.evaluate PAIRS.tsv [--limit N] [--report misses.tsv]

Mirrors what benchmarks.eval_names does through the person search (the official measure):
the gallery is every distinct name of the other script; candidates are gallery names sharing
a key with the query (rarer keys first, at most --candidates), ranked by compare_names.
A hit when the returned name is paired with the query anywhere in the file. Prints JSON last.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from collections import defaultdict
from pathlib import Path

from matcher.names import compare_names
from transliteration.keys import name_keys


def read_pairs(path: Path) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2 and cols[0].strip() and cols[1].strip():
                pairs.append((cols[0].strip(), cols[1].strip()))
    return pairs


class Gallery:
    """Names indexed by their keys, like the person search's keyword index."""

    def __init__(self, names: list[str], max_df: float = 0.05) -> None:
        self.names = names
        self.index: dict[str, list[int]] = defaultdict(list)
        for i, n in enumerate(names):
            for k in name_keys(n):
                self.index[k].append(i)
        self.max_df = max(50, int(max_df * len(names)))

    def candidates(self, query: str, limit: int) -> list[str]:
        n = len(self.names)
        scores: dict[int, float] = defaultdict(float)
        for k in name_keys(query):
            post = self.index.get(k, [])
            if not post or len(post) > self.max_df * 20:
                continue
            w = math.log(1 + n / len(post))
            for i in post:
                scores[i] += w
        best = sorted(scores.items(), key=lambda kv: -kv[1])[:limit]
        return [self.names[i] for i, _ in best]


def run(pairs: list[tuple[str, str]], queries_from: int, limit: int, cand: int,
        misses: list[str]) -> dict[str, float]:
    """One direction: queries from column `queries_from` (1 = Devanagari), gallery the other."""
    other = 1 - queries_from
    truth: dict[str, set[str]] = defaultdict(set)
    for p in pairs:
        truth[p[queries_from]].add(p[other])
    gallery = Gallery(sorted({p[other] for p in pairs}))
    queries = sorted(truth)
    if limit and limit < len(queries):
        queries = random.Random(7).sample(queries, limit)
    top1 = top5 = rr = recall = 0.0
    times: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        cands = gallery.candidates(q, cand)
        ranked = sorted(cands, key=lambda c: -(compare_names(q, c).score or 0.0))[:10]
        times.append((time.perf_counter() - t0) * 1000)
        gold = truth[q]
        recall += any(c in gold for c in cands)
        for r, c in enumerate(ranked, 1):
            if c in gold:
                top1 += r == 1
                top5 += r <= 5
                rr += 1 / r
                break
        if not ranked or ranked[0] not in gold:
            misses.append(f"{q}\t{'|'.join(sorted(gold))}\t{ranked[0] if ranked else ''}\t"
                          f"{int(any(c in gold for c in cands))}")
    n = len(queries)
    times.sort()
    return {"top1": round(top1 / n, 4), "top5": round(top5 / n, 4), "mrr": round(rr / n, 4),
            "cand_recall": round(recall / n, 4),
            "p50_ms": round(times[n // 2], 2), "p99_ms": round(times[int(n * 0.99)], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", type=Path)
    ap.add_argument("--limit", type=int, default=0, help="queries per direction (random sample)")
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--report", type=Path, help="write misses (query, gold, first, in candidates)")
    args = ap.parse_args()
    pairs = read_pairs(args.pairs)
    misses: list[str] = []
    t0 = time.perf_counter()
    d2l = run(pairs, 1, args.limit, args.candidates, misses)
    l2d = run(pairs, 0, args.limit, args.candidates, misses)
    if args.report:
        args.report.write_text("\n".join(misses) + "\n", encoding="utf-8")
    print(json.dumps({"pairs": len(pairs), "dev2lat": d2l, "lat2dev": l2d,
                      "seconds": round(time.perf_counter() - t0, 1)}))


if __name__ == "__main__":
    main()
