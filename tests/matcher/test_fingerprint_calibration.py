"""Score calibration: monotone, invertible, bounded."""

from __future__ import annotations

from itertools import pairwise

import pytest

from matcher.fingerprint.calibration import FLOOR, TABLE, fmr_at, strength, threshold_for


def test_fmr_falls_as_the_threshold_rises() -> None:
    scores = [i / 1000 for i in range(0, 300)]
    rates = [fmr_at(s) for s in scores]
    assert all(a >= b for a, b in pairwise(rates))
    assert rates[0] == 1.0 and rates[-1] == FLOOR


@pytest.mark.parametrize("fmr", [0.3, 0.01, 0.001, 1e-4, 1e-5])
def test_threshold_for_inverts_fmr_at(fmr: float) -> None:
    assert fmr_at(threshold_for(fmr)) == pytest.approx(fmr, rel=1e-6)


def test_table_points_are_returned_exactly() -> None:
    for score, fmr in TABLE:
        assert fmr_at(score) == pytest.approx(fmr)


def test_strength_words() -> None:
    assert strength(0.0) == "none"
    assert strength(threshold_for(0.005)) == "moderate"
    assert strength(1.0) == "very strong"
    with pytest.raises(ValueError):
        threshold_for(0.0)
