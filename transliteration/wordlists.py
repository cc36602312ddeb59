"""Word lists and variant tables, read once at import from the TSV files in data/.

Each file has one entry a line with its reason; '#' lines are comments. Keeping them as
data lets an analyst correct an entry without touching code.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from transliteration.normalize import normalize

DATA_DIR = Path(__file__).resolve().parent / "data"


def read_tsv(name: str) -> list[list[str]]:
    """Rows of a data file (comments and blank lines skipped, cells stripped)."""
    rows: list[list[str]] = []
    with (DATA_DIR / name).open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            rows.append([unicodedata.normalize("NFC", c.strip()) for c in line.split("\t")])
    return rows


@cache
def honorifics() -> dict[str, str]:
    """Normalised honorific/status token → kind ('honorific' or 'status')."""
    return {normalize(r[0]): r[1] for r in read_tsv("honorifics.tsv")}


@cache
def relation_markers() -> dict[str, str]:
    """Lower-cased relation marker (may contain '/', '.', spaces) → relation code like 's/o'."""
    return {r[0].lower(): r[1] for r in read_tsv("relations.tsv")}


@cache
def initials() -> dict[str, str]:
    """Devanagari letter name (आर) → Latin initial (r)."""
    return {normalize(r[0]): r[1] for r in read_tsv("initials.tsv")}


@cache
def variants() -> dict[str, str]:
    """Normalised variant token → canonical token (Mohd → mohammad, Laxmi → lakshmi)."""
    return {normalize(r[1]): normalize(r[0]) for r in read_tsv("variants.tsv")}


@cache
def common_tokens() -> dict[str, float]:
    """Canonical token → evidence weight below 1 for very common name parts."""
    return {normalize(r[0]): float(r[1]) for r in read_tsv("common_tokens.tsv")}


@cache
def alias_markers() -> tuple[str, ...]:
    """Lower-cased markers introducing another name of the same person (alias, urf, @)."""
    return tuple(r[0].lower() for r in read_tsv("alias_markers.tsv"))
