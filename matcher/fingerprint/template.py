"""The fingerprint template: minutiae only, versioned, compact, serialisable.

Binary layout, version 1 (big-endian, modelled on the ISO/IEC 19794-2 finger
minutiae record so that it converts to it field by field)::

    offset size  field
    0      4     magic  b"PFMT"
    4      1     format version (1)
    5      1     image quality 0..100
    6      2     image width  in pixels (500 ppi)
    8      2     image height in pixels
    10     2     ridge period in 1/16 pixel
    12     2     number of minutiae n
    14     6n    minutiae, each:
                   2  type (2 high bits: 01 ending, 10 bifurcation) | x (14 bits)
                   2  reserved (2 high bits, 0) | y (14 bits)
                   1  angle in units of 360/256 degrees, counter-clockwise
                      from the x axis with y pointing down the image
                   1  quality 0..100

A print with 60 minutiae takes 374 bytes. Readers refuse unknown versions so a
future format change cannot be misread silently.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from pehchaan.errors import ValidationError

MAGIC = b"PFMT"
VERSION = 1
_HEADER = struct.Struct(">4sBBHHHH")
_MINUTIA = struct.Struct(">HHBB")
ANGLE_UNIT = 2 * math.pi / 256
MAX_MINUTIAE = 255


@dataclass(frozen=True, slots=True)
class Minutia:
    """One minutia as stored: integer pixel position, 8-bit angle code, type, quality."""

    x: int
    y: int
    angle_code: int  # 0..255, units of 360/256 degrees
    kind: int  # 1 ridge ending, 2 bifurcation
    quality: int  # 0..100

    @property
    def angle(self) -> float:
        """Angle in radians [0, 2 pi)."""
        return self.angle_code * ANGLE_UNIT


@dataclass(frozen=True, slots=True)
class Template:
    """Minutiae of one impression plus the image facts the matcher needs."""

    width: int
    height: int
    quality: int
    period: float
    minutiae: tuple[Minutia, ...]

    def to_bytes(self) -> bytes:
        """Encode as the versioned binary format described in this module."""
        head = _HEADER.pack(
            MAGIC,
            VERSION,
            _clip(self.quality, 100),
            _clip(self.width, 0xFFFF),
            _clip(self.height, 0xFFFF),
            _clip(round(self.period * 16), 0xFFFF),
            len(self.minutiae),
        )
        body = b"".join(
            _MINUTIA.pack(
                (m.kind & 3) << 14 | _clip(m.x, 0x3FFF),
                _clip(m.y, 0x3FFF),
                m.angle_code & 0xFF,
                _clip(m.quality, 100),
            )
            for m in self.minutiae
        )
        return head + body

    @classmethod
    def from_bytes(cls, data: bytes, *, field: str = "template") -> Template:
        """Decode, refusing truncated data, wrong magic and unknown versions."""
        if len(data) < _HEADER.size:
            raise ValidationError("template too short", field=field)
        magic, version, quality, width, height, period16, n = _HEADER.unpack_from(data)
        if magic != MAGIC:
            raise ValidationError("not a Pehchaan fingerprint template", field=field)
        if version != VERSION:
            raise ValidationError(f"unsupported template version {version}", field=field)
        if len(data) != _HEADER.size + n * _MINUTIA.size:
            raise ValidationError("template length does not match its minutia count", field=field)
        ms = []
        for i in range(n):
            tx, ry, a, q = _MINUTIA.unpack_from(data, _HEADER.size + i * _MINUTIA.size)
            ms.append(Minutia(tx & 0x3FFF, ry & 0x3FFF, a, tx >> 14, q))
        return cls(width, height, quality, period16 / 16.0, tuple(ms))

    def arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Positions (n, 2) as x, y and angles (n,) in radians, for the matcher."""
        xy = np.array([[m.x, m.y] for m in self.minutiae], dtype=np.float64).reshape(-1, 2)
        ang = np.array([m.angle for m in self.minutiae], dtype=np.float64)
        return xy, ang


def angle_code(angle: float) -> int:
    """Radians to the 8-bit angle code."""
    return round((angle % (2 * math.pi)) / ANGLE_UNIT) % 256


def _clip(v: float, hi: int) -> int:
    return int(min(max(int(v), 0), hi))
