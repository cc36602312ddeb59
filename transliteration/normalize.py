"""One normalisation pipeline for names in both scripts, applied before any comparison or key.

Steps, in order (each is needed because the same name reaches us typed differently):
1. Unicode NFC. NFC also *decomposes* the precomposed nukta letters (U+0958..U+095F,
   e.g. क़ → क + ◌़) because they are composition exclusions, so both typings agree.
2. Remove ZWJ / ZWNJ / soft hyphen / BOM: invisible joiners change glyphs, not names.
3. Chandrabindu (ँ) → anusvara (ं): typists use them interchangeably in names.
4. Latin accents are stripped (ā → a, ṣ → s): IAST-style input becomes plain ASCII.
5. Apostrophes inside a word are dropped (D'Souza → dsouza); danda, other punctuation and
   symbols → space (the dot of "Mohd." or "R.K." separates tokens).
6. Lower case; whitespace collapsed and trimmed.

The nukta is *kept* (फ़ and फ differ as features); `fold_nukta` removes it when a
coarser comparison is wanted.
"""

from __future__ import annotations

import re
import unicodedata

NUKTA = "\u093c"
ANUSVARA = "\u0902"
CHANDRABINDU = "\u0901"
_INVISIBLE = dict.fromkeys(map(ord, "\u200c\u200d\u00ad\ufeff\u200b\u2060"), None)
_APOSTROPHE_RE = re.compile(r"(?<=[^\W\d_])['\u2019`](?=[^\W\d_])")
_PUNCT_RE = re.compile(r"[^\w\u0900-\u0963\u0966-\u097f]+|_")


def _strip_latin_accents(text: str) -> str:
    """Drop combining accents from Latin letters only (Devanagari marks are meaningful)."""
    if text.isascii():
        return text
    out: list[str] = []
    for ch in text:
        if "\u00c0" <= ch <= "\u024f" or "\u1e00" <= ch <= "\u1eff":
            base = unicodedata.normalize("NFD", ch)
            out.append("".join(c for c in base if not unicodedata.combining(c)))
        else:
            out.append(ch)
    return "".join(out)


def normalize(text: str) -> str:
    """Canonical form of a name string (see module docstring for the pipeline)."""
    text = unicodedata.normalize("NFC", text)
    text = text.translate(_INVISIBLE)
    text = text.replace(CHANDRABINDU, ANUSVARA)
    text = _strip_latin_accents(text)
    text = _APOSTROPHE_RE.sub("", text)
    text = _PUNCT_RE.sub(" ", text)
    text = text.lower()
    return " ".join(text.split())


def fold_nukta(text: str) -> str:
    """Drop nukta signs (ज़ → ज): for comparisons that should not care about Perso-Arabic dots."""
    return text.replace(NUKTA, "")
