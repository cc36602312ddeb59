"""Name keys: the same keys for a Devanagari name and its usual Latin spellings."""

from __future__ import annotations

import pytest

from transliteration import given_name_keys, name_keys, skeleton


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("सुरेन्द्र सिंह दहिया", "Surender Singh Dahiya"),
        ("मोहम्मद इरफ़ान", "Mohd. Irfan"),
        ("मोहम्मद इरफ़ान", "Muhammad Irfaan"),
        ("लक्ष्मी", "Laxmi"),
        ("Chaudhry", "चौधरी"),
        ("Kadian", "Kadyan"),
        ("हुड्डा", "Huda"),
        ("चंपा", "Chanpa"),
        ("Rajbir", "Rajvir"),
        ("Rao", "राव"),
    ],
)
def test_same_keys_across_scripts_and_spellings(a: str, b: str) -> None:
    assert set(name_keys(a)) & set(name_keys(b))


def test_merged_and_split_names_share_a_key() -> None:
    assert set(name_keys("Ramkishan")) & set(name_keys("Ram Kishan"))
    assert set(name_keys("Ramniwas")) & set(name_keys("Ram Niwas Dhiman"))


def test_aliases_add_keys_and_relatives_do_not() -> None:
    assert set(name_keys("Monu")) <= set(name_keys("Krishan Kumar alias Monu"))
    assert not set(name_keys("Jagdish")) & set(name_keys("Ramesh s/o Jagdish"))


def test_keys_are_ascii_and_few() -> None:
    for name in ["सुरेन्द्र सिंह दहिया", "Mohd. Irfan Qureshi", "आर के शर्मा", "क़ासिम"]:
        keys = name_keys(name)
        assert keys and all(k.isascii() and k.isalpha() for k in keys)
        assert len(keys) <= 8


def test_different_names_have_different_keys() -> None:
    assert not set(name_keys("Ramesh")) & set(name_keys("Suresh"))
    assert skeleton("surender") != skeleton("mahender")


@pytest.mark.parametrize(("name", "expected"), [
    ("Pawan Kumar", ["pbn"]),
    ("पवन", ["pbn"]),
    ("Mohd. Irfan", ["arpn"]),          # Mohammad tells no one apart: the next token
    ("मोहम्मद इरफान खान", ["arpn"]),
    ("R. K. Sharma", ["srm"]),         # initials are skipped
    ("Smt. Kamla Devi", ["kml"]),      # honorific off
    ("Singh", []),                      # nothing telling: no pair keys
])
def test_given_name_keys(name: str, expected: list[str]) -> None:
    assert given_name_keys(name) == expected
