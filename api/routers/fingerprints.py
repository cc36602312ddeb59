"""Fingerprint records: enrol from an image, verify two prints, identify a print.

Uploads are multipart form posts (``image`` and optionally ``other``), each at most
``max_upload_bytes`` (and the whole body at most ``max_body_bytes``). Scores rank
and come with the matched minutiae count and the calibrated false-match rate; a
fingerprint examiner decides, nothing is confirmed automatically.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from pydantic import BaseModel, Field

from api.deps import BackendDep, SettingsDep
from pehchaan.errors import PayloadTooLarge, ValidationError
from pehchaan.fingerprints import MAX_TOP_K, FingerprintService, Impression

router = APIRouter(prefix="/v1/fingerprints", tags=["fingerprints"])

FINGERPRINT_MAX_BYTES = 4 * 1024 * 1024  # a 500 ppi rolled print is well under 1 MB


class FingerprintOut(BaseModel):
    """An enrolled record, without its template."""

    id: str
    person_id: str
    finger: int
    finger_name: str
    impression: str
    bureau: str | None = None
    district: str | None = None
    captured_on: str | None = None
    enrolled_at: str
    quality: int = Field(description="image quality 0..100")
    minutiae_count: int


class VerifyOut(BaseModel):
    score: float = Field(description="MCC/LSS-R similarity in [0, 1]")
    matched_minutiae: int
    false_match_rate: float = Field(
        description="estimated share of different-finger pairs scoring at least this high"
    )
    strength: str
    probe_quality: int
    other_quality: int
    took_ms: float


class CandidateOut(BaseModel):
    record: FingerprintOut
    score: float
    matched_minutiae: int
    false_match_rate: float
    strength: str
    prefilter: float


class IdentifyOut(BaseModel):
    count: int
    candidates: list[CandidateOut]
    took_ms: float


def _read(upload: UploadFile | None, field: str, limit: int) -> bytes:
    """The upload's bytes, refusing missing, empty and oversized files by name."""
    if upload is None:
        raise ValidationError("an image file is required", field=field)
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"image is over {limit:,} bytes", field=field)
    if not data:
        raise ValidationError("empty upload: no image bytes", field=field)
    return data


def _limit(settings: Any) -> int:
    return int(
        min(getattr(settings, "max_upload_bytes", FINGERPRINT_MAX_BYTES), FINGERPRINT_MAX_BYTES)
    )


PpiForm = Annotated[float, Form(ge=50, le=2000, description="scan resolution of the image")]


@router.post(
    "", response_model=FingerprintOut, status_code=201, summary="Enrol a fingerprint from an image"
)
def enrol(
    backend: BackendDep,
    settings: SettingsDep,
    image: Annotated[UploadFile, File(description="PNG, TIFF, BMP, JPEG or WSQ")],
    person_id: Annotated[str, Form(min_length=1, max_length=100)],
    finger: Annotated[int, Form(ge=1, le=10, description="1 right thumb .. 10 left little")],
    impression: Annotated[Impression, Form()] = Impression.LIVE_PLAIN,
    bureau: Annotated[str | None, Form(max_length=100)] = None,
    district: Annotated[str | None, Form(max_length=100)] = None,
    captured_on: Annotated[str | None, Form(description="YYYY-MM-DD")] = None,
    ppi: PpiForm = 500,
    id: Annotated[str | None, Form(max_length=100)] = None,
) -> dict[str, Any]:
    """Extracts the minutia template (the image is not kept) and stores the record."""
    data = _read(image, "image", _limit(settings))
    rec = FingerprintService(backend).enrol(
        data,
        ppi=ppi,
        person_id=person_id,
        finger=finger,
        impression=impression,
        bureau=bureau,
        district=district,
        captured_on=captured_on,
        record_id=id,
    )
    return rec.summary()


@router.post("/verify", response_model=VerifyOut, summary="Compare two prints (1:1)")
def verify(
    backend: BackendDep,
    settings: SettingsDep,
    image: Annotated[UploadFile, File()],
    other: Annotated[UploadFile | None, File(description="second image")] = None,
    other_id: Annotated[str | None, Form(description="or an enrolled record id")] = None,
    ppi: PpiForm = 500,
    other_ppi: PpiForm = 500,
) -> dict[str, Any]:
    """Score of the probe against a second image or an enrolled record."""
    started = time.perf_counter()
    limit = _limit(settings)
    probe = _read(image, "image", limit)
    second = _read(other, "other", limit) if other is not None else None
    result = FingerprintService(backend).verify(
        probe, other=second, other_id=other_id or None, ppi=ppi, other_ppi=other_ppi
    )
    return {**result.as_dict(), "took_ms": round((time.perf_counter() - started) * 1000, 1)}


@router.post("/identify", response_model=IdentifyOut, summary="Find a print's owner (1:N)")
def identify(
    backend: BackendDep,
    settings: SettingsDep,
    image: Annotated[UploadFile, File()],
    top_k: Annotated[int, Form(ge=1, le=MAX_TOP_K)] = 10,
    finger: Annotated[int | None, Form(ge=1, le=10)] = None,
    ppi: PpiForm = 500,
) -> dict[str, Any]:
    """Enrolled prints ranked by match score, best first."""
    started = time.perf_counter()
    probe = _read(image, "image", _limit(settings))
    found = FingerprintService(backend).identify(probe, top_k=top_k, ppi=ppi, finger=finger)
    return {
        "count": len(found),
        "candidates": [c.as_dict() for c in found],
        "took_ms": round((time.perf_counter() - started) * 1000, 1),
    }


@router.get("/{fingerprint_id}", response_model=FingerprintOut, summary="One enrolled record")
def get_fingerprint(backend: BackendDep, fingerprint_id: str) -> dict[str, Any]:
    return FingerprintService(backend).get(fingerprint_id).summary()


@router.delete("/{fingerprint_id}", status_code=204, summary="Delete an enrolled record")
def delete_fingerprint(backend: BackendDep, fingerprint_id: str) -> Response:
    FingerprintService(backend).delete(fingerprint_id)
    return Response(status_code=204)
