"""Retrieval keys that find a plate under one or two misreadings without a scan.

Every character is folded to its confusion class (O/0/D/Q -> 0, B/8/3/P/R -> 8, ...),
so any number of confusable substitutions leaves the folded form unchanged. On top of
that, a symmetric deletion neighbourhood (the folded form with one character removed)
catches one dropped, doubled, swapped or arbitrary character. Keys are namespaced so the
candidate score says how the plate was found:

- ``pf:<folded>`` on the record, queried with the folded reading (exact up to
  confusables) and with the reading's deletions (the reading has an extra character);
- ``pd:<folded minus one>`` on the record, queried with the folded reading (a character
  was dropped) and with its deletions (one substitution or swap).

Records carry keys for every usual spelling (with and without padding zeros), so
``HR6DK837`` finds ``HR06DK0837``. TS and TG fold differently (S is with 5, G with 6).
"""

from __future__ import annotations

from matcher.plates import Plate, spelling_variants

CONFUSION_CLASSES = ("0ODQ", "1IL", "2Z", "5S", "8B3PR", "6GC", "4A", "KX")
FOLD = {ch: cls[0] for cls in CONFUSION_CLASSES for ch in cls}
_FOLD_TABLE = str.maketrans(FOLD)

W_EXACT = 16.0
W_EXTRA = 6.0
W_DROPPED = 6.0
W_SUB = 1.0


def fold(text: str) -> str:
    """Map each character to its confusion class representative."""
    return text.translate(_FOLD_TABLE)


def deletions(text: str) -> set[str]:
    """The text with each one character removed (the deletion neighbourhood)."""
    return {text[:i] + text[i + 1:] for i in range(len(text))} if len(text) > 1 else set()


def plate_record_keys(plate: Plate | None, compact_text: str) -> list[str]:
    """Keys stored with a vehicle record for its registration."""
    spellings = spelling_variants(plate) if plate is not None else (compact_text,)
    keys: set[str] = set()
    for spelling in spellings:
        f = fold(spelling)
        keys.add("pf:" + f)
        keys.update("pd:" + d for d in deletions(f))
    if plate is not None and plate.number and plate.kind in ("standard", "delhi", "pre1989"):
        number = plate.number.lstrip("0")
        keys.add("pn:" + fold(number))
        keys.add("ps:" + fold((plate.series or "") + number))
    return sorted(keys)


def plate_partial_keys(observed_compact: str) -> dict[str, float]:
    """Keys for a partial reading: only the number (``8337``) or series and number (``DK8337``)."""
    s = observed_compact
    i = len(s)
    while i > 0 and s[i - 1].isdigit():
        i -= 1
    letters, number = s[:i], s[i:].lstrip("0")
    if not number:
        return {}
    if not letters:
        return {"pn:" + fold(number): W_EXACT}
    return {"ps:" + fold(letters + number): W_EXACT, "pn:" + fold(number): W_SUB}


def plate_query_keys(observed_compact: str, parsed: Plate | None = None, *,
                     wide: bool = False) -> dict[str, float]:
    """Weighted keys for a reading; a parse (when it exists) adds its canonical spelling.

    The narrow set (default) finds confusable substitutions, extra and doubled
    characters, and one substitution or swap outside the trailing number. ``wide`` adds
    the keys that fan out over a dense series (a dropped character; a substitution or
    swap inside the number): the search asks for them only when the narrow set found
    nothing well explained.
    """
    readings = {observed_compact}
    if parsed is not None:
        readings.add(parsed.canonical)
    out: dict[str, float] = {}
    for reading in readings:
        f = fold(reading)
        number_start = len(reading)
        while number_start > 0 and reading[number_start - 1].isdigit():
            number_start -= 1
        _put(out, "pf:" + f, W_EXACT)
        for i in range(len(f)):
            d = f[:i] + f[i + 1:]
            _put(out, "pf:" + d, W_EXTRA)
            if wide or i < number_start:
                _put(out, "pd:" + d, W_SUB)
        if wide:
            _put(out, "pd:" + f, W_DROPPED)
    for collapsed in collapse_doubles(observed_compact):
        _put(out, "pf:" + fold(collapsed), W_EXTRA)
    return out


_FOLDED_SYMBOLS = sorted({fold(ch) for ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"})


def plate_repair_keys(observed_compact: str) -> dict[str, float]:
    """Keys for a reading that lost two characters ("H 5GJ3780" for HR54GJ3780).

    The folded reading with one symbol put back at each place, asked against the
    records' one-deletion keys (``pd:``): a record two drops away shares a key for each
    of the two characters put back. About 200 keys, so the search asks them only when
    nothing explains the reading as well as a single dropped character would.
    """
    f = fold(observed_compact)
    return {"pd:" + f[:i] + s + f[i:]: W_SUB for i in range(len(f) + 1) for s in _FOLDED_SYMBOLS}


def collapse_doubles(text: str, limit: int = 2) -> set[str]:
    """The text with one or two doubled characters written once (``HHR26`` -> ``HR26``)."""
    out: set[str] = set()
    frontier = {text}
    for _ in range(limit):
        nxt = set()
        for t in frontier:
            for i in range(1, len(t)):
                if t[i] == t[i - 1]:
                    nxt.add(t[:i] + t[i + 1:])
        out |= nxt
        frontier = nxt
    out.discard(text)
    return out


def _put(out: dict[str, float], key: str, weight: float) -> None:
    if out.get(key, 0.0) < weight:
        out[key] = weight
