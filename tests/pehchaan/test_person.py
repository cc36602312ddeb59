"""Person record validation: every refusal names the field and the reason."""

from __future__ import annotations

import pytest

from pehchaan.errors import ValidationError
from pehchaan.person import parse_person


def test_valid_record_is_normalised() -> None:
    person = parse_person({
        "id": "HR-1", "names": "मोहम्मद इरफान|Mohd.  Irfan", "aliases": ["Mohd. Irfan", "Pappu"],
        "relative_name": "Mohd Ayub", "relation": "s/o", "gender": "male", "age": 34,
        "age_recorded_on": "2022-05-01", "district": "Mewat",
        "status": "Wanted|proclaimed offender",
        "firs": [{"police_station": "Nuh", "fir_number": "45", "year": 2022}],
    })
    assert person.names == ("मोहम्मद इरफान", "Mohd. Irfan")
    assert person.aliases == ("Pappu",)
    assert person.relation == "father"
    assert person.gender == "M"
    assert person.district == "Nuh"
    assert person.status == ("wanted", "proclaimed_offender")
    assert person.birth_year_range() == (1987, 1988)


@pytest.mark.parametrize(("record", "field", "reason"), [
    ({}, "names", "Field required"),
    ({"names": []}, "names", "at least 1 item"),
    ({"names": ["  "]}, "names", "empty"),
    ({"names": ["1234"]}, "names", "no letters"),
    ({"names": ["x" * 10_000]}, "names", "limit is 500"),
    ({"names": ["Ram"], "date_of_birth": "2023-02-30"}, "date_of_birth", "day value"),
    ({"names": ["Ram"], "date_of_birth": "2999-01-01"}, "date_of_birth", "future"),
    ({"names": ["Ram"], "age": 300}, "age", "less than or equal to 120"),
    ({"names": ["Ram"], "gender": "q"}, "gender", "'M', 'F' or 'X'"),
    ({"names": ["Ram"], "status": ["famous"]}, "status.0", "wanted"),
    ({"names": ["Ram"], "nam": "typo"}, "nam", "unknown field"),
    ({"names": ["Ram"], "id": "bad id with spaces"}, "id", "letters, digits"),
    ({"names": ["Ram"], "firs": [{"police_station": "X", "fir_number": "1", "year": 3000}]},
     "firs.0.year", "less than or equal"),
    ({"names": ["Ram"], "age_recorded_on": "2020-01-01"}, "record", "without an age"),
    ({"names": ["Ram\x00"]}, "names", "control characters"),
])
def test_bad_records_name_field_and_reason(record: dict[str, object], field: str,
                                           reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_person(record)
    assert caught.value.field == field
    assert reason in caught.value.detail
