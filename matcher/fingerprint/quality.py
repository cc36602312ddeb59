"""An image quality score 0..100 from what the matcher depends on.

Not NFIQ: a transparent mix of ridge area (how much finger there is), ridge
clarity (orientation coherence inside the area) and the count of reliable
minutiae. Low scores explain themselves: "small area", "blurred ridges", "few
minutiae".
"""

from __future__ import annotations

import numpy as np

from .enhance import Enhanced

FULL_AREA = 200 * 250  # a full plain impression at 500 ppi covers about this much
GOOD_MINUTIAE = 35


def image_quality(enh: Enhanced, n_minutiae: int) -> int:
    """Geometric mean of area, clarity and minutia sufficiency, scaled to 0..100."""
    area = min(1.0, float(enh.mask.sum()) / FULL_AREA)
    clarity = float(np.clip((np.median(enh.coherence[enh.mask]) - 0.2) / 0.5, 0.0, 1.0))
    minutiae = min(1.0, n_minutiae / GOOD_MINUTIAE)
    q = (max(area, 0.01) * max(clarity, 0.01) * max(minutiae, 0.01)) ** (1 / 3)
    return round(100 * q)
