"""The template format: round trip, compactness, refusal of corrupt or foreign data."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matcher.fingerprint.template import MAGIC, Minutia, Template, angle_code
from pehchaan.errors import ValidationError

minutiae = st.builds(
    Minutia,
    x=st.integers(0, 0x3FFF),
    y=st.integers(0, 0x3FFF),
    angle_code=st.integers(0, 255),
    kind=st.sampled_from([1, 2]),
    quality=st.integers(0, 100),
)


@given(
    ms=st.lists(minutiae, max_size=60),
    w=st.integers(1, 4000),
    h=st.integers(1, 4000),
    q=st.integers(0, 100),
    period16=st.integers(80, 240),
)
def test_round_trip(ms: list[Minutia], w: int, h: int, q: int, period16: int) -> None:
    t = Template(w, h, q, period16 / 16, tuple(ms))
    data = t.to_bytes()
    assert len(data) == 14 + 6 * len(ms)
    assert Template.from_bytes(data) == t


def test_angle_code_wraps() -> None:
    assert angle_code(0.0) == 0
    assert angle_code(2 * math.pi) == 0
    assert angle_code(-math.pi / 2) == 192
    assert Minutia(0, 0, 64, 1, 50).angle == pytest.approx(math.pi / 2)


def _sample() -> bytes:
    return Template(240, 300, 80, 9.0, (Minutia(10, 20, 30, 1, 90),)).to_bytes()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "too short"),
        (b"XXXX" + _sample()[4:], "not a Pehchaan"),
        (MAGIC + bytes([9]) + _sample()[5:], "unsupported template version 9"),
        (_sample()[:-1], "length"),
        (_sample() + b"\x00", "length"),
    ],
)
def test_refuses_bad_data(data: bytes, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason) as exc:
        Template.from_bytes(data)
    assert exc.value.field == "template"
