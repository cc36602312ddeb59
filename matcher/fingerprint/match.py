"""Global consolidation of MCC local similarities: LSS with relaxation (LSS-R).

Local similarities alone are fooled by look-alike neighbourhoods; relaxation keeps
the pairs that agree with each other on distances, relative directions and radial
angles (a rigid-enough arrangement), so a few consistent pairs beat many
accidental ones. Distances are compared with a tolerance that absorbs skin
distortion, and no global rigid transform is imposed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .mcc import F64, Cylinders, dphi, local_similarity

MIN_NP, MAX_NP = 4, 12
MU_P, TAU_P = 20.0, 0.4
W_R = 0.5
N_REL = 5
MU_1, TAU_1 = 5.0, -8.0 / 5.0
MU_2, TAU_2 = math.pi / 12, -30.0
MU_3, TAU_3 = math.pi / 12, -30.0


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Raw LSS-R score in [0, 1], the matched minutia pairs (template indices) and
    the number of pairs that survived relaxation."""

    score: float
    pairs: tuple[tuple[int, int], ...]

    @property
    def matched_minutiae(self) -> int:
        return len(self.pairs)


def _z(v: F64 | float, mu: float, tau: float) -> F64:
    return np.asarray(1.0 / (1.0 + np.exp(-tau * (np.asarray(v) - mu))))


def n_pairs(na: int, nb: int) -> int:
    """How many pairs enter the score: fewer for small templates (MCC's n_P)."""
    z = float(_z(min(na, nb), MU_P, TAU_P))
    return MIN_NP + round(z * (MAX_NP - MIN_NP))


def _select_pairs(sim: F64, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``n`` pairs by local similarity, each minutia used at most once (greedy)."""
    flat = np.argsort(-sim, axis=None)
    used_r: set[int] = set()
    used_c: set[int] = set()
    rows, cols = [], []
    nb = sim.shape[1]
    for f in flat[: max(n * 8, 64)].tolist() if n else []:
        r, c = divmod(f, nb)
        if sim[r, c] <= 0:
            break
        if r in used_r or c in used_c:
            continue
        used_r.add(r)
        used_c.add(c)
        rows.append(r)
        cols.append(c)
        if len(rows) == n:
            break
    return np.array(rows, dtype=np.intp), np.array(cols, dtype=np.intp)


def consolidate(a: Cylinders, b: Cylinders, sim: F64) -> MatchResult:
    """LSS-R: relax the top pairs by mutual geometric compatibility, then average the
    relaxed similarities of the n_P most efficient pairs."""
    na, nb = sim.shape
    if na == 0 or nb == 0:
        return MatchResult(0.0, ())
    n_r = min(na, nb)
    rows, cols = _select_pairs(sim, n_r)
    n = len(rows)
    if n < 2:
        return MatchResult(0.0, ())
    lam0 = sim[rows, cols]
    pa, pb = a.xy[rows], b.xy[cols]
    ta, tb = a.angle[rows], b.angle[cols]
    da = np.sqrt(((pa[:, None] - pa[None]) ** 2).sum(-1))
    db = np.sqrt(((pb[:, None] - pb[None]) ** 2).sum(-1))
    d1 = np.abs(da - db)
    d2 = np.abs(dphi(dphi(ta[:, None], ta[None]), dphi(tb[:, None], tb[None])))
    ra = dphi(
        ta[:, None], np.arctan2(pa[None, :, 1] - pa[:, None, 1], pa[None, :, 0] - pa[:, None, 0])
    )
    rb = dphi(
        tb[:, None], np.arctan2(pb[None, :, 1] - pb[:, None, 1], pb[None, :, 0] - pb[:, None, 0])
    )
    d3 = np.abs(dphi(ra, rb))
    rho = _z(d1, MU_1, TAU_1) * _z(d2, MU_2, TAU_2) * _z(d3, MU_3, TAU_3)
    np.fill_diagonal(rho, 0.0)
    lam = lam0.copy()
    for _ in range(N_REL):
        lam = W_R * lam + (1 - W_R) * (rho @ lam) / (n - 1)
    eff = lam / np.maximum(lam0, 1e-12)
    k = min(n_pairs(na, nb), n)
    best = np.argsort(-eff, kind="stable")[:k]
    score = float(lam[best].mean())
    # pairs reported as "matched": consistent with most of the scoring pairs
    support = rho[:, best].mean(axis=1) if k else np.zeros(n)
    matched = [
        (int(a.index[rows[t]]), int(b.index[cols[t]]))
        for t in range(n)
        if support[t] > 0.25 and lam0[t] > 0.3
    ]
    return MatchResult(float(np.clip(score, 0.0, 1.0)), tuple(matched))


def match_cylinders(a: Cylinders, b: Cylinders) -> MatchResult:
    """Compare two templates' cylinders: local similarities then LSS-R."""
    return consolidate(a, b, local_similarity(a, b))
