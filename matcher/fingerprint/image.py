"""Loading fingerprint images: bytes or paths in, a 500 ppi 8-bit grey array out.

Every way an upload can fail to be a fingerprint image ends in a
``ValidationError(field="image")`` naming the reason, never in a crash.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import wsq  # noqa: F401  (registers the WSQ codec with Pillow)
from PIL import Image

from pehchaan.errors import ValidationError

TARGET_PPI = 500
MIN_SIDE = 96  # pixels at 500 ppi: below this there is not enough ridge area to match
MAX_SIDE = 4000  # a ten-print card scanned at 500 ppi is ~ 4000 px wide
MAX_PIXELS = 16_000_000

GreyImage = npt.NDArray[np.uint8]


def load_image(
    source: bytes | str | Path, *, ppi: float = TARGET_PPI, field: str = "image"
) -> GreyImage:
    """Decode PNG/TIFF/BMP/JPEG/WSQ to 8-bit grey, rescaled to 500 ppi.

    The matcher's distances and filter sizes are in 500 ppi pixels, so other
    resolutions are resampled here rather than scaled throughout the pipeline.
    """
    if isinstance(source, (str, Path)):
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ValidationError(f"cannot read file: {exc.strerror}", field=field) from exc
    else:
        data = bytes(source)
    if not data:
        raise ValidationError("empty upload: no image bytes", field=field)
    if not (50 <= ppi <= 2000):
        raise ValidationError(f"ppi {ppi} is out of range 50..2000", field="ppi")
    arr = _decode(data, field)
    if ppi != TARGET_PPI:
        scale = TARGET_PPI / float(ppi)
        h, w = arr.shape
        new = (max(1, round(w * scale)), max(1, round(h * scale)))
        interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
        arr = np.asarray(cv2.resize(arr, new, interpolation=interp), dtype=np.uint8)
    return check_image(arr, field=field)


def check_image(arr: npt.NDArray[np.generic], *, field: str = "image") -> GreyImage:
    """Validate an already decoded array (size, dtype, not blank)."""
    if arr.ndim == 3:
        rgb = np.ascontiguousarray(arr[..., :3], dtype=np.uint8)
        arr = np.asarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    if arr.ndim != 2:
        raise ValidationError("image must be a 2-D grey image", field=field)
    h, w = arr.shape
    if min(h, w) < MIN_SIDE:
        raise ValidationError(
            f"image too small: {w}x{h} px at 500 ppi, need at least {MIN_SIDE}x{MIN_SIDE}",
            field=field,
        )
    if max(h, w) > MAX_SIDE:
        raise ValidationError(f"image too large: {w}x{h} px, at most {MAX_SIDE}", field=field)
    out = np.ascontiguousarray(arr, dtype=np.uint8)
    if int(out.max()) - int(out.min()) < 16:
        raise ValidationError("image is blank: no contrast, no ridges", field=field)
    return out


def _decode(data: bytes, field: str) -> GreyImage:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                if img.width * img.height > MAX_PIXELS:
                    raise ValidationError(
                        f"image too large: {img.width}x{img.height} px", field=field
                    )
                img.load()
                grey = _to_grey(img)
    except ValidationError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError("image too large (decompression bomb)", field=field) from exc
    except Exception as exc:  # Pillow raises many types for corrupt data
        raise ValidationError(
            "not a decodable image (expected PNG, TIFF, BMP, JPEG or WSQ)", field=field
        ) from exc
    return grey


def _to_grey(img: Image.Image) -> GreyImage:
    """Any Pillow mode to 8-bit grey; 16-bit images are scaled, not clipped (full
    16-bit range, or 12-bit when the values fit: scanners often write 12 bits)."""
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        a = np.asarray(img, dtype=np.float64)
        top = 65535.0 if a.max() > 4095 else 4095.0 if a.max() > 255 else 255.0
        return np.clip(np.round(a * (255.0 / top)), 0, 255).astype(np.uint8)
    if img.mode == "F":
        a = np.asarray(img, dtype=np.float64)
        lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
        a = (a - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(a)
        return np.nan_to_num(a).astype(np.uint8)
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(bg, rgba)
    return np.asarray(img.convert("L"), dtype=np.uint8)
