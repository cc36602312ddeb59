"""The misreading model: properties (hypothesis), fast paths against the reference,
slot awareness, keys that survive misreadings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.plate_batch import EncodedTable, explain_batch, misread_costs
from matcher.plate_keys import (
    collapse_doubles,
    fold,
    plate_partial_keys,
    plate_query_keys,
    plate_record_keys,
)
from matcher.plate_similarity import (
    Registered,
    explain_misread,
    misread_cost,
    plate_similarity,
)
from matcher.plates import loose_compact, parse_plate, try_parse

PLATES = ["HR26DK8337", "HR06DK0037", "DL03CAB1234", "22BH1234AB", "PCW0001", "HR261234",
          "T0325HR1234AB", "15B123456K", "11CD21", "TS09AB1234", "UP16BB0088"]
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


@st.composite
def misread_plate(draw: st.DrawFn) -> tuple[str, str]:
    """A registered plate and a reading of it with up to four random edits."""
    plate = draw(st.sampled_from(PLATES))
    chars = list(plate)
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["sub", "drop", "insert", "swap"]))
        i = draw(st.integers(0, max(0, len(chars) - 1)))
        if op == "sub" and chars:
            chars[i] = draw(st.sampled_from(ALNUM))
        elif op == "drop" and len(chars) > 1:
            del chars[i]
        elif op == "insert":
            chars.insert(i, draw(st.sampled_from(ALNUM)))
        elif op == "swap" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return plate, "".join(chars) or "A"


@settings(max_examples=400, deadline=None)
@given(misread_plate())
def test_score_in_unit_interval_and_identity(pair: tuple[str, str]) -> None:
    registered, observed = pair
    score = plate_similarity(observed, registered).score
    assert score is not None and 0.0 <= score <= 1.0
    assert plate_similarity(registered, registered).score == 1.0


@settings(max_examples=400, deadline=None)
@given(misread_plate(), st.booleans())
def test_fast_paths_equal_reference(pair: tuple[str, str], partial: bool) -> None:
    registered, observed = pair
    reg = Registered.from_text(registered)
    reference, _ = explain_misread(observed, reg, partial=partial)
    assert misread_cost(observed, reg, partial=partial) == pytest.approx(reference)
    batch = misread_costs(observed, [reg, Registered.from_text("HR26DK8337")], partial=partial)
    assert batch[0] == pytest.approx(reference)
    table = EncodedTable()
    rows = table.rows([registered, "DL03CAB1234"], Registered.from_text)
    assert table.costs(observed, rows, partial=partial)[0] == pytest.approx(reference)
    other = Registered.from_text("DL03CAB1234")
    [(cost, ops), (other_cost, other_ops)] = explain_batch(observed, [reg, other],
                                                           partial=partial)
    assert cost == pytest.approx(reference)
    assert ops == explain_misread(observed, reg, partial=partial)[1]
    ref_cost, ref_ops = explain_misread(observed, other, partial=partial)
    assert other_cost == pytest.approx(ref_cost) and other_ops == ref_ops


@settings(max_examples=300, deadline=None)
@given(misread_plate())
def test_explained_ops_add_up_to_the_cost(pair: tuple[str, str]) -> None:
    registered, observed = pair
    cost, ops = explain_misread(observed, Registered.from_text(registered))
    assert sum(op.cost for op in ops) == pytest.approx(cost)


def test_every_spelling_of_a_plate_is_the_same_plate() -> None:
    for text in ("hr-6-dk-37", "HR 06 DK 0037", "HR6DK0037", "hr06dk37"):
        assert plate_similarity(text, "HR06DK0037").score == 1.0


def test_slot_impossible_confusion_beats_valid_confusion_beats_arbitrary() -> None:
    # B where a digit must stand is almost surely an 8
    b_for_8 = plate_similarity("HR26DK83B7", "HR26DK8387").score
    three_for_8 = plate_similarity("HR26DK8337", "HR26DK8387").score  # 3/8 both digits
    arbitrary = plate_similarity("HR26DK8357", "HR26DK8387").score
    assert b_for_8 is not None and three_for_8 is not None and arbitrary is not None
    assert b_for_8 > three_for_8 > arbitrary
    # and the same B is a poor reading of a 3
    other = plate_similarity("HR26DK83B7", "HR26DK8337").score
    assert other is not None and other < b_for_8


def test_detail_names_the_error_and_the_part() -> None:
    detail = plate_similarity("HR26DK83B7", "HR26DK8387").detail
    assert "1 substitution" in detail and "8→B in the number" in detail
    assert "missing from the series" in plate_similarity("HR26D8337", "HR26DK8337").detail
    assert "extra '3'" in plate_similarity("HR26DK83337", "HR26DK8337").detail
    assert "swapped" in plate_similarity("HR26KD8337", "HR26DK8337").detail


def test_doubled_and_missed_double_are_cheaper_than_other_indels() -> None:
    doubled = plate_similarity("HR26DK83337", "HR26DK8337").score
    inserted = plate_similarity("HR26DK83937", "HR26DK8337").score
    assert doubled is not None and inserted is not None and doubled > inserted
    missed = plate_similarity("HR51B0734", "HR51BB0734").score
    dropped = plate_similarity("HR51B0734", "HR51BA0734").score
    assert missed is not None and dropped is not None and missed > dropped


def test_ts_and_tg_never_alias() -> None:
    score = plate_similarity("TG09AB1234", "TS09AB1234").score
    assert score is not None and score < 0.5
    assert fold("TS09AB1234") != fold("TG09AB1234")
    # no exact (confusion-folded) key in common: only the one-substitution neighbourhood
    ts = {k for k in plate_record_keys(parse_plate("TS09AB1234"), "") if k.startswith("pf:")}
    tg = {k for k in plate_record_keys(parse_plate("TG09AB1234"), "") if k.startswith("pf:")}
    assert ts and tg and not ts & tg


def test_partial_reading_is_not_charged_for_the_missing_start() -> None:
    full = plate_similarity("DK8337", "HR26DK8337").score
    partial = plate_similarity("DK8337", "HR26DK8337", partial=True)
    assert partial.score == 1.0 and "end of plate" in partial.detail
    assert full is not None and full < 0.5


@pytest.mark.parametrize(("observed", "registered"), [
    ("HR26DK83B7", "HR26DK8387"),  # confusable, any number of them
    ("HRZ6DK8S37", "HR26DK8537"),
    ("HR26DK837", "HR26DK8337"),  # dropped
    ("HR26DK83337", "HR26DK8337"),  # doubled
    ("HHR26DK83337", "HR26DK8337"),  # doubled twice
    ("HR26KD8337", "HR26DK8337"),  # swapped
    ("HR6DK837", "HR06DK0837"),  # padding zeros
    ("HR26DM8337", "HR26DK8337"),  # one arbitrary substitution outside the number
])
def test_query_keys_meet_record_keys(observed: str, registered: str) -> None:
    record = set(plate_record_keys(parse_plate(registered), registered))
    narrow = plate_query_keys(observed, try_parse(observed))
    wide = plate_query_keys(observed, try_parse(observed), wide=True)
    assert record & set(wide)
    if observed not in ("HR26DK837",):  # a dropped digit needs the wide keys
        assert record & set(narrow)


def test_partial_keys_and_collapse() -> None:
    record = set(plate_record_keys(parse_plate("HR26DK0837"), ""))
    assert record & set(plate_partial_keys("837"))
    assert record & set(plate_partial_keys("DK837"))
    assert collapse_doubles("HHR2") == {"HR2"}
    assert "HR2" in collapse_doubles("HHRR2")


@settings(max_examples=200, deadline=None)
@given(st.lists(misread_plate(), min_size=1, max_size=6))
def test_pair_costs_equal_reference(pairs: list[tuple[str, str]]) -> None:
    """Many readings, each against its own plate, in one table (the cross-check's path)."""
    table = EncodedTable()
    rows = table.rows([r for r, _ in pairs], Registered.from_text)
    costs = table.pair_costs([loose_compact(o) for _, o in pairs], rows)
    for (registered, observed), cost in zip(pairs, costs, strict=True):
        reference, _ = explain_misread(loose_compact(observed), Registered.from_text(registered))
        assert cost == pytest.approx(reference)
