"""Liveness and readiness."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import BackendDep
from pehchaan import __version__
from pehchaan.errors import BackendUnavailable
from pehchaan.person_index import KIND

router = APIRouter(tags=["health"])


@router.get("/health", summary="The process is up")
def health() -> dict[str, Any]:
    return {"status": "ok", "version": __version__}


@router.get("/ready", summary="The store answers")
def ready(backend: BackendDep) -> dict[str, Any]:
    try:
        persons = backend.count(KIND)
    except Exception as exc:
        raise BackendUnavailable(f"the {backend.name} store does not answer: {exc}") from exc
    return {"status": "ready", "backend": backend.name, "persons": persons}
