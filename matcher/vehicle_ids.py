"""Chassis (VIN and older maker numbers) and engine numbers: normalise, key, compare.

Neither has a format we can rely on: a VIN is 17 characters without I, O, Q (ISO 3779),
older chassis and all engine numbers are maker-specific. So they are compared as strings
with the same reading errors as plates (``matcher.plate_similarity``), and on their last
5-6 characters when a record holds only those. The VIN check digit (position 9) is a
US rule, not an Indian one: it is reported as a soft signal and never rejects a VIN.
"""

from __future__ import annotations

from matcher.explain import FeatureScore
from matcher.plate_keys import deletions, fold
from matcher.plate_similarity import (
    Registered,
    describe_ops,
    explain_misread,
    misread_cost,
    similarity_from_cost,
)
from matcher.plates import loose_compact

TAIL = 6
SHORT_TAIL = 5
VIN_LENGTH = 17
TAIL_FACTOR = 0.9
_VIN_VALUES = {**{str(d): d for d in range(10)},
               **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
               **dict(zip("JKLMNPR", (1, 2, 3, 4, 5, 7, 9), strict=True)),
               **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalize_id(text: str) -> str:
    """Upper-case letters and digits only: separators and stray marks dropped."""
    return loose_compact(text)


def is_vin(text: str) -> bool:
    """17 characters, none of I, O, Q: the shape of an ISO 3779 VIN."""
    s = normalize_id(text)
    return len(s) == VIN_LENGTH and not set(s) & set("IOQ")


def vin_check_digit_ok(text: str) -> bool | None:
    """Whether the position-9 check digit agrees (None when not a VIN). Soft signal only."""
    s = normalize_id(text)
    if not is_vin(s):
        return None
    total = sum(_VIN_VALUES.get(ch, 0) * w for ch, w in zip(s, _VIN_WEIGHTS, strict=True))
    expected = total % 11
    return s[8] == ("X" if expected == 10 else str(expected))


def id_record_keys(prefix: str, value: str) -> list[str]:
    """Keys stored for a chassis (``prefix='c'``) or engine (``'e'``) number."""
    s = normalize_id(value)
    if not s:
        return []
    f = fold(s)
    keys = {f"{prefix}f:{f}", f"{prefix}t5:{f[-SHORT_TAIL:]}"}
    tail = f[-TAIL:]
    keys.add(f"{prefix}t:{tail}")
    keys.update(f"{prefix}d:{d}" for d in deletions(tail))
    return sorted(keys)


def id_query_keys(prefix: str, value: str) -> dict[str, float]:
    """Weighted keys for an observed chassis/engine number, full or only its end."""
    s = normalize_id(value)
    if not s:
        return {}
    f = fold(s)
    out: dict[str, float] = {f"{prefix}f:{f}": 16.0, f"{prefix}t5:{f[-SHORT_TAIL:]}": 4.0}
    if len(f) >= TAIL:
        tail = f[-TAIL:]
        out[f"{prefix}t:{tail}"] = 8.0
        out[f"{prefix}d:{tail}"] = 2.0  # a character dropped from the record's tail
        for d in deletions(tail):
            out.setdefault(f"{prefix}d:{d}", 1.0)
    else:
        out[f"{prefix}d:{f}"] = 2.0
    return out


def id_cost(observed: str, registered: str) -> tuple[float, str]:
    """Misreading cost of observed vs registered, using only the tail when one side is short.

    Returns the cost and how it was compared (``full`` or ``last N``).
    """
    o, r = normalize_id(observed), normalize_id(registered)
    if len(o) < len(r) and len(o) <= TAIL:
        r = r[-len(o):]
        how = f"last {len(o)}"
    elif len(r) < len(o) and len(r) <= TAIL:
        o = o[-len(r):]
        how = f"last {len(r)}"
    else:
        how = "full"
    return misread_cost(o, Registered.from_text_raw(r)), how


def id_score(observed: str, registered: str) -> float:
    """The similarity without the explanation (the ranking fast path); 0 when one is empty."""
    if not normalize_id(observed) or not normalize_id(registered):
        return 0.0
    cost, how = id_cost(observed, registered)
    return similarity_from_cost(cost) * (1.0 if how == "full" else TAIL_FACTOR)


def id_similarity(observed: str, registered: str, *, label: str = "chassis") -> FeatureScore:
    """Score in [0, 1] with detail; a tail-only comparison is marked as such."""
    o, r = normalize_id(observed), normalize_id(registered)
    if not o or not r:
        return FeatureScore(None, f"not compared: {label} missing on one side")
    cost, how = id_cost(o, r)
    if how != "full":
        n = int(how.split()[1])
        o, r = o[-n:], r[-n:]
    _, ops = explain_misread(o, Registered.from_text_raw(r))
    score = similarity_from_cost(cost)
    if how != "full":
        score *= TAIL_FACTOR  # fewer characters agree: a little less certain
    note = ""
    if how == "full" and is_vin(r) and vin_check_digit_ok(r) is False:
        note = " (registered VIN check digit does not agree: soft signal only)"
    return FeatureScore(score, f"{label} {r} ~ {o} ({how}) {score:.2f}: {describe_ops(ops)}{note}")
