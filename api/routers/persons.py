"""Person records and person search."""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from api.deps import BackendDep
from api.schemas import PersonHitOut, PersonsCreated, PersonSearchIn, PersonSearchOut
from api.security import PrincipalDep
from pehchaan.errors import NotFound
from pehchaan.person import Gender, PersonIn, Status, person_from_input
from pehchaan.person_index import KIND, person_doc
from pehchaan.person_search import search_persons

router = APIRouter(prefix="/v1/persons", tags=["persons"])


def _run_search(backend: BackendDep, search: PersonSearchIn,
                principal: PrincipalDep) -> PersonSearchOut:
    started = time.perf_counter()
    # Roles that may not see every restricted record search without them (the response
    # filter in api/access_middleware.py removes what remains hidden).
    query = replace(search.to_query(),
                    include_restricted=principal.scope.sees_all_restricted)
    hits = search_persons(backend, query)
    return PersonSearchOut(
        query={k: v for k, v in asdict(query).items() if v not in (None, (), [])},
        count=len(hits), hits=[PersonHitOut.from_hit(h) for h in hits],
        took_ms=round((time.perf_counter() - started) * 1000, 2))


@router.get("/search", response_model=PersonSearchOut, summary="Search persons by name")
def search_get(
    backend: BackendDep,
    principal: PrincipalDep,
    name: Annotated[str, Query(min_length=1, max_length=500,
                               examples=["मोहम्मद इरफान", "Mohd Irfan"])],
    relative_name: Annotated[str | None, Query(max_length=500)] = None,
    gender: Gender | None = None,
    age: Annotated[int | None, Query(ge=0, le=120)] = None,
    birth_year_from: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    birth_year_to: Annotated[int | None, Query(ge=1900, le=2100)] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    status: Annotated[list[Status] | None, Query()] = None,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    min_score: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
) -> PersonSearchOut:
    """Ranked, explained matches for a name in Devanagari or Latin script."""
    search = PersonSearchIn(name=name, relative_name=relative_name, gender=gender, age=age,
                            birth_year_from=birth_year_from, birth_year_to=birth_year_to,
                            district=district, status=status or [], k=k, min_score=min_score)
    return _run_search(backend, search, principal)


@router.post("/search", response_model=PersonSearchOut, summary="Structured person search")
def search_post(backend: BackendDep, search: PersonSearchIn,
                principal: PrincipalDep) -> PersonSearchOut:
    """The same search with a JSON body."""
    return _run_search(backend, search, principal)


@router.post("", response_model=PersonsCreated, status_code=201,
             summary="Store one person record or many")
def create(backend: BackendDep,
           body: Annotated[PersonIn | list[PersonIn], Body()]) -> PersonsCreated:
    """Validates every record first; nothing is stored unless all are valid."""
    items = body if isinstance(body, list) else [body]
    persons = [person_from_input(item) for item in items]
    backend.upsert(KIND, [person_doc(p) for p in persons])
    return PersonsCreated(stored=len(persons), ids=[p.id for p in persons])


@router.get("/{person_id}", summary="One person record")
def get_person(backend: BackendDep, person_id: str) -> dict[str, Any]:
    body = backend.get(KIND, person_id)
    if body is None:
        raise NotFound(f"no person with id {person_id!r}", field="person_id")
    return body


@router.delete("/{person_id}", status_code=204, summary="Delete a person record")
def delete_person(backend: BackendDep, person_id: str) -> Response:
    if not backend.delete(KIND, person_id):
        raise NotFound(f"no person with id {person_id!r}", field="person_id")
    return Response(status_code=204)


MAX_LINKED_VEHICLES = 50


@router.get("/{person_id}/vehicles", summary="Vehicles linked to a person")
def linked_vehicles(backend: BackendDep, person_id: str) -> dict[str, Any]:
    """Vehicle records whose ``linked_person_ids`` name this person (for the record view).

    A scan of the vehicle records: fine at console scale; a ``person:<id>`` tag on vehicle
    documents would make it an index lookup.
    """
    if backend.get(KIND, person_id) is None:
        raise NotFound(f"no person with id {person_id!r}", field="person_id")
    found = []
    for doc in backend.iter_docs("vehicles"):
        if person_id in (doc.body.get("linked_person_ids") or []):
            found.append(doc.body)
            if len(found) >= MAX_LINKED_VEHICLES:
                break
    return {"person_id": person_id, "count": len(found), "vehicles": found}
