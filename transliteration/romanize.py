"""Devanagari → Latin romanization of names: several weighted spellings, best first.

A symbol sequence (devanagari.symbols) is spelled by choosing a Latin chunk per symbol; the
chunk probabilities come from the model trained on Dakshina (data/romanizer.json, see
train.py) or, without it, from the hand-written rules. A beam search keeps the likeliest
spellings; equal spellings reached by different paths add up.
"""

from __future__ import annotations

import heapq
import json
import math
from functools import lru_cache
from pathlib import Path

from transliteration.devanagari import symbols
from transliteration.normalize import normalize
from transliteration.rules import PRIOR, Rules, prior_for
from transliteration.script import Script, detect_script

MODEL_PATH = Path(__file__).resolve().parent / "data" / "romanizer.json"
BEAM = 24
MAX_SPELLINGS = 8
MIN_CHUNK_P = 0.02


def _load_model() -> Rules:
    """Trained chunk probabilities merged over the rules (rules fill symbols never seen)."""
    model: Rules = {k: dict(v) for k, v in PRIOR.items()}
    if MODEL_PATH.exists():
        with MODEL_PATH.open(encoding="utf-8") as fh:
            trained = json.load(fh)["emissions"]
        model.update({k: dict(v) for k, v in trained.items()})
    return model


MODEL: Rules = _load_model()


@lru_cache(maxsize=4096)
def _options(sym: str) -> tuple[tuple[str, float], ...]:
    """Chunks worth trying for a symbol, as (chunk, log-probability), likeliest first."""
    table = MODEL.get(sym) or prior_for(sym)
    items = [(c, p) for c, p in table.items() if p >= MIN_CHUNK_P]
    if not items:
        items = [max(table.items(), key=lambda x: x[1])]
    total = sum(p for _, p in items)
    return tuple(sorted(((c, math.log(p / total)) for c, p in items), key=lambda x: -x[1]))


HABIT_SHARE = 0.4


def _with_habits(beam: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Add spellings from regional habits the symbol model cannot produce.

    -ndra → -nder (Surendra/Surender, Mahendra/Mahender: Haryana and Punjab records).
    """
    out: dict[str, float] = {s: math.exp(lp) for lp, s in beam}
    for lp, s in beam:
        if s.endswith("ndra") or s.endswith("ndr"):
            alt = s[: -(len(s) - s.rfind("ndr"))] + "nder"
            p = math.exp(lp)
            out[alt] = out.get(alt, 0.0) + p * HABIT_SHARE
            out[s] = out[s] - p * HABIT_SHARE
    return [(math.log(p), s) for s, p in out.items() if p > 0]


@lru_cache(maxsize=200_000)
def romanize_token(token: str) -> tuple[tuple[str, float], ...]:
    """Weighted Latin spellings of one normalised token (Latin tokens map to themselves)."""
    script = detect_script(token)
    if script is Script.LATIN or script is Script.DIGITS or script is Script.OTHER:
        return ((token, 1.0),)
    if script is Script.MIXED:
        dev = "".join(ch for ch in token if "\u0900" <= ch <= "\u097f")
        lat = "".join(ch for ch in token if ch.isascii() and ch.isalnum())
        head = romanize_token(dev) if dev else ((lat, 1.0),)
        return tuple((s + lat if dev and lat else s, w) for s, w in head)
    beam: list[tuple[float, str]] = [(0.0, "")]
    for sym in symbols(token):
        nxt: dict[str, float] = {}
        for lp, s in beam:
            for chunk, clp in _options(sym):
                key = s + chunk
                v = lp + clp
                old = nxt.get(key)
                nxt[key] = v if old is None else math.log(math.exp(old) + math.exp(v))
        beam = [(v, k) for k, v in heapq.nlargest(BEAM, nxt.items(), key=lambda kv: kv[1])]
    best = sorted(_with_habits(beam), key=lambda x: -x[0])[:MAX_SPELLINGS]
    best = [(lp, s) for lp, s in best if s]
    if not best:
        return ((token, 1.0),)
    top = best[0][0]
    weights = [math.exp(lp - top) for lp, _ in best]
    total = sum(weights)
    return tuple((s, w / total) for (_, s), w in zip(best, weights, strict=True))


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
