"""How a person record becomes an index document: name keys and filter tags.

Keys and tags are computed here, in Python, for both stores (see indexer/base.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from indexer.base import IndexDoc
from pehchaan.districts import district_tag
from pehchaan.errors import ValidationError
from pehchaan.person import Person, parse_person
from transliteration import given_name_keys, name_keys

KIND = "persons"
NAME_KEY = "n:"
RELATIVE_KEY = "r:"
PAIR_KEY = "p:"
"""A given name and the relative's given name together: "Pawan son of Naresh" is a
short posting list even where Pawan and Naresh are each thousands of records."""


@lru_cache(maxsize=262_144)
def cached_name_keys(name: str) -> tuple[str, ...]:
    """Name keys of a whole name; names repeat a lot across a state's records."""
    return tuple(name_keys(name))


def pair_keys(name: str, relative_name: str) -> list[str]:
    """Pair keys (see PAIR_KEY) of a name and a relative's name."""
    return [f"{PAIR_KEY}{n}+{r}" for n in given_name_keys(name)
            for r in given_name_keys(relative_name)]


def person_name_keys(person: Person) -> list[str]:
    keys: dict[str, None] = {}
    for name in (*person.names, *person.aliases):
        keys.update((NAME_KEY + k, None) for k in cached_name_keys(name))
    relative = person.known_relative()
    if relative:
        keys.update((RELATIVE_KEY + k, None) for k in cached_name_keys(relative))
        for name in (*person.names, *person.aliases):
            keys.update((k, None) for k in pair_keys(name, relative))
    return list(keys)


def person_tags(person: Person) -> list[str]:
    tags = [f"status:{s}" for s in person.status]
    if person.district:
        tags.append(district_tag(person.district))
    if person.gender:
        tags.append(f"gender:{person.gender.lower()}")
    years = person.birth_year_range()
    if years:
        tags.extend(f"birth_year:{y}" for y in range(years[0], years[1] + 1))
    tags.extend(f"restricted:{r}" for r in person.restrictions)
    if not person.restrictions:
        tags.append("restricted:none")
    return tags


def person_doc(person: Person) -> IndexDoc:
    return IndexDoc(id=person.id, body=person.to_body(), keys=tuple(person_name_keys(person)),
                    tags=tuple(person_tags(person)))


def rekey_person(doc: IndexDoc) -> IndexDoc:
    """A stored document keyed as this version keys it (keys and tags from its body):
    after an upgrade that adds keys, e.g. the pair keys, old records gain them."""
    return person_doc(Person.from_body(doc.body))


def person_values_from_csv(values: dict[str, Any]) -> dict[str, Any]:
    """CSV cells to the JSON shape: lists joined by '|', FIRs as 'PS:NUMBER:YEAR',
    external ids as 'key=value'."""
    out = dict(values)
    if "firs" in out:
        firs = []
        for part in str(out["firs"]).split("|"):
            if not part.strip():
                continue
            pieces = part.rsplit(":", 2)
            if len(pieces) != 3:
                raise ValidationError(f"{part!r} is not POLICE_STATION:FIR_NUMBER:YEAR",
                                      field="firs")
            firs.append({"police_station": pieces[0], "fir_number": pieces[1],
                         "year": pieces[2]})
        out["firs"] = firs
    if "external_ids" in out:
        ids = {}
        for part in str(out["external_ids"]).split("|"):
            if not part.strip():
                continue
            key, sep, value = part.partition("=")
            if not sep:
                raise ValidationError(f"{part!r} is not key=value", field="external_ids")
            ids[key.strip()] = value.strip()
        out["external_ids"] = ids
    if "restrictions" in out:
        out["restrictions"] = [r for r in str(out["restrictions"]).split("|") if r.strip()]
    return out


def person_doc_from_row(values: dict[str, Any], fmt: str) -> IndexDoc:
    """Validate one ingested row and build its document (used by bulk loads)."""
    if fmt == "csv":
        values = person_values_from_csv(values)
    return person_doc(parse_person(values))
