"""Cross-check jobs: submit registrations, poll status and progress, fetch results.

A job is persisted under the data directory (``crosscheck.sqlite3`` and the saved
input), so it survives a restart of the server and resumes after its last committed row.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from api.deps import BackendDep, SettingsDep
from pehchaan.crosscheck import JOB_INPUTS, get_runner
from pehchaan.errors import NotFound, PayloadTooLarge, ValidationError

router = APIRouter(prefix="/v1/crosscheck", tags=["crosscheck"])
MAX_ROWS = 100_000


class CrosscheckIn(BaseModel):
    """Registrations to check: each row has any of registration, chassis, engine, owner_name."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "registrations": [{"registration": "HR26DK8337", "chassis": "MA3EWDE1S00123456",
                           "engine": "K12MN1234567", "owner_name": "Ramesh Kumar"}]}]})

    registrations: list[dict[str, Any]] = Field(min_length=1, max_length=MAX_ROWS)


class JobOut(BaseModel):
    id: str
    state: str
    progress: dict[str, Any]
    hits: int
    bad_rows: int
    created: str
    updated: str
    error: str | None = None


class ResultsOut(BaseModel):
    job: JobOut
    offset: int
    count: int
    next_offset: int | None
    results: list[dict[str, Any]]


def _job(settings: SettingsDep, backend: BackendDep, job_id: str) -> JobOut:
    status = get_runner(settings.data_dir, backend).store.get(job_id)
    if status is None:
        raise NotFound(f"no cross-check job {job_id!r}")
    return JobOut(**status.as_dict())


@router.post("", response_model=JobOut, status_code=202, summary="Submit a cross-check job")
def submit(settings: SettingsDep, backend: BackendDep, body: CrosscheckIn,
           response: Response) -> JobOut:
    """Rows are saved, then checked in the background; poll the returned job."""
    runner = get_runner(settings.data_dir, backend)
    status = runner.store.create_from_rows(body.registrations)
    runner.submit(status.id)
    response.headers["Location"] = f"/v1/crosscheck/{status.id}"
    return JobOut(**status.as_dict())


@router.post("/upload", response_model=JobOut, status_code=202,
             summary="Submit a CSV or JSONL file of registrations")
async def upload(settings: SettingsDep, backend: BackendDep, file: UploadFile,
                 response: Response) -> JobOut:
    """The file is stored under the data directory and checked in the background."""
    name = (file.filename or "").lower()
    fmt = "csv" if name.endswith(".csv") else "jsonl" if name.endswith(
        (".jsonl", ".ndjson")) else None
    if fmt is None:
        raise ValidationError("upload a .csv or .jsonl file", field="file")
    runner = get_runner(settings.data_dir, backend)
    target_dir = Path(settings.data_dir) / JOB_INPUTS
    size = 0
    with tempfile.NamedTemporaryFile(dir=target_dir, suffix=".part", delete=False) as tmp:
        while chunk := await file.read(1 << 20):
            size += len(chunk)
            if size > settings.max_upload_bytes:
                tmp.close()
                Path(tmp.name).unlink(missing_ok=True)
                raise PayloadTooLarge(f"the file is larger than {settings.max_upload_bytes:,} "
                                      "bytes", field="file")
            tmp.write(chunk)
    status = runner.store.create_from_file(Path(tmp.name), fmt)
    runner.submit(status.id)
    response.headers["Location"] = f"/v1/crosscheck/{status.id}"
    return JobOut(**status.as_dict())


@router.get("/{job_id}", response_model=JobOut, summary="Status and progress of a job")
def status(settings: SettingsDep, backend: BackendDep, job_id: str) -> JobOut:
    return _job(settings, backend, job_id)


@router.get("/{job_id}/results", response_model=ResultsOut, summary="Hits and bad rows")
def results(settings: SettingsDep, backend: BackendDep, job_id: str,
            kind: Literal["hit", "bad"] | None = None,
            offset: Annotated[int, Query(ge=0)] = 0,
            limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> ResultsOut:
    """Results committed so far (a running job's list grows), in input order."""
    job = _job(settings, backend, job_id)
    rows = get_runner(settings.data_dir, backend).store.results(job_id, kind=kind,
                                                                offset=offset, limit=limit)
    return ResultsOut(job=job, offset=offset, count=len(rows),
                      next_offset=offset + len(rows) if len(rows) == limit else None,
                      results=rows)
