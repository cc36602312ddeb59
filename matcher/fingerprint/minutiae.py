"""Minutiae from the binarised ridges: thinning, crossing number, direction, and
removal of the false minutiae that noise, scars and the print border produce.

Angle convention (as in ISO/IEC 19794-2, radians here, counter-clockwise with the
y axis pointing down in the image so ``(cos a, sin a)`` is a pixel step): a ridge
ending points from the ridge body towards its free tip; a bifurcation points along
its single branch. A ridge ending that touches its neighbour under pressure turns
into a bifurcation with almost the same position and angle, so the matcher can
ignore type differences.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from skimage.morphology import skeletonize

from .enhance import BoolImage, Enhanced

ENDING, BIFURCATION = 1, 2

# false-minutia rules, in ridge periods (about 9 px at 500 ppi)
BORDER = 1.0  # minutiae this close to the edge of the ridge area are cut ridges
REACH = 1.5  # ridges shorter than this between two minutiae are spurs/bridges
BREAK = 1.4  # facing endings closer than this are one broken ridge
TINY = 0.5  # any two minutiae closer than this are noise
CROWD_RADIUS, CROWD_MAX = 1.5, 3  # this many minutiae within the radius are noise
MIN_COHERENCE = 0.1  # minutiae where ridges have no clear direction are noise

# neighbour offsets in circular order (dy, dx), starting east, y down
_RING = ((0, 1), (-1, 1), (-1, 0), (-1, -1), (0, -1), (1, -1), (1, 0), (1, 1))


def _crossing_lut() -> npt.NDArray[np.uint8]:
    lut = np.zeros(256, dtype=np.uint8)
    for code in range(256):
        bits = [(code >> i) & 1 for i in range(8)]
        lut[code] = sum(abs(bits[i] - bits[(i + 1) % 8]) for i in range(8)) // 2
    return lut


_CN = _crossing_lut()


@dataclass(frozen=True, slots=True)
class RawMinutia:
    """A minutia before template encoding (float angle, quality 0..100)."""

    x: float
    y: float
    angle: float
    kind: int
    quality: int


def thin(ridges: BoolImage) -> BoolImage:
    """One-pixel-wide ridge skeleton after removing specks and filling pores."""
    r = ridges.astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(r, connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] < 25
    small[0] = False
    r[small[labels]] = 0
    inv = (1 - r).astype(np.uint8)
    _n, labels, stats, _ = cv2.connectedComponentsWithStats(inv, connectivity=4)
    pores = stats[:, cv2.CC_STAT_AREA] < 20
    pores[0] = False
    r[pores[labels]] = 1
    return np.asarray(skeletonize(r.astype(bool)), dtype=bool)


def neighbour_codes(skel: BoolImage) -> npt.NDArray[np.uint8]:
    """8-bit code of each pixel's 8 neighbours in ring order."""
    p = np.pad(skel.astype(np.uint8), 1)
    h, w = skel.shape
    code = np.zeros((h, w), dtype=np.uint8)
    for i, (dy, dx) in enumerate(_RING):
        code |= p[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] << i
    return code


def crossing_number_reference(skel: BoolImage, y: int, x: int) -> int:
    """Half the number of 0/1 changes going once round the 8 neighbours (Rutovitz);
    the plain version of the lookup table used by ``extract_minutiae``."""
    h, w = skel.shape
    ring = [bool(0 <= y + dy < h and 0 <= x + dx < w and skel[y + dy, x + dx]) for dy, dx in _RING]
    return sum(ring[i] != ring[(i + 1) % 8] for i in range(8)) // 2


def _trace(
    skel: BoolImage, y: int, x: int, first: tuple[int, int], steps: int, stop: set[tuple[int, int]]
) -> tuple[list[tuple[int, int]], tuple[int, int] | None]:
    """Walk along the skeleton from (y, x) through ``first``; returns the path and the
    special point (another minutia) where the walk stopped, if any."""
    h, w = skel.shape
    path = [first]
    prev = (y, x)
    cur = first
    for _ in range(steps):
        if cur in stop:
            return path, cur
        nxt = None
        for dy, dx in _RING:
            ny, nx = cur[0] + dy, cur[1] + dx
            if (ny, nx) == prev or not (0 <= ny < h and 0 <= nx < w) or not skel[ny, nx]:
                continue
            if abs(ny - prev[0]) <= 1 and abs(nx - prev[1]) <= 1:
                continue  # a pixel next to where we came from: not forward
            nxt = (ny, nx)
            break
        if nxt is None:
            return path, None
        prev, cur = cur, nxt
        path.append(cur)
    return path, (cur if cur in stop else None)


def _branches(skel: BoolImage, y: int, x: int) -> list[tuple[int, int]]:
    """First pixels of each branch leaving (y, x), one per run of set neighbours."""
    h, w = skel.shape
    bits = []
    for dy, dx in _RING:
        ny, nx = y + dy, x + dx
        bits.append(bool(0 <= ny < h and 0 <= nx < w and skel[ny, nx]))
    out = []
    for i in range(8):
        if bits[i] and not bits[i - 1]:
            # run starts at i; prefer a 4-connected pixel within the run
            j = i
            run: list[int] = []
            while bits[j % 8] and len(run) < 8:
                run.append(j % 8)
                j += 1
            best = next((k for k in run if k % 2 == 0), run[0])
            dy, dx = _RING[best]
            out.append((y + dy, x + dx))
    return out


def _direction(y: int, x: int, path: list[tuple[int, int]]) -> float:
    """Direction from the minutia towards the far end of a traced path."""
    ty, tx = path[-1]
    return float(np.arctan2(ty - y, tx - x))


def _angle_near(field_angle: float, rough: float) -> float:
    """The orientation-field angle (mod pi) resolved to the sign of the traced one."""
    a = field_angle
    if np.cos(a - rough) < 0:
        a += np.pi
    return float(np.mod(a, 2 * np.pi))


def extract_minutiae(enh: Enhanced, skel: BoolImage | None = None) -> list[RawMinutia]:
    """Crossing-number minutiae with traced directions, then false-minutia removal."""
    if skel is None:
        skel = thin(enh.ridges)
    period = enh.period
    cn = _CN[neighbour_codes(skel)]
    cn[~skel] = 0
    ys, xs = np.nonzero((cn == 1) | (cn == 3))
    kinds = np.where(cn[ys, xs] == 1, ENDING, BIFURCATION)

    # distance to the border of the ridge area: minutiae near it are where ridges
    # are cut by the edge of the print, not real endings
    dist = cv2.distanceTransform(np.pad(enh.mask.astype(np.uint8), 1), cv2.DIST_L2, 5)[1:-1, 1:-1]
    border = BORDER * period

    points = {(int(y), int(x)) for y, x in zip(ys, xs, strict=True)}
    reach = round(REACH * period)
    dir_len = round(1.2 * period)
    cands: list[tuple[int, int, int, float]] = []  # y, x, kind, rough direction
    drop: set[tuple[int, int]] = set()
    for y, x, kind in zip(ys.tolist(), xs.tolist(), kinds.tolist(), strict=True):
        starts = _branches(skel, y, x)
        stop = points - {(y, x)}
        if kind == ENDING:
            if len(starts) != 1:
                drop.add((y, x))
                continue
            path, hit = _trace(skel, y, x, starts[0], reach, stop)
            if hit is not None:  # short ridge or spur: both ends are false
                drop.add((y, x))
                drop.add(hit)
                continue
            if len(path) < dir_len // 2:
                drop.add((y, x))
                continue
            body = _direction(y, x, path[:dir_len])
            cands.append((y, x, kind, body + np.pi))  # points from body to tip
        else:
            if len(starts) != 3:
                drop.add((y, x))
                continue
            dirs = []
            bad = False
            for s in starts:
                path, hit = _trace(skel, y, x, s, reach, stop)
                if hit is not None and _is_kind(cn, hit, 3):  # bridge or hole
                    drop.add((y, x))
                    drop.add(hit)
                    bad = True
                dirs.append(_direction(y, x, path[:dir_len]))
            if bad:
                continue
            # the single branch is the one farthest in angle from the other two
            a = np.array(dirs)
            diff = np.abs(np.angle(np.exp(1j * (a[:, None] - a[None, :]))))
            single = int(np.argmax(diff.sum(axis=1)))
            cands.append((y, x, kind, float(a[single])))

    out: list[tuple[int, int, int, float, float]] = []
    for y, x, kind, rough in cands:
        if (y, x) in drop or dist[y, x] < border:
            continue
        q = float(enh.coherence[y, x])
        if q < MIN_COHERENCE:
            continue
        ang = _angle_near(float(enh.orient[y, x]), rough)
        out.append((y, x, kind, ang, q))
    out = _remove_breaks_and_clusters(out, period)
    result = []
    for y, x, kind, ang, q in out:
        d = float(dist[y, x])
        qual = 100.0 * min(1.0, q / 0.7) * min(1.0, d / (3.0 * period))
        result.append(RawMinutia(float(x), float(y), ang, kind, round(max(1.0, qual))))
    return result


def _is_kind(cn: npt.NDArray[np.uint8], p: tuple[int, int], value: int) -> bool:
    return bool(cn[p[0], p[1]] == value)


def _remove_breaks_and_clusters(
    ms: list[tuple[int, int, int, float, float]], period: float
) -> list[tuple[int, int, int, float, float]]:
    """Drop pairs of facing endings (a broken ridge) and dense clusters (noise)."""
    if not ms:
        return ms
    xy = np.array([[m[1], m[0]] for m in ms], dtype=np.float64)
    ang = np.array([m[3] for m in ms])
    kind = np.array([m[2] for m in ms])
    d = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    keep = np.ones(len(ms), dtype=bool)
    # broken ridge: two endings close, pointing at each other
    close = d < BREAK * period
    for i, j in zip(*np.nonzero(np.triu(close)), strict=True):
        if kind[i] != ENDING or kind[j] != ENDING:
            continue
        facing = np.cos(ang[i] - ang[j]) < -0.7
        link = np.arctan2(xy[j, 1] - xy[i, 1], xy[j, 0] - xy[i, 0])
        aligned = np.cos(link - ang[i]) > 0.5
        if facing and aligned:
            keep[i] = keep[j] = False
    # any two minutiae closer than half a ridge period are noise
    tiny = (d < TINY * period).any(axis=1)
    keep &= ~tiny
    # clusters: many minutiae within a ridge period or two is noise
    crowd = (d < CROWD_RADIUS * period).sum(axis=1)
    keep &= crowd < CROWD_MAX
    return [m for m, k in zip(ms, keep, strict=True) if k]
