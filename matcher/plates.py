"""Indian registration marks: parse any spelling into a canonical form and its parts.

Plates arrive typed by hand or read by cameras, with any separators and case, and
the RTO digits with or without a leading zero. ``parse_plate`` returns one canonical
spelling per plate (so equal plates compare equal) and the slot of every character
(letter or digit), which the misreading model in ``matcher.plate_similarity`` needs.
A string that is not a plate gets a ``PlateError`` whose ``code`` and message say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
SEPARATORS = " -.:/_,\t"
MAX_COMPACT = 14
DELHI_CATEGORIES = frozenset("CSEPRTVY")
SERIES_FORBIDDEN = frozenset("IO")
DIPLOMATIC_CODES = ("CD", "CC", "UN")
BHARAT_FIRST_YEAR = 21

KIND_STANDARD = "standard"
KIND_DELHI = "delhi"
KIND_BHARAT = "bharat"
KIND_TEMPORARY = "temporary"
KIND_DIPLOMATIC = "diplomatic"
KIND_ARMED = "armed_forces"
KIND_PRE1989 = "pre1989"
KINDS = (KIND_STANDARD, KIND_DELHI, KIND_BHARAT, KIND_TEMPORARY, KIND_DIPLOMATIC,
         KIND_ARMED, KIND_PRE1989)


class PlateError(ValueError):
    """Why a string is not a registration mark; ``code`` is stable, the message is for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Plate:
    """A parsed registration mark.

    ``canonical`` is the compact spelling used for equality and storage; ``slots`` has
    one letter per canonical character, ``L`` (letter) or ``D`` (digit); ``optional``
    marks padding zeros that may be missing when the plate is written or read.
    """

    kind: str
    canonical: str
    slots: str
    optional: tuple[bool, ...]
    state: str | None = None
    rto: str | None = None
    category: str | None = None
    series: str | None = None
    number: str | None = None
    year: str | None = None
    month: str | None = None
    legacy_state: bool = False

    @property
    def display(self) -> str:
        """The spelling shown to people, parts separated by spaces."""
        parts: list[str | None]
        if self.kind == KIND_STANDARD:
            parts = [self.state, self.rto, self.series, self.number]
        elif self.kind == KIND_DELHI:
            parts = [self.state, str(int(self.rto or "0")) + (self.category or ""),
                     self.series, self.number]
        elif self.kind == KIND_BHARAT:
            parts = [self.year, "BH", self.number, self.series]
        elif self.kind == KIND_TEMPORARY:
            parts = ["T" + (self.month or "") + (self.year or ""), self.state, self.number,
                     self.series]
        elif self.kind == KIND_DIPLOMATIC:
            parts = [self.rto, self.category, self.number]
        elif self.kind == KIND_ARMED:
            parts = [self.year, self.category, self.number, self.series]
        else:
            parts = [self.series, self.number]
        return " ".join(p for p in parts if p)

    def as_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "canonical": self.canonical, "display": self.display,
                "state": self.state, "rto": self.rto, "category": self.category,
                "series": self.series, "number": self.number, "year": self.year,
                "month": self.month, "legacy_state": self.legacy_state}


def _read_tsv(name: str) -> list[list[str]]:
    rows = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return rows[1:]  # header


@lru_cache(maxsize=1)
def state_codes() -> dict[str, str]:
    """State/UT code -> status (``current`` or ``legacy``), from the versioned data file."""
    return {row[0]: row[1] for row in _read_tsv("state_codes.tsv")}


@lru_cache(maxsize=1)
def haryana_rto_offices() -> dict[str, str]:
    """Haryana RTO code (two digits) -> registering office, from the versioned data file."""
    return {row[0]: row[1] for row in _read_tsv("haryana_rto.tsv")}


def data_versions() -> dict[str, str]:
    """The ``# version:`` line of each data file, for audit and the API."""
    out = {}
    for name in ("state_codes.tsv", "haryana_rto.tsv"):
        for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
            if line.startswith("# version:"):
                out[name] = line.split(":", 1)[1].strip().split(" ")[0]
    return out


def compact(text: str) -> str:
    """Upper-case and drop separators; raises on characters that cannot be on a plate."""
    if not isinstance(text, str):
        raise PlateError("not_text", "a plate must be given as text")
    if text.isascii() and text.isalnum():  # already compact (stored registrations)
        return text.upper()
    out = []
    for ch in text.strip().upper():
        if ch in SEPARATORS:
            continue
        if not ("A" <= ch <= "Z" or "0" <= ch <= "9"):
            raise PlateError("bad_character",
                             f"character {ch!r} is not a Latin letter, digit or separator")
        out.append(ch)
    return "".join(out)


_NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


def loose_compact(text: str) -> str:
    """Upper-case Latin letters and digits only; everything else dropped (for fuzzy search)."""
    if text.isascii() and text.isalnum():  # already compact: the usual reading
        return text.upper()
    return _NOT_ALNUM.sub("", text.upper())


_BHARAT = re.compile(r"(\d{2})BH(\d{4})([A-Z]{1,2})")
_TEMP = re.compile(r"T(\d{2})(\d{2})([A-Z]{2})(\d{4})([A-Z]{1,2})")
_DIPLO = re.compile(r"(\d{1,3})(CD|CC|UN)(\d{1,4})")
_ARMED = re.compile(r"(\d{2})([A-Z])(\d{6})([A-Z])")
_STANDARD = re.compile(r"([A-Z]{2})(\d{1,3})([A-Z]{0,4})(\d{1,5})")
_PRE1989 = re.compile(r"([A-Z]{3})(\d{1,4})")


def _slots(text: str) -> str:
    return "".join("D" if ch.isdigit() else "L" for ch in text)


def parse_plate(text: str) -> Plate:
    """Parse a registration mark written any way; raise ``PlateError`` saying why not."""
    s = compact(text)
    if not s:
        raise PlateError("empty", "no letters or digits")
    if len(s) < 4:
        raise PlateError("too_short", f"{len(s)} characters; the shortest plate has 4")
    if len(s) > MAX_COMPACT:
        raise PlateError("too_long", f"{len(s)} characters; the longest plate has {MAX_COMPACT}")
    if m := _BHARAT.fullmatch(s):
        return _bharat(*m.groups())
    if s.startswith("T") and (m := _TEMP.fullmatch(s)):
        return _temporary(*m.groups())
    if m := _DIPLO.fullmatch(s):
        return _diplomatic(*m.groups())
    if m := _ARMED.fullmatch(s):
        return _armed(*m.groups())
    if m := _STANDARD.fullmatch(s):
        return _standard(*m.groups())
    if m := _PRE1989.fullmatch(s):
        return _pre1989(*m.groups())
    raise PlateError("no_shape", _shape_reason(s))


def try_parse(text: str) -> Plate | None:
    """``parse_plate`` or None, for callers that fall back to fuzzy handling."""
    try:
        return parse_plate(text)
    except PlateError:
        return None


def _shape_reason(s: str) -> str:
    """The most useful words for a string that fits no shape."""
    if s.isdigit():
        return "only digits; a plate needs letters"
    if s.isalpha():
        return "only letters; a plate needs a number"
    if "BH" in s[2:4] and s[:2].isdigit():
        return "Bharat series is YY BH NNNN L(L): 4 digits then 1-2 letters"
    if s[0].isdigit():
        return "starts with a digit but is not a Bharat, diplomatic or armed-forces mark"
    if not s[-1].isdigit():
        return "ends in a letter but is not a Bharat, temporary or armed-forces mark"
    if len(s) >= 2 and s[:2].isalpha() and not s[2:3].isdigit():
        return "no RTO digits after the state code"
    return "does not fit any plate shape (state, RTO, series, number)"


def _check_series(series: str, where: str) -> None:
    bad = sorted(set(series) & SERIES_FORBIDDEN)
    if bad:
        raise PlateError("series_io", f"{where} contains {'/'.join(bad)}, never issued "
                                      "(likely a misread 1 or 0)")


def _check_state(state: str) -> bool:
    status = state_codes().get(state)
    if status is None:
        raise PlateError("unknown_state", f"unknown state code {state!r}")
    return status == "legacy"


def _standard(state: str, rto: str, letters: str, number: str) -> Plate:
    legacy = _check_state(state)
    if not letters:  # no series: the digit run splits as a 2-digit RTO + number
        digits = rto + number
        cut = 2 if len(digits) > 2 else 1
        rto, number = digits[:cut], digits[cut:]
        if not number:
            raise PlateError("no_number", "state and RTO but no number")
    if len(rto) > 2:
        raise PlateError("rto_too_long", f"RTO {rto!r} has {len(rto)} digits; at most 2")
    if int(rto) == 0:
        raise PlateError("rto_zero", "RTO code 00 is not issued")
    if len(number) > 4:
        raise PlateError("number_too_long",
                         f"number {number!r} has {len(number)} digits; at most 4")
    if int(number) == 0:
        raise PlateError("number_zero", "number 0000 is not issued")
    category = None
    series = letters
    kind = KIND_STANDARD
    if state == "DL" and letters and letters[0] in DELHI_CATEGORIES:
        category, series, kind = letters[0], letters[1:], KIND_DELHI
    if len(series) > 3:
        raise PlateError("series_too_long",
                         f"series {series!r} has {len(series)} letters; at most 3")
    _check_series(series, "series")
    rto2 = rto.zfill(2)
    num4 = number.zfill(4)
    canonical = f"{state}{rto2}{category or ''}{series}{num4}"
    optional = ((False,) * 2 + (rto2[0] == "0",) + (False,)
                + (False,) * (len(category or "") + len(series))
                + _leading_zeros(num4))
    return Plate(kind=kind, canonical=canonical, slots=_slots(canonical), optional=optional,
                 state=state, rto=rto2, category=category, series=series or None,
                 number=num4, legacy_state=legacy)


def _leading_zeros(number: str) -> tuple[bool, ...]:
    """Padding zeros of a number: each may be missing in a written plate."""
    out = []
    leading = True
    for i, ch in enumerate(number):
        leading = leading and ch == "0" and i < len(number) - 1
        out.append(leading)
    return tuple(out)


def _bharat(year: str, number: str, series: str) -> Plate:
    if int(year) < BHARAT_FIRST_YEAR:
        raise PlateError("bharat_year", f"Bharat series began in 2021; year {year!r} is earlier")
    if int(number) == 0:
        raise PlateError("number_zero", "number 0000 is not issued")
    _check_series(series, "Bharat series letters")
    canonical = f"{year}BH{number}{series}"
    return Plate(kind=KIND_BHARAT, canonical=canonical, slots=_slots(canonical),
                 optional=(False,) * len(canonical), state="BH", series=series,
                 number=number, year=year)


def _temporary(month: str, year: str, state: str, number: str, series: str) -> Plate:
    if not 1 <= int(month) <= 12:
        raise PlateError("temporary_month", f"temporary mark month {month!r} is not 01-12")
    legacy = _check_state(state)
    canonical = f"T{month}{year}{state}{number}{series}"
    return Plate(kind=KIND_TEMPORARY, canonical=canonical, slots=_slots(canonical),
                 optional=(False,) * len(canonical), state=state, series=series,
                 number=number, year=year, month=month, legacy_state=legacy)


def _diplomatic(mission: str, code: str, number: str) -> Plate:
    if int(mission) == 0 or int(number) == 0:
        raise PlateError("number_zero", "mission and serial numbers start at 1")
    mission_n, number_n = str(int(mission)), str(int(number))
    canonical = f"{mission_n}{code}{number_n}"
    return Plate(kind=KIND_DIPLOMATIC, canonical=canonical, slots=_slots(canonical),
                 optional=(False,) * len(canonical), rto=mission_n, category=code,
                 number=number_n)


def _armed(year: str, klass: str, serial: str, check: str) -> Plate:
    canonical = f"{year}{klass}{serial}{check}"
    return Plate(kind=KIND_ARMED, canonical=canonical, slots=_slots(canonical),
                 optional=(False,) * len(canonical), category=klass, number=serial,
                 series=check, year=year)


def _pre1989(letters: str, number: str) -> Plate:
    if int(number) == 0:
        raise PlateError("number_zero", "number 0000 is not issued")
    num4 = number.zfill(4)
    canonical = f"{letters}{num4}"
    return Plate(kind=KIND_PRE1989, canonical=canonical, slots=_slots(canonical),
                 optional=(False,) * 3 + _leading_zeros(num4), series=letters, number=num4)


def spelling_variants(plate: Plate) -> tuple[str, ...]:
    """Every way the plate is commonly written: with and without its padding zeros."""
    base = plate.canonical
    opt = plate.optional
    variants = {base}
    # drop the RTO zero, the number's padding zeros, or both
    groups: list[list[int]] = []
    rto_zero = [i for i in range(min(4, len(base))) if opt[i]]
    if rto_zero:
        groups.append(rto_zero)
    num_zero = [i for i in range(4, len(base)) if opt[i]]
    if num_zero:
        groups.append(num_zero)
    for mask in range(1, 1 << len(groups)):
        drop = {i for g, idx in enumerate(groups) if mask >> g & 1 for i in idx}
        variants.add("".join(ch for i, ch in enumerate(base) if i not in drop))
    return tuple(sorted(variants, key=lambda v: (-len(v), v)))
