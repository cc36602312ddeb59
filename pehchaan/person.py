"""The person record: what CCTNS forms hold about a person, validated once at the boundary.

`PersonIn` (pydantic) checks input from CSV, JSONL and the API and names the field and
the reason for every refusal; `Person` (a dataclass) is what the rest of the code uses.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import pydantic
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pehchaan.districts import canonical_district
from pehchaan.errors import ValidationError
from transliteration import relative_of

MAX_TEXT = 500
MAX_NAMES = 20
MAX_FIRS = 200
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$")


class Status(StrEnum):
    """Person roles and legal statuses seen in CCTNS (DOMAIN.md)."""

    ACCUSED = "accused"
    ARRESTED = "arrested"
    CHARGE_SHEETED = "charge_sheeted"
    CONVICTED = "convicted"
    HABITUAL_OFFENDER = "habitual_offender"
    PROCLAIMED_PERSON = "proclaimed_person"
    PROCLAIMED_OFFENDER = "proclaimed_offender"
    WANTED = "wanted"
    SUSPECT = "suspect"
    MISSING = "missing"
    UNIDENTIFIED = "unidentified"
    UNIDENTIFIED_DEAD_BODY = "unidentified_dead_body"
    COMPLAINANT = "complainant"
    VICTIM = "victim"
    WITNESS = "witness"


class Relation(StrEnum):
    FATHER = "father"
    HUSBAND = "husband"
    MOTHER = "mother"
    GUARDIAN = "guardian"


class Gender(StrEnum):
    MALE = "M"
    FEMALE = "F"
    OTHER = "X"


_GENDER_WORDS = {
    "m": "M", "male": "M", "man": "M", "पुरुष": "M", "f": "F", "female": "F", "woman": "F",
    "महिला": "F", "स्त्री": "F", "x": "X", "other": "X", "transgender": "X", "t": "X",
}
_RELATION_WORDS = {
    "father": "father", "s/o": "father", "d/o": "father", "son of": "father",
    "daughter of": "father", "पिता": "father", "husband": "husband", "w/o": "husband",
    "wife of": "husband", "पति": "husband", "mother": "mother", "माता": "mother",
    "guardian": "guardian", "c/o": "guardian",
}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _clean_text(value: str, *, what: str = "text") -> str:
    """NFC, no control characters, single spaces, length bounded."""
    if len(value) > MAX_TEXT:
        raise ValueError(f"{what} is {len(value):,} characters long; the limit is {MAX_TEXT}")
    value = unicodedata.normalize("NFC", value)
    if _CONTROL.search(value):
        raise ValueError(f"{what} contains control characters")
    if _SURROGATE.search(value):
        raise ValueError(f"{what} is not valid UTF-8 text")
    return " ".join(value.split())


class FirRef(BaseModel):
    """An FIR is keyed by police station, FIR number and year."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    police_station: str = Field(min_length=1, max_length=200, examples=["Sadar Rohtak"])
    fir_number: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z/-]+$",
                            examples=["123"])
    year: int = Field(ge=1950, le=2100, examples=[2023])

    @field_validator("year")
    @classmethod
    def _not_future(cls, year: int) -> int:
        if year > date.today().year:
            raise ValueError(f"year {year} is in the future")
        return year


class PersonIn(BaseModel):
    """A person record as submitted (API body, one JSONL line, one CSV row)."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{
            "id": "HR-P-0000001", "names": ["सुरेन्द्र सिंह दहिया"], "aliases": ["Sonu"],
            "relative_name": "Ram Kishan", "relation": "father", "gender": "M",
            "age": 38, "age_recorded_on": "2023-05-01", "district": "Rohtak",
            "police_station": "Sadar Rohtak",
            "firs": [{"police_station": "Sadar Rohtak", "fir_number": "123", "year": 2023}],
            "status": ["wanted"], "source_agency": "HR-PS-Sadar-Rohtak"}]},
    )

    id: str | None = Field(None, description="Stable record id; generated when absent.")
    names: list[str] = Field(min_length=1, max_length=MAX_NAMES,
                             description="One or more names, Devanagari or Latin.")
    aliases: list[str] = Field(default_factory=list, max_length=MAX_NAMES)
    relative_name: str | None = Field(None, description="Father's or husband's name.")
    relation: Relation | None = None
    gender: Gender | None = None
    date_of_birth: date | None = None
    age: int | None = Field(None, ge=0, le=120)
    age_recorded_on: date | None = None
    address: str | None = None
    district: str | None = None
    police_station: str | None = None
    firs: list[FirRef] = Field(default_factory=list, max_length=MAX_FIRS)
    status: list[Status] = Field(default_factory=list)
    source_agency: str | None = None
    external_ids: dict[str, str] = Field(default_factory=dict)
    restrictions: list[str] = Field(default_factory=list,
                                    description="e.g. juvenile, sexual_offence_victim")

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str | None) -> str | None:
        if value is not None and not ID_PATTERN.match(value):
            raise ValueError("must be 1-128 characters of letters, digits and . _ : / -")
        return value

    @field_validator("names", "aliases", mode="before")
    @classmethod
    def _split_names(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in value.split("|")]
        return value

    @field_validator("names", "aliases")
    @classmethod
    def _clean_names(cls, values: list[str]) -> list[str]:
        cleaned = [_clean_text(v, what="name") for v in values]
        for name in cleaned:
            if not name:
                raise ValueError("a name is empty")
            if not any(ch.isalpha() for ch in name):
                raise ValueError(f"{name!r} has no letters")
        return list(dict.fromkeys(cleaned))

    @field_validator("relative_name", "address", "district", "police_station", "source_agency")
    @classmethod
    def _clean_optional(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return _clean_text(value) or None

    @field_validator("gender", mode="before")
    @classmethod
    def _gender_words(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _GENDER_WORDS.get(value.strip().casefold(), value.strip()) or None
        return value

    @field_validator("relation", mode="before")
    @classmethod
    def _relation_words(cls, value: Any) -> Any:
        if isinstance(value, str):
            return _RELATION_WORDS.get(value.strip().casefold(), value.strip().casefold()) or None
        return value

    @field_validator("status", mode="before")
    @classmethod
    def _status_words(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [v for v in value.split("|") if v.strip()]
        if isinstance(value, list):
            return [v.strip().casefold().replace(" ", "_").replace("-", "_")
                    if isinstance(v, str) else v for v in value]
        return value

    @field_validator("date_of_birth", "age_recorded_on")
    @classmethod
    def _plausible_date(cls, value: date | None) -> date | None:
        if value is None:
            return None
        if value > date.today():
            raise ValueError(f"{value.isoformat()} is in the future")
        if value.year < 1900:
            raise ValueError(f"{value.isoformat()} is before 1900")
        return value

    @field_validator("restrictions")
    @classmethod
    def _restriction_words(cls, values: list[str]) -> list[str]:
        return sorted({v.strip().casefold() for v in values if v.strip()})

    @model_validator(mode="after")
    def _consistent(self) -> PersonIn:
        if self.age_recorded_on is not None and self.age is None:
            raise ValueError("age_recorded_on is given without an age")
        if self.date_of_birth and self.age_recorded_on and \
                self.age_recorded_on < self.date_of_birth:
            raise ValueError("age_recorded_on is before date_of_birth")
        if self.relation is not None and self.relative_name is None:
            raise ValueError("relation is given without relative_name")
        return self


@dataclass(frozen=True, slots=True)
class Fir:
    police_station: str
    fir_number: str
    year: int


@dataclass(frozen=True, slots=True)
class Person:
    """A validated person record, as stored."""

    id: str
    names: tuple[str, ...]
    aliases: tuple[str, ...] = ()
    relative_name: str | None = None
    relation: str | None = None
    gender: str | None = None
    date_of_birth: str | None = None
    age: int | None = None
    age_recorded_on: str | None = None
    address: str | None = None
    district: str | None = None
    police_station: str | None = None
    firs: tuple[Fir, ...] = ()
    status: tuple[str, ...] = ()
    source_agency: str | None = None
    external_ids: dict[str, str] = field(default_factory=dict)
    restrictions: tuple[str, ...] = ()
    created_at: str | None = None
    updated_at: str | None = None

    def known_relative(self) -> str | None:
        """The father's or husband's name ("S/o Sh. Zile Singh" in the field, or "Ankit
        s/o Mahipal" as a name): see `transliteration.relative_of`."""
        return relative_of(self.relative_name, self.names)

    def birth_year_range(self) -> tuple[int, int] | None:
        """Birth year known exactly, or estimated from an age (a police estimate: +/- 1)."""
        if self.date_of_birth:
            year = int(self.date_of_birth[:4])
            return year, year
        if self.age is not None:
            recorded = int(self.age_recorded_on[:4]) if self.age_recorded_on else None
            if recorded is None and self.created_at:
                recorded = int(self.created_at[:4])
            if recorded is None:
                recorded = date.today().year
            return recorded - self.age - 1, recorded - self.age
        return None

    def to_body(self) -> dict[str, Any]:
        """The JSON body as stored (a hand-written asdict: this runs once per record)."""
        body = {name: getattr(self, name) for name in self.__dataclass_fields__}
        body["names"] = list(self.names)
        body["aliases"] = list(self.aliases)
        body["firs"] = [{"police_station": f.police_station, "fir_number": f.fir_number,
                         "year": f.year} for f in self.firs]
        body["status"] = list(self.status)
        body["restrictions"] = list(self.restrictions)
        body["external_ids"] = dict(self.external_ids)
        return body

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> Person:
        """A stored body back to a record; runs for every search candidate, so fields are
        read one by one (unknown keys, e.g. from a newer version, are ignored)."""
        get = body.get
        return cls(
            id=body["id"], names=tuple(get("names") or ()), aliases=tuple(get("aliases") or ()),
            relative_name=get("relative_name"), relation=get("relation"), gender=get("gender"),
            date_of_birth=get("date_of_birth"), age=get("age"),
            age_recorded_on=get("age_recorded_on"), address=get("address"),
            district=get("district"), police_station=get("police_station"),
            firs=tuple(Fir(f["police_station"], f["fir_number"], f["year"])
                       for f in get("firs") or ()),
            status=tuple(get("status") or ()), source_agency=get("source_agency"),
            external_ids=dict(get("external_ids") or {}),
            restrictions=tuple(get("restrictions") or ()),
            created_at=get("created_at"), updated_at=get("updated_at"))


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def person_from_input(data: PersonIn, *, now: str | None = None) -> Person:
    """Turn validated input into a stored record (ids and timestamps filled in)."""
    stamp = now or now_iso()
    return Person(
        id=data.id or f"P-{uuid.uuid4().hex[:16]}",
        names=tuple(data.names),
        aliases=tuple(a for a in data.aliases if a not in data.names),
        relative_name=data.relative_name,
        relation=data.relation.value if data.relation else None,
        gender=data.gender.value if data.gender else None,
        date_of_birth=data.date_of_birth.isoformat() if data.date_of_birth else None,
        age=data.age,
        age_recorded_on=data.age_recorded_on.isoformat() if data.age_recorded_on else None,
        address=data.address,
        district=canonical_district(data.district) if data.district else None,
        police_station=data.police_station,
        firs=tuple(Fir(f.police_station, f.fir_number, f.year) for f in data.firs),
        status=tuple(dict.fromkeys(s.value for s in data.status)),
        source_agency=data.source_agency,
        external_ids=dict(data.external_ids),
        restrictions=tuple(data.restrictions),
        created_at=stamp,
        updated_at=stamp,
    )


def validation_message(exc: pydantic.ValidationError) -> list[tuple[str, str]]:
    """Pydantic's errors as (field path, reason) pairs a clerk can act on."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"] if p != "__root__") or "record"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        out.append((loc, msg))
    return out


def parse_person(data: dict[str, Any], *, now: str | None = None) -> Person:
    """Validate one record; raises `ValidationError` naming the first bad field."""
    try:
        parsed = PersonIn.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = validation_message(exc)
        detail = "; ".join(f"{loc}: {msg}" for loc, msg in problems)
        raise ValidationError(detail, field=problems[0][0]) from None
    return person_from_input(parsed, now=now)
