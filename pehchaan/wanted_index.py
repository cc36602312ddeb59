"""The wanted lists in memory for one cross-check run, and the check of registrations.

Wanted vehicles (stolen, abandoned, wanted-linked) are read once through the
``SearchBackend`` protocol into key tables (``pehchaan.wanted_tables``), so a registration
that matches nothing costs a few dictionary look-ups. Registrations are checked a chunk
at a time: the key look-ups run per row, then every (reading, wanted plate) pair that
survives a cheap bound is scored by the misreading model in one numpy table
(``EncodedTable.pair_costs``) instead of one Python table per pair.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import OSA

from indexer.base import SearchBackend
from matcher.plate_batch import EncodedTable
from matcher.plate_keys import fold
from matcher.plate_similarity import (
    MIN_EDIT_COST,
    SCALE,
    describe_ops,
    explain_misread,
    similarity_from_cost,
)
from matcher.plates import loose_compact, spelling_variants, state_codes, try_parse
from matcher.vehicle_ids import TAIL, id_score, id_similarity
from pehchaan.crosscheck_hits import WANTED_STATUSES, Hit, Registration, hit_order
from pehchaan.gc_tuning import freeze_long_lived
from pehchaan.vehicles import KIND as VEHICLES
from pehchaan.vehicles import _registered  # one cache of parsed plates for search and check
from pehchaan.wanted_persons import owner_hits, owner_may_be_wanted, wanted_person_keys
from pehchaan.wanted_tables import Bucket, IdTables, add, gather, reading_keys, stored_keys

# A plate reading hits down to one dropped character (0.59). A reading that is itself a
# valid, different plate must also not be contradicted by the make or model: in densely
# issued series it is usually another real vehicle.
PLATE_MIN = 0.55
ID_MIN = 0.55
# No error set costs less than MIN_EDIT_COST per edit between confusion-folded spellings,
# so candidates more folded edits away than this cannot reach the thresholds.
MAX_FOLDED_EDITS = int(-SCALE * math.log2(min(PLATE_MIN, ID_MIN)) // MIN_EDIT_COST)


@dataclass(slots=True)
class _WantedVehicle:
    id: str
    status: str
    registration: str | None
    chassis: str | None
    engine: str | None
    summary: dict[str, Any]


def _summary(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: body.get(k) for k in ("registration", "chassis", "engine", "make", "model",
                                      "colour", "status", "district", "police_station", "fir",
                                      "linked_person_ids") if body.get(k)}


class WantedIndex:
    """The wanted vehicles' keys in memory for one run; wanted persons' name keys too."""

    def __init__(self) -> None:
        self.vehicles: list[_WantedVehicle] = []
        # folded spellings, their one-character deletions and adjacent swaps, one
        # namespace: a reading asks for itself and for itself without a doubled character
        # (``wanted_tables.stored_keys`` / ``reading_keys``)
        self.plates: dict[str, Bucket] = {}
        # every folded spelling of each wanted plate, for the cheap lower bound
        self.plate_folds: dict[int, tuple[str, ...]] = {}
        self.plate_facts: dict[int, tuple[str, str]] = {}  # normalised make, model
        # the same plate keys in one table per normalised model ('' when unknown): a
        # reading that is a valid plate only needs candidates of its own model
        self.plates_by_model: dict[str, dict[str, Bucket]] = {}
        self.exact_plates: dict[str, Bucket] = {}
        self.ids: dict[str, IdTables] = {"chassis": IdTables(), "engine": IdTables()}
        self.id_folds: dict[str, dict[int, str]] = {"chassis": {}, "engine": {}}
        self.person_keys: frozenset[str] = frozenset()
        self.backend: SearchBackend | None = None
        self._encoded = EncodedTable()

    @classmethod
    def build(cls, backend: SearchBackend, *, with_persons: bool = True) -> WantedIndex:
        """Read the wanted vehicles (and wanted persons' name keys) through the protocol."""
        index = cls()
        index.backend = backend
        for doc in backend.iter_docs(VEHICLES, batch_size=5000):
            if doc.body.get("status") in WANTED_STATUSES:
                index.add_vehicle(doc.id, doc.body)
        if with_persons:
            index.person_keys = frozenset(wanted_person_keys(backend))
        # every wanted plate encoded once, here: forked workers share the arrays
        index._encoded.rows([v.registration for v in index.vehicles if v.registration],
                            _registered)
        # The tables are millions of long-lived objects without cycles: keep the cyclic
        # collector from walking them on every full collection (it tripled the time per
        # row), and let forked workers share their pages untouched.
        freeze_long_lived()
        return index

    def add_vehicle(self, doc_id: str, body: Mapping[str, Any]) -> None:
        n = len(self.vehicles)
        reg = body.get("registration")
        self.vehicles.append(_WantedVehicle(doc_id, str(body.get("status")), reg,
                                            body.get("chassis"), body.get("engine"),
                                            _summary(body)))
        if reg:
            plate = try_parse(reg)
            spellings = spelling_variants(plate) if plate else (loose_compact(reg),)
            facts = _facts_key(body)
            by_model = self.plates_by_model.setdefault(facts[-1], {})
            for spelling in spellings:
                f = fold(spelling)
                for key in stored_keys(f):
                    add(self.plates, key, n)
                    add(by_model, key, n)
            if plate is not None:
                add(self.exact_plates, plate.canonical, n)
            written = _registered(reg).spellings()  # cached: build() encodes it next
            self.plate_folds[n] = tuple({fold(x) for x in written})
            self.plate_facts[n] = facts
        for name in ("chassis", "engine"):
            value = body.get(name)
            if value:
                f = fold(loose_compact(str(value)))
                self.ids[name].add(f, n)
                self.id_folds[name][n] = f

    # -- checks ------------------------------------------------------------------
    def check(self, reg: Registration) -> list[Hit]:
        """Every wanted record this registration matches, best first."""
        return self.check_many([reg])[0]

    def check_many(self, regs: Sequence[Registration], *,
                   owners: bool = True) -> list[list[Hit]]:
        """``check`` for many registrations: plate candidates scored together.

        ``owners=False`` leaves out owner names (a worker process without the store)."""
        out: list[list[Hit]] = [[] for _ in regs]
        pending: list[tuple[int, str, int]] = []  # (registration, reading, wanted vehicle)
        for i, reg in enumerate(regs):
            hits = out[i]
            if reg.registration:
                self._plate_candidates(i, reg.registration, reg.extra, hits, pending)
            if reg.chassis:
                hits += self._check_id("chassis", reg.chassis)
            if reg.engine:
                hits += self._check_id("engine", reg.engine)
            if owners and reg.owner_name:
                hits += self.check_owner(reg.owner_name)
        if pending:
            self._score_plates(pending, out)
        for hits in out:
            hits.sort(key=hit_order)
        return out

    def _plate_candidates(self, i: int, text: str, facts: Mapping[str, str] | None,
                          hits: list[Hit], pending: list[tuple[int, str, int]]) -> None:
        """Exact hits go to ``hits``; other candidates within the folded bound to
        ``pending`` (scored together by ``_score_plates``)."""
        obs = loose_compact(text)
        if not obs:
            return
        f = fold(obs)
        keys = reading_keys(f)
        parsed = _parsed_canonical(obs)
        vehicles = self.vehicles
        mine = _facts_key(facts)
        found: set[int] = set()
        if parsed is not None and mine[-1]:
            # a valid plate with a known model: the exact plate, or candidates of the same
            # model or of unknown model (any other model contradicts it)
            gather(self.exact_plates, (parsed,), found)
            for model in (mine[-1], ""):  # '': wanted plates without a model
                if (table := self.plates_by_model.get(model)) is not None:
                    gather(table, keys, found)
        else:
            gather(self.plates, keys, found)
        if not found:
            return
        folds = self.plate_folds
        facts_of = self.plate_facts
        for n in found:
            registration = vehicles[n].registration
            if registration == parsed:
                hits.append(self._plate_hit(obs, n, 1.0))
                continue
            if parsed is not None:
                theirs = facts_of[n]
                if theirs != mine and not _agrees(mine, theirs):
                    continue
            for s in folds[n]:
                if OSA.distance(f, s, score_cutoff=MAX_FOLDED_EDITS) <= MAX_FOLDED_EDITS:
                    pending.append((i, obs, n))
                    break

    def _score_plates(self, pending: list[tuple[int, str, int]],
                      out: list[list[Hit]]) -> None:
        vehicles = self.vehicles
        rows = self._encoded.rows([str(vehicles[n].registration) for _, _, n in pending],
                                  _registered)
        costs = self._encoded.pair_costs([obs for _, obs, _ in pending], rows)
        for (i, obs, n), cost in zip(pending, costs.tolist(), strict=True):
            score = similarity_from_cost(cost)
            if score >= PLATE_MIN:
                out[i].append(self._plate_hit(obs, n, score))

    def _plate_hit(self, obs: str, n: int, score: float) -> Hit:
        v = self.vehicles[n]
        assert v.registration is not None
        ops = ([] if obs == v.registration  # the canonical spelling: nothing to explain
               else explain_misread(obs, _registered(v.registration))[1])
        how = "exact" if not ops else "misread"
        return Hit("registration", how, score,
                   f"plate {v.registration} ~ {obs}: {describe_ops(ops)}",
                   VEHICLES, v.id, v.status, v.summary)

    def _check_id(self, name: str, value: str) -> list[Hit]:
        s = loose_compact(value)
        if len(s) < 4:
            return []
        f = fold(s)
        found = self.ids[name].lookup(f)
        if not found:
            return []
        folds = self.id_folds[name]
        hits = []
        for n in found:
            v = self.vehicles[n]
            recorded = getattr(v, name)
            if not recorded:
                continue
            theirs = folds[n]
            if (len(f) > TAIL and len(theirs) > TAIL and OSA.distance(
                    f, theirs, score_cutoff=MAX_FOLDED_EDITS) > MAX_FOLDED_EDITS):
                continue  # two full numbers compared in full: the bound holds
            score = id_score(s, recorded)
            if score >= ID_MIN:
                feature = id_similarity(s, recorded, label=name)
                how = ("exact" if s == recorded else
                       "last characters" if "(last " in feature.detail else "misread")
                hits.append(Hit(name, how, score, feature.detail, VEHICLES, v.id, v.status,
                                v.summary))
        return hits

    def check_owner(self, owner: str) -> list[Hit]:
        """The wanted persons an owner's name matches (person search, cached per name)."""
        if (self.backend is None or not self.person_keys
                or not owner_may_be_wanted(owner, self.person_keys)):
            return []
        return list(owner_hits(self.backend, owner))


def _facts_key(facts: Mapping[str, Any] | None) -> tuple[str, str]:
    """Normalised make and model ('' when unknown), compared by ``_agrees``."""
    if not facts:
        return ("", "")
    return _normalised(facts.get("make") or "", facts.get("model") or "")


@lru_cache(maxsize=4096)
def _normalised(make: object, model: object) -> tuple[str, str]:
    return _norm(str(make)), _norm(str(model))


def _agrees(mine: tuple[str, str], theirs: tuple[str, str]) -> bool:
    """A reading that is itself a valid plate, one likely error away from a wanted plate,
    is usually another real vehicle (plates are issued densely): it is a hit only when no
    known make or model contradicts the wanted record."""
    return all(not a or not b or a == b for a, b in zip(mine, theirs, strict=True))


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


_STANDARD = re.compile(r"([A-Z]{2})(\d{1,2})([A-Z]{0,3})(\d{1,4})")


def _parsed_canonical(obs: str) -> str | None:
    """``try_parse(obs).canonical`` (None when not a plate), with the common standard shape
    checked by one regular expression first (the cross-check asks for every reading that
    has a candidate; the test holds it to ``try_parse``)."""
    m = _STANDARD.fullmatch(obs)
    if m:
        state, rto, series, number = m.groups()
        if (state in state_codes() and int(rto) and int(number) and "I" not in series
                and "O" not in series):
            return f"{state}{rto.zfill(2)}{series}{number.zfill(4)}"
    plate = try_parse(obs)
    return None if plate is None else plate.canonical
