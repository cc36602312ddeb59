"""Devanagari → Latin romanization of names: several weighted spellings, best first.

A symbol sequence (devanagari.symbols) is spelled by choosing a Latin chunk per symbol; the
chunk probabilities come from the model trained on Dakshina (data/romanizer.json, see
train.py) or, without it, from the hand-written rules. A beam search keeps the likeliest
spellings; equal spellings reached by different paths add up.
"""

from __future__ import annotations

import heapq
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from transliteration.devanagari import is_consonant, symbols
from transliteration.normalize import normalize
from transliteration.rules import PRIOR, Rules, prior_for
from transliteration.script import Script, detect_script
from transliteration.wordlists import read_tsv

MODEL_PATH = Path(__file__).resolve().parent / "data" / "romanizer.json"
BEAM = 16
MAX_SPELLINGS = 8
MIN_CHUNK_P = 0.02
MAX_CHUNKS = 5  # spellings tried per symbol
MAX_SYMBOLS = 40  # a longer "word" is not a name: only its start is spelled


# Names differ from Dakshina's general vocabulary (many English loan words) here, so the
# trained and the rule distributions are mixed with the rule share given:
# - ड़/ढ़ are written "r"/"rh" in names and place names (Rewari, Jakhar, Jangra,
#   Mahendragarh) though "d" in everyday words (ladka); also ड/ढ after a vowel (ड~), often
#   ड़ typed without its nukta (रेवाडी);
# - ै / ऐ are "ai" in names (Saini, Jain, Kaithal) but "a" in English loans (बैंक bank).
NAME_DOMAIN_MIX = {"ड़": 0.65, "ढ़": 0.65, "ड~": 0.35, "ढ~": 0.35, "ै": 0.5, "ऐ": 0.5}


def _mix(trained: dict[str, float], prior: dict[str, float], share: float) -> dict[str, float]:
    keys = set(trained) | set(prior)
    return {k: (1 - share) * trained.get(k, 0.0) + share * prior.get(k, 0.0) for k in keys}


def _load_model() -> Rules:
    """Trained chunk probabilities merged over the rules (rules fill symbols never seen)."""
    model: Rules = {k: dict(v) for k, v in PRIOR.items()}
    if MODEL_PATH.exists():
        with MODEL_PATH.open(encoding="utf-8") as fh:
            trained = json.load(fh)["emissions"]
        model.update({unicodedata.normalize("NFC", k): dict(v) for k, v in trained.items()})
    for sym, share in NAME_DOMAIN_MIX.items():
        for key in (sym, sym + "$"):
            if key in model:
                model[key] = _mix(model[key], prior_for(sym), share)
    return model


MODEL: Rules = _load_model()


@lru_cache(maxsize=4096)
def _options(sym: str) -> tuple[tuple[str, float], ...]:
    """Chunks worth trying for a symbol, as (chunk, probability), likeliest first."""
    table = MODEL.get(sym) or prior_for(sym)
    items = sorted(((c, p) for c, p in table.items() if p >= MIN_CHUNK_P), key=lambda x: -x[1])
    items = items[:MAX_CHUNKS] or [max(table.items(), key=lambda x: x[1])]
    total = sum(p for _, p in items)
    return tuple((c, p / total) for c, p in items)


HABIT_SHARE = 0.4


def _by_weight(item: tuple[str, float]) -> float:
    return -item[1]


def _with_habits(beam: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Add spellings from regional habits the symbol model cannot produce.

    - -ndra, -ndar → -nder (Surendra/Surender, Bhupindar/Bhupinder: Haryana, Punjab);
    - a final cluster ending in n, m, r, l gets a vowel: "krishn" → krishan / krishna,
      "dharm" → dharam / dharma (names are not written with unpronounceable endings).
    """
    out: dict[str, float] = dict(beam)

    def move(src: str, dst: str, share: float) -> None:
        p = out.get(src, 0.0) * share
        if p > 0:
            out[dst] = out.get(dst, 0.0) + p
            out[src] -= p

    for s, _ in beam:
        for end in ("ndra", "ndr", "ndar"):
            if s.endswith(end):
                move(s, s[: -len(end)] + "nder", HABIT_SHARE)
        m = _FINAL_CLUSTER.search(s)
        if m and m.group(1) != m.group(2):
            head, c1, c2 = s[: m.start()], m.group(1), m.group(2)
            p = out.get(s, 0.0) * 0.8
            if p > 0:
                for alt in (head + c1 + "a" + c2, head + c1 + c2 + "a"):
                    out[alt] = out.get(alt, 0.0) + p / 2
                out[s] -= p
    return [(s, p) for s, p in out.items() if p > 0]


_FINAL_CLUSTER = re.compile(r"(sh|[bcdfghjkpqstvzlr])([nmrl])$")


def greedy_romanization(token: str) -> str:
    """The likeliest chunk for each symbol, concatenated: a fast first guess (no beam)."""
    if detect_script(token) is not Script.DEVANAGARI:
        return romanize_token(token)[0][0]
    return "".join(_options(sym)[0][0] for sym in symbols(token)) or token


COMPOUND_SHARE = 0.7  # belief that a token starting with a name element is a compound


@lru_cache(maxsize=1)
def _prefixes() -> tuple[str, ...]:
    return tuple(sorted({normalize(r[0]) for r in read_tsv("name_prefixes.tsv")}, key=len,
                        reverse=True))


def compound_split(token: str) -> tuple[str, str] | None:
    """(element, rest) when the token starts with a compound-name element (data file) followed
    by a consonant-initial rest with at least two consonants: ओमप्रकाश → (ओम, प्रकाश)."""
    for pre in _prefixes():
        if len(token) > len(pre) and token.startswith(pre):
            rest = token[len(pre):]
            syms = symbols(rest)
            if syms and is_consonant(rest[0]) and sum(1 for s in syms if is_consonant(s[0])) >= 2:
                return pre, rest
    return None


@lru_cache(maxsize=200_000)
def romanize_token(token: str) -> tuple[tuple[str, float], ...]:
    """Weighted Latin spellings of one normalised token (Latin tokens map to themselves).

    Compound given names (ओमप्रकाश) mix the spellings of their parts (om + prakash) with
    those of the whole word.
    """
    whole = _romanize_word(token)
    split = compound_split(token) if detect_script(token) is Script.DEVANAGARI else None
    if split is None:
        return whole
    first, rest = (_romanize_word(p) for p in split)
    mixed: dict[str, float] = {}
    for s, w in whole:
        mixed[s] = mixed.get(s, 0.0) + (1 - COMPOUND_SHARE) * w
    for s1, w1 in first:
        for s2, w2 in rest:
            mixed[s1 + s2] = mixed.get(s1 + s2, 0.0) + COMPOUND_SHARE * w1 * w2
    best = sorted(mixed.items(), key=lambda x: -x[1])[:MAX_SPELLINGS]
    total = sum(w for _, w in best)
    return tuple((s, w / total) for s, w in best)


@lru_cache(maxsize=200_000)
def _romanize_word(token: str) -> tuple[tuple[str, float], ...]:
    """Beam search over the symbols of one word (no compound handling)."""
    script = detect_script(token)
    if script is Script.LATIN or script is Script.DIGITS or script is Script.OTHER:
        return ((token, 1.0),)
    if script is Script.MIXED:
        dev = "".join(ch for ch in token if "\u0900" <= ch <= "\u097f")
        lat = "".join(ch for ch in token if ch.isascii() and ch.isalnum())
        head = romanize_token(dev) if dev else ((lat, 1.0),)
        return tuple((s + lat if dev and lat else s, w) for s, w in head)
    beam: list[tuple[str, float]] = [("", 1.0)]
    for sym in symbols(token)[:MAX_SYMBOLS]:
        nxt: dict[str, float] = {}
        opts = _options(sym)
        for s, p in beam:
            for chunk, cp in opts:
                key = s + chunk
                nxt[key] = nxt.get(key, 0.0) + p * cp
        beam = sorted(nxt.items(), key=_by_weight)[:BEAM]
    best = [(s, p) for s, p in sorted(_with_habits(beam), key=_by_weight) if s][:MAX_SPELLINGS]
    if not best:
        return ((token, 1.0),)
    total = sum(p for _, p in best)
    return tuple((s, p / total) for s, p in best)


def romanize(text: str) -> list[tuple[str, float]]:
    """Likely Latin spellings of a name (either script), lowercase, weights summing to 1.

    Multi-token names combine the spellings of their tokens (products of weights, best
    first, at most MAX_SPELLINGS).
    """
    tokens = normalize(text).split()
    if not tokens:
        return []
    combos: list[tuple[str, float]] = [("", 1.0)]
    for tok in tokens:
        opts = romanize_token(tok)
        combos = heapq.nlargest(
            MAX_SPELLINGS,
            (((s + " " + o).strip(), w * ow) for s, w in combos for o, ow in opts),
            key=lambda x: x[1],
        )
    total = sum(w for _, w in combos)
    return [(s, w / total) for s, w in combos]


def to_latin(text: str) -> str:
    """Best single Latin spelling of a name, lowercase (Latin input comes back normalised)."""
    opts = romanize(text)
    return opts[0][0] if opts else ""
