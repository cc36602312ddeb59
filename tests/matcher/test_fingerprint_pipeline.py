"""The whole pipeline on synthetic prints: the same finger matches, others do not."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from fixtures.fingerprints import finger_impressions
from matcher.fingerprint import Template, extract, match, prepare
from matcher.fingerprint.minutiae import BIFURCATION, ENDING

FINGERS = 4
IMPRESSIONS = 2


@pytest.fixture(scope="module")
def templates() -> dict[tuple[int, int], Template]:
    out = {}
    for f in range(FINGERS):
        for i, img in enumerate(finger_impressions(100 + f, IMPRESSIONS)):
            out[(f, i)] = extract(img)
    return out


def test_templates_look_like_fingerprints(templates: dict[tuple[int, int], Template]) -> None:
    for t in templates.values():
        assert 10 <= len(t.minutiae) <= 120
        assert 5.0 <= t.period <= 15.0
        assert 0 < t.quality <= 100
        kinds = {m.kind for m in t.minutiae}
        assert kinds <= {ENDING, BIFURCATION}
        assert all(0 <= m.x < t.width and 0 <= m.y < t.height for m in t.minutiae)
        assert Template.from_bytes(t.to_bytes()) == t


def test_same_finger_scores_above_every_other_finger(
    templates: dict[tuple[int, int], Template],
) -> None:
    prepared = {k: prepare(t) for k, t in templates.items()}
    genuine: list[float] = []
    impostor: list[float] = []
    for a, b in combinations(sorted(prepared), 2):
        r = match(prepared[a], prepared[b])
        (genuine if a[0] == b[0] else impostor).append(r.score)
        if a[0] == b[0]:
            assert r.matched_minutiae >= 4
    assert min(genuine) > max(impostor)
    assert max(impostor) < 0.1


def test_each_impression_finds_its_finger_first(templates: dict[tuple[int, int], Template]) -> None:
    prepared = {k: prepare(t) for k, t in templates.items()}
    for probe in prepared:
        scores = {k: match(prepared[probe], p).score for k, p in prepared.items() if k != probe}
        best = max(scores, key=lambda k: scores[k])
        assert best[0] == probe[0]


def test_match_is_symmetric_and_deterministic(templates: dict[tuple[int, int], Template]) -> None:
    a, b = templates[(0, 0)], templates[(0, 1)]
    assert match(a, b).score == pytest.approx(match(b, a).score)
    assert match(a, b) == match(a, b)
    img = finger_impressions(100, 1)[0]
    assert extract(img) == templates[(0, 0)]
    assert np.isfinite(match(a, a).score) and match(a, a).score > 0.9


def test_fast_steps_match_their_references() -> None:
    from matcher.fingerprint.enhance import (
        enhance,
        gabor_enhance,
        gabor_enhance_reference,
    )
    from matcher.fingerprint.image import check_image
    from matcher.fingerprint.minutiae import _CN, crossing_number_reference, neighbour_codes

    img = check_image(finger_impressions(100, 1)[0])
    enh = enhance(img)
    fast = gabor_enhance(enh.norm, enh.orient, enh.period, enh.mask)
    ref = gabor_enhance_reference(enh.norm, enh.orient, enh.period)
    assert np.allclose(fast[enh.mask], ref[enh.mask], atol=1e-4)

    from matcher.fingerprint.minutiae import thin

    skel = thin(enh.ridges)
    cn = _CN[neighbour_codes(skel)]
    ys, xs = np.nonzero(skel)
    for y, x in list(zip(ys.tolist(), xs.tolist(), strict=True))[::7]:
        assert cn[y, x] == crossing_number_reference(skel, y, x)
    assert {1, 2, 3} <= set(cn[skel].tolist())
