"""Vehicle records: validation, index documents and the ranked, explained search.

Records go into the store of kind ``vehicles`` only through the ``SearchBackend``
protocol (keys and tags computed here), so the embedded store and Elasticsearch find the
same candidates, and ``matcher/`` ranks them the same way. Plate, chassis and engine are
each searchable on their own because plates are swapped on stolen vehicles.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.base import Candidate, CandidateQuery, IndexDoc, JsonDict, SearchBackend
from indexer.ingest import IngestReport, load_file
from matcher.explain import Explained, FeatureResult, FeatureScore
from matcher.plate_batch import EncodedTable
from matcher.plate_keys import (
    plate_partial_keys,
    plate_query_keys,
    plate_record_keys,
    plate_repair_keys,
)
from matcher.plate_similarity import (
    DROP,
    SCALE,
    Registered,
    describe_ops,
    misread_cost,
    plate_similarity,
    similarity_from_cost,
)
from matcher.plates import PlateError, compact, loose_compact, parse_plate, try_parse
from matcher.vehicle_ids import (
    id_query_keys,
    id_record_keys,
    id_score,
    id_similarity,
    normalize_id,
)
from pehchaan.errors import NotFound, ValidationError

KIND = "vehicles"
STATUSES = ("stolen", "recovered", "seized", "abandoned", "unclaimed", "wanted-linked")
TEXT_FIELDS = ("make", "model", "colour", "vehicle_type", "district", "police_station", "fir")
MAX_TEXT = 500
MAX_LIST = 50
ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
CANDIDATE_LIMIT = 64
PARTIAL_MAX = 6


def slug(text: str) -> str:
    """Lower-case words joined by dashes: the form of a filter tag."""
    return "-".join(re.findall(r"[0-9a-z\u0900-\u097f]+", text.lower()))


@dataclass(frozen=True, slots=True)
class VehicleRecord:
    """A validated vehicle: identifiers normalised, plate parsed when it is a plate."""

    id: str
    status: str
    registration: str | None = None
    registration_raw: str | None = None
    plate_kind: str | None = None
    registration_note: str | None = None
    chassis: str | None = None
    engine: str | None = None
    make: str | None = None
    model: str | None = None
    colour: str | None = None
    vehicle_type: str | None = None
    district: str | None = None
    police_station: str | None = None
    fir: str | None = None
    owner_names: tuple[str, ...] = ()
    linked_person_ids: tuple[str, ...] = ()

    def as_dict(self) -> JsonDict:
        out: JsonDict = {name: getattr(self, name) for name in self.__slots__}
        out["owner_names"] = list(self.owner_names)
        out["linked_person_ids"] = list(self.linked_person_ids)
        return out


def _text(data: Mapping[str, Any], name: str, limit: int = MAX_TEXT) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("must be text", field=name)
    value = " ".join(value.split())
    if len(value) > limit:
        raise ValidationError(f"longer than {limit} characters", field=name)
    return value or None


def _text_list(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise ValidationError(f"must be a list of at most {MAX_LIST} texts", field=name)
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ValidationError("must be text", field=f"{name}[{i}]")
        item = " ".join(item.split())
        if len(item) > MAX_TEXT:
            raise ValidationError(f"longer than {MAX_TEXT} characters", field=f"{name}[{i}]")
        if item:
            out.append(item)
    return tuple(out)


def _identifier(data: Mapping[str, Any], name: str) -> str | None:
    raw = _text(data, name, 64)
    if raw is None:
        return None
    value = normalize_id(raw)
    if len(value) < 4:
        raise ValidationError(f"{raw!r} has {len(value)} letters/digits; at least 4 needed",
                              field=name)
    if len(value) > 25:
        raise ValidationError(f"{len(value)} letters/digits; at most 25", field=name)
    return value


def validate_vehicle(data: Mapping[str, Any], *, new_id: str | None = None) -> VehicleRecord:
    """Check a vehicle as received (API, file) and normalise it; ValidationError names the field."""
    if not isinstance(data, Mapping):
        raise ValidationError("a vehicle must be an object")
    unknown = sorted(set(data) - set(VehicleRecord.__slots__) - {"registration"})
    if unknown:
        raise ValidationError(f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
    doc_id = data.get("id") or new_id or f"v-{uuid.uuid4().hex[:16]}"
    if not isinstance(doc_id, str) or not ID_RE.fullmatch(doc_id):
        raise ValidationError("1-64 letters, digits or _ . : -", field="id")
    status = data.get("status")
    if status not in STATUSES:
        raise ValidationError(f"must be one of {', '.join(STATUSES)}", field="status")
    registration = plate_kind = note = None
    raw = _text(data, "registration", 40)
    if raw is not None:
        try:
            plate = parse_plate(raw)
            registration, plate_kind = plate.canonical, plate.kind
        except PlateError as exc:
            if exc.code in ("bad_character", "empty", "too_short", "too_long"):
                raise ValidationError(f"{raw!r} is not a plate: {exc.message}",
                                      field="registration") from exc
            registration, plate_kind, note = compact(raw), "unrecognised", exc.message
    chassis = _identifier(data, "chassis")
    engine = _identifier(data, "engine")
    if not (registration or chassis or engine):
        raise ValidationError("at least one of registration, chassis, engine is needed",
                              field="registration")
    texts = {name: _text(data, name) for name in TEXT_FIELDS}
    return VehicleRecord(
        id=doc_id, status=status, registration=registration, registration_raw=raw,
        plate_kind=plate_kind, registration_note=note, chassis=chassis, engine=engine,
        owner_names=_text_list(data, "owner_names"),
        linked_person_ids=_text_list(data, "linked_person_ids"), **texts)


def record_keys(record: VehicleRecord | Mapping[str, Any]) -> list[str]:
    """Retrieval keys of a record: plate misreading neighbourhood, chassis and engine keys."""
    get = record.get if isinstance(record, Mapping) else lambda n: getattr(record, n)
    keys: list[str] = []
    registration = get("registration")
    if registration:
        keys += plate_record_keys(try_parse(registration), registration)
    for name, prefix in (("chassis", "c"), ("engine", "e")):
        value = get(name)
        if value:
            keys += id_record_keys(prefix, str(value))
    return keys


def record_tags(record: VehicleRecord) -> list[str]:
    """Filter tags: status, district, police station, type, make, plate kind."""
    tags = [f"status:{record.status}"]
    for name, prefix in (("district", "district"), ("police_station", "ps"),
                         ("vehicle_type", "type"), ("make", "make"), ("plate_kind", "plate")):
        value = getattr(record, name)
        if value:
            tags.append(f"{prefix}:{slug(value)}")
    return tags


def to_index_doc(record: VehicleRecord) -> IndexDoc:
    return IndexDoc(id=record.id, body=record.as_dict(), keys=tuple(record_keys(record)),
                    tags=tuple(record_tags(record)))


@dataclass(frozen=True, slots=True)
class LoadReport:
    """What a bulk load did: ids stored, and each rejected item with its position and reason."""

    ids: list[str]
    errors: list[dict[str, Any]]


def add_vehicles(backend: SearchBackend, items: Sequence[Mapping[str, Any]], *,
                 batch_size: int = 2000) -> LoadReport:
    """Validate and store many vehicles; bad items are reported, good ones still go in."""
    ids: list[str] = []
    errors: list[dict[str, Any]] = []
    batch: list[IndexDoc] = []
    for index, item in enumerate(items):
        try:
            record = validate_vehicle(item)
        except ValidationError as exc:
            errors.append({"index": index, "field": exc.field, "detail": exc.detail})
            continue
        batch.append(to_index_doc(record))
        ids.append(record.id)
        if len(batch) >= batch_size:
            backend.upsert(KIND, batch)
            batch = []
    backend.upsert(KIND, batch)
    return LoadReport(ids, errors)


def vehicle_doc_from_row(values: dict[str, Any], fmt: str) -> IndexDoc:
    """One CSV/JSONL row to an index document; lists in CSV cells are joined by '|'."""
    if fmt == "csv":
        values = dict(values)
        for name in ("owner_names", "linked_person_ids"):
            if isinstance(values.get(name), str):
                values[name] = [v.strip() for v in values[name].split("|") if v.strip()]
    return to_index_doc(validate_vehicle(values))


def load_vehicle_file(backend: SearchBackend, path: Path) -> IngestReport:
    """Load vehicle records from CSV or JSONL; bad rows reported with their line numbers."""
    return load_file(backend, KIND, path, vehicle_doc_from_row, batch_size=2000)


def get_vehicle(backend: SearchBackend, vehicle_id: str) -> JsonDict:
    body = backend.get(KIND, vehicle_id)
    if body is None:
        raise NotFound(f"no vehicle with id {vehicle_id!r}")
    return body


@dataclass(frozen=True, slots=True)
class VehicleQuery:
    """What to look for (any of plate, chassis, engine; full or partial) and filters."""

    plate: str | None = None
    chassis: str | None = None
    engine: str | None = None
    partial_plate: bool | None = None  # None: decided from the reading's length
    statuses: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    police_stations: tuple[str, ...] = ()
    vehicle_types: tuple[str, ...] = ()
    makes: tuple[str, ...] = ()
    k: int = 10
    min_score: float = 0.0


@dataclass(frozen=True, slots=True)
class VehicleHit:
    """A ranked vehicle with its explained score."""

    id: str
    score: float
    explained: Explained
    record: JsonDict = field(default_factory=dict)

    def as_dict(self) -> JsonDict:
        return {"id": self.id, "score": round(self.score, 4), "record": self.record,
                "explanation": self.explained.as_dict()}


def validate_query(query: VehicleQuery) -> VehicleQuery:
    if not any(loose_compact(v or "") for v in (query.plate, query.chassis, query.engine)):
        raise ValidationError("give at least one of plate, chassis, engine", field="plate")
    for name in ("plate", "chassis", "engine"):
        value = getattr(query, name)
        if value is not None and len(value) > 64:
            raise ValidationError("longer than 64 characters", field=name)
    bad = [s for s in query.statuses if s not in STATUSES]
    if bad:
        raise ValidationError(f"unknown status {bad[0]!r}; one of {', '.join(STATUSES)}",
                              field="status")
    if not 1 <= query.k <= 1000:
        raise ValidationError("must be between 1 and 1000", field="k")
    return query


def tag_groups(query: VehicleQuery) -> list[list[str]]:
    groups = []
    for values, prefix in ((query.statuses, "status"), (query.districts, "district"),
                           (query.police_stations, "ps"), (query.vehicle_types, "type"),
                           (query.makes, "make")):
        if values:
            groups.append([f"{prefix}:{v if prefix == 'status' else slug(v)}" for v in values])
    return groups


@lru_cache(maxsize=300_000)
def _registered(registration: str) -> Registered:
    return Registered.from_text(registration)


def _is_partial(query: VehicleQuery, obs: str) -> bool:
    if query.partial_plate is not None:
        return query.partial_plate
    return len(obs) <= PARTIAL_MAX and try_parse(obs) is None


def query_keys(query: VehicleQuery, *, wide: bool = False) -> dict[str, float]:
    keys: dict[str, float] = {}
    if query.plate and (obs := loose_compact(query.plate)):
        if _is_partial(query, obs):
            keys.update(plate_partial_keys(obs))
            if query.partial_plate is None:
                # a short reading that does not parse may also be a whole short plate
                # misread (diplomatic 11CD2I, pre-1989 PCWI): its own keys too
                for key, weight in plate_query_keys(obs, None, wide=wide).items():
                    keys.setdefault(key, weight)
        else:
            keys.update(plate_query_keys(obs, try_parse(obs), wide=wide))
    if query.chassis:
        keys.update(id_query_keys("c", query.chassis))
    if query.engine:
        keys.update(id_query_keys("e", query.engine))
    return keys


def search_vehicles(backend: SearchBackend, query: VehicleQuery) -> list[VehicleHit]:
    """Candidates by keys, ranked by the misreading model, best first, each explained."""
    validate_query(query)
    # One call with the wide plate keys: a reading that is itself another real plate, or
    # is well explained by a near one, may still be a misreading of a plate only they
    # find (a dropped character, an error inside the number). Asking the narrow keys
    # first and widening when needed cost a second call on most queries.
    keys = query_keys(query, wide=True)
    if not keys:
        return []
    groups = tag_groups(query)
    candidates = backend.candidates(KIND, CandidateQuery(keys=keys, tag_groups=groups,
                                                         limit=CANDIDATE_LIMIT))
    hits = rank_candidates(query, candidates)
    repair = _repair_keys(query, hits)
    if not repair:
        return hits
    found = {c.id for c in candidates}
    more = backend.candidates(KIND, CandidateQuery(keys=repair, tag_groups=groups,
                                                   limit=CANDIDATE_LIMIT))
    return rank_candidates(query, [*candidates, *(c for c in more if c.id not in found)])


ONE_DROP_SCORE = similarity_from_cost(DROP)


def _repair_keys(query: VehicleQuery, hits: list[VehicleHit]) -> dict[str, float]:
    """The keys of a reading that lost two characters, when no hit explains the reading
    better than one dropped character does (the keys of the first call find plates up
    to one drop, extra or swap plus any confusable substitutions)."""
    obs = loose_compact(query.plate or "")
    if not obs or _is_partial(query, obs):
        return {}
    best = max((f.score or 0.0 for h in hits for f in h.explained.features if f.name == "plate"),
               default=0.0)
    return plate_repair_keys(obs) if best <= ONE_DROP_SCORE else {}


def rank_candidates(query: VehicleQuery, candidates: Iterable[Candidate]) -> list[VehicleHit]:
    """Score candidates, explain only the k best.

    A plate-only query takes the fast path: the misreading costs of all candidates are
    computed together (``matcher.plate_batch``, numpy); ``rank_candidates_reference``
    scores candidate by candidate in plain Python and must agree.
    """
    obs = loose_compact(query.plate or "")
    partial = bool(obs) and _is_partial(query, obs)
    cands = list(candidates)
    if obs and not partial and not query.chassis and not query.engine:
        order = _fast_plate_order(query, obs, cands)
    else:
        order = _scored_order(query, obs, partial, cands)
    plates = _plate_features(obs, partial, order)
    return [_explain(query, obs, partial, c, plates.get(c.id)) for c in order]


def _plate_features(obs: str, partial: bool, order: list[Candidate]) -> dict[str, FeatureScore]:
    """Plate explanations of the returned hits, computed together (``_TABLE.explain``)."""
    with_plate = [c for c in order if c.body.get("registration")]
    if not obs or not with_plate:
        return {}
    regs = [_registered(c.body["registration"]) for c in with_plate]
    rows = _TABLE.rows([c.body["registration"] for c in with_plate], _registered)
    what = "end of plate" if partial else "plate"
    out = {}
    explained = _TABLE.explain(obs, rows, regs, partial=partial)
    for cand, reg, (cost, ops) in zip(with_plate, regs, explained, strict=True):
        score = similarity_from_cost(cost)
        out[cand.id] = FeatureScore(score, f"{what} {reg.text} ~ {obs} {score:.2f}: "
                                           f"{describe_ops(ops)}")
    return out


def rank_candidates_reference(query: VehicleQuery,
                              candidates: Iterable[Candidate]) -> list[VehicleHit]:
    """Plain reference: every candidate fully scored and sorted."""
    obs = loose_compact(query.plate or "")
    partial = bool(obs) and _is_partial(query, obs)
    order = _scored_order(query, obs, partial, list(candidates))
    return [_explain(query, obs, partial, c) for c in order]


def _scored_order(query: VehicleQuery, obs: str, partial: bool,
                  cands: list[Candidate]) -> list[Candidate]:
    scored = []
    for cand in cands:
        score = _quick_score(query, obs, partial, cand.body)
        if score >= query.min_score:
            scored.append((-score, -cand.key_score, cand.id, cand))
    scored.sort(key=lambda t: t[:3])
    return [c for *_, c in scored[:query.k]]


def _fast_plate_order(query: VehicleQuery, obs: str, cands: list[Candidate]) -> list[Candidate]:
    with_plate = [c for c in cands if c.body.get("registration")]
    if not with_plate:
        return []
    rows = _TABLE.rows([c.body["registration"] for c in with_plate], _registered)
    costs = _TABLE.costs(obs, rows)
    limit = similarity_from_cost_inverse(query.min_score)
    ranked = sorted((float(cost), -c.key_score, c.id, c)
                    for cost, c in zip(costs, with_plate, strict=True) if cost <= limit)
    return [c for *_, c in ranked[:query.k]]


_TABLE = EncodedTable()


def similarity_from_cost_inverse(min_score: float) -> float:
    """The largest cost whose similarity still reaches ``min_score``."""
    if min_score <= 0:
        return float("inf")
    return -SCALE * math.log2(min_score) + 1e-9


def _plate_score(obs: str, partial: bool, body: Mapping[str, Any]) -> float | None:
    registration = body.get("registration")
    if not obs or not registration:
        return None
    return similarity_from_cost(misread_cost(obs, _registered(registration), partial=partial))


def _combine(scores: Sequence[float]) -> float:
    """The best identifier counts three times the others: one agreeing identifier is a lead
    even when the plate was swapped, and more agreeing identifiers lift it further."""
    if not scores:
        return 0.0
    best = max(scores)
    return (3 * best + sum(scores) - best) / (3 + len(scores) - 1)


def _quick_score(query: VehicleQuery, obs: str, partial: bool, body: Mapping[str, Any]) -> float:
    scores = []
    plate = _plate_score(obs, partial, body)
    if plate is not None:
        scores.append(plate)
    for name in ("chassis", "engine"):
        value = getattr(query, name)
        if value and body.get(name):
            scores.append(id_score(value, body[name]))
    return _combine(scores)


def _explain(query: VehicleQuery, obs: str, partial: bool, cand: Candidate,
             plate_feature: FeatureScore | None = None) -> VehicleHit:
    body = cand.body
    features: list[FeatureScore | None] = []
    names: list[str] = []
    if obs:
        names.append("plate")
        if plate_feature is not None:
            features.append(plate_feature)
        elif body.get("registration"):
            features.append(plate_similarity(obs, _registered(body["registration"]),
                                             partial=partial))
        else:
            features.append(FeatureScore(None, "not compared: record has no registration"))
    for name in ("chassis", "engine"):
        value = getattr(query, name)
        if value:
            names.append(name)
            features.append(id_similarity(value, body[name], label=name) if body.get(name)
                            else FeatureScore(None, f"not compared: record has no {name}"))
    known = [(n, f) for n, f in zip(names, features, strict=True)
             if f is not None and f.score is not None]
    total = _combine([f.score for _, f in known if f.score is not None])
    best = max((f.score or 0.0 for _, f in known), default=0.0)
    weights = {}
    seen_best = False
    for n, fs in known:
        is_best = not seen_best and fs.score == best
        seen_best = seen_best or is_best
        weights[n] = 3.0 if is_best else 1.0
    wsum = sum(weights.values()) or 1.0
    results = []
    for n, feature in zip(names, features, strict=True):
        assert feature is not None
        w = weights.get(n, 0.0)
        results.append(FeatureResult(name=n, score=feature.score, weight=w,
                                     contribution=(feature.score or 0.0) * w / wsum,
                                     detail=feature.detail))
    return VehicleHit(id=cand.id, score=total, explained=Explained(total, tuple(results)),
                      record=dict(body))
