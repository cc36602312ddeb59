"""Fingerprint records and the enrol / verify / identify service over a SearchBackend.

A record (kind ``fingerprints``) keeps who and which finger the print belongs to,
where and when it was taken, and the minutia template (base64 of the versioned
binary format in matcher/fingerprint/template.py). Images are not stored.

Identification runs in process: every enrolled template is loaded once through
``iter_docs`` into a numpy pre-filter index (matcher/fingerprint/index.py), kept
per backend and rebuilt when this process enrols or deletes, or when the stored
count changes (another process enrolled). Retrieval keys are also stored with each
record (the strongest bins of the pre-filter descriptor) so that a store-side
candidate search is possible for galleries too large for memory.
"""

from __future__ import annotations

import base64
import threading
import uuid
import weakref
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import numpy as np

from indexer.base import IndexDoc, SearchBackend
from matcher.fingerprint import Template, extract, match, prepare
from matcher.fingerprint.calibration import fmr_at, strength
from matcher.fingerprint.index import FingerprintIndex, Hit, descriptor
from pehchaan.districts import canonical_district, district_tag
from pehchaan.errors import NotFound, ValidationError

KIND = "fingerprints"
DESCRIPTOR_KEYS = 24  # strongest pre-filter bins stored as retrieval keys
MAX_TOP_K = 100

FINGER_NAMES = {
    1: "right thumb",
    2: "right index",
    3: "right middle",
    4: "right ring",
    5: "right little",
    6: "left thumb",
    7: "left index",
    8: "left middle",
    9: "left ring",
    10: "left little",
}


class Impression(StrEnum):
    """How the print was taken (ANSI/NIST impression types, simplified)."""

    LIVE_PLAIN = "live_plain"
    LIVE_ROLLED = "live_rolled"
    INK_PLAIN = "ink_plain"
    INK_ROLLED = "ink_rolled"
    LATENT = "latent"


@dataclass(frozen=True, slots=True)
class FingerprintRecord:
    """One enrolled impression of one finger of one person."""

    id: str
    person_id: str
    finger: int
    impression: Impression
    template: Template
    bureau: str | None = None
    district: str | None = None
    captured_on: str | None = None  # ISO date
    enrolled_at: str = field(
        default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds")
    )

    @property
    def quality(self) -> int:
        return self.template.quality

    def summary(self) -> dict[str, Any]:
        """The record without its template (what search results show)."""
        return {
            "id": self.id,
            "person_id": self.person_id,
            "finger": self.finger,
            "finger_name": FINGER_NAMES[self.finger],
            "impression": self.impression.value,
            "bureau": self.bureau,
            "district": self.district,
            "captured_on": self.captured_on,
            "enrolled_at": self.enrolled_at,
            "quality": self.quality,
            "minutiae_count": len(self.template.minutiae),
        }

    def body(self) -> dict[str, Any]:
        """The stored JSON body: the summary plus the base64 template."""
        return {
            **self.summary(),
            "template_b64": base64.b64encode(self.template.to_bytes()).decode(),
        }


def record_from_body(body: dict[str, Any]) -> FingerprintRecord:
    """Rebuild a record from its stored body."""
    template = Template.from_bytes(base64.b64decode(body["template_b64"]))
    return FingerprintRecord(
        id=body["id"],
        person_id=body["person_id"],
        finger=int(body["finger"]),
        impression=Impression(body["impression"]),
        template=template,
        bureau=body.get("bureau"),
        district=body.get("district"),
        captured_on=body.get("captured_on"),
        enrolled_at=body.get("enrolled_at", ""),
    )


def descriptor_keys(template: Template, n: int = DESCRIPTOR_KEYS) -> tuple[str, ...]:
    """Coarse retrieval keys: the ids of the strongest pre-filter descriptor bins."""
    d = descriptor(template)
    top = np.argsort(-d, kind="stable")[:n]
    return tuple(f"fpd:{int(i)}" for i in sorted(top.tolist()) if d[i] > 0)


def record_doc(rec: FingerprintRecord) -> IndexDoc:
    """The document stored for a record: body, descriptor keys, filter tags."""
    tags = [f"finger:{rec.finger}", f"person:{rec.person_id}", f"impression:{rec.impression.value}"]
    if rec.district:
        tags.append(district_tag(rec.district))
    return IndexDoc(rec.id, rec.body(), descriptor_keys(rec.template), tuple(tags))


def _clean(value: str | None, name: str, max_len: int = 100) -> str | None:
    if value is None:
        return None
    v = " ".join(str(value).split())
    if not v:
        return None
    if len(v) > max_len:
        raise ValidationError(f"longer than {max_len} characters", field=name)
    return v


def make_record(
    template: Template,
    *,
    person_id: str,
    finger: int,
    impression: Impression | str = Impression.LIVE_PLAIN,
    bureau: str | None = None,
    district: str | None = None,
    captured_on: date | str | None = None,
    record_id: str | None = None,
) -> FingerprintRecord:
    """Validate the record fields and build the record."""
    pid = _clean(person_id, "person_id")
    if not pid:
        raise ValidationError("a person id is required", field="person_id")
    if not isinstance(finger, int) or not 1 <= finger <= 10:
        raise ValidationError(
            "finger position must be 1..10 (1 right thumb .. 10 left little)", field="finger"
        )
    try:
        imp = Impression(impression)
    except ValueError:
        raise ValidationError(
            f"unknown impression type {impression!r}; use one of "
            + ", ".join(i.value for i in Impression),
            field="impression",
        ) from None
    day: str | None = None
    if captured_on:
        try:
            day = (
                captured_on
                if isinstance(captured_on, date)
                else date.fromisoformat(str(captured_on))
            ).isoformat()
        except ValueError:
            raise ValidationError("capture date must be YYYY-MM-DD", field="captured_on") from None
        if day > date.today().isoformat():
            raise ValidationError("capture date is in the future", field="captured_on")
    dist = _clean(district, "district")
    rid = _clean(record_id, "id") or f"FP-{uuid.uuid4().hex[:16]}"
    return FingerprintRecord(
        rid,
        pid,
        finger,
        imp,
        template,
        _clean(bureau, "bureau"),
        canonical_district(dist) if dist else None,
        day,
    )


@dataclass(frozen=True, slots=True)
class Comparison:
    """A verification result: score, evidence and what the score means."""

    score: float
    matched_minutiae: int
    fmr: float
    strength: str
    probe_quality: int
    other_quality: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "matched_minutiae": self.matched_minutiae,
            "false_match_rate": self.fmr,
            "strength": self.strength,
            "probe_quality": self.probe_quality,
            "other_quality": self.other_quality,
        }


@dataclass(frozen=True, slots=True)
class Candidate:
    """An identification candidate: the enrolled record and how well it matched."""

    record: FingerprintRecord
    hit: Hit

    def as_dict(self) -> dict[str, Any]:
        return {
            "record": self.record.summary(),
            "score": round(self.hit.score, 4),
            "matched_minutiae": self.hit.matched_minutiae,
            "false_match_rate": fmr_at(self.hit.score),
            "strength": strength(self.hit.score),
            "prefilter": round(self.hit.prefilter, 4),
        }


class _Gallery:
    """The in-process index of one backend's enrolled templates."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.index: FingerprintIndex | None = None
        self.records: dict[str, FingerprintRecord] = {}
        self.count = -1


_GALLERIES: weakref.WeakKeyDictionary[Any, _Gallery] = weakref.WeakKeyDictionary()
_GALLERIES_LOCK = threading.Lock()


def _gallery(backend: SearchBackend) -> _Gallery:
    with _GALLERIES_LOCK:
        g = _GALLERIES.get(backend)
        if g is None:
            g = _Gallery()
            _GALLERIES[backend] = g
        return g


class FingerprintService:
    """Enrol, fetch, delete, verify and identify prints stored in a SearchBackend."""

    def __init__(self, backend: SearchBackend) -> None:
        self.backend = backend

    def enrol(self, image: bytes, *, ppi: float = 500, **fields: Any) -> FingerprintRecord:
        """Extract a template from an image and store the record."""
        template = extract(image, ppi=ppi, field="image")
        rec = make_record(template, **fields)
        self.backend.upsert(KIND, [record_doc(rec)])
        self._invalidate()
        return rec

    def get(self, record_id: str) -> FingerprintRecord:
        body = self.backend.get(KIND, record_id)
        if body is None:
            raise NotFound(f"no fingerprint record with id {record_id!r}", field="id")
        return record_from_body(body)

    def delete(self, record_id: str) -> None:
        if not self.backend.delete(KIND, record_id):
            raise NotFound(f"no fingerprint record with id {record_id!r}", field="id")
        self._invalidate()

    def verify(
        self,
        probe: bytes,
        *,
        other: bytes | None = None,
        other_id: str | None = None,
        ppi: float = 500,
        other_ppi: float = 500,
    ) -> Comparison:
        """Compare a print with a second image or an enrolled record."""
        if (other is None) == (other_id is None):
            raise ValidationError(
                "give either a second image or an enrolled record id", field="other"
            )
        a = extract(probe, ppi=ppi, field="image")
        b = (
            extract(other, ppi=other_ppi, field="other")
            if other is not None
            else self.get(str(other_id)).template
        )
        r = match(a, b)
        return Comparison(
            r.score, r.matched_minutiae, fmr_at(r.score), strength(r.score), a.quality, b.quality
        )

    def identify(
        self, probe: bytes, *, top_k: int = 10, ppi: float = 500, finger: int | None = None
    ) -> list[Candidate]:
        """Best enrolled candidates for a print, best first (a person decides)."""
        if not 1 <= top_k <= MAX_TOP_K:
            raise ValidationError(f"top_k must be 1..{MAX_TOP_K}", field="top_k")
        if finger is not None and not 1 <= finger <= 10:
            raise ValidationError("finger position must be 1..10", field="finger")
        t = prepare(extract(probe, ppi=ppi, field="image"))
        g = self._loaded()
        with g.lock:
            index, records = g.index, dict(g.records)
        if index is None or not len(index):
            return []
        k = top_k if finger is None else MAX_TOP_K
        hits = index.identify(t, top_k=k)
        out = [Candidate(records[h.id], h) for h in hits if h.id in records]
        if finger is not None:
            out = [c for c in out if c.record.finger == finger]
        return out[:top_k]

    def _invalidate(self) -> None:
        g = _gallery(self.backend)
        with g.lock:
            g.index, g.records, g.count = None, {}, -1

    def _loaded(self) -> _Gallery:
        g = _gallery(self.backend)
        with g.lock:
            stored = self.backend.count(KIND)
            if g.index is None or g.count != stored:
                index = FingerprintIndex()
                records = {}
                for doc in self.backend.iter_docs(KIND):
                    rec = record_from_body(doc.body)
                    records[rec.id] = rec
                    index.add(rec.id, rec.template)
                g.index, g.records, g.count = index, records, stored
        return g
