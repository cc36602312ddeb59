"""Image to template: the whole extraction pipeline in one call."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .enhance import enhance
from .image import GreyImage, check_image, load_image
from .minutiae import extract_minutiae
from .quality import image_quality
from .template import MAX_MINUTIAE, Minutia, Template, angle_code


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
    raw.sort(key=lambda m: -m.quality)
    ms = tuple(
        Minutia(int(round(m.x)), int(round(m.y)), angle_code(m.angle), m.kind, m.quality)
        for m in raw[:MAX_MINUTIAE]
    )
    h, w = img.shape
    return Template(w, h, image_quality(enh, len(ms)), enh.period, ms)
