"""Who am I: the caller's key, agency, role and what the matrix lets it do (the console
shows it after the key is entered)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.security import PrincipalDep

router = APIRouter(prefix="/v1/session", tags=["session"])


@router.get("", summary="The caller's key, agency, role and scope")
def whoami(principal: PrincipalDep) -> dict[str, Any]:
    return {"key_id": principal.key_id, "agency": principal.agency,
            "role": principal.role.value, "scope": principal.scope.as_dict()}
