"""Image to template: the whole extraction pipeline in one call."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from pehchaan.errors import ValidationError

from .enhance import enhance
from .image import GreyImage, check_image, load_image
from .minutiae import extract_minutiae
from .quality import image_quality
from .template import MAX_MINUTIAE, Minutia, Template, angle_code

MIN_MINUTIAE = 5  # fewer cannot be matched: MCC needs neighbours around each minutia


def extract(
    source: bytes | str | Path | GreyImage, *, ppi: float = 500, field: str = "image"
) -> Template:
    """Decode (or take a grey array at 500 ppi), enhance, find minutiae, encode.

    Raises ``ValidationError(field=...)`` for anything that is not a usable print.
    """
    if isinstance(source, np.ndarray):
        img = check_image(source, field=field)
    else:
        img = load_image(source, ppi=ppi, field=field)
    enh = enhance(img, field=field)
    raw = extract_minutiae(enh)
    if len(raw) < MIN_MINUTIAE:
        raise ValidationError(
            f"too few minutiae ({len(raw)}, need {MIN_MINUTIAE}): the print is too small, "
            "too blurred or not a fingerprint",
            field=field,
        )
    raw.sort(key=lambda m: -m.quality)
    ms = tuple(
        Minutia(round(m.x), round(m.y), angle_code(m.angle), m.kind, m.quality)
        for m in raw[:MAX_MINUTIAE]
    )
    h, w = img.shape
    period = round(enh.period * 16) / 16  # as stored, so a template equals its round trip
    return Template(w, h, image_quality(enh, len(ms)), period, ms)
