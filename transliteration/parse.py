"""Name parsing: honorifics off, relation markers split person from relative, initials found."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from transliteration.normalize import normalize
from transliteration.script import Script, detect_script
from transliteration.wordlists import alias_markers, honorifics, initials, relation_markers


@dataclass(frozen=True)
class ParsedName:
    """A person's name tokens (normalised, either script) and, if given, the relative's name."""

    tokens: tuple[str, ...]
    honorifics: tuple[str, ...] = ()
    relation: str | None = None
    relative: ParsedName | None = None
    aliases: tuple[ParsedName, ...] = ()  # "X alias Y", "X @ Y", "X उर्फ़ Y": other names

    @property
    def text(self) -> str:
        return " ".join(self.tokens)


@lru_cache(maxsize=1)
def _relation_re() -> re.Pattern[str]:
    """One regex for all markers; longest first so 'son of' wins over a bare word."""
    markers = sorted(relation_markers(), key=len, reverse=True)
    parts = []
    for m in markers:
        esc = re.escape(m).replace(r"\ ", r"\s+")
        esc = esc.replace("/", r"\s*/\s*").replace(r"\.", r"\s*\.\s*")
        parts.append(esc)
    # Word boundaries that also work for Devanagari: not preceded/followed by a letter or mark.
    return re.compile(r"(?<![\w\u0900-\u097f])(" + "|".join(parts) + r")\.?(?![\w\u0900-\u097f])")


@lru_cache(maxsize=1)
def _alias_re() -> re.Pattern[str]:
    """Alias markers from the data file; '@' needs no word boundary."""
    words = sorted((m for m in alias_markers() if m != "@"), key=len, reverse=True)
    parts = [re.escape(w).replace(r"\.", r"\.?") for w in words]
    bounded = r"(?<![\w\u0900-\u097f])(?:" + "|".join(parts) + r")\.?(?![\w\u0900-\u097f])"
    return re.compile("@|" + bounded)


def _with_aliases(segment: str) -> tuple[ParsedName, tuple[ParsedName, ...]]:
    """The name before any alias marker, and the names after each marker."""
    parts = _alias_re().split(segment)
    main = _parse_simple(parts[0])
    aliases = tuple(p for p in (_parse_simple(x) for x in parts[1:]) if p.tokens)
    if not main.tokens and aliases:
        return aliases[0], aliases[1:]
    return main, aliases


def _marker_code(raw: str) -> str:
    key = re.sub(r"\s+", " ", raw.lower()).replace(" /", "/").replace("/ ", "/")
    key = key.replace(" .", ".").replace(". ", ".").rstrip(".")
    return relation_markers().get(key, relation_markers().get(key.replace(" ", ""), "s/o"))


_LATIN_INITIALS_RE = re.compile(r"^[bcdfghjklmnpqrstvwxz]{2,3}$")


def _split_initials(tokens: list[str]) -> list[str]:
    """'rk' → 'r','k' (vowel-less short Latin token); 'आर' → 'r' when not the last token."""
    out: list[str] = []
    names = initials()
    for i, tok in enumerate(tokens):
        last = i == len(tokens) - 1
        if not last and tok in names and len(tokens) > 1:
            out.append(names[tok])
        elif not last and _LATIN_INITIALS_RE.match(tok) and tok not in ("kr", "pd", "md"):
            out.extend(tok)
        else:
            out.append(tok)
    return out


def _strip_honorifics(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Remove a leading run of honorific/status tokens, and trailing status words and 'ji'."""
    table = honorifics()
    hon: list[str] = []
    i = 0
    while i < len(tokens) - 1 and tokens[i] in table:
        hon.append(tokens[i])
        i += 1
    rest = tokens[i:]
    while len(rest) > 1 and (rest[-1] in ("ji", "जी") or table.get(rest[-1]) == "status"):
        hon.append(rest[-1])  # "Ram Lal (Late)", "Ram Ji"
        rest = rest[:-1]
    return rest, hon


def _parse_simple(text: str) -> ParsedName:
    tokens = normalize(text).split()
    tokens, hon = _strip_honorifics(tokens)
    tokens = [t for t in tokens if detect_script(t) is not Script.DIGITS]
    return ParsedName(tuple(_split_initials(tokens)), tuple(hon))


@lru_cache(maxsize=65536)
def parse_name(text: str) -> ParsedName:
    """Parse a name (see _parse); a string that is only a marker or honorific ("पुत्र",
    "Bin", "Shri") is kept as a name rather than parsed to nothing."""
    parsed = _parse(text)
    if parsed.tokens or (parsed.relative is not None and parsed.relative.tokens):
        return parsed
    tokens = tuple(t for t in normalize(text).split() if detect_script(t) is not Script.DIGITS)
    return ParsedName(tokens)


def _parse(text: str) -> ParsedName:
    """Parse 'Sh. Surender Singh s/o Ram Kishan' into tokens, honorifics and relative.

    Only the first relation marker splits; the relative's own relative (a grandfather)
    is parsed recursively. Address markers ('r/o', 'निवासी') end the name.
    """
    low = text.lower()
    low = re.split(r"(?<![\w\u0900-\u097f])(?:r\s*/\s*o|resident of|निवासी|नि\.)", low)[0]
    m = _relation_re().search(low)
    if m is None or m.start() == 0:
        if m is not None:  # "s/o Ram" with no person before: the whole string is the relative
            rel = _parse_simple(low[m.end():])
            return ParsedName((), (), _marker_code(m.group(1)), rel)
        person, aliases = _with_aliases(low)
        return ParsedName(person.tokens, person.honorifics, aliases=aliases)
    person, aliases = _with_aliases(low[: m.start()])
    # the marker typed twice ("Ram s/o S/o Sh. Mohan") names Mohan
    relative = _marker_stripped(parse_name(low[m.end():])) if low[m.end():].strip() else None
    return ParsedName(person.tokens, person.honorifics, _marker_code(m.group(1)), relative,
                      aliases)


def relative_of(relative_field: str | None, names: Iterable[str]) -> str | None:
    """The father's or husband's name that a record or a query gives: its own field
    (without a marker typed before it), or else what a relation marker inside one of the
    names says, as records typed in one field often do."""
    if relative_field:
        return relative_field_name(relative_field)
    return next((r for r in map(named_relative, names) if r), None)


@lru_cache(maxsize=262_144)
def named_relative(text: str) -> str | None:
    """The relative a name string names after a relation marker ("Ankit s/o Mahipal" ->
    "mahipal"), normalised; None when it names none. Records typed in one field often
    carry the father's or husband's name this way instead of in its own field."""
    relative = parse_name(text).relative
    return relative.text if relative is not None and relative.tokens else None


@lru_cache(maxsize=262_144)
def relative_field_name(text: str) -> str:
    """A relative's name as typed in its own field, without a relation marker typed
    before it ("S/o Sh. Zile Singh" -> "zile singh"); other text is returned as it is.
    Without this, such a field parses to no name at all: no keys, nothing compared."""
    parsed = parse_name(text)
    stripped = _marker_stripped(parsed)
    return text if stripped is parsed else stripped.text


def _marker_stripped(parsed: ParsedName) -> ParsedName:
    """A parse that is only a relation marker and a name ("S/o Sh. Mohan") stands for
    that name where a relative's name is expected."""
    if not parsed.tokens and parsed.relative is not None and parsed.relative.tokens:
        return parsed.relative
    return parsed
