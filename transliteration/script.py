"""Script detection per token: names arrive in Devanagari, Latin, both, or with digits."""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache


class Script(StrEnum):
    """Writing system of a token; MIXED when letters of two scripts meet in one token."""

    DEVANAGARI = "devanagari"
    LATIN = "latin"
    MIXED = "mixed"
    DIGITS = "digits"
    OTHER = "other"


def char_script(ch: str) -> Script | None:
    """Script of one character, or None for marks and punctuation that belong to no script."""
    cp = ord(ch)
    if 0x0900 <= cp <= 0x097F or 0xA8E0 <= cp <= 0xA8FF:
        if 0x0966 <= cp <= 0x096F:
            return Script.DIGITS
        if cp in (0x0964, 0x0965):  # danda, double danda: punctuation
            return None
        return Script.DEVANAGARI
    if ch.isascii():
        if ch.isalpha():
            return Script.LATIN
        if ch.isdigit():
            return Script.DIGITS
        return None
    if ch.isalpha() and 0x00C0 <= cp <= 0x024F:  # Latin-1 supplement / extended (é, ā, ṣ)
        return Script.LATIN
    if 0x1E00 <= cp <= 0x1EFF:  # Latin extended additional (ṭ, ḍ, ṇ)
        return Script.LATIN
    if ch.isdigit():
        return Script.DIGITS
    if ch.isalpha():
        return Script.OTHER
    return None


@lru_cache(maxsize=262144)
def detect_script(token: str) -> Script:
    """Script of a token: the one script its letters use, MIXED if several, DIGITS if only digits.

    Punctuation and combining marks of no script are ignored; an empty token is OTHER.
    """
    if token.isascii():
        if any(c.isalpha() for c in token):
            return Script.LATIN
        return Script.DIGITS if any(c.isdigit() for c in token) else Script.OTHER
    seen: set[Script] = set()
    for ch in token:
        s = char_script(ch)
        if s is not None:
            seen.add(s)
    letters = seen - {Script.DIGITS}
    if not seen:
        return Script.OTHER
    if not letters:
        return Script.DIGITS
    if len(letters) == 1:
        return next(iter(letters))
    return Script.MIXED
