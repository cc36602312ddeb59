"""Fingerprint matching with numpy and OpenCV: no neural network weights.

    template = extract(image_bytes, ppi=500)     # ValidationError on bad images
    data = template.to_bytes()                   # compact versioned template
    result = match(template_a, template_b)       # MCC + LSS-R
    result.score, result.matched_minutiae, fmr_at(result.score)

See docs/fingerprints.md for the method, the template format and calibration.
"""

from __future__ import annotations

from .extract import extract
from .image import load_image
from .prepared import Prepared, match, prepare
from .template import Minutia, Template

__all__ = ["Minutia", "Prepared", "Template", "extract", "load_image", "match", "prepare"]
