"""Chassis and engine numbers: normalisation, VIN check digit as a soft signal, tails."""

from __future__ import annotations

from matcher.vehicle_ids import (
    id_query_keys,
    id_record_keys,
    id_score,
    id_similarity,
    is_vin,
    normalize_id,
    vin_check_digit_ok,
)

VIN = "1M8GDM9AXKP042788"  # the textbook VIN whose check digit (X) agrees


def test_normalise_and_vin_shape() -> None:
    assert normalize_id(" ma3-ewde 1s00.123456 ") == "MA3EWDE1S00123456"
    assert is_vin(VIN)
    assert not is_vin("1M8GDM9AXKP04278O")  # O is not used in VINs
    assert not is_vin("K12MN1234567")


def test_vin_check_digit_is_soft() -> None:
    assert vin_check_digit_ok(VIN) is True
    wrong = VIN[:8] + "1" + VIN[9:]
    assert vin_check_digit_ok(wrong) is False
    assert vin_check_digit_ok("K12MN1234567") is None
    feature = id_similarity(wrong, wrong)
    assert feature.score == 1.0  # never a reason to reject
    assert id_similarity(VIN[:8] + "2" + VIN[9:], wrong).score is not None


def test_misread_chassis_scores_high_and_unrelated_low() -> None:
    misread = VIN.replace("8", "B", 1)
    good = id_score(misread, VIN)
    bad = id_score("MA3EWDE1S00123456", VIN)
    assert good > 0.8 > 0.3 > bad


def test_tail_only_records_match_on_their_last_characters() -> None:
    feature = id_similarity("MA3EWDE1S00123456", "123456", label="chassis")
    assert feature.score is not None and feature.score > 0.85
    assert "last 6" in feature.detail
    assert id_score("23456", "MA3EWDE1S00123456") > 0.85
    assert id_score("99999", "MA3EWDE1S00123456") < 0.5


def test_keys_meet_under_confusions_and_tails() -> None:
    record = set(id_record_keys("c", VIN))
    assert record & set(id_query_keys("c", VIN.replace("0", "O")))
    assert record & set(id_query_keys("c", VIN[-6:]))
    assert record & set(id_query_keys("c", VIN[-5:]))
    assert not record & set(id_query_keys("e", VIN))  # chassis and engine keys stay apart
    assert id_similarity("", VIN).score is None
    assert id_score("", VIN) == 0.0
