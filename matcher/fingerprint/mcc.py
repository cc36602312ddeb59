"""Minutia Cylinder-Code (Cappelli, Ferrara, Maltoni, IEEE TPAMI 2010).

Each minutia gets a fixed-size local descriptor: a cylinder of radius R around it,
rotated to its direction, split into NS x NS spatial cells and ND direction bins;
each cell counts (softly, with Gaussians) the neighbouring minutiae near it whose
direction differs from the centre's by about the bin angle. Being relative to the
centre minutia, a cylinder does not change with rotation or translation; being
local, it survives partial overlap and skin distortion.

``cylinders`` is the vectorised implementation; ``cylinders_reference`` computes the
same numbers cell by cell with plain loops, and the tests hold one to the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from scipy.special import erf  # scipy comes with scikit-image

F64 = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

R = 70.0  # cylinder radius, pixels at 500 ppi
NS = 16  # spatial cells per side
ND = 6  # direction bins
SIGMA_S = 28.0 / 3.0
SIGMA_D = 2.0 * math.pi / 9.0
MU_PSI = 0.01
TAU_PSI = 400.0
OMEGA = 50.0  # convex hull enlargement for valid cells
MIN_VALID_FRACTION = 0.6
MIN_NEIGHBOURS = 2
DELTA_S = 2.0 * R / NS
DELTA_D = 2.0 * math.pi / ND


@dataclass(frozen=True, slots=True)
class Cylinders:
    """Cylinders of the valid minutiae of one template.

    ``values`` (n, N_CELLS*ND) are zero in invalid cells; ``valid`` (n, N_CELLS*ND)
    marks the cells inside the print; ``index`` maps rows back to template minutiae.
    """

    values: F64
    valid: B
    norms: F64
    xy: F64
    angle: F64
    index: npt.NDArray[np.intp]


def dphi(a: F64 | float, b: F64 | float) -> F64:
    """Difference of two angles wrapped to [-pi, pi)."""
    return np.asarray(np.mod(np.asarray(a) - np.asarray(b) + math.pi, 2 * math.pi) - math.pi)


def _cell_offsets() -> F64:
    """Centres of the cells inside the disc of radius R, relative to the minutia
    before rotation, (C, 2), row-major (i=x, j=y). Cells outside the disc are
    never valid, so they are not stored at all."""
    c = (np.arange(NS) - (NS - 1) / 2.0) * DELTA_S
    ii, jj = np.meshgrid(c, c, indexing="ij")
    grid = np.stack([ii.ravel(), jj.ravel()], axis=1)
    return grid[np.hypot(grid[:, 0], grid[:, 1]) <= R]


_OFFSETS = _cell_offsets()
N_CELLS = len(_OFFSETS)  # 208 of the 16 x 16 grid
_DIR_CENTRES = -math.pi + (np.arange(ND) + 0.5) * DELTA_D


def hull_mask(xy: F64, shape: tuple[int, int], omega: float = OMEGA, scale: int = 4) -> B:
    """Convex hull of the minutiae enlarged by omega, rasterised at 1/scale size."""
    h = math.ceil(shape[0] / scale) + 2
    w = math.ceil(shape[1] / scale) + 2
    m = np.zeros((h, w), dtype=np.uint8)
    if len(xy) >= 3:
        hull = cv2.convexHull(np.round(xy / scale).astype(np.int32))
        cv2.fillConvexPoly(m, hull, 1)
    elif len(xy):
        for x, y in np.round(xy / scale).astype(int):
            m[min(max(y, 0), h - 1), min(max(x, 0), w - 1)] = 1
    r = round(omega / scale)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
    return cv2.dilate(m, k).astype(bool)


def _lookup(mask: B, pts: F64, scale: int = 4) -> B:
    ix = np.round(pts[..., 0] / scale).astype(np.int64)
    iy = np.round(pts[..., 1] / scale).astype(np.int64)
    inside = (ix >= 0) & (iy >= 0) & (ix < mask.shape[1]) & (iy < mask.shape[0])
    out = np.zeros(ix.shape, dtype=bool)
    out[inside] = mask[iy[inside], ix[inside]]
    return out


def _cd_area(dtheta: F64) -> F64:
    """Direction contribution: Gaussian mass of each direction bin, shape (..., ND)."""
    diff = dphi(np.asarray(_DIR_CENTRES, dtype=np.float64), dtheta[..., None])
    s = SIGMA_D * math.sqrt(2.0)
    return np.asarray(0.5 * (erf((diff + DELTA_D / 2) / s) - erf((diff - DELTA_D / 2) / s)))


def cylinders(xy: F64, angle: F64, shape: tuple[int, int]) -> Cylinders:
    """All cylinders of a template at once (numpy broadcasting over minutiae x cells)."""
    n = len(xy)
    if n == 0:
        return _empty()
    c, s = np.cos(angle), np.sin(angle)
    ox, oy = _OFFSETS[:, 0], _OFFSETS[:, 1]
    # rotate the cell grid by each minutia's direction and move it to the minutia
    px = xy[:, 0, None] + c[:, None] * ox[None, :] - s[:, None] * oy[None, :]
    py = xy[:, 1, None] + s[:, None] * ox[None, :] + c[:, None] * oy[None, :]
    cells = np.stack([px, py], axis=-1)  # (n, C, 2)
    hull = hull_mask(xy, shape)
    cell_valid = _lookup(hull, cells)  # (n, C)

    # float32 for the (n, C, n) distance arrays: they dominate the cost
    mx, my = xy[:, 0].astype(np.float32), xy[:, 1].astype(np.float32)
    d2 = (px.astype(np.float32)[:, :, None] - mx) ** 2 + (
        py.astype(np.float32)[:, :, None] - my
    ) ** 2
    cs = np.exp(d2 * np.float32(-1.0 / (2 * SIGMA_S**2)))
    cs *= np.float32(1.0 / (SIGMA_S * math.sqrt(2 * math.pi)))
    cs[d2 > (3 * SIGMA_S) ** 2] = 0.0
    cs[np.arange(n), :, np.arange(n)] = 0.0  # a minutia is not its own neighbour
    cd = _cd_area(dphi(angle[:, None], angle[None, :])).astype(np.float32)  # (n, n, ND)
    v = np.matmul(cs, cd).astype(np.float64)  # (n, C, ND): sum over t of C_S * C_D
    psi = 1.0 / (1.0 + np.exp(-TAU_PSI * (v - MU_PSI)))
    valid = np.repeat(cell_valid[:, :, None], ND, axis=2)
    psi = np.where(valid, psi, 0.0)

    # a cylinder is usable when most of its disc lies in the print and it has neighbours
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    neighbours = ((dist <= R + 3 * SIGMA_S).sum(axis=1) - 1) >= MIN_NEIGHBOURS
    enough = cell_valid.sum(axis=1) >= MIN_VALID_FRACTION * N_CELLS
    keep = np.nonzero(neighbours & enough)[0]
    vals = psi[keep].reshape(len(keep), -1)
    vm = valid[keep].reshape(len(keep), -1)
    return Cylinders(vals, vm, np.sqrt((vals**2).sum(axis=1)), xy[keep], angle[keep], keep)


def cylinders_reference(xy: F64, angle: F64, shape: tuple[int, int]) -> Cylinders:
    """Cell-by-cell loops, straight from the paper's formulas; slow, for tests."""
    n = len(xy)
    if n == 0:
        return _empty()
    hull = hull_mask(xy, shape)
    rows, masks, keep = [], [], []
    for i in range(n):
        x0, y0, a0 = xy[i, 0], xy[i, 1], angle[i]
        nb = sum(
            1
            for t in range(n)
            if t != i and math.hypot(xy[t, 0] - x0, xy[t, 1] - y0) <= R + 3 * SIGMA_S
        )
        row = np.zeros((N_CELLS, ND))
        valid = np.zeros((N_CELLS, ND), dtype=bool)
        n_valid = 0
        for ci in range(N_CELLS):
            ox, oy = _OFFSETS[ci]
            px = x0 + math.cos(a0) * ox - math.sin(a0) * oy
            py = y0 + math.sin(a0) * ox + math.cos(a0) * oy
            if not _lookup(hull, np.array([px, py]))[()]:
                continue
            n_valid += 1
            for k in range(ND):
                total = 0.0
                for t in range(n):
                    if t == i:
                        continue
                    d = math.hypot(xy[t, 0] - px, xy[t, 1] - py)
                    if d > 3 * SIGMA_S:
                        continue
                    g = math.exp(-d * d / (2 * SIGMA_S**2)) / (SIGMA_S * math.sqrt(2 * math.pi))
                    dth = float(dphi(a0, angle[t]))
                    diff = float(dphi(_DIR_CENTRES[k], dth))
                    sq = SIGMA_D * math.sqrt(2)
                    area = 0.5 * (erf((diff + DELTA_D / 2) / sq) - erf((diff - DELTA_D / 2) / sq))
                    total += g * area
                row[ci, k] = 1.0 / (1.0 + math.exp(-TAU_PSI * (total - MU_PSI)))
                valid[ci, k] = True
        if nb >= MIN_NEIGHBOURS and n_valid >= MIN_VALID_FRACTION * N_CELLS:
            keep.append(i)
            rows.append(row.ravel())
            masks.append(valid.ravel())
    if not keep:
        return _empty()
    vals = np.array(rows)
    idx = np.array(keep, dtype=np.intp)
    return Cylinders(
        vals, np.array(masks), np.sqrt((vals**2).sum(axis=1)), xy[idx], angle[idx], idx
    )


def _empty() -> Cylinders:
    z = np.zeros((0, N_CELLS * ND))
    return Cylinders(
        z, z.astype(bool), np.zeros(0), np.zeros((0, 2)), np.zeros(0), np.zeros(0, dtype=np.intp)
    )


MIN_COMMON_FRACTION = 0.6
MAX_DIR_DIFF = math.pi / 2


def local_similarity(a: Cylinders, b: Cylinders) -> F64:
    """Similarity of every cylinder of ``a`` with every one of ``b`` (na, nb) in [0, 1].

    Compared only over cells valid in both; pairs whose directions differ by more
    than 90 degrees or share too few cells score 0 (MCC's "matchable" rule).
    """
    if len(a.values) == 0 or len(b.values) == 0:
        return np.zeros((len(a.values), len(b.values)))
    va, vb = a.values, b.values
    ma, mb = a.valid.astype(np.float64), b.valid.astype(np.float64)
    aa = (va * va) @ mb.T  # |a restricted to common cells|^2
    bb = ma @ (vb * vb).T
    ab = va @ vb.T
    common = ma @ mb.T
    na, nb = np.sqrt(aa), np.sqrt(bb)
    diff = np.sqrt(np.maximum(aa + bb - 2 * ab, 0.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        sim = np.where(na + nb > 0, 1.0 - diff / (na + nb), 0.0)
    ok = common >= MIN_COMMON_FRACTION * ND * N_CELLS
    ok &= np.abs(dphi(a.angle[:, None], b.angle[None, :])) <= MAX_DIR_DIFF
    return np.where(ok, sim, 0.0)


def local_similarity_reference(a: Cylinders, b: Cylinders) -> F64:
    """Pair-by-pair version of ``local_similarity`` for tests."""
    out = np.zeros((len(a.values), len(b.values)))
    for i in range(len(a.values)):
        for j in range(len(b.values)):
            if abs(float(dphi(a.angle[i], b.angle[j]))) > MAX_DIR_DIFF:
                continue
            common = a.valid[i] & b.valid[j]
            if common.sum() < MIN_COMMON_FRACTION * ND * N_CELLS:
                continue
            ca, cb = a.values[i][common], b.values[j][common]
            den = np.linalg.norm(ca) + np.linalg.norm(cb)
            out[i, j] = 1.0 - np.linalg.norm(ca - cb) / den if den > 0 else 0.0
    return out
