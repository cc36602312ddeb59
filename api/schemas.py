"""Pydantic shapes of the HTTP boundary for persons (internal code uses dataclasses)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pehchaan.person import Gender, PersonIn, Status
from pehchaan.person_search import PersonHit, PersonQuery


class PersonSearchIn(BaseModel):
    """A structured person search."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "मोहम्मद इरफान", "relative_name": "Mohd. Ayub", "gender": "M", "age": 34,
        "district": "Nuh", "status": ["wanted"], "k": 10}]})

    name: str = Field(min_length=1, max_length=500, description="Devanagari, Latin or mixed.")
    relative_name: str | None = Field(None, max_length=500, description="Father's/husband's name.")
    gender: Gender | None = None
    age: int | None = Field(None, ge=0, le=120, description="Age today (estimates are fine).")
    birth_year_from: int | None = Field(None, ge=1900, le=2100)
    birth_year_to: int | None = Field(None, ge=1900, le=2100)
    district: str | None = Field(None, max_length=100, description="Only records of this district.")
    status: list[Status] = Field(default_factory=list,
                                 description="Only records with one of these.")
    k: int = Field(10, ge=1, le=100, description="How many results.")
    min_score: float = Field(0.0, ge=0.0, le=1.0)

    def to_query(self) -> PersonQuery:
        return PersonQuery(
            name=self.name, relative_name=self.relative_name,
            gender=self.gender.value if self.gender else None, age=self.age,
            birth_year_from=self.birth_year_from, birth_year_to=self.birth_year_to,
            district=self.district, status=tuple(s.value for s in self.status), k=self.k,
            min_score=self.min_score)


class FeatureOut(BaseModel):
    name: str
    score: float | None = Field(description="In [0, 1]; null when missing on either side.")
    weight: float
    contribution: float
    detail: str


class PersonHitOut(BaseModel):
    id: str
    score: float = Field(description="Match score in [0, 1]; a person decides, not the score.")
    person: dict[str, Any]
    features: list[FeatureOut]
    matched_keys: list[str]

    @classmethod
    def from_hit(cls, hit: PersonHit) -> PersonHitOut:
        explained = hit.explained.as_dict()
        return cls(id=hit.person.id, score=round(hit.score, 4), person=hit.person.to_body(),
                   features=[FeatureOut(**f) for f in explained["features"]],  # type: ignore[attr-defined]
                   matched_keys=list(hit.matched_keys))


class PersonSearchOut(BaseModel):
    query: dict[str, Any]
    count: int
    hits: list[PersonHitOut]
    took_ms: float


class PersonsCreated(BaseModel):
    stored: int
    ids: list[str]


PersonsIn = PersonIn | list[PersonIn]
