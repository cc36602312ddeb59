"""Vehicle records and vehicle search (plate, chassis, engine; full or partial)."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import BackendDep
from pehchaan.errors import ValidationError
from pehchaan.vehicles import (
    KIND,
    STATUSES,
    VehicleHit,
    VehicleQuery,
    get_vehicle,
    search_vehicles,
    to_index_doc,
    validate_vehicle,
)

router = APIRouter(prefix="/v1/vehicles", tags=["vehicles"])
MAX_BATCH = 5000


class VehicleIn(BaseModel):
    """A vehicle record as submitted; the domain validator normalises and checks it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id": "HR-V-0001", "registration": "HR 26 DK 8337", "chassis": "MA3EWDE1S00123456",
        "engine": "K12MN1234567", "make": "Maruti Suzuki", "model": "Swift",
        "colour": "white", "vehicle_type": "car", "status": "stolen", "district": "Gurugram",
        "police_station": "Sector 29", "fir": "PS Sector 29 / 123 / 2025",
        "owner_names": ["Ramesh Kumar"], "linked_person_ids": []}]})

    id: str | None = Field(None, max_length=64)
    registration: str | None = Field(None, max_length=40,
                                     description="Any separators and case: 'hr-26-dk-8337'.")
    chassis: str | None = Field(None, max_length=64, description="VIN or maker number, or "
                                "only its last characters.")
    engine: str | None = Field(None, max_length=64)
    make: str | None = Field(None, max_length=500)
    model: str | None = Field(None, max_length=500)
    colour: str | None = Field(None, max_length=500)
    vehicle_type: str | None = Field(None, max_length=500)
    status: str = Field(description=f"One of: {', '.join(STATUSES)}.")
    district: str | None = Field(None, max_length=500)
    police_station: str | None = Field(None, max_length=500)
    fir: str | None = Field(None, max_length=500)
    owner_names: list[str] = Field(default_factory=list, max_length=50)
    linked_person_ids: list[str] = Field(default_factory=list, max_length=50)


class VehicleSearchIn(BaseModel):
    """A vehicle search: any of plate, chassis, engine, and filters."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "plate": "HR26DK83B7", "status": ["stolen", "abandoned"], "k": 10}]})

    plate: str | None = Field(None, max_length=64, description="Full or partial ('DK8337').")
    chassis: str | None = Field(None, max_length=64, description="Full, or its last characters.")
    engine: str | None = Field(None, max_length=64)
    partial_plate: bool | None = Field(None, description="Treat the plate as its end only; "
                                       "by default decided from its length.")
    status: list[str] = Field(default_factory=list)
    district: list[str] = Field(default_factory=list)
    police_station: list[str] = Field(default_factory=list)
    vehicle_type: list[str] = Field(default_factory=list)
    make: list[str] = Field(default_factory=list)
    k: int = Field(10, ge=1, le=100)
    min_score: float = Field(0.0, ge=0.0, le=1.0)

    def to_query(self) -> VehicleQuery:
        return VehicleQuery(
            plate=self.plate, chassis=self.chassis, engine=self.engine,
            partial_plate=self.partial_plate, statuses=tuple(self.status),
            districts=tuple(self.district), police_stations=tuple(self.police_station),
            vehicle_types=tuple(self.vehicle_type), makes=tuple(self.make), k=self.k,
            min_score=self.min_score)


class VehicleHitOut(BaseModel):
    id: str
    score: float = Field(description="In [0, 1]; ranks and explains, a person decides.")
    vehicle: dict[str, Any]
    features: list[dict[str, Any]]

    @classmethod
    def from_hit(cls, hit: VehicleHit) -> VehicleHitOut:
        explained = hit.explained.as_dict()
        features = explained["features"]
        assert isinstance(features, list)
        return cls(id=hit.id, score=round(hit.score, 4), vehicle=hit.record, features=features)


class VehicleSearchOut(BaseModel):
    query: dict[str, Any]
    count: int
    hits: list[VehicleHitOut]
    took_ms: float


class VehiclesCreated(BaseModel):
    stored: int
    ids: list[str]


def _run(backend: BackendDep, search: VehicleSearchIn) -> VehicleSearchOut:
    started = time.perf_counter()
    hits = search_vehicles(backend, search.to_query())
    return VehicleSearchOut(
        query=search.model_dump(exclude_defaults=True), count=len(hits),
        hits=[VehicleHitOut.from_hit(h) for h in hits],
        took_ms=round((time.perf_counter() - started) * 1000, 2))


@router.get("/search", response_model=VehicleSearchOut, summary="Search vehicles")
def search_get(
    backend: BackendDep,
    plate: Annotated[str | None, Query(max_length=64, examples=["HR26DK83B7"])] = None,
    chassis: Annotated[str | None, Query(max_length=64)] = None,
    engine: Annotated[str | None, Query(max_length=64)] = None,
    partial_plate: bool | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    district: Annotated[list[str] | None, Query()] = None,
    police_station: Annotated[list[str] | None, Query()] = None,
    vehicle_type: Annotated[list[str] | None, Query()] = None,
    make: Annotated[list[str] | None, Query()] = None,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    min_score: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
) -> VehicleSearchOut:
    """Ranked, explained matches by plate, chassis or engine number, each on its own or
    together; misread characters (O/0, B/8, ...) and missing characters are expected."""
    search = VehicleSearchIn(plate=plate, chassis=chassis, engine=engine,
                             partial_plate=partial_plate, status=status or [],
                             district=district or [], police_station=police_station or [],
                             vehicle_type=vehicle_type or [], make=make or [], k=k,
                             min_score=min_score)
    return _run(backend, search)


@router.post("/search", response_model=VehicleSearchOut, summary="Structured vehicle search")
def search_post(backend: BackendDep, search: VehicleSearchIn) -> VehicleSearchOut:
    """The same search with a JSON body."""
    return _run(backend, search)


@router.post("", response_model=VehiclesCreated, status_code=201,
             summary="Store one vehicle record or many")
def create(backend: BackendDep,
           body: Annotated[VehicleIn | list[VehicleIn], Body()]) -> VehiclesCreated:
    """All records are validated first; one invalid record refuses the request, naming it."""
    items = body if isinstance(body, list) else [body]
    if len(items) > MAX_BATCH:
        raise ValidationError(f"at most {MAX_BATCH} vehicles per request", field="body")
    records = []
    for i, item in enumerate(items):
        try:
            records.append(validate_vehicle(item.model_dump(exclude_none=True)))
        except ValidationError as exc:
            where = f"[{i}]." if isinstance(body, list) else ""
            raise ValidationError(exc.detail, field=f"{where}{exc.field or 'body'}") from exc
    backend.upsert(KIND, [to_index_doc(r) for r in records])
    return VehiclesCreated(stored=len(records), ids=[r.id for r in records])


@router.get("/{vehicle_id}", summary="One vehicle record")
def read(backend: BackendDep, vehicle_id: str) -> dict[str, Any]:
    """The stored record (404 when there is none)."""
    return get_vehicle(backend, vehicle_id)
