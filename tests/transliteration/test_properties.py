"""Properties that must hold for any input, checked with hypothesis."""

from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from transliteration import name_keys, normalize, parse_name, romanize, to_latin

DEVANAGARI = st.text(
    alphabet=st.sampled_from([chr(c) for c in range(0x0901, 0x0970) if c not in (0x0964, 0x0965)]),
    min_size=1, max_size=12,
)
ANY_TEXT = st.text(max_size=40)
NAMEISH = st.lists(
    st.one_of(DEVANAGARI, st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=9)),
    min_size=1, max_size=4,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT)
def test_everything_accepts_any_text(text: str) -> None:
    parse_name(text)
    keys = name_keys(text)
    assert all(k.isascii() for k in keys)
    opts = romanize(text)
    if opts:
        assert abs(sum(w for _, w in opts) - 1) < 1e-9


@settings(max_examples=300, deadline=None)
@given(NAMEISH)
def test_a_name_shares_keys_with_its_best_romanization(name: str) -> None:
    keys = set(name_keys(name))
    latin = to_latin(name)
    # A romanized token can happen to be a marker word ("sh" = Shri): not the same name then.
    assume(len(parse_name(latin).tokens) == len(parse_name(name).tokens))
    if keys and latin:
        assert keys & set(name_keys(latin)), (name, latin, keys, name_keys(latin))
