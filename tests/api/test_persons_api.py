"""Person endpoints over real HTTP against a `pehchaan serve` process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import LiveServer

PROBLEM = "application/problem+json"

RECORDS: list[dict[str, Any]] = [
    {"id": "NUH-1", "names": ["मोहम्मद इरफान"], "relative_name": "मोहम्मद अयूब",
     "gender": "M", "age": 34, "age_recorded_on": "2024-01-10", "district": "Nuh",
     "status": ["wanted"]},
    {"id": "GGN-7", "names": ["Mohd. Irfan"], "relative_name": "Mohd Ayub", "gender": "M",
     "age": 35, "age_recorded_on": "2025-03-01", "district": "Gurgaon", "status": ["arrested"]},
    {"id": "FBD-3", "names": ["Muhammad Irfaan"], "gender": "M", "district": "Faridabad"},
    {"id": "RTK-9", "names": ["Surender Singh Dahiya"], "relative_name": "Ram Kishan",
     "gender": "M", "district": "Rohtak"},
    {"id": "HSR-2", "names": ["Kamla Devi"], "gender": "F", "district": "Hisar"},
]


def test_store_search_get_delete(server_factory: Callable[..., LiveServer]) -> None:
    server = server_factory()
    with server.client() as http:
        created = http.post("/v1/persons", json=RECORDS)
        assert created.status_code == 201, created.text
        assert created.json()["ids"] == [r["id"] for r in RECORDS]

        found = http.get("/v1/persons/search", params={"name": "मोहम्मद इरफान"})
        assert found.status_code == 200
        hits = found.json()["hits"]
        ids = [h["id"] for h in hits]
        assert {"NUH-1", "GGN-7", "FBD-3"} <= set(ids[:3])
        assert "HSR-2" not in ids
        top = hits[0]
        assert 0.0 <= top["score"] <= 1.0
        assert next(f["name"] for f in top["features"]) == "name"
        assert all(f["detail"] for f in top["features"])
        latin = next(h for h in hits if h["id"] == "GGN-7")
        assert latin["person"]["district"] == "Gurugram"

        filtered = http.post("/v1/persons/search", json={
            "name": "Mohammad Irfan", "relative_name": "मोहम्मद अयूब", "status": ["wanted"]})
        assert [h["id"] for h in filtered.json()["hits"]] == ["NUH-1"]

        assert http.get("/v1/persons/RTK-9").json()["relative_name"] == "Ram Kishan"
        assert http.delete("/v1/persons/RTK-9").status_code == 204
        gone = http.get("/v1/persons/RTK-9")
        assert gone.status_code == 404
        assert gone.headers["content-type"].startswith(PROBLEM)
        after = http.get("/v1/persons/search", params={"name": "Surender Singh Dahiya"})
        assert "RTK-9" not in [h["id"] for h in after.json()["hits"]]


def test_restart_keeps_records(server_factory: Callable[..., LiveServer],
                               tmp_path: Path) -> None:
    data = tmp_path / "persist"
    first = server_factory(data)
    with first.client() as http:
        assert http.post("/v1/persons", json=RECORDS).status_code == 201
        before = http.get("/v1/persons/search", params={"name": "Irfan"}).json()["hits"]
    first.stop()
    second = server_factory(data)
    with second.client() as http:
        after = http.get("/v1/persons/search", params={"name": "Irfan"}).json()["hits"]
    assert [(h["id"], h["score"]) for h in after] == [(h["id"], h["score"]) for h in before]
    assert before


def test_bad_requests_get_problem_json_never_500(
        server_factory: Callable[..., LiveServer]) -> None:
    server = server_factory()
    with server.client() as http:
        cases = [
            http.get("/v1/persons/search"),
            http.get("/v1/persons/search", params={"name": ""}),
            http.get("/v1/persons/search", params={"name": "Ram", "k": 0}),
            http.get("/v1/persons/search", params={"name": "1234"}),
            http.get("/v1/persons/search", params={"name": "Ram", "status": "famous"}),
            http.post("/v1/persons", json={"names": []}),
            http.post("/v1/persons", json=[RECORDS[0], {"names": ["x"], "date_of_birth":
                                                       "2023-02-30"}]),
            http.post("/v1/persons", content=b"{not json",
                      headers={"content-type": "application/json"}),
            http.post("/v1/persons", content=b"x" * (6 * 1024 * 1024),
                      headers={"content-type": "application/json"}),
            http.get("/v1/persons/nope"),
        ]
        for response in cases:
            assert 400 <= response.status_code < 500, response.text
            assert response.headers["content-type"].startswith(PROBLEM)
            body = response.json()
            assert body["detail"] and body["title"] and body["type"]
        assert cases[6].json()["field"] == "1.date_of_birth"
        assert cases[8].status_code == 413
        # nothing of the refused batch was stored
        assert http.get("/v1/persons/NUH-1").status_code == 404
