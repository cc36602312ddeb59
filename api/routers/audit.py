"""The audit trail for auditors: filtered entries, newest first, and a chain check."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from pehchaan.audit import AuditFilter, AuditLog

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditEntryOut(BaseModel):
    """One audit entry as stored, with its place in the hash chain."""

    seq: int
    ts: str
    key_id: str | None = None
    agency: str | None = None
    role: str | None = None
    method: str | None = None
    path: str | None = None
    endpoint: str | None = None
    resource: str | None = None
    action: str | None = None
    query: dict[str, Any] = Field(default_factory=dict)
    purpose: str | None = None
    case_ref: str | None = None
    ids: list[str] = Field(default_factory=list)
    status: int | None = None
    outcome: str | None = None
    flags: list[str] = Field(default_factory=list)
    prev_hash: str
    hash: str


class AuditPage(BaseModel):
    count: int
    entries: list[AuditEntryOut]
    next_before_seq: int | None = Field(
        None, description="Pass as before_seq for the next (older) page.")


class VerifyOut(BaseModel):
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    first_bad: int | None = None
    reason: str = ""


def _audit(request: Request) -> AuditLog:
    log: AuditLog = request.app.state.audit_log()
    return log


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds") if value else None


@router.get("", response_model=AuditPage, summary="Audit entries, newest first")
async def list_entries(
    request: Request,
    agency: Annotated[str | None, Query(max_length=100)] = None,
    key_id: Annotated[str | None, Query(max_length=100)] = None,
    record_id: Annotated[str | None, Query(
        max_length=128, description="Entries that returned or touched this record id "
        "(e.g. a person id that was searched or viewed).")] = None,
    since: Annotated[datetime | None, Query(description="ISO time, UTC.")] = None,
    until: Annotated[datetime | None, Query(description="ISO time, UTC.")] = None,
    flagged: Annotated[bool | None, Query(
        description="Only entries flagged (e.g. bulk_query_suspected), or only not.")] = None,
    before_seq: Annotated[int | None, Query(ge=1, le=2**53)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    """Who searched what, when, why and what came back."""
    flt = AuditFilter(agency=agency, key_id=key_id, record_id=record_id,
                      since=_iso(since), until=_iso(until), flagged=flagged,
                      before_seq=before_seq, limit=limit)
    found = await run_in_threadpool(_audit(request).search, flt)
    entries = [AuditEntryOut.model_validate(e) for e in found]
    nxt = entries[-1].seq if len(entries) == limit else None
    return AuditPage(count=len(entries), entries=entries, next_before_seq=nxt)


@router.get("/verify", response_model=VerifyOut, summary="Check the hash chain")
async def verify(request: Request) -> VerifyOut:
    """Recomputes every hash; names the first entry that was edited or deleted."""
    result = await run_in_threadpool(_audit(request).verify)
    return VerifyOut(**result.as_dict())
