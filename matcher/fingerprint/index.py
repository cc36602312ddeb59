"""1:N identification: a vectorised pre-filter over every enrolled print, then full
MCC matching of a shortlist.

The pre-filter descriptor is a histogram of minutia *pairs* (distance, relative
direction, and the direction of the second minutia seen from the first), which
does not change when the print is rotated or shifted. Comparing a probe with
10,000 enrolled prints is one matrix-vector product; only the best few hundred
are then matched properly.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .prepared import Prepared, match, prepare
from .template import Template

D_BINS = 10  # pair distance bins of D_STEP pixels
D_STEP = 12.0
A_BINS = 12  # relative direction bins
R_BINS = 12  # radial angle bins
DIM = D_BINS * A_BINS * R_BINS
SHORTLIST = 100
CACHE = 4000  # prepared templates kept in memory
TWO_PI = 2 * math.pi
F64 = npt.NDArray[np.float64]


def _pair_features(xy: F64, ang: F64) -> tuple[F64, F64, F64]:
    """Distance, relative direction and radial angle of every ordered pair i != j."""
    dx = xy[None, :, 0] - xy[:, None, 0]
    dy = xy[None, :, 1] - xy[:, None, 1]
    dist = np.hypot(dx, dy)
    rel = np.mod(ang[None, :] - ang[:, None], TWO_PI)
    rad = np.mod(np.arctan2(dy, dx) - ang[:, None], TWO_PI)
    return dist, rel, rad


def descriptor(template: Template) -> npt.NDArray[np.float32]:
    """Rotation- and translation-invariant pair histogram, square-rooted, unit length.

    Each pair is shared between the two nearest bins of every dimension (trilinear
    soft binning), so a pair moved a little by distortion changes the histogram a
    little instead of jumping to another bin.
    """
    xy, ang = template.arrays()
    h = np.zeros(DIM, dtype=np.float64)
    if len(xy) >= 2:
        dist, rel, rad = _pair_features(xy, ang)
        ok = (dist > 0) & (dist < (D_BINS - 0.5) * D_STEP)
        d = dist[ok] / D_STEP - 0.5
        a = rel[ok] / TWO_PI * A_BINS - 0.5
        r = rad[ok] / TWO_PI * R_BINS - 0.5
        d0, a0, r0 = np.floor(d), np.floor(a), np.floor(r)
        fd, fa, fr = d - d0, a - a0, r - r0
        for sd in (0, 1):
            di = (d0 + sd).astype(np.int64)
            wd = np.where(sd, fd, 1 - fd) * ((di >= 0) & (di < D_BINS))
            di = np.clip(di, 0, D_BINS - 1)
            for sa in (0, 1):
                ai = (a0 + sa).astype(np.int64) % A_BINS
                wa = np.where(sa, fa, 1 - fa)
                for sr in (0, 1):
                    ri = (r0 + sr).astype(np.int64) % R_BINS
                    wr = np.where(sr, fr, 1 - fr)
                    np.add.at(h, (di * A_BINS + ai) * R_BINS + ri, wd * wa * wr)
    return _finish(h)


def descriptor_reference(template: Template) -> npt.NDArray[np.float32]:
    """The same histogram pair by pair and corner by corner, for tests."""
    h = np.zeros(DIM, dtype=np.float64)
    ms = template.minutiae
    for i, a in enumerate(ms):
        for j, b in enumerate(ms):
            dist = math.hypot(b.x - a.x, b.y - a.y)
            if i == j or not 0 < dist < (D_BINS - 0.5) * D_STEP:
                continue
            rel = (b.angle - a.angle) % TWO_PI
            rad = (math.atan2(b.y - a.y, b.x - a.x) - a.angle) % TWO_PI
            coords = (dist / D_STEP - 0.5, rel / TWO_PI * A_BINS - 0.5, rad / TWO_PI * R_BINS - 0.5)
            for corner in range(8):
                w = 1.0
                idx = []
                for k, (c, n) in enumerate(zip(coords, (D_BINS, A_BINS, R_BINS), strict=True)):
                    lo = math.floor(c)
                    up = (corner >> k) & 1
                    w *= (c - lo) if up else (1 - (c - lo))
                    b_ = lo + up
                    if k == 0 and not 0 <= b_ < n:
                        w = 0.0
                    idx.append(min(max(b_, 0), n - 1) if k == 0 else b_ % n)
                h[(idx[0] * A_BINS + idx[1]) * R_BINS + idx[2]] += w
    return _finish(h)


def _finish(h: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    h = np.sqrt(h)
    n = float(np.linalg.norm(h))
    return (h / n if n > 0 else h).astype(np.float32)


@dataclass(frozen=True, slots=True)
class Hit:
    """One identification candidate."""

    id: str
    score: float
    matched_minutiae: int
    prefilter: float


class FingerprintIndex:
    """Enrolled templates in memory: descriptors in one matrix, prepared templates in
    an LRU cache (cylinders are large, so they are rebuilt for cold candidates)."""

    def __init__(self, cache_size: int = CACHE) -> None:
        self._ids: list[str] = []
        self._pos: dict[str, int] = {}
        self._templates: list[Template] = []
        self._desc = np.zeros((0, DIM), dtype=np.float32)
        self._pending: list[npt.NDArray[np.float32]] = []
        self._cache: OrderedDict[str, Prepared] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()  # identify may run in several request threads

    def __len__(self) -> int:
        return len(self._ids)

    def add(self, doc_id: str, template: Template) -> None:
        """Enrol (or replace) one template."""
        if doc_id in self._pos:
            self.remove(doc_id)
        self._pos[doc_id] = len(self._ids)
        self._ids.append(doc_id)
        self._templates.append(template)
        self._pending.append(descriptor(template))

    def add_many(self, items: Iterable[tuple[str, Template]]) -> None:
        for doc_id, t in items:
            self.add(doc_id, t)

    def remove(self, doc_id: str) -> bool:
        """Forget one template; True when it was enrolled."""
        pos = self._pos.pop(doc_id, None)
        if pos is None:
            return False
        self._flush()
        del self._ids[pos]
        del self._templates[pos]
        self._desc = np.delete(self._desc, pos, axis=0)
        self._pos = {d: i for i, d in enumerate(self._ids)}
        self._cache.pop(doc_id, None)
        return True

    def _flush(self) -> None:
        if self._pending:
            self._desc = np.vstack([self._desc, np.stack(self._pending)])
            self._pending = []

    def prefilter(self, probe: Template) -> npt.NDArray[np.float32]:
        """Pre-filter similarity of the probe with every enrolled print, in id order."""
        with self._lock:
            self._flush()
            desc = self._desc
        return desc @ descriptor(probe)

    def _prepared(self, pos: int) -> Prepared:
        doc_id = self._ids[pos]
        with self._lock:
            p = self._cache.get(doc_id)
            if p is not None:
                self._cache.move_to_end(doc_id)
                return p
        p = prepare(self._templates[pos])
        with self._lock:
            self._cache[doc_id] = p
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return p

    def identify(
        self, probe: Template | Prepared, top_k: int = 10, shortlist: int = SHORTLIST
    ) -> list[Hit]:
        """Best ``top_k`` enrolled prints for a probe, by full MCC score."""
        pp = probe if isinstance(probe, Prepared) else prepare(probe)
        if not self._ids:
            return []
        pre = self.prefilter(pp.template)
        k = min(shortlist, len(pre))
        cand = np.argpartition(-pre, k - 1)[:k] if k < len(pre) else np.arange(len(pre))
        hits = []
        for pos in cand.tolist():
            r = match(pp, self._prepared(pos))
            hits.append(Hit(self._ids[pos], r.score, r.matched_minutiae, float(pre[pos])))
        hits.sort(key=lambda h: (-h.score, h.id))
        return hits[:top_k]
