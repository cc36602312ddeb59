"""Romanizer and keys on 250 hand-checked Hindi names (tests/transliteration/names_hi.tsv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from matcher.names import compare_names
from transliteration import name_keys, romanize, to_latin
from transliteration.phonetic import fold_latin

TABLE = Path(__file__).with_name("names_hi.tsv")


def _rows() -> list[tuple[str, tuple[str, ...]]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        dev, spellings = line.split("\t")
        rows.append((dev, tuple(spellings.split("|"))))
    return rows


ROWS = _rows()


def test_table_is_large_enough() -> None:
    assert len(ROWS) >= 200
    assert len({d for d, _ in ROWS}) == len(ROWS), "duplicate names in the table"


@pytest.mark.parametrize(("dev", "accepted"), ROWS, ids=[d for d, _ in ROWS])
def test_an_accepted_spelling_is_among_the_romanizations(
    dev: str, accepted: tuple[str, ...]
) -> None:
    spellings = [s for s, _ in romanize(dev)]
    assert set(spellings) & set(accepted), f"{dev}: {spellings} has none of {accepted}"


@pytest.mark.parametrize(("dev", "accepted"), ROWS, ids=[d for d, _ in ROWS])
def test_keys_are_shared_with_every_accepted_spelling(dev: str, accepted: tuple[str, ...]) -> None:
    keys = set(name_keys(dev))
    for lat in accepted:
        assert keys & set(name_keys(lat)), f"{dev} {sorted(keys)} vs {lat} {name_keys(lat)}"


@pytest.mark.parametrize(("dev", "accepted"), ROWS, ids=[d for d, _ in ROWS])
def test_names_compare_high_with_accepted_spellings(dev: str, accepted: tuple[str, ...]) -> None:
    for lat in accepted:
        score = compare_names(dev, lat).score
        assert score is not None and score >= 0.85, f"{dev} ~ {lat}: {score}"


def test_best_spelling_is_accepted_for_most_names() -> None:
    """Exactly as written for 60 %; up to spelling habits (ee/i, w/v, ph/f) for 90 %."""
    exact = [d for d, acc in ROWS if to_latin(d) in acc]
    assert len(exact) >= 0.6 * len(ROWS)
    wrong = [(d, to_latin(d)) for d, acc in ROWS
             if fold_latin(to_latin(d)) not in {fold_latin(a) for a in acc}]
    assert len(wrong) <= 0.1 * len(ROWS), wrong


def test_weights_sum_to_one_and_best_first() -> None:
    for dev, _ in ROWS[:50]:
        opts = romanize(dev)
        assert abs(sum(w for _, w in opts) - 1) < 1e-9
        assert [w for _, w in opts] == sorted((w for _, w in opts), reverse=True)
        assert all(s == s.lower() and s.isascii() for s, _ in opts)
