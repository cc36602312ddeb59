"""API keys for admins: create (the secret is shown once), list, revoke."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from api.security import PrincipalDep
from pehchaan.access import ApiKey, KeyStore, Role

router = APIRouter(prefix="/v1/keys", tags=["keys"])


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "agency": "eCourts-Rohtak", "role": "partner-court", "label": "CJM court",
        "expires_in_days": 90}]})

    agency: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$")
    role: Role
    label: str = Field("", max_length=200)
    expires_in_days: float | None = Field(None, gt=0, le=3650)


class KeyOut(BaseModel):
    key_id: str
    agency: str
    role: str
    label: str
    created_at: str
    expires_at: str | None
    revoked_at: str | None
    created_by: str | None
    state: str

    @classmethod
    def of(cls, key: ApiKey) -> KeyOut:
        return cls.model_validate(key.as_dict())


class KeyCreated(KeyOut):
    secret: str = Field(description="The key itself; shown only in this response.")


class KeyList(BaseModel):
    count: int
    keys: list[KeyOut]


def _keys(request: Request) -> KeyStore:
    store: KeyStore = request.app.state.keys
    return store


@router.get("", response_model=KeyList, summary="All keys (without secrets)")
def list_keys(request: Request) -> KeyList:
    keys = [KeyOut.of(k) for k in _keys(request).list()]
    return KeyList(count=len(keys), keys=keys)


@router.post("", response_model=KeyCreated, status_code=201, summary="Create a key")
def create_key(request: Request, body: KeyIn, principal: PrincipalDep) -> KeyCreated:
    """The secret is in this response only; store it, it cannot be shown again."""
    created = _keys(request).create(agency=body.agency, role=body.role, label=body.label,
                                    expires_in_days=body.expires_in_days,
                                    created_by=principal.key_id)
    return KeyCreated(**KeyOut.of(created.key).model_dump(), secret=created.secret)


@router.delete("/{key_id}", response_model=KeyOut, summary="Revoke a key")
def revoke_key(request: Request,
               key_id: Annotated[str, Path(max_length=64)]) -> KeyOut:
    """A revoked key is refused from the next request on; the record stays for audit."""
    return KeyOut.of(_keys(request).revoke(key_id))

