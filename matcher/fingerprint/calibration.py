"""Score calibration: what false-match rate a score threshold gives.

The raw LSS-R score is not a probability. What an examiner needs is: "if I accept
every pair scoring at least s, how often will two different fingers pass?" That
is the impostor survival function, measured on impostor pairs (different
fingers) and stored here as a table. Between points it is interpolated in
log(FMR); beyond the last measured point the tail is extrapolated with the
exponential fitted to the top of the impostor distribution, and flagged as
extrapolated in docs/fingerprints.md.

Regenerate with ``python -m benchmarks.calibrate_fingerprints DIR [DIR ...]``.
"""

from __future__ import annotations

import math
from itertools import pairwise

# (score threshold, FMR = share of impostor pairs scoring >= threshold), measured by
# benchmarks.calibrate_fingerprints on the 10,560 cross-finger pairs of the two
# development sets (pyfnprint 7,680, FVC2000 DB4 B 2,880); see docs/fingerprints.md
TABLE: tuple[tuple[float, float], ...] = (
    (0.0, 1.0),
    (0.0147, 0.5),
    (0.0165, 0.2),
    (0.0179, 0.1),
    (0.0194, 0.05),
    (0.0213, 0.02),
    (0.0229, 0.01),
    (0.0247, 0.005),
    (0.0261, 0.002),
    (0.0287, 0.001),
    (0.0302, 0.0005),
)
# d ln(FMR) / d score beyond the table: the fitted tail slope (-397) halved, so that
# rates claimed beyond the measured range err on the side of "more false matches"
TAIL_SLOPE = -198.0
FLOOR = 1e-6  # no claim rarer than one in a million: far beyond what was measured


def fmr_at(score: float) -> float:
    """Estimated false-match rate of accepting pairs that score at least ``score``."""
    if score <= TABLE[0][0]:
        return 1.0
    for (s0, f0), (s1, f1) in pairwise(TABLE):
        if score <= s1:
            t = (score - s0) / (s1 - s0)
            return math.exp(math.log(f0) + t * (math.log(f1) - math.log(f0)))
    s_last, f_last = TABLE[-1]
    return max(FLOOR, f_last * math.exp(TAIL_SLOPE * (score - s_last)))


def threshold_for(fmr: float) -> float:
    """The lowest score threshold whose estimated FMR is at most ``fmr``."""
    if not 0 < fmr <= 1:
        raise ValueError("fmr must be in (0, 1]")
    if fmr >= 1.0:
        return 0.0
    for (s0, f0), (s1, f1) in pairwise(TABLE):
        if f1 <= fmr <= f0:
            t = (math.log(fmr) - math.log(f0)) / (math.log(f1) - math.log(f0))
            return s0 + t * (s1 - s0)
    s_last, f_last = TABLE[-1]
    return s_last + (math.log(max(fmr, FLOOR)) - math.log(f_last)) / TAIL_SLOPE


def strength(score: float) -> str:
    """Words for examiners: how rare a score this high is between different fingers."""
    f = fmr_at(score)
    if f <= 1e-5:
        return "very strong"
    if f <= 1e-3:
        return "strong"
    if f <= 1e-2:
        return "moderate"
    if f <= 1e-1:
        return "weak"
    return "none"
