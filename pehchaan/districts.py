"""Haryana district names: one canonical English name for every spelling and script."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "districts.tsv"


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).replace("-", " ").casefold().split())


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        canonical, devanagari, *rest = line.split("\t")
        others = rest[0].split(",") if rest and rest[0] else []
        for spelling in (canonical, devanagari, *others):
            if spelling.strip():
                table[_fold(spelling)] = canonical
                table[_fold(spelling).replace("़", "")] = canonical
    return table


def canonical_district(name: str) -> str:
    """The canonical name of a Haryana district, or the input tidied when not in the table.

    Records from other states keep their own district names.
    """
    folded = _fold(name)
    return _table().get(folded) or _table().get(folded.replace("़", "")) or " ".join(name.split())


def known_districts() -> list[str]:
    return sorted(set(_table().values()))


@lru_cache(maxsize=4096)
def district_tag(name: str) -> str:
    """The filter tag for a district (both stores filter on it)."""
    return "district:" + _fold(canonical_district(name))
