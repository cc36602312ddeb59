"""Train the romanizer's chunk probabilities by EM on the Dakshina Hindi train split.

    python -m transliteration.train ../shared/data/names/dakshina_hi_train.tsv \
        [--iterations 6] [--out transliteration/data/romanizer.json]

Each Devanagari word becomes a symbol sequence (devanagari.symbols); each symbol emits a
Latin chunk of 0-3 letters. EM (forward-backward over all monotone alignments) estimates
P(chunk | symbol), starting from the hand-written rules (rules.py), which also act as a
Dirichlet prior so rare symbols keep sensible spellings. Only the Dakshina *train* split
may be used (CC BY-SA 4.0, Roark et al., LREC 2020); dev/test and Xlit-Crowd are for
measuring only. The output is a small JSON table (a few thousand numbers).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import defaultdict
from pathlib import Path

from transliteration.devanagari import is_consonant, is_independent_vowel, symbols
from transliteration.normalize import normalize
from transliteration.rules import prior_for
from transliteration.script import Script, detect_script

MAX_CHUNK = 3
UNSEEN = 1e-5  # probability floor of a chunk never seen for a symbol (lets EM discover it)
PRIOR_STRENGTH = 2.0  # pseudo-counts of the rules in each symbol's distribution
KEEP_P = 0.003  # chunks below this probability are not shipped

Table = dict[str, dict[str, float]]


def load_pairs(path: Path) -> list[tuple[tuple[str, ...], str, float]]:
    """(symbols, latin, weight) for every usable line; the count column is the weight."""
    out: list[tuple[tuple[str, ...], str, float]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) < 2 or line.startswith("#"):
                continue
            lat = "".join(ch for ch in cols[0].lower() if "a" <= ch <= "z")
            dev = normalize(cols[1])
            if not lat or not dev or " " in dev or detect_script(dev) is not Script.DEVANAGARI:
                continue
            syms = symbols(dev)
            if not syms:
                continue
            w = float(cols[2]) if len(cols) > 2 and cols[2].strip().isdigit() else 1.0
            out.append((syms, lat, w))
    return out


SILENT_OK = {"य", "व", "ह"}  # glides and h may go unwritten; other letters may not


def must_write(sym: str) -> bool:
    """Consonants and independent vowels always leave a trace in the Latin spelling."""
    base = sym.rstrip("$")
    return bool(base) and base not in SILENT_OK and (
        is_consonant(base[0]) or is_independent_vowel(base[0])
    )


def _emit(table: Table, sym: str, chunk: str) -> float:
    if not chunk and must_write(sym):
        return 0.0
    return table.get(sym, {}).get(chunk, UNSEEN * (0.2 ** len(chunk)))


Counts = dict[str, dict[str, float]]


def expected_counts(
    table: Table, syms: tuple[str, ...], lat: str, weight: float, counts: Counts
) -> float:
    """Add one pair's posterior chunk counts to `counts`; returns its log-likelihood."""
    n, m = len(syms), len(lat)
    alpha = [[0.0] * (m + 1) for _ in range(n + 1)]
    alpha[0][0] = 1.0
    for i, sym in enumerate(syms):
        row, nxt = alpha[i], alpha[i + 1]
        for j in range(m + 1):
            a = row[j]
            if a == 0.0:
                continue
            for ln in range(0, min(MAX_CHUNK, m - j) + 1):
                nxt[j + ln] += a * _emit(table, sym, lat[j : j + ln])
    z = alpha[n][m]
    if z <= 0.0:
        return 0.0
    beta = [[0.0] * (m + 1) for _ in range(n + 1)]
    beta[n][m] = 1.0
    for i in range(n - 1, -1, -1):
        sym = syms[i]
        row, nxt = beta[i], beta[i + 1]
        for j in range(m + 1):
            b = 0.0
            for ln in range(0, min(MAX_CHUNK, m - j) + 1):
                b += _emit(table, sym, lat[j : j + ln]) * nxt[j + ln]
            row[j] = b
    for i, sym in enumerate(syms):
        c = counts[sym]
        arow, brow = alpha[i], beta[i + 1]
        for j in range(m + 1):
            a = arow[j]
            if a == 0.0:
                continue
            for ln in range(0, min(MAX_CHUNK, m - j) + 1):
                chunk = lat[j : j + ln]
                post = a * _emit(table, sym, chunk) * brow[j + ln] / z
                if post > 1e-6:
                    c[chunk] += weight * post
    return weight * math.log(z)


def m_step(counts: dict[str, dict[str, float]]) -> Table:
    """New chunk probabilities: counts plus the rules as pseudo-counts, pruned."""
    table: Table = {}
    for sym, c in counts.items():
        prior = prior_for(sym)
        merged = defaultdict(float, {k: v for k, v in c.items()})
        for k, v in prior.items():
            merged[k] += PRIOR_STRENGTH * v
        total = sum(merged.values())
        probs = {
            k: v / total
            for k, v in merged.items()
            if v / total >= KEEP_P and (k or not must_write(sym))
        }
        norm = sum(probs.values())
        table[sym] = {k: round(v / norm, 5) for k, v in sorted(probs.items(), key=lambda x: -x[1])}
    return table


def train(pairs: list[tuple[tuple[str, ...], str, float]], iterations: int) -> Table:
    """EM from the rules; prints the log-likelihood per iteration."""
    syms_seen = {s for p in pairs for s in p[0]}
    table: Table = {s: dict(prior_for(s)) for s in syms_seen}
    for it in range(iterations):
        counts: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        ll = 0.0
        for syms, lat, w in pairs:
            ll += expected_counts(table, syms, lat, w, counts)
        table = m_step(counts)
        print(f"iteration {it + 1}: log-likelihood {ll:.1f}", flush=True)
    return table


def main() -> None:
    ap = argparse.ArgumentParser(description="Train the romanizer on Dakshina hi train (EM).")
    ap.add_argument("train", type=Path)
    ap.add_argument("--iterations", type=int, default=6)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "data" / "romanizer.json")
    args = ap.parse_args()
    if "dev" in args.train.name or "test" in args.train.name or "xlit" in args.train.name:
        raise SystemExit(f"{args.train}: train on the Dakshina train split only")
    pairs = load_pairs(args.train)
    print(f"{len(pairs)} pairs", flush=True)
    table = train(pairs, args.iterations)
    meta = {
        "source": "Google Dakshina v1.0, hi lexicon train split (CC BY-SA 4.0, Roark et al. 2020)",
        "method": "EM over monotone symbol-to-chunk alignments, rules.py as prior",
        "iterations": args.iterations,
        "pairs": len(pairs),
    }
    with args.out.open("w", encoding="utf-8") as fh:
        json.dump({"meta": meta, "emissions": table}, fh, ensure_ascii=False, indent=0,
                  sort_keys=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
