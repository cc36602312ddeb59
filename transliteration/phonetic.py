"""Vowel-keeping phonetic folding of Latin spellings, for fine comparison (not for keys).

Keys (keys.py) throw vowels away to find candidates; ranking needs them back, but folded
so that spelling habits do not count as differences: aa/a, ee/i, oo/u, w/v, z/j, ph/f,
q/k, x/ks, ck/k, doubled letters, final y/i, ou/au.
"""

from __future__ import annotations

import re
from functools import lru_cache

_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"[^a-z]", ""),
        (r"que$", "k"),
        (r"x", "ks"),
        (r"q", "k"),
        (r"ck", "k"),
        (r"ph", "f"),
        (r"sh", "s"),
        (r"w", "v"),
        (r"z", "j"),
        (r"aa", "a"),
        (r"ee", "i"),
        (r"oo", "u"),
        (r"ou", "au"),
        (r"([a-z])\1+", r"\1"),
        (r"ay(?=[^aeiou]|$)", "ai"),
        (r"y$", "i"),
        (r"(?<=[^aeiou])y(?=[^aeiou])", "i"),
    )
)


@lru_cache(maxsize=262144)
def fold_latin(spelling: str) -> str:
    """Folded form of a lowercase Latin spelling ('Mohammed' → 'mohamed', 'Laxmi' → 'laksmi')."""
    s = spelling.lower()
    for pat, rep in _RULES:
        s = pat.sub(rep, s)
    return s
