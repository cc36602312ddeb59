"""1:N identification: the pre-filter keeps the mate, full matching ranks it first."""

from __future__ import annotations

import math

import numpy as np

from fixtures.fingerprints import random_template
from matcher.fingerprint import Minutia, Template
from matcher.fingerprint.index import FingerprintIndex, descriptor, descriptor_reference
from matcher.fingerprint.template import angle_code


def _template(xy: np.ndarray, ang: np.ndarray) -> Template:
    ms = tuple(
        Minutia(round(x), round(y), angle_code(a), 1, 60) for (x, y), a in zip(xy, ang, strict=True)
    )
    return Template(400, 400, 60, 9.0, ms)


def _moved(seed: int, rot: float, keep_upper: bool) -> Template:
    xy, ang = random_template(seed, n_minutiae=40)
    c, s = math.cos(rot), math.sin(rot)
    p = xy - [120.0, 150.0]
    q = np.stack([c * p[:, 0] - s * p[:, 1], s * p[:, 0] + c * p[:, 1]], axis=1) + np.array(
        [160.0, 170.0]
    )
    keep = xy[:, 1] < 200 if keep_upper else np.ones(len(xy), dtype=bool)
    return _template(q[keep], np.mod(ang[keep] + rot, 2 * math.pi))


def test_identify_finds_the_mate_among_many() -> None:
    index = FingerprintIndex(cache_size=50)
    for k in range(150):
        index.add(f"p{k}", _template(*random_template(k, n_minutiae=40)))
    assert len(index) == 150
    probe = _moved(17, math.radians(25), keep_upper=True)
    pre = index.prefilter(probe)
    assert pre.shape == (150,)
    assert int(np.argmax(pre)) == 17
    hits = index.identify(probe, top_k=5, shortlist=20)
    assert hits[0].id == "p17"
    assert hits[0].score > 3 * hits[1].score
    assert hits[0].matched_minutiae >= 10
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_replace_and_remove() -> None:
    index = FingerprintIndex()
    for k in range(20):
        index.add(f"p{k}", _template(*random_template(k, n_minutiae=40)))
    probe = _moved(5, 0.3, keep_upper=False)
    assert index.identify(probe, top_k=1)[0].id == "p5"
    assert index.remove("p5") and not index.remove("p5")
    assert "p5" not in [h.id for h in index.identify(probe, top_k=20)]
    index.add("p3", _template(*random_template(5, n_minutiae=40)))  # replaced
    assert len(index) == 19
    assert index.identify(probe, top_k=1)[0].id == "p3"
    assert FingerprintIndex().identify(probe) == []


def test_prefilter_descriptor_matches_reference() -> None:
    xy, ang = random_template(11, n_minutiae=25)
    t = Template(240, 300, 50, 9.0, tuple(
        Minutia(int(x), int(y), angle_code(a), 1, 50) for (x, y), a in zip(xy, ang, strict=True)))
    fast, ref = descriptor(t), descriptor_reference(t)
    assert np.allclose(fast, ref, atol=1e-6)
    assert abs(float(np.linalg.norm(fast)) - 1.0) < 1e-5
