"""The cross-check's key tables find every wanted number one folded edit away."""

from __future__ import annotations

import random

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fixtures.vehicles import engine_number, vin
from matcher.vehicle_ids import TAIL
from pehchaan.wanted_tables import HALVES_FROM, IdTables

CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"


def _one_edit(draw: st.DrawFn, text: str) -> str:
    i = draw(st.integers(0, len(text) - 1))
    op = draw(st.sampled_from(["sub", "drop", "double", "insert", "swap"]))
    if op == "sub":
        return text[:i] + draw(st.sampled_from(CHARS)) + text[i + 1:]
    if op == "drop":
        return text[:i] + text[i + 1:]
    if op == "double":
        return text[:i] + text[i] + text[i:]
    if op == "insert":
        return text[:i] + draw(st.sampled_from(CHARS)) + text[i:]
    j = min(i + 1, len(text) - 1)
    return text[:i] + text[j] + text[i] + text[j + 1:] if j > i else text


@st.composite
def number_and_reading(draw: st.DrawFn) -> tuple[str, str]:
    rng = random.Random(draw(st.integers(0, 10**6)))
    number = vin(rng) if draw(st.booleans()) else engine_number(rng)
    return number, _one_edit(draw, number)


@settings(max_examples=500, deadline=None)
@given(number_and_reading())
def test_one_edit_is_always_a_candidate(pair: tuple[str, str]) -> None:
    number, reading = pair
    assume(len(reading) > TAIL)  # shorter readings are compared by their tails only
    tables = IdTables()
    tables.add(number, 7)
    assert 7 in tables.lookup(reading)


def test_long_numbers_use_halves_and_unrelated_ones_are_not_found() -> None:
    tables = IdTables()
    number = "MA3EWDE1S00123456"
    assert len(number) >= HALVES_FROM
    tables.add(number, 1)
    assert not tables.full and len(tables.halves) == 2
    assert tables.lookup("MA3EWDE1S00123456") == {1}
    assert tables.lookup("MBHZZZ99X00999999") == set()
