"""Ridge-area segmentation, orientation field, ridge period and Gabor enhancement.

All sizes are 500 ppi pixels (ridge period 7..13 px). Each step is a whole-image
OpenCV/numpy operation: no per-pixel Python loops, so a 300x300 print takes a few
tens of milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from pehchaan.errors import ValidationError

from .image import GreyImage

FloatImage = npt.NDArray[np.float32]
BoolImage = npt.NDArray[np.bool_]

N_ORIENT = 16  # Gabor bank orientations (11.25 degree steps, blended linearly)
MIN_PERIOD, MAX_PERIOD = 5.0, 15.0
MIN_RIDGE_AREA = 96 * 96  # foreground pixels: less than this cannot be matched
# share of the ridge area's spectral energy at ridge periods (5..15 px): fingerprints
# 0.72..0.92 on the development sets, text ~0.41, noise ~0.11
MIN_RIDGE_BAND_SHARE = 0.5
GRAD_SIGMA = 6.0  # window of the gradient moments
ORIENT_SIGMA = 8.0  # second smoothing of the doubled-angle field
SIGMA_ACROSS = 0.38  # Gabor envelope across ridges, in ridge periods
SIGMA_ALONG = 0.65  # Gabor envelope along ridges, in ridge periods
SEG_REL = 0.22  # ridge area: local contrast above this fraction of the 95th percentile
SEG_COH = 0.08  # ... and orientation coherence above this


@dataclass(frozen=True, slots=True)
class Enhanced:
    """Everything later steps need: the enhanced ridges and the fields behind them."""

    norm: FloatImage  # locally normalised image, ridges positive
    mask: BoolImage  # ridge area
    orient: FloatImage  # ridge orientation in [0, pi), image coordinates (y down)
    coherence: FloatImage  # 0 (isotropic noise) .. 1 (clean parallel ridges)
    period: float  # median ridge period in pixels
    enhanced: FloatImage  # Gabor response, ridges positive
    ridges: BoolImage  # binarised ridges inside the mask


def local_normalise(img: GreyImage, win: int = 15) -> tuple[FloatImage, FloatImage]:
    """Zero local mean, unit local variance, ridges positive; also returns local std.

    Removes uneven pressure and background so that one threshold fits all prints.
    """
    x = 255.0 - img.astype(np.float32)
    mean = cv2.blur(x, (win, win))
    sq = cv2.blur(x * x, (win, win))
    std = np.sqrt(np.maximum(sq - mean * mean, 0.0))
    norm = (x - mean) / (std + 4.0)
    return norm.astype(np.float32), std.astype(np.float32)


def orientation_field(norm: FloatImage) -> tuple[FloatImage, FloatImage]:
    """Ridge orientation and coherence from smoothed gradient moments (doubled angles)."""
    g = cv2.GaussianBlur(norm, (0, 0), 1.0)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    gxx = cv2.GaussianBlur(gx * gx, (0, 0), GRAD_SIGMA)
    gyy = cv2.GaussianBlur(gy * gy, (0, 0), GRAD_SIGMA)
    gxy = cv2.GaussianBlur(gx * gy, (0, 0), GRAD_SIGMA)
    c2 = gxx - gyy
    s2 = 2.0 * gxy
    energy = gxx + gyy + 1e-6
    coh = np.sqrt(c2 * c2 + s2 * s2) / energy
    # second smoothing of the doubled-angle field, weighted by coherence: repairs
    # noisy and scarred blocks from their clean neighbours
    c2s = cv2.GaussianBlur(c2, (0, 0), ORIENT_SIGMA)
    s2s = cv2.GaussianBlur(s2, (0, 0), ORIENT_SIGMA)
    grad_dir = 0.5 * np.arctan2(s2s, c2s)  # dominant gradient direction
    orient = np.mod(grad_dir + np.pi / 2, np.pi).astype(np.float32)
    return orient, np.clip(coh, 0.0, 1.0).astype(np.float32)


def segment(std: FloatImage, coh: FloatImage, norm: FloatImage) -> BoolImage:
    """Ridge area: enough local contrast and oriented structure, one filled blob."""
    s = cv2.blur(std, (17, 17))
    hi = float(np.percentile(s, 95))
    if hi < 6.0:
        return np.zeros(std.shape, dtype=bool)
    fg = (s > max(5.0, SEG_REL * hi)) & (cv2.blur(coh, (17, 17)) > SEG_COH)
    m: npt.NDArray[np.uint8] = fg.astype(np.uint8)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (15, 15))
    m = np.asarray(cv2.morphologyEx(m, cv2.MORPH_OPEN, k), dtype=np.uint8)
    m = np.asarray(cv2.morphologyEx(m, cv2.MORPH_CLOSE, k), dtype=np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(m, connectivity=8)
    if n <= 1:
        return np.zeros(std.shape, dtype=bool)
    biggest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    m = (labels == biggest).astype(np.uint8)
    # fill holes: flood the background from outside
    ff = np.pad(m, 1)
    cv2.floodFill(ff, None, (0, 0), 2)
    m = (ff[1:-1, 1:-1] != 2).astype(np.uint8)
    m = np.asarray(cv2.erode(m, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))), np.uint8)
    return m.astype(bool)


def ridge_period(norm: FloatImage, mask: BoolImage, block: int = 32) -> tuple[float, float]:
    """Median ridge period from the spectral peak of overlapping blocks, and the median
    share of block energy at ridge periods (how much the area looks like ridges).

    A per-image period is enough at 500 ppi: within one finger it varies by about
    20 %, which the Gabor bandwidth tolerates.
    """
    h, w = norm.shape
    step = block // 2
    blocks = [
        norm[y : y + block, x : x + block]
        for y in range(0, h - block + 1, step)
        for x in range(0, w - block + 1, step)
        if mask[y : y + block, x : x + block].mean() > 0.9
    ]
    if len(blocks) < 3:
        return 9.0, 0.0
    b = np.stack(blocks).astype(np.float32)
    win = np.outer(np.hanning(block), np.hanning(block)).astype(np.float32)
    spec = np.abs(np.fft.fft2(b * win)) ** 2
    f = np.fft.fftfreq(block)
    fr = np.sqrt(f[:, None] ** 2 + f[None, :] ** 2)
    band = (fr >= 1 / MAX_PERIOD) & (fr <= 1 / MIN_PERIOD)
    total = spec.reshape(len(blocks), -1)[:, 1:].sum(axis=1) + 1e-9  # without DC
    spec = spec * band
    flat = spec.reshape(len(blocks), -1)
    share = float(np.median(flat.sum(axis=1) / total))
    peak = np.argmax(flat, axis=1)
    peak_f = fr.reshape(-1)[peak]
    strength = flat.max(axis=1) / (flat.sum(axis=1) + 1e-9)
    good = strength > np.median(strength) * 0.5
    # power-weighted mean frequency around the peak is smoother than the argmax bin
    wts = flat * (np.abs(fr.reshape(-1)[None, :] - peak_f[:, None]) < 0.02)
    mean_f = (wts * fr.reshape(-1)[None, :]).sum(axis=1) / (wts.sum(axis=1) + 1e-9)
    freq = float(np.median(mean_f[good])) if good.any() else 1 / 9.0
    return float(np.clip(1.0 / max(freq, 1e-3), MIN_PERIOD, MAX_PERIOD)), share


def gabor_bank(period: float, n: int = N_ORIENT) -> list[FloatImage]:
    """Even-symmetric Gabor kernels tuned to the ridge period, zero DC."""
    sx = SIGMA_ACROSS * period
    sy = SIGMA_ALONG * period  # longer smooths noise, too long breaks curves
    r = int(np.ceil(3 * max(sx, sy)))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1].astype(np.float32)
    kernels = []
    for i in range(n):
        th = np.pi * i / n  # ridge orientation; the wave runs across it
        u = -xx * np.sin(th) + yy * np.cos(th)  # across-ridge coordinate
        v = xx * np.cos(th) + yy * np.sin(th)  # along-ridge coordinate
        env = np.exp(-0.5 * (u * u / (sx * sx) + v * v / (sy * sy)))
        k = env * np.cos(2 * np.pi * u / period)
        k -= env * (k.sum() / env.sum())
        k /= np.abs(k).sum()
        kernels.append(k.astype(np.float32))
    return kernels


def gabor_enhance(
    norm: FloatImage, orient: FloatImage, period: float, mask: BoolImage
) -> FloatImage:
    """Filter with the kernel matching each pixel's orientation (linear blend of the two
    nearest kernels). Only the bounding box of the ridge area is filtered."""
    kernels = gabor_bank(period)
    n = len(kernels)
    out = np.zeros_like(norm)
    if mask.any():
        ys, xs = np.nonzero(mask)
        y0, y1, x0, x1 = int(ys.min()), int(ys.max()) + 1, int(xs.min()), int(xs.max()) + 1
    else:
        y0, y1, x0, x1 = 0, norm.shape[0], 0, norm.shape[1]
    r = kernels[0].shape[0] // 2
    # filter a margin around the box so borders see real neighbours, then crop
    py0, py1 = max(0, y0 - r), min(norm.shape[0], y1 + r)
    px0, px1 = max(0, x0 - r), min(norm.shape[1], x1 + r)
    src = np.ascontiguousarray(norm[py0:py1, px0:px1])
    resp = np.stack(
        [cv2.filter2D(src, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT) for k in kernels]
    )[:, y0 - py0 : y1 - py0, x0 - px0 : x1 - px0]
    pos = orient[y0:y1, x0:x1] * (n / np.pi)
    fl = np.floor(pos)
    i0 = fl.astype(np.intp) % n
    frac = (pos - fl).astype(np.float32)
    a = np.take_along_axis(resp, i0[None], axis=0)[0]
    b = np.take_along_axis(resp, ((i0 + 1) % n)[None], axis=0)[0]
    out[y0:y1, x0:x1] = (1.0 - frac) * a + frac * b
    return out


def gabor_enhance_reference(norm: FloatImage, orient: FloatImage, period: float) -> FloatImage:
    """Whole-image filtering with every kernel and per-kernel blend weights; slow and
    plain, for tests of ``gabor_enhance``."""
    kernels = gabor_bank(period)
    n = len(kernels)
    pos = orient * (n / np.pi)
    i0 = np.floor(pos).astype(np.int32) % n
    frac = (pos - np.floor(pos)).astype(np.float32)
    out = np.zeros_like(norm)
    for i, k in enumerate(kernels):
        w = np.where(i0 == i, 1.0 - frac, 0.0) + np.where((i0 + 1) % n == i, frac, 0.0)
        resp = cv2.filter2D(norm, cv2.CV_32F, k, borderType=cv2.BORDER_REFLECT)
        out += w.astype(np.float32) * resp
    return out


def enhance(img: GreyImage, *, field: str = "image") -> Enhanced:
    """Run segmentation, orientation, period and Gabor enhancement; reject blank prints."""
    norm, std = local_normalise(img)
    orient, coh = orientation_field(norm)
    mask = segment(std, coh, norm)
    if int(mask.sum()) < MIN_RIDGE_AREA:
        raise ValidationError(
            "no ridge area found: the image does not look like a fingerprint "
            f"(ridge area {int(mask.sum())} px, need {MIN_RIDGE_AREA})",
            field=field,
        )
    period, share = ridge_period(norm, mask)
    if share < MIN_RIDGE_BAND_SHARE:
        raise ValidationError(
            "no ridge area found: the image has no regular ridge pattern "
            f"({share:.0%} of its texture at ridge spacing, need {MIN_RIDGE_BAND_SHARE:.0%})",
            field=field,
        )
    enh = gabor_enhance(norm, orient, period, mask)
    ridges = (enh > 0) & mask
    return Enhanced(norm, mask, orient, coh, period, enh, ridges)
