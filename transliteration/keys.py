"""Retrieval keys: a phonetic consonant skeleton shared by a Devanagari name and its spellings.

A Latin spelling is reduced to classes of consonants: vowels dropped (their length and the
schwa are what writers disagree on most), aspiration dropped (bh → b), sibilants merged
(sh/s/ṣ), v/w/b (Rajvir/Rajbir), z/j, f/ph/p, q/k, x → ks, m before a labial → n,
doubled letters collapsed, y inside a word and h after a vowel dropped, a leading vowel
kept as "a", a few English spellings rewritten. Devanagari is first romanized, so the same
function gives the same skeleton for both scripts. Keys are plain ASCII.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

from transliteration.normalize import ANUSVARA
from transliteration.parse import parse_name
from transliteration.romanize import romanize_token
from transliteration.script import Script, detect_script
from transliteration.wordlists import common_tokens, variants

_UNITS = re.compile(r"chh|ch|sh|kh|gh|jh|th|dh|ph|bh|rh|ck|[a-z]")
_CLASS = {
    "chh": "c", "ch": "c", "sh": "s", "kh": "k", "gh": "g", "jh": "j", "th": "t", "dh": "d",
    "ph": "p", "bh": "b", "rh": "r", "ck": "k",
    "b": "b", "c": "k", "d": "d", "f": "p", "g": "g", "h": "h", "j": "j", "k": "k", "l": "l",
    "m": "m", "n": "n", "p": "p", "q": "k", "r": "r", "s": "s", "t": "t", "v": "b", "w": "b",
    "x": "ks", "y": "y", "z": "j",
}
_REWRITES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p), r)
    for p, r in (
        (r"s?sion|tion", "shan"),  # English spellings of -शन (Station, Nation)
        (r"^kn", "n"),  # silent k (Knock)
        (r"^wr", "r"),  # silent w (Writer)
        (r"chr", "kr"),  # Greek ch (Christopher, Chris)
        (r"ao$", "av"),  # Rao / राव
        (r"cch", "ch"),  # Bacchan / Bachchan
        (r"dg(?=[eiy])", "j"),  # Edge
    )
)
_VOWELS = set("aeiou")
KEY_MASS = 0.85  # Devanagari: skeletons of the likeliest spellings up to this probability mass
MAX_TOKEN_KEYS = 3
MAX_NAME_TOKENS = 8  # longer "names" are free text: their first tokens are keyed
GENERIC_WEIGHT = 0.3  # name parts this common (Singh, Kumar, Devi, Mohammad) tell no one apart
_LABIAL = set("pbm")


@lru_cache(maxsize=262144)
def skeleton(latin: str) -> str:
    """Consonant skeleton of one lowercase Latin token ('Surender' → 'srndr')."""
    word = "".join(ch for ch in latin.lower() if "a" <= ch <= "z")
    for pat, rep in _REWRITES:
        word = pat.sub(rep, word)
    units = _UNITS.findall(word)
    out: list[str] = []
    n = len(units)
    for i, u in enumerate(units):
        if u in _VOWELS:
            if i == 0:
                out.append("a")
            continue
        cls = _CLASS[u]
        nxt = units[i + 1] if i + 1 < n else ""
        if nxt == u:
            continue  # doubled letter (Mohammad / Mohamad)
        if u == "y" and i > 0:
            continue  # y inside a word is a glide writers drop or add (Dahiya/Dahia, Sanjay/Sanjai)
        if u == "w" and i > 0 and units[i - 1] in _VOWELS and nxt not in _VOWELS:
            continue  # w closing a vowel is a vowel (Town, Chowdhury)
        if u == "c" and nxt in ("e", "i", "y"):
            cls = "s"  # soft c (Vincent, Lucy)
        if u == "h" and i > 0 and units[i - 1] in _VOWELS and nxt not in _VOWELS:
            continue  # h after a vowel, before a consonant or at the end: Rehman/Rahman, Hoodah
        if cls == "m" and _CLASS.get(nxt, "") in _LABIAL:
            cls = "n"  # Champa / Chanpa: nasal before a labial
        if not out or out[-1] != cls:
            out.append(cls)
    return "".join(out)


def canonical_token(token: str) -> str:
    """Variant table applied to one normalised token (Mohd → mohammad, मोहम्मद → mohammad)."""
    return variants().get(token, token)


_SOFT_G = re.compile(r"(?<![nd])g(?=[eiy])")


@lru_cache(maxsize=262144)
def token_skeletons(token: str) -> tuple[str, ...]:
    """Skeletons of a token: one for Latin (two when a g before e/i may be a j: Gita, Image);
    for Devanagari those of its likeliest spellings, plus one without a final nasal when the
    word ends in an anusvara (plural -ों, -ां, -ें is often written without n)."""
    token = canonical_token(token)
    if detect_script(token) is not Script.DEVANAGARI and detect_script(token) is not Script.MIXED:
        main = skeleton(token)
        if _SOFT_G.search(token):
            alt = skeleton(_SOFT_G.sub("j", token))
            if alt != main:
                return (main, alt)
        return (main,)
    out: list[str] = []
    mass = 0.0
    for spelling, w in romanize_token(token):
        sk = skeleton(canonical_token(spelling))
        if sk not in out and (not out or len(sk) > 1):
            out.append(sk)
        mass += w
        if mass >= KEY_MASS or len(out) >= MAX_TOKEN_KEYS:
            break
    if token.endswith(ANUSVARA) and out and out[0].endswith("n") and len(out[0]) > 1:
        out.append(out[0][:-1])
    return tuple(out)


def _keys_of(tokens: tuple[str, ...], keys: list[str]) -> None:
    """Append the keys of one name: per token, the joined name, adjacent pairs joined."""
    tokens = tuple(t for t in tokens if t)[:MAX_NAME_TOKENS]
    for t in tokens:
        if len(tokens) > 1 and len(canonical_token_latin(t)) == 1:
            continue  # an initial is no key on its own (it joins the joined keys)
        for sk in token_skeletons(t):
            if sk and sk not in keys:
                keys.append(sk)
    if len(tokens) < 2:
        return
    latin = [canonical_token_latin(t) for t in tokens]
    joined = [skeleton("".join(latin))]  # links "Ramkishan" with "Ram Kishan"
    if len(tokens) > 2:  # "Ram Niwas Dhiman" with "Ramniwas"
        joined += [skeleton(x + y) for x, y in pairwise(latin)]
    for sk in joined:
        if sk and sk not in keys:
            keys.append(sk)


@lru_cache(maxsize=262144)
def _name_keys(text: str) -> tuple[str, ...]:
    parsed = parse_name(text)
    keys: list[str] = []
    for name in (parsed, *parsed.aliases):
        _keys_of(name.tokens, keys)
    return tuple(keys)


@lru_cache(maxsize=262144)
def canonical_token_latin(token: str) -> str:
    """Best Latin spelling of a token after the variant table (for joined keys)."""
    token = canonical_token(token)
    if detect_script(token) in (Script.DEVANAGARI, Script.MIXED):
        return canonical_token(romanize_token(token)[0][0])
    return token


def name_keys(text: str) -> list[str]:
    """Retrieval keys of a person's name (relative and honorifics excluded), ASCII strings.

    One skeleton per token (two or three for an ambiguous token), plus the skeleton of the
    joined name when it has several tokens (and of adjacent pairs when it has more than two);
    aliases ("X alias Y") add their own keys. A Devanagari name and its usual Latin spellings
    produce the same keys, so a keyword index finds one from the other.
    """
    return list(_name_keys(text))


@lru_cache(maxsize=262144)
def _given_name_keys(text: str) -> tuple[str, ...]:
    parsed = parse_name(text)
    keys: list[str] = []
    for name in (parsed, *parsed.aliases):
        for token in name.tokens[:MAX_NAME_TOKENS]:
            latin = canonical_token_latin(token)
            if len(latin) == 1 or common_tokens().get(latin, 1.0) <= GENERIC_WEIGHT:
                continue
            keys.extend(sk for sk in token_skeletons(token) if sk and sk not in keys)
            break
    return tuple(keys)


def given_name_keys(text: str) -> list[str]:
    """Keys of the first telling token of a name and of each alias: not an initial, not
    a part as common as Singh, Kumar, Devi or Mohammad. Few per name (one or two), so a
    person's given name can be paired with the relative's without multiplying keys."""
    return list(_given_name_keys(text))
