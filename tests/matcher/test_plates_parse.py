"""Parser table tests: every plate format of DOMAIN.md, and strings that are not plates
with the reason for each."""

from __future__ import annotations

import pytest

from matcher.plates import (
    PlateError,
    data_versions,
    haryana_rto_offices,
    parse_plate,
    spelling_variants,
    state_codes,
    try_parse,
)

VALID = [
    # text, kind, canonical, parts
    ("HR26DK8337", "standard", "HR26DK8337", {"state": "HR", "rto": "26", "series": "DK",
                                              "number": "8337"}),
    ("hr 26 dk 8337", "standard", "HR26DK8337", {"state": "HR"}),
    ("HR-26-DK-8337", "standard", "HR26DK8337", {}),
    ("HR.26.DK.8337", "standard", "HR26DK8337", {}),
    ("HR:26:DK:8337", "standard", "HR26DK8337", {}),
    ("HR 6 DK 837", "standard", "HR06DK0837", {"rto": "06", "number": "0837"}),
    ("HR06DK0837", "standard", "HR06DK0837", {}),
    ("hr6dk837", "standard", "HR06DK0837", {}),
    ("HR 51 A 1", "standard", "HR51A0001", {"series": "A", "number": "0001"}),
    ("HR 26 ABC 1234", "standard", "HR26ABC1234", {"series": "ABC"}),
    ("HR 26 1234", "standard", "HR261234", {"series": None, "number": "1234"}),
    ("DL3CAB1234", "delhi", "DL03CAB1234", {"category": "C", "series": "AB", "rto": "03"}),
    ("DL 1C AA 1111", "delhi", "DL01CAA1111", {"category": "C", "series": "AA"}),
    ("dl-8-s-ab-0001", "delhi", "DL08SAB0001", {"category": "S"}),
    ("DL 12 Y 1234", "delhi", "DL12Y1234", {"category": "Y", "series": None}),
    ("DL 4 AB 1234", "standard", "DL04AB1234", {"category": None}),
    ("22 BH 1234 AB", "bharat", "22BH1234AB", {"year": "22", "number": "1234",
                                               "series": "AB"}),
    ("21bh0001a", "bharat", "21BH0001A", {"series": "A"}),
    ("T0325HR1234AB", "temporary", "T0325HR1234AB", {"month": "03", "year": "25",
                                                     "state": "HR"}),
    ("T 12 24 DL 0001 A", "temporary", "T1224DL0001A", {"month": "12"}),
    ("11 CD 21", "diplomatic", "11CD21", {"category": "CD", "number": "21"}),
    ("77-CC-1", "diplomatic", "77CC1", {"category": "CC"}),
    ("101 UN 4321", "diplomatic", "101UN4321", {"category": "UN"}),
    ("15B123456K", "armed_forces", "15B123456K", {"year": "15", "category": "B",
                                                 "number": "123456", "series": "K"}),
    ("09 D 000123 X", "armed_forces", "09D000123X", {}),
    ("PCW 0001", "pre1989", "PCW0001", {"series": "PCW", "number": "0001"}),
    ("HRA 12", "pre1989", "HRA0012", {}),
    ("TS09AB1234", "standard", "TS09AB1234", {"state": "TS", "legacy_state": True}),
    ("TG09AB1234", "standard", "TG09AB1234", {"state": "TG", "legacy_state": False}),
    ("OR02AB1234", "standard", "OR02AB1234", {"legacy_state": True}),
    ("UP16 BC 0042", "standard", "UP16BC0042", {}),
]


@pytest.mark.parametrize(("text", "kind", "canonical", "parts"), VALID)
def test_valid_plates(text: str, kind: str, canonical: str, parts: dict[str, object]) -> None:
    plate = parse_plate(text)
    assert plate.kind == kind
    assert plate.canonical == canonical
    assert len(plate.slots) == len(canonical) == len(plate.optional)
    for name, value in parts.items():
        assert getattr(plate, name) == value, name
    assert parse_plate(plate.canonical) == plate  # canonical form is a fixed point
    assert parse_plate(plate.display).canonical == canonical


NOT_PLATES = [
    ('', 'empty'),
    ('   ', 'empty'),
    ('---', 'empty'),
    ('..::', 'empty'),
    ('HR@26DK8337', 'bad_character'),
    ('HR#26', 'bad_character'),
    ('हरियाणा', 'bad_character'),
    ('HR26DK8337!', 'bad_character'),
    ('HR26 DK 8337?', 'bad_character'),
    ('ＨＲ26DK8337', 'bad_character'),
    ('HR26_DK_8337é', 'bad_character'),
    ('A', 'too_short'),
    ('AB', 'too_short'),
    ('A1', 'too_short'),
    ('123', 'too_short'),
    ('HR1', 'too_short'),
    ('HR26DK83370123456', 'too_long'),
    ('HR26DKABCD12345', 'too_long'),
    ('1234567890123456', 'too_long'),
    ('XX26DK8337', 'unknown_state'),
    ('ZZ01AB1234', 'unknown_state'),
    ('AA12BC1234', 'unknown_state'),
    ('QQ1A1', 'unknown_state'),
    ('IN26DK8337', 'unknown_state'),
    ('US01AB1234', 'unknown_state'),
    ('NP01PA1234', 'unknown_state'),
    ('HH12AB1234', 'unknown_state'),
    ('HA26DK8337', 'unknown_state'),
    ('TT09AB1234', 'unknown_state'),
    ('SS01A1', 'unknown_state'),
    ('HR26DI1234', 'series_io'),
    ('HR26OA1234', 'series_io'),
    ('HR26IO1234', 'series_io'),
    ('DL3CIO1234', 'series_io'),
    ('UP16OI5555', 'series_io'),
    ('PB10I1234', 'series_io'),
    ('HR26DIO8337', 'series_io'),
    ('MH12IA0001', 'series_io'),
    ('HR00AB1234', 'rto_zero'),
    ('DL00C1234', 'rto_zero'),
    ('UP00A1', 'rto_zero'),
    ('HR26DK0000', 'number_zero'),
    ('HR26DK0', 'number_zero'),
    ('PB10AB00', 'number_zero'),
    ('HR261AB1234', 'rto_too_long'),
    ('HR2611AB1234', 'no_shape'),
    ('DL123C1234', 'rto_too_long'),
    ('HR26DK83371', 'number_too_long'),
    ('HR26DK833712', 'no_shape'),
    ('UP16AB12345', 'number_too_long'),
    ('HR26ABCDE1234', 'no_shape'),
    ('HR26ABCD1234', 'series_too_long'),
    ('DL3CABCD1234', 'no_shape'),
    ('19BH1234AB', 'bharat_year'),
    ('20BH1234AB', 'bharat_year'),
    ('05BH0001AA', 'bharat_year'),
    ('22BH0000AB', 'number_zero'),
    ('22BH1234IO', 'series_io'),
    ('22BH1234AI', 'series_io'),
    ('22BH12AB', 'no_shape'),
    ('22BH123AB', 'no_shape'),
    ('22BH1234ABC', 'no_shape'),
    ('T1325HR1234AB', 'temporary_month'),
    ('T0025HR1234AB', 'temporary_month'),
    ('T0325XX1234AB', 'unknown_state'),
    ('T9925HR1234A', 'temporary_month'),
    ('00CD21', 'number_zero'),
    ('11CD0', 'number_zero'),
    ('0UN1', 'number_zero'),
    ('HR', 'too_short'),
    ('HRDK', 'no_shape'),
    ('DKAB', 'no_shape'),
    ('ABCDEFG', 'no_shape'),
    ('HRDKABCD', 'no_shape'),
    ('PCWX', 'no_shape'),
    ('12345', 'no_shape'),
    ('99999999', 'no_shape'),
    ('0000', 'no_shape'),
    ('8337', 'no_shape'),
    ('HRDK8337', 'no_shape'),
    ('HR-DK-8337', 'no_shape'),
    ('H26DK8337', 'no_shape'),
    ('26DK8337', 'no_shape'),
    ('6DK8337', 'no_shape'),
    ('K8337', 'no_shape'),
    ('DK', 'too_short'),
    ('1HR26DK8337', 'no_shape'),
    ('9HR1234', 'no_shape'),
    ('HR26DK833A', 'no_shape'),
    ('HR26DK83B7X', 'no_shape'),
    ('HR26-8337-DK', 'no_shape'),
    ('8337DKHR26', 'no_shape'),
    ('DK8337HR', 'no_shape'),
    ('HR26DK8337HR26', 'no_shape'),
    ('1A2B3C4D', 'no_shape'),
    ('A1B2C3D4', 'no_shape'),
    ('HR2A6D8', 'no_shape'),
    ('ABC12345', 'no_shape'),
    ('ABCD1234', 'no_shape'),
    ('PCW00000', 'no_shape'),
    ('PCW0000', 'number_zero'),
    ('XY1', 'too_short'),
    ('BH1234AB', 'no_shape'),
    ('BH22AB1234', 'unknown_state'),
    ('CD1121', 'unknown_state'),
    ('11CX21', 'no_shape'),
    ('1234CD21', 'no_shape'),
    ('15B1234567K', 'no_shape'),
    ('15BB123456K', 'no_shape'),
    ('1B123456K', 'no_shape'),
    ('151123456K', 'no_shape'),
    ('15B12345K', 'no_shape'),
]


def test_enough_non_plates() -> None:
    assert len(NOT_PLATES) >= 100
    assert len({s for s, _ in NOT_PLATES}) == len(NOT_PLATES)


@pytest.mark.parametrize(("text", "code"), NOT_PLATES)
def test_not_plates_say_why(text: str, code: str) -> None:
    with pytest.raises(PlateError) as info:
        parse_plate(text)
    assert info.value.code == code
    assert len(info.value.message) > 10
    assert try_parse(text) is None


def test_ts_and_tg_are_different_codes() -> None:
    assert parse_plate("TS09AB1234").canonical != parse_plate("TG09AB1234").canonical
    assert state_codes()["TS"] == "legacy" and state_codes()["TG"] == "current"


def test_spelling_variants_drop_padding_zeros() -> None:
    plate = parse_plate("HR06DK0037")
    assert set(spelling_variants(plate)) == {"HR06DK0037", "HR6DK0037", "HR06DK37", "HR6DK37"}
    assert spelling_variants(parse_plate("HR26DK8337")) == ("HR26DK8337",)
    for variant in spelling_variants(plate):
        assert parse_plate(variant).canonical == "HR06DK0037"


def test_data_files_are_versioned() -> None:
    versions = data_versions()
    assert set(versions) == {"state_codes.tsv", "haryana_rto.tsv"}
    assert all(v[:4].isdigit() for v in versions.values())
    offices = haryana_rto_offices()
    assert offices["26"] == "Gurugram" and offices["05"] == "Karnal"
    assert offices["51"] == "Faridabad"
    assert len(offices) >= 90
    assert {"HR", "DL", "UP", "TG", "TS", "OD", "OR"} <= set(state_codes())
