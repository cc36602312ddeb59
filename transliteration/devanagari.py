"""Devanagari word → sequence of phonological symbols, with the inherent vowel classified.

The romanizer (and its training) work on these symbols, not on code points, because the
hard part of Hindi romanization is the inherent vowel (schwa): whether राम ends in "a",
whether कमला keeps its middle "a". We decide that by rule (classes below) and let the
learned model say how often writers still write an "a" in each class.

Symbol alphabet:
- consonants: the letter itself, nukta kept (क़); क्ष and ज्ञ are single symbols;
- vowel signs (ा ि ...) and independent vowels (आ इ ...), with "$" appended at word end;
- inherent vowel classes: "@1" (one-letter word), "@F" (word-final), "@FR" (word-final after
  a conjunct ending in र/य/व/ल: मित्र), "@FC" (word-final after another conjunct: धर्म),
  "@I" (first letter), "@H" (before a closing ह: रहमान), "@C" (before a conjunct: जसप्रीत), "@D"
  (medial, deleted by the rule:
  कमला), "@K" (medial, kept), "@N" (before anusvara/visarga);
- anusvara: "ंp" before a labial (चंपा → m), "ंh" before ह (सिंह → ng), "ं" before
  other consonants, "ं$" at word end;
- visarga "ः"; other marks are dropped;
- ड and ढ after a vowel are "ड~" and "ढ~": there Hindi has the flaps ड़/ढ़ (r/rh), and
  typists often leave the nukta out (जोडते for जोड़ते).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

VIRAMA = "\u094d"
NUKTA = "\u093c"
ANUSVARA = "\u0902"
CHANDRABINDU = "\u0901"
VISARGA = "\u0903"


_EXTRA_CONSONANTS = "\u0979\u097a\u097b\u097c\u097e\u097f"
_EXTRA_SIGNS = "\u0962\u0963\u0955\u0956\u0957\u094e\u094f\u093a\u093b"


def is_consonant(ch: str) -> bool:
    return "\u0915" <= ch <= "\u0939" or "\u0958" <= ch <= "\u095f" or ch in _EXTRA_CONSONANTS


def is_vowel_sign(ch: str) -> bool:
    return "\u093e" <= ch <= "\u094c" or ch in _EXTRA_SIGNS


def is_independent_vowel(ch: str) -> bool:
    return "\u0904" <= ch <= "\u0914" or ch in "\u0960\u0961\u0972\u0973\u0974\u0975\u0976\u0977"


LABIALS = set("पफबभम")
CONJUNCTS = {"क्ष": "क्ष", "ज्ञ": "ज्ञ"}


@dataclass(slots=True)
class _Unit:
    kind: str  # "C" consonant, "V" independent vowel, "M" modifier (anusvara, visarga)
    sym: str
    vowel: str | None = None  # for C: a vowel sign, "@" (inherent), or "" (virama)


def _units(word: str) -> list[_Unit]:
    units: list[_Unit] = []
    i, n = 0, len(word)
    while i < n:
        ch = word[i]
        if is_consonant(ch):
            sym = ch
            j = i + 1
            if j < n and word[j] == NUKTA:
                sym += NUKTA
                j += 1
            # क्ष / ज्ञ as one symbol
            if j + 1 < n and word[j] == VIRAMA and (sym + VIRAMA + word[j + 1]) in CONJUNCTS:
                sym = sym + VIRAMA + word[j + 1]
                j += 2
            u = _Unit("C", sym, "@")
            if j < n and word[j] == VIRAMA:
                u.vowel = ""
                j += 1
            elif j < n and is_vowel_sign(word[j]):
                u.vowel = word[j]
                j += 1
            units.append(u)
            i = j
        elif is_independent_vowel(ch):
            units.append(_Unit("V", ch))
            i += 1
        elif ch in (ANUSVARA, CHANDRABINDU):
            units.append(_Unit("M", ANUSVARA))
            i += 1
        elif ch == VISARGA:
            units.append(_Unit("M", VISARGA))
            i += 1
        else:  # nukta on a vowel, stray marks, digits, Latin: skip
            i += 1
    return units


_FLAP_CANDIDATES = {"ड", "ढ"}
_DELETED = ("", "@D", "@F", "@FC", "@FR", "@C")  # "@H" counts as kept
_CLUSTER_FINAL_KEEPS = set("रयवल")  # मित्र, सूर्य, शुक्ल: the final "a" is usually written


def _has_vowel(u: _Unit) -> bool:
    return u.kind == "V" or (u.kind == "C" and u.vowel not in _DELETED)


def _classify_schwas(units: list[_Unit]) -> None:
    """Mark each inherent vowel with its class, scanning right to left (Ohala's rule)."""
    cons = [k for k, u in enumerate(units) if u.kind in ("C", "V")]
    if len(cons) == 1 and units[cons[0]].vowel == "@":
        units[cons[0]].vowel = "@1"
        return
    for pos in range(len(units) - 1, -1, -1):
        u = units[pos]
        if u.kind != "C" or u.vowel != "@":
            continue
        nxt = units[pos + 1] if pos + 1 < len(units) else None
        prev = units[pos - 1] if pos > 0 else None
        after_cluster = prev is not None and prev.kind == "C" and prev.vowel == ""
        # an anusvara follows a vowel, so a consonant after it is preceded by a vowel
        prev_voiced = prev is not None and (_has_vowel(prev) or prev.kind == "M")
        if nxt is not None and nxt.kind == "M":
            u.vowel = "@N"
        elif nxt is None:
            if after_cluster:
                u.vowel = "@FR" if u.sym in _CLUSTER_FINAL_KEEPS else "@FC"
            else:
                u.vowel = "@F"
        elif nxt.kind == "C" and nxt.sym == "ह" and nxt.vowel in _DELETED:
            u.vowel = "@H"  # before a closing ह the schwa is often "e": रहमान → Rehman
        elif prev is None:
            u.vowel = "@I"
        elif nxt.kind == "C" and nxt.vowel == "":
            u.vowel = "@C"  # before a conjunct: जसप्रीत → jaspreet, जयप्रकाश → jaiprakash
        elif prev_voiced and not after_cluster and nxt.kind == "C" and _has_vowel(nxt):
            u.vowel = "@D"
        else:
            u.vowel = "@K"


@lru_cache(maxsize=131072)
def symbols(word: str) -> tuple[str, ...]:
    """Symbols of one normalised Devanagari token (see module docstring)."""
    units = _units(unicodedata.normalize("NFC", word))
    _classify_schwas(units)
    out: list[str] = []
    last = len(units) - 1
    for k, u in enumerate(units):
        if u.kind == "C":
            sym = u.sym
            if sym in _FLAP_CANDIDATES and u.vowel != "" and k > 0 and _has_vowel(units[k - 1]):
                sym += "~"  # after a vowel, ड/ढ are usually ड़/ढ़ typed without the nukta
            out.append(sym)
            if u.vowel:
                v = u.vowel
                if not v.startswith("@") and k == last:
                    v += "$"
                out.append(v)
        elif u.kind == "V":
            out.append(u.sym + ("$" if k == last else ""))
        elif u.sym == ANUSVARA:
            nxt = units[k + 1] if k < last else None
            if nxt is None:
                out.append(ANUSVARA + "$")
            elif nxt.sym == "ह":  # सिंह: "singh", नरसिंहपुर: "narsinghpur"
                out.append(ANUSVARA + "h")
            elif nxt.kind == "C" and nxt.sym[0] in LABIALS:
                out.append(ANUSVARA + "p")
            else:
                out.append(ANUSVARA)
        else:
            out.append(u.sym)
    return tuple(out)
