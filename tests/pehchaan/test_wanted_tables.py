"""The cross-check's key tables find every wanted number a reading can hit."""

from __future__ import annotations

import random

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from fixtures.vehicles import engine_number, vin
from matcher.plate_keys import fold
from matcher.vehicle_ids import TAIL, id_score
from pehchaan.wanted_index import ID_MIN
from pehchaan.wanted_tables import HALVES_FROM, IdTables, reading_keys, stored_keys

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


CONFUSABLE = {"0": "ODQ", "O": "0", "D": "0", "Q": "0", "1": "IL", "I": "1", "L": "1",
              "2": "Z", "Z": "2", "5": "S", "S": "5", "8": "B3", "B": "8P", "3": "8", "6": "G",
              "G": "6C", "4": "A", "A": "4", "P": "BR", "R": "P", "C": "G", "K": "X", "X": "K"}


@st.composite
def number_and_reading(draw: st.DrawFn) -> tuple[str, str]:
    """A wanted number and a reading of it: one or two edits of any kind, confusable
    substitutions (which keep the folded form) added on top."""
    rng = random.Random(draw(st.integers(0, 10**6)))
    number = vin(rng) if draw(st.booleans()) else engine_number(rng)
    reading = number
    for _ in range(draw(st.integers(1, 2))):
        reading = _one_edit(draw, reading)
    for _ in range(draw(st.integers(0, 2))):
        i = draw(st.integers(0, len(reading) - 1))
        if reading[i] in CONFUSABLE:
            reading = reading[:i] + draw(st.sampled_from(CONFUSABLE[reading[i]])) + reading[i + 1:]
    return number, reading


@settings(max_examples=800, deadline=None)
@given(number_and_reading())
def test_every_reading_that_hits_is_a_candidate(pair: tuple[str, str]) -> None:
    number, reading = pair
    assume(len(reading) > TAIL)  # shorter readings are compared by their tails only
    tables = IdTables()
    tables.add(fold(number), 7)
    if id_score(reading, number) >= ID_MIN:
        assert 7 in tables.lookup(fold(reading))


def test_reading_and_stored_keys() -> None:
    assert reading_keys("K12MN11234") == ["K12MN11234", "K12MN1234"]
    assert reading_keys("A1112") == ["A1112", "A112"]  # a run of three: one key
    assert set(stored_keys("AB1")) == {"AB1", "B1", "A1", "AB", "BA1", "A1B"}


def test_long_numbers_use_halves_and_unrelated_ones_are_not_found() -> None:
    tables = IdTables()
    number = "MA3EWDE1S00123456"
    assert len(number) >= HALVES_FROM
    tables.add(fold(number), 1)
    assert not tables.full and len(tables.halves) == 2
    assert tables.lookup(fold("MA3EWDE1SOO123456")) == {1}
    assert tables.lookup(fold("MBHZZZ99X00999999")) == set()


def test_the_key_scheme_rests_on_the_error_costs() -> None:
    """``stored_keys``/``reading_keys`` skip substitutions and extra characters that are
    not doubles: that is right only while each costs more than a hit allows."""
    import math

    from matcher.plate_similarity import INSERT, SCALE, SUB_ARBITRARY, SUB_IMPOSSIBLE
    from pehchaan.wanted_index import PLATE_MIN

    allowed = -SCALE * math.log2(min(PLATE_MIN, ID_MIN))
    assert min(SUB_IMPOSSIBLE, SUB_ARBITRARY, INSERT) > allowed
