"""Fingerprint enrol / verify / identify end to end over real HTTP."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pytest
from PIL import Image

from fixtures.fingerprints import finger_impressions
from tests.conftest import LiveServer

PROBLEM = "application/problem+json"


def _png(img: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def prints() -> dict[int, list[bytes]]:
    return {f: [_png(i) for i in finger_impressions(300 + f, 2)] for f in range(3)}


def _file(data: bytes, name: str = "print.png") -> tuple[str, bytes, str]:
    return (name, data, "image/png")


def test_enrol_identify_verify_delete(
    server_factory: Callable[..., LiveServer], prints: dict[int, list[bytes]]
) -> None:
    server = server_factory()
    with server.client() as http:
        ids = {}
        for f, imgs in prints.items():
            r = http.post(
                "/v1/fingerprints",
                files={"image": _file(imgs[0])},
                data={
                    "person_id": f"P-{f}",
                    "finger": str(f + 1),
                    "impression": "ink_rolled",
                    "district": "Gurgaon",
                    "bureau": "SCRB Haryana",
                    "captured_on": "2024-05-01",
                },
            )
            assert r.status_code == 201, r.text
            body = r.json()
            assert body["person_id"] == f"P-{f}" and body["finger"] == f + 1
            assert body["district"] == "Gurugram"
            assert body["minutiae_count"] >= 5 and 0 < body["quality"] <= 100
            assert "template" not in body and "template_b64" not in body
            ids[f] = body["id"]

        for f, imgs in prints.items():
            r = http.post(
                "/v1/fingerprints/identify", files={"image": _file(imgs[1])}, data={"top_k": "3"}
            )
            assert r.status_code == 200, r.text
            cands = r.json()["candidates"]
            assert cands[0]["record"]["id"] == ids[f]
            assert cands[0]["matched_minutiae"] >= 4
            assert cands[0]["score"] > max((c["score"] for c in cands[1:]), default=0.0)
            assert cands[0]["false_match_rate"] < 0.01

        same = http.post(
            "/v1/fingerprints/verify",
            files={"image": _file(prints[0][1]), "other": _file(prints[0][0])},
        )
        other = http.post(
            "/v1/fingerprints/verify",
            files={"image": _file(prints[0][1]), "other": _file(prints[1][0])},
        )
        assert same.status_code == other.status_code == 200, (same.text, other.text)
        assert same.json()["score"] > other.json()["score"]
        assert same.json()["false_match_rate"] < other.json()["false_match_rate"]

        by_id = http.post(
            "/v1/fingerprints/verify",
            files={"image": _file(prints[2][1])},
            data={"other_id": ids[2]},
        )
        assert by_id.status_code == 200
        assert by_id.json()["score"] > other.json()["score"]

        got = http.get(f"/v1/fingerprints/{ids[1]}")
        assert got.status_code == 200 and got.json()["finger_name"] == "right index"
        assert http.delete(f"/v1/fingerprints/{ids[1]}").status_code == 204
        assert http.get(f"/v1/fingerprints/{ids[1]}").status_code == 404
        after = http.post("/v1/fingerprints/identify", files={"image": _file(prints[1][1])})
        assert ids[1] not in [c["record"]["id"] for c in after.json()["candidates"]]


def _problem(r: object, status: int, field: str) -> dict[str, object]:
    resp = r  # httpx.Response
    assert resp.status_code == status, resp.text  # type: ignore[attr-defined]
    assert resp.headers["content-type"].startswith(PROBLEM)  # type: ignore[attr-defined]
    body: dict[str, object] = resp.json()  # type: ignore[attr-defined]
    assert body.get("field") == field, body
    return body


def test_bad_uploads_are_clear_problems(
    server_factory: Callable[..., LiveServer], prints: dict[int, list[bytes]]
) -> None:
    server = server_factory()
    with server.client() as http:
        form = {"person_id": "P-1", "finger": "1"}
        _problem(
            http.post("/v1/fingerprints", files={"image": _file(b"")}, data=form), 422, "image"
        )
        body = _problem(
            http.post("/v1/fingerprints", files={"image": _file(b"GIF89a junk")}, data=form),
            422,
            "image",
        )
        assert "decodable" in str(body["detail"])
        blank = _png(np.full((300, 300), 255, np.uint8))
        _problem(
            http.post("/v1/fingerprints", files={"image": _file(blank)}, data=form), 422, "image"
        )
        tiny = _png(np.zeros((20, 20), np.uint8))
        _problem(
            http.post("/v1/fingerprints", files={"image": _file(tiny)}, data=form), 422, "image"
        )
        big = b"\x89PNG" + b"\x00" * (4 * 1024 * 1024 + 10)
        r = http.post("/v1/fingerprints", files={"image": _file(big)}, data=form)
        assert r.status_code == 413, r.text
        r = http.post(
            "/v1/fingerprints",
            files={"image": _file(prints[0][0])},
            data={"person_id": "P-1", "finger": "11"},
        )
        assert r.status_code == 422 and "finger" in r.text
        r = http.post(
            "/v1/fingerprints",
            files={"image": _file(prints[0][0])},
            data={"person_id": "P-1", "finger": "2", "captured_on": "01/02/2024"},
        )
        _problem(r, 422, "captured_on")
        _problem(
            http.post("/v1/fingerprints/verify", files={"image": _file(prints[0][0])}), 422, "other"
        )
        _problem(
            http.post(
                "/v1/fingerprints/verify",
                files={"image": _file(prints[0][0])},
                data={"other_id": "FP-missing"},
            ),
            404,
            "id",
        )
        empty = http.post("/v1/fingerprints/identify", files={"image": _file(prints[0][0])})
        assert empty.status_code == 200 and empty.json()["candidates"] == []
