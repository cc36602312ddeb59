"""Vehicle endpoints in process (FastAPI TestClient) over an embedded store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from indexer.embedded import EmbeddedBackend
from pehchaan.settings import Settings
from tests.conftest import TEST_KEY, auth_headers

PROBLEM = "application/problem+json"
VEHICLES = [
    {"id": "V1", "registration": "hr 26 dk 8387", "status": "stolen", "district": "Gurugram",
     "chassis": "MA3EWDE1S00123456", "engine": "K12MN1234567", "make": "Maruti Suzuki"},
    {"id": "V2", "registration": "HR26DK8337", "status": "recovered", "district": "Gurugram"},
    {"id": "V3", "registration": "HR26DK8307", "status": "abandoned", "district": "Rohtak"},
    {"id": "V4", "registration": "DL3CAB1234", "status": "seized", "chassis": "654321"},
]


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", bootstrap_key=TEST_KEY)
    backend = EmbeddedBackend(settings.data_dir)
    with TestClient(create_app(settings, backend), headers=auth_headers()) as client:
        created = client.post("/v1/vehicles", json=VEHICLES)
        assert created.status_code == 201, created.text
        assert created.json() == {"stored": 4, "ids": ["V1", "V2", "V3", "V4"]}
        yield client
    backend.close()


def test_search_by_misread_plate_is_ranked_and_explained(http: TestClient) -> None:
    found = http.get("/v1/vehicles/search", params={"plate": "HR-26-DK-83B7"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert [h["id"] for h in body["hits"]][:1] == ["V1"]
    top = body["hits"][0]
    assert 0 < top["score"] <= 1 and top["vehicle"]["registration"] == "HR26DK8387"
    assert top["features"][0]["name"] == "plate"
    assert "8→B in the number" in top["features"][0]["detail"]
    scores = [h["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_post_search_filters_chassis_engine_partial(http: TestClient) -> None:
    post = http.post("/v1/vehicles/search", json={"plate": "HR26DK8387",
                                                  "status": ["abandoned"]})
    assert post.status_code == 200
    assert [h["id"] for h in post.json()["hits"]] == ["V3"]
    chassis = http.post("/v1/vehicles/search", json={"chassis": "MBHZZZ99X00654321"})
    assert chassis.json()["hits"][0]["id"] == "V4"
    engine = http.get("/v1/vehicles/search", params={"engine": "K12MN123456T"})
    assert engine.json()["hits"][0]["id"] == "V1"
    partial = http.get("/v1/vehicles/search", params={"plate": "DK8387"})
    assert partial.json()["hits"][0]["id"] == "V1"
    district = http.get("/v1/vehicles/search", params={"plate": "HR26DK8307",
                                                       "district": "rohtak"})
    assert [h["id"] for h in district.json()["hits"]] == ["V3"]


def test_get_one_and_errors(http: TestClient) -> None:
    one = http.get("/v1/vehicles/V1")
    assert one.status_code == 200 and one.json()["registration"] == "HR26DK8387"
    missing = http.get("/v1/vehicles/nope")
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    empty = http.get("/v1/vehicles/search")
    assert empty.status_code == 422 and empty.json()["field"] == "plate"
    bad_status = http.post("/v1/vehicles/search", json={"plate": "HR26", "status": ["lost"]})
    assert bad_status.status_code == 422 and bad_status.json()["field"] == "status"
    bad = http.post("/v1/vehicles", json=[VEHICLES[0], {"registration": "HR@1",
                                                        "status": "stolen"}])
    assert bad.status_code == 422
    assert bad.json()["field"] == "[1].registration"
    assert "not a Latin letter" in bad.json()["detail"]
    one_bad = http.post("/v1/vehicles", json={"registration": "HR26DK1", "status": "gone"})
    assert one_bad.status_code == 422 and one_bad.json()["field"] == "status"
    unknown = http.post("/v1/vehicles", json={"registration": "HR26DK1", "status": "stolen",
                                              "wheels": 4})
    assert unknown.status_code == 422


def test_needs_a_key(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", bootstrap_key=TEST_KEY)
    backend = EmbeddedBackend(settings.data_dir)
    with TestClient(create_app(settings, backend)) as client:
        assert client.get("/v1/vehicles/search", params={"plate": "HR26"}).status_code == 401
    backend.close()
