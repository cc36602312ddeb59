"""Name comparison: cases from police records and properties every comparator must keep."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.names import compare_names


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("राम", "Ram"),
        ("सुरेन्द्र सिंह दहिया", "Surender Singh Dahiya"),
        ("Ramkishan", "Ram Kishan"),
        ("मोहम्मद इरफान", "Mohd. Irfan"),
        ("Lakshmi Devi", "Laxmi Devi"),
        ("Kadian", "Kadyan"),
        ("कमला", "Kamla"),
    ],
)
def test_same_person_scores_high(a: str, b: str) -> None:
    s = compare_names(a, b).score
    assert s is not None and s >= 0.9


def test_initials_and_missing_middle_name() -> None:
    full = compare_names("R K Sharma", "Rajesh Kumar Sharma").score
    other = compare_names("R K Sharma", "Rajesh Kumar Verma").score
    assert full is not None and other is not None and full > other
    mid = compare_names("Surender Dahiya", "Surender Singh Dahiya").score
    assert mid is not None and mid >= 0.85


def test_common_tokens_carry_little_evidence() -> None:
    shared_common = compare_names("Mohd Irfan", "Mohd Imran").score
    shared_rare = compare_names("Irfan Qureshi", "Imran Qureshi").score
    assert shared_common is not None and shared_rare is not None
    assert shared_common < shared_rare


def test_different_people_score_low() -> None:
    s = compare_names("Ram", "Shyam").score
    assert s is not None and s < 0.6


def test_empty_name_is_missing() -> None:
    assert compare_names("", "Ram").score is None
    assert compare_names("...", "Ram").score is None


NAMES = st.sampled_from(
    ["Ram", "राम", "Ram Kishan", "रामकिशन", "Surender Singh", "सुरेन्द्र", "Mohd Irfan",
     "मोहम्मद इरफ़ान", "R K Sharma", "Laxmi", "Kamla Devi", "Shyam", "Irfan Qureshi",
     "Ramesh s/o Suresh", "रमेश पुत्र सुरेश", "Krishan alias Monu", "Ishwar @ Sonu", "Ram Ji"]
)
TEXT = st.text(alphabet=st.sampled_from(list("abcdeikmnrsuy .") + list("रामकिशनसुेन्द्ीं")), max_size=20)


@settings(max_examples=300, deadline=None)
@given(st.one_of(NAMES, TEXT), st.one_of(NAMES, TEXT))
def test_symmetric_and_in_range(a: str, b: str) -> None:
    x, y = compare_names(a, b), compare_names(b, a)
    assert x.score == y.score
    if x.score is not None:
        assert 0.0 <= x.score <= 1.0


@settings(max_examples=200, deadline=None)
@given(st.one_of(NAMES, TEXT))
def test_identity_is_one(a: str) -> None:
    s = compare_names(a, a).score
    assert s is None or s == 1.0


def _reference_token_similarity(a: str, b: str) -> float:
    """Plain reference: every spelling pair, no cache, no pruning, no initials shortcut order."""
    from rapidfuzz.distance import Levenshtein as Lev

    from matcher.names import FOLD_WEIGHT, INITIAL_SCORE, QUICK_REJECT, RANK_DISCOUNT
    from transliteration.devanagari import symbols
    from transliteration.keys import canonical_token
    from transliteration.phonetic import fold_latin
    from transliteration.romanize import _options, romanize
    from transliteration.script import Script, detect_script

    def spell(t: str) -> list[tuple[str, str, float]]:
        c = canonical_token(t)
        return [(canonical_token(s), fold_latin(canonical_token(s)), w) for s, w in romanize(c)]

    def greedy(t: str) -> str:
        c = canonical_token(t)
        if detect_script(c) is Script.LATIN:
            return fold_latin(c)
        return fold_latin(canonical_token("".join(_options(s)[0][0] for s in symbols(c))))

    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        fa, fb = greedy(a), greedy(b)
        if len(fa) == 1 and len(fb) == 1:
            return float(fa == fb)
        return INITIAL_SCORE if fa[:1] == fb[:1] else 0.0
    quick = Lev.normalized_similarity(greedy(a), greedy(b))
    if quick < QUICK_REJECT:
        return quick
    sa, sb = spell(a), spell(b)
    best = 0.0
    for x in sa:
        for y in sb:
            raw = Lev.normalized_similarity(x[0], y[0])
            folded = FOLD_WEIGHT * Lev.normalized_similarity(x[1], y[1])
            sim = 1.0 if raw == 1.0 else max(raw, folded)
            disc = RANK_DISCOUNT * ((1 - x[2] / sa[0][2]) + (1 - y[2] / sb[0][2]))
            best = max(best, sim * (1 - disc), 0.0)
    return best


TOKENS = ["ram", "राम", "raam", "surender", "सुरेन्द्र", "mohd", "मोहम्मद", "laxmi", "लक्ष्मी",
          "kamla", "कमला", "r", "k", "rajesh", "शर्मा", "sharma", "singh", "सिंह", "hooda", "हुड्डा"]


@pytest.mark.parametrize("a", TOKENS)
def test_cached_token_similarity_matches_reference(a: str) -> None:
    from matcher.names import token_similarity

    for b in TOKENS:
        expected = _reference_token_similarity(min(a, b), max(a, b))
        assert token_similarity(a, b) == pytest.approx(expected)


def test_relative_counts_when_both_sides_name_one() -> None:
    same = compare_names("Surender Singh s/o Ram Kishan", "सुरेन्द्र सिंह पुत्र राम किशन").score
    other = compare_names("Surender Singh s/o Ram Kishan", "सुरेन्द्र सिंह पुत्र जगदीश").score
    alone = compare_names("Surender Singh s/o Ram Kishan", "Surender Singh").score
    assert same is not None and other is not None and alone is not None
    assert same > other
    assert alone == 1.0  # one side has no relative: the relative is not compared


def test_alias_match_counts_less_than_a_name_match() -> None:
    by_name = compare_names("राहुल कटारिया उर्फ़ भोलू", "Rahul Kataria").score
    by_alias = compare_names("राहुल कटारिया उर्फ़ भोलू", "Bheem Singh @ Bholu").score
    assert by_name is not None and by_alias is not None
    assert by_name > by_alias >= 0.8


def test_sibilants_vary() -> None:
    s = compare_names("Vikash Kumar", "विकास कुमार").score
    assert s is not None and s >= 0.95
