"""What the cross-check reads and reports: a registration's identifiers, and a hit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WANTED_STATUSES = frozenset({"stolen", "abandoned", "wanted-linked"})
WANTED_PERSON_STATUSES = ("wanted", "proclaimed_offender")


@dataclass(frozen=True, slots=True)
class Registration:
    """The identifiers of one registration, as received (normalised for matching)."""

    registration: str | None = None
    chassis: str | None = None
    engine: str | None = None
    owner_name: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    """One registration matching one wanted record by one identifier."""

    identifier: str  # registration | chassis | engine | owner_name
    how: str  # exact | misread | last N characters | name match
    score: float
    detail: str
    record_kind: str  # vehicles | persons
    record_id: str
    record_status: str
    summary: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"identifier": self.identifier, "how": self.how, "score": round(self.score, 4),
                "detail": self.detail, "record_kind": self.record_kind,
                "record_id": self.record_id, "record_status": self.record_status,
                "record": self.summary}


def hit_order(hit: Hit) -> tuple[float, str, str]:
    """Sort key of a registration's hits, best first (the same in and out of workers)."""
    return -hit.score, hit.record_id, hit.identifier
