"""Image loading and every rejection path: a bad upload is a clear ValidationError."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
import wsq  # noqa: F401
from PIL import Image

from fixtures.fingerprints import finger_impressions
from matcher.fingerprint import extract, load_image
from pehchaan.errors import ValidationError


@pytest.fixture(scope="module")
def print_image() -> np.ndarray:
    return finger_impressions(11, 1)[0]


def _encode(img: np.ndarray, fmt: str, **kw: object) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "BMP", "JPEG", "WSQ"])
def test_every_format_decodes_to_the_same_grey_image(print_image: np.ndarray, fmt: str) -> None:
    out = load_image(_encode(print_image, fmt))
    assert out.dtype == np.uint8 and out.shape == print_image.shape
    # lossy codecs differ a little, never grossly
    assert np.abs(out.astype(int) - print_image.astype(int)).mean() < 12


def test_colour_16_bit_and_alpha_become_8_bit_grey(print_image: np.ndarray) -> None:
    rgb = np.dstack([print_image] * 3)
    assert load_image(_encode(rgb, "PNG")).shape == print_image.shape
    wide = Image.fromarray(print_image.astype(np.uint16) * 257)
    buf = io.BytesIO()
    wide.save(buf, "PNG")
    assert np.array_equal(load_image(buf.getvalue()), print_image)
    rgba = np.dstack([rgb, np.full(print_image.shape, 255, np.uint8)])
    assert load_image(_encode(rgba, "PNG")).shape == print_image.shape


def test_ppi_rescales_to_500(print_image: np.ndarray) -> None:
    out = load_image(_encode(print_image, "PNG"), ppi=1000)
    assert out.shape == (print_image.shape[0] // 2, print_image.shape[1] // 2)


def test_reads_paths(tmp_path: Path, print_image: np.ndarray) -> None:
    p = tmp_path / "1_1.png"
    cv2.imwrite(str(p), print_image)
    assert np.array_equal(load_image(p), print_image)
    with pytest.raises(ValidationError, match="cannot read file"):
        load_image(tmp_path / "missing.png")


def _reject(data: bytes | np.ndarray, match: str, ppi: float = 500) -> ValidationError:
    with pytest.raises(ValidationError, match=match) as exc:
        extract(data, ppi=ppi)
    assert exc.value.status == 422
    return exc.value


def test_empty_upload() -> None:
    assert _reject(b"", "empty").field == "image"


def test_undecodable_bytes() -> None:
    _reject(b"%PDF-1.4 definitely not an image" * 10, "not a decodable image")
    _reject(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a decodable image")  # truncated PNG


def test_too_small() -> None:
    _reject(_encode(np.zeros((40, 300), np.uint8), "PNG"), "too small")


def test_too_small_after_rescaling(print_image: np.ndarray) -> None:
    _reject(_encode(print_image, "PNG"), "too small", ppi=1500)


def test_bad_ppi(print_image: np.ndarray) -> None:
    assert _reject(_encode(print_image, "PNG"), "ppi", ppi=10).field == "ppi"


def test_blank_image() -> None:
    _reject(_encode(np.full((300, 300), 255, np.uint8), "PNG"), "blank")


def test_noise_has_no_ridge_area() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (300, 300), dtype=np.uint8)
    _reject(_encode(noise, "PNG"), "no ridge area")


def test_smooth_gradient_has_no_ridge_area() -> None:
    grad = np.tile(np.linspace(0, 255, 300), (300, 1)).astype(np.uint8)
    _reject(grad, "no ridge area")


def test_text_is_not_a_fingerprint() -> None:
    img = np.full((300, 300), 255, np.uint8)
    cv2.putText(img, "HELLO", (10, 150), cv2.FONT_HERSHEY_SIMPLEX, 3, 0, 8)
    _reject(img, "no ridge area|too few minutiae")


def test_field_name_is_carried() -> None:
    assert _reject(b"", "empty", ppi=500).field == "image"
    with pytest.raises(ValidationError) as exc:
        extract(b"", field="probe")
    assert exc.value.field == "probe"
