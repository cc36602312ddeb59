"""The vectorised MCC code against its plain reference, and the matcher's invariances."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fixtures.fingerprints import random_template
from matcher.fingerprint.match import match_cylinders
from matcher.fingerprint.mcc import (
    cylinders,
    cylinders_reference,
    local_similarity,
    local_similarity_reference,
)

SHAPE = (300, 240)


def _rigid(
    xy: np.ndarray, ang: np.ndarray, rot: float, tx: float, ty: float
) -> tuple[np.ndarray, np.ndarray]:
    c, s = math.cos(rot), math.sin(rot)
    centre = np.array([120.0, 150.0])
    p = xy - centre
    q = np.stack([c * p[:, 0] - s * p[:, 1], s * p[:, 0] + c * p[:, 1]], axis=1) + centre
    return q + np.array([tx, ty]), np.mod(ang + rot, 2 * math.pi)


@pytest.mark.parametrize("seed", [1, 2])
def test_cylinders_match_reference(seed: int) -> None:
    xy, ang = random_template(seed, n_minutiae=14)
    fast = cylinders(xy, ang, SHAPE)
    ref = cylinders_reference(xy, ang, SHAPE)
    assert len(fast.values) > 0
    assert np.array_equal(fast.index, ref.index)
    assert np.array_equal(fast.valid, ref.valid)
    assert np.allclose(fast.values, ref.values, atol=1e-5)


def test_local_similarity_matches_reference() -> None:
    a = cylinders(*random_template(3, n_minutiae=14), SHAPE)
    xy, ang = random_template(3, n_minutiae=14)
    b = cylinders(*_rigid(xy, ang, 0.3, 5, -4), SHAPE)
    fast = local_similarity(a, b)
    ref = local_similarity_reference(a, b)
    assert fast.shape == ref.shape
    assert np.allclose(fast, ref, atol=1e-5)


def test_identical_templates_score_high_and_are_symmetric() -> None:
    a = cylinders(*random_template(4), SHAPE)
    b = cylinders(*random_template(5), SHAPE)
    same = match_cylinders(a, a)
    assert same.score > 0.9
    assert same.matched_minutiae >= 10
    assert match_cylinders(a, b).score == pytest.approx(match_cylinders(b, a).score)


def test_rotation_and_translation_do_not_change_the_match() -> None:
    xy, ang = random_template(6, n_minutiae=40)
    a = cylinders(xy, ang, SHAPE)
    moved = cylinders(*_rigid(xy, ang, math.radians(35), 30, -20), (400, 400))
    other = cylinders(*random_template(7, n_minutiae=40), SHAPE)
    assert match_cylinders(a, moved).score > 0.6
    assert match_cylinders(a, other).score < 0.2


def test_partial_overlap_still_matches() -> None:
    xy, ang = random_template(8, n_minutiae=45)
    keep = xy[:, 1] < 170  # the upper half of the print only
    a = cylinders(xy, ang, SHAPE)
    part = cylinders(xy[keep], ang[keep], SHAPE)
    other = cylinders(*random_template(9, n_minutiae=45), SHAPE)
    assert match_cylinders(a, part).score > 3 * match_cylinders(a, other).score


def test_empty_templates_score_zero() -> None:
    empty = cylinders(np.zeros((0, 2)), np.zeros(0), SHAPE)
    a = cylinders(*random_template(10), SHAPE)
    assert match_cylinders(a, empty).score == 0.0
    assert match_cylinders(empty, empty).matched_minutiae == 0
