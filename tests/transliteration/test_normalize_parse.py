"""Normalisation, script detection and name parsing."""

from __future__ import annotations

import pytest

from transliteration import (
    Script,
    detect_script,
    named_relative,
    normalize,
    parse_name,
    relative_field_name,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mohd. Irfan", "mohd irfan"),
        ("  R.K.   SHARMA ", "r k sharma"),
        ("मोहम्मद  इरफ़ान।", "मोहम्मद इरफ़ान"),
        ("\u0958\u093e\u0938\u093f\u092e", "\u0915\u093c\u093e\u0938\u093f\u092e"),  # precomposed क़
        ("गाँव", "गांव"),  # chandrabindu → anusvara
        ("रा\u200dम", "राम"),  # ZWJ removed
        ("Ānand", "anand"),
        ("D'Souza", "dsouza"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    for s in ["Sh. Ram  Lal", "क़ासिम ख़ान", "गाँव।", "R.K."]:
        assert normalize(normalize(s)) == normalize(s)


@pytest.mark.parametrize(
    ("token", "script"),
    [
        ("राम", Script.DEVANAGARI),
        ("Ram", Script.LATIN),
        ("राम1", Script.DEVANAGARI),
        ("Ramराम", Script.MIXED),
        ("१२३", Script.DIGITS),
        ("123", Script.DIGITS),
        ("...", Script.OTHER),
        ("محمد", Script.OTHER),
    ],
)
def test_detect_script(token: str, script: Script) -> None:
    assert detect_script(token) is script


def test_parse_relation_and_honorifics() -> None:
    p = parse_name("Sh. Surender Singh s/o Late Ram Kishan")
    assert p.tokens == ("surender", "singh")
    assert p.honorifics == ("sh",)
    assert p.relation == "s/o"
    assert p.relative is not None
    assert p.relative.tokens == ("ram", "kishan")
    assert p.relative.honorifics == ("late",)


def test_parse_hindi_relation() -> None:
    p = parse_name("श्रीमती कमला देवी पत्नी स्व. श्री राम लाल")
    assert p.tokens == ("कमला", "देवी")
    assert p.honorifics == ("श्रीमती",)
    assert p.relation == "w/o"
    assert p.relative is not None and p.relative.tokens == ("राम", "लाल")


@pytest.mark.parametrize(
    ("raw", "tokens"),
    [
        ("R. K. Sharma", ("r", "k", "sharma")),
        ("RK Sharma", ("r", "k", "sharma")),
        ("आर के शर्मा", ("r", "k", "शर्मा")),
        ("Pooja Kumari", ("pooja", "kumari")),
        ("Km. Pooja", ("pooja",)),
        ("Ramesh D/O Suresh", ("ramesh",)),
        ("Irfan r/o Nuh", ("irfan",)),
    ],
)
def test_parse_tokens(raw: str, tokens: tuple[str, ...]) -> None:
    assert parse_name(raw).tokens == tokens


def test_parse_daughter_and_walad() -> None:
    assert parse_name("Pooja d.o. Ramesh").relation == "d/o"
    assert parse_name("Irfan walad Yusuf").relation == "s/o"
    assert parse_name("इरफ़ान वल्द यूसुफ़").relation == "s/o"


@pytest.mark.parametrize(
    ("raw", "tokens", "alias"),
    [
        ("Krishan Kumar alias Monu", ("krishan", "kumar"), ("monu",)),
        ("Ishwar @ Sonu", ("ishwar",), ("sonu",)),
        ("मोहम्मद साबिर उर्फ़ नन्हा", ("मोहम्मद", "साबिर"), ("नन्हा",)),
        ("Salim aka Sallu s/o Yusuf", ("salim",), ("sallu",)),
    ],
)
def test_parse_aliases(raw: str, tokens: tuple[str, ...], alias: tuple[str, ...]) -> None:
    p = parse_name(raw)
    assert p.tokens == tokens
    assert [a.tokens for a in p.aliases] == [alias]


def test_alias_word_inside_a_name_is_not_a_marker() -> None:
    assert parse_name("Aliasgar Khan").tokens == ("aliasgar", "khan")


@pytest.mark.parametrize(
    ("raw", "tokens", "relative"),
    [
        ("Sh. Ram Lal (Late)", ("ram", "lal"), None),
        ("रमेश पिता का नाम सुरेश", ("रमेश",), ("सुरेश",)),
        ("Ramesh Kumar, Father's Name: Suresh Kumar", ("ramesh", "kumar"), ("suresh", "kumar")),
    ],
)
def test_form_labels_and_trailing_status(
    raw: str, tokens: tuple[str, ...], relative: tuple[str, ...] | None
) -> None:
    p = parse_name(raw)
    assert p.tokens == tokens
    assert (p.relative.tokens if p.relative else None) == relative


@pytest.mark.parametrize(
    ("raw", "relative"),
    [
        ("Ankit s/o Mahipal", "mahipal"),
        ("Ram s/o S/o Sh. Mohan Lal", "mohan lal"),  # the marker typed twice
        ("ANKIT DHIMAN s/o Son of Ravender Dhiman", "ravender dhiman"),
        ("राकेश वर्मा पुत्र पुत्र राजेन्द्र", "राजेन्द्र"),
        ("सुनीता पत्नी श्री रमेश", "रमेश"),
        ("Ravi Kumar F/N Ram Lal", "ram lal"),  # a form's "father's name" abbreviated
        ("Ravi S/0 Mohan", "mohan"),  # zero typed for the letter o
        ("Surender Singh Dahiya, father Ramkishan", "ramkishan"),
        ("Sunil s/o", None),
        ("Ram Kumar", None),
    ],
)
def test_named_relative(raw: str, relative: str | None) -> None:
    assert named_relative(raw) == relative


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("S/o Sh. Zile Singh", "zile singh"),
        ("Son of Late Ram Lal", "ram lal"),
        ("पुत्र श्री राम किशन", "राम किशन"),
        ("W/O Suresh", "suresh"),
        ("Zile Singh", "Zile Singh"),  # no marker: the text as typed
        ("S/o", "S/o"),  # a marker and nothing after it: left alone
    ],
)
def test_relative_field_name(field: str, name: str) -> None:
    assert relative_field_name(field) == name
