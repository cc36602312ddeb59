"""Hand-written romanization rules: each Devanagari symbol → Latin spellings with a prior weight.

These are the starting point of EM training (transliteration/train.py) and the fallback when
no trained model is present. They write what people write in Indian name records, not a
scholarly scheme: ष and श → "sh", क्ष → "ksh"/"x", ज्ञ → "gy", फ़ → "f", ड़ → "r".
"""

from __future__ import annotations

import unicodedata

Rules = dict[str, dict[str, float]]

_CONS: Rules = {
    "क": {"k": 0.9, "c": 0.05, "kk": 0.05},
    "ख": {"kh": 0.9, "k": 0.1},
    "ग": {"g": 0.95, "gg": 0.05},
    "घ": {"gh": 0.9, "g": 0.1},
    "ङ": {"n": 0.8, "ng": 0.2},
    "च": {"ch": 0.9, "c": 0.1},
    "छ": {"chh": 0.5, "ch": 0.45, "c": 0.05},
    "ज": {"j": 0.95, "z": 0.05},
    "झ": {"jh": 0.9, "j": 0.1},
    "ञ": {"n": 1.0},
    "ट": {"t": 0.9, "tt": 0.1},
    "ठ": {"th": 0.9, "t": 0.1},
    "ड": {"d": 0.9, "dd": 0.1},
    "ढ": {"dh": 0.9, "d": 0.1},
    "ण": {"n": 1.0},
    "त": {"t": 0.95, "th": 0.05},
    "थ": {"th": 0.9, "t": 0.1},
    "द": {"d": 0.95, "dh": 0.05},
    "ध": {"dh": 0.9, "d": 0.1},
    "न": {"n": 1.0},
    "प": {"p": 1.0},
    "फ": {"ph": 0.6, "f": 0.4},
    "ब": {"b": 0.95, "v": 0.05},
    "भ": {"bh": 0.9, "b": 0.1},
    "म": {"m": 1.0},
    "य": {"y": 0.9, "i": 0.1},
    "र": {"r": 1.0},
    "ल": {"l": 1.0},
    "व": {"v": 0.6, "w": 0.4},
    "श": {"sh": 0.9, "s": 0.1},
    "ष": {"sh": 0.8, "s": 0.2},
    "स": {"s": 0.95, "ss": 0.05},
    "ह": {"h": 1.0},
    "क़": {"q": 0.5, "k": 0.5},
    "ख़": {"kh": 1.0},
    "ग़": {"g": 0.7, "gh": 0.3},
    "ज़": {"z": 0.8, "j": 0.2},
    "ड़": {"r": 0.8, "d": 0.2},
    "ढ़": {"rh": 0.7, "dh": 0.2, "r": 0.1},
    "फ़": {"f": 0.9, "ph": 0.1},
    "य़": {"y": 1.0},
    "ऱ": {"r": 1.0},
    "ऩ": {"n": 1.0},
    "ळ": {"l": 1.0},
    "ऴ": {"l": 1.0},
    "क्ष": {"ksh": 0.6, "x": 0.25, "kch": 0.05, "ks": 0.1},
    "ज्ञ": {"gy": 0.8, "gn": 0.1, "jn": 0.1},
}

_VOWELS: Rules = {
    "ा": {"a": 0.6, "aa": 0.4},
    "ि": {"i": 0.95, "e": 0.05},
    "ी": {"i": 0.6, "ee": 0.4},
    "ु": {"u": 0.9, "o": 0.1},
    "ू": {"u": 0.5, "oo": 0.5},
    "ृ": {"ri": 0.9, "ru": 0.1},
    "े": {"e": 0.9, "ai": 0.05, "ay": 0.05},
    "ै": {"ai": 0.6, "e": 0.3, "ae": 0.1},
    "ो": {"o": 0.95, "oo": 0.05},
    "ौ": {"au": 0.6, "ou": 0.3, "o": 0.1},
    "ॉ": {"o": 0.9, "a": 0.1},
    "ॅ": {"e": 0.6, "a": 0.4},
    "ॆ": {"e": 1.0},
    "ॊ": {"o": 1.0},
    "अ": {"a": 1.0},
    "आ": {"a": 0.6, "aa": 0.4},
    "इ": {"i": 0.9, "e": 0.1},
    "ई": {"i": 0.6, "ee": 0.3, "e": 0.1},
    "उ": {"u": 0.9, "o": 0.1},
    "ऊ": {"u": 0.6, "oo": 0.4},
    "ऋ": {"ri": 0.9, "ru": 0.1},
    "ए": {"e": 0.9, "a": 0.1},
    "ऐ": {"ai": 0.6, "e": 0.3, "ae": 0.1},
    "ओ": {"o": 1.0},
    "औ": {"au": 0.6, "ou": 0.3, "o": 0.1},
    "ऑ": {"o": 0.9, "a": 0.1},
    "ऍ": {"e": 1.0},
    "@1": {"a": 1.0},
    "@F": {"": 0.85, "a": 0.15},
    "@FC": {"a": 0.6, "": 0.4},
    "ड~": {"d": 0.6, "r": 0.4},
    "ढ~": {"dh": 0.6, "rh": 0.4},
    "@FR": {"a": 0.8, "": 0.2},
    "@I": {"a": 0.95, "e": 0.05},
    "@H": {"a": 0.7, "e": 0.2, "": 0.1},
    "@C": {"": 0.6, "a": 0.4},
    "@D": {"": 0.7, "a": 0.3},
    "@K": {"a": 0.9, "": 0.05, "e": 0.05},
    "@N": {"a": 0.95, "": 0.05},
    "ं": {"n": 0.95, "m": 0.05},
    "ंp": {"m": 0.6, "n": 0.4},
    "ंh": {"ng": 0.7, "n": 0.3},
    "ं$": {"n": 0.6, "m": 0.2, "": 0.2},
    "ः": {"h": 0.5, "": 0.5},
}


def _word_final(rules: Rules) -> Rules:
    """Word-final vowels: ी$ → i/ee/y, ा$ → a/aa; same start as the medial ones."""
    out: Rules = {}
    for sym, chunks in rules.items():
        if sym.startswith("@") or sym.startswith("ं") or sym == "ः":
            continue
        final = dict(chunks)
        if sym in ("ी", "ई"):
            final = {"i": 0.5, "ee": 0.4, "y": 0.1}
        out[sym + "$"] = final
    return out


PRIOR: Rules = {**_CONS, **_VOWELS, **_word_final(_VOWELS)}


PRIOR = {unicodedata.normalize("NFC", k): v for k, v in PRIOR.items()}


def prior_for(sym: str) -> dict[str, float]:
    """Prior spellings of a symbol; unknown symbols fall back to their base or to nothing."""
    if sym in PRIOR:
        return PRIOR[sym]
    base = sym.rstrip("$")
    if base in PRIOR:
        return PRIOR[base]
    return {"": 1.0}
