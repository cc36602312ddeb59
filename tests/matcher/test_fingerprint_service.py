"""Fingerprint records through the service, in both stores (embedded and Elasticsearch)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from fixtures.fingerprints import finger_impressions
from indexer.base import SearchBackend
from pehchaan.errors import NotFound, ValidationError
from pehchaan.fingerprints import KIND, FingerprintService, record_from_body

# the store fixtures of the indexer tests: embedded always, Elasticsearch when a test
# node is configured (PEHCHAAN_TEST_ES_URL), as for every other record kind
from tests.indexer.conftest import (  # noqa: F401
    any_backend,
    embedded_store,
    es_admin,
    es_backend,
    es_url,
    make_es,
)


def _png(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def images() -> list[list[bytes]]:
    return [[_png(i) for i in finger_impressions(500 + f, 2)] for f in range(2)]


def test_enrol_identify_verify_in_each_store(any_backend: SearchBackend,  # noqa: F811
                                             images: list[list[bytes]]) -> None:
    svc = FingerprintService(any_backend)
    recs = [svc.enrol(imgs[0], person_id=f"P-{f}", finger=f + 1, impression="ink_plain",
                      district="Mewat", captured_on="2023-11-02", record_id=f"FP-{f}")
            for f, imgs in enumerate(images)]
    assert recs[0].district == "Nuh"
    stored = any_backend.get(KIND, "FP-0")
    assert stored is not None and record_from_body(stored) == recs[0]
    docs = {d.id: d for d in any_backend.iter_docs(KIND)}
    assert set(docs) == {"FP-0", "FP-1"}
    assert "finger:1" in docs["FP-0"].tags and "district:nuh" in docs["FP-0"].tags
    assert docs["FP-0"].keys and all(k.startswith("fpd:") for k in docs["FP-0"].keys)

    for f, imgs in enumerate(images):
        found = svc.identify(imgs[1], top_k=2)
        assert found[0].record.id == f"FP-{f}"
        assert found[0].hit.score > found[1].hit.score
    assert svc.identify(images[1][1], finger=1)[0].record.id == "FP-0"  # filter by finger

    same = svc.verify(images[0][1], other_id="FP-0")
    other = svc.verify(images[0][1], other=images[1][0])
    assert same.score > other.score and same.fmr < other.fmr

    svc.delete("FP-0")
    with pytest.raises(NotFound):
        svc.get("FP-0")
    assert [c.record.id for c in svc.identify(images[0][1])] == ["FP-1"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"person_id": "", "finger": 1}, "person_id"),
        ({"person_id": "P", "finger": 0}, "finger"),
        ({"person_id": "P", "finger": 1, "impression": "photo"}, "impression"),
        ({"person_id": "P", "finger": 1, "captured_on": "2999-01-01"}, "captured_on"),
        ({"person_id": "P", "finger": 1, "captured_on": "yesterday"}, "captured_on"),
    ],
)
def test_record_fields_are_validated(embedded_store: SearchBackend,  # noqa: F811
                                     images: list[list[bytes]],
                                     fields: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        FingerprintService(embedded_store).enrol(images[0][0], **fields)  # type: ignore[arg-type]
    assert exc.value.field == field
    assert embedded_store.count(KIND) == 0
