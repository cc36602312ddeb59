"""Cross-check jobs over HTTP: submit, poll, fetch; a job survives kill -9 of the server."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from indexer.embedded import EmbeddedBackend
from pehchaan.settings import Settings
from tests.conftest import TEST_KEY, LiveServer, auth_headers, authorized_client

WANTED = [
    {"id": "W1", "registration": "HR26DK8387", "status": "stolen",
     "chassis": "MA3EWDE1S00123456"},
    {"id": "W2", "registration": "UP16BC0042", "status": "wanted-linked",
     "engine": "G4FA9876543"},
    {"id": "R1", "registration": "HR51BA7777", "status": "recovered"},
]


def _rows(n: int) -> list[dict[str, str]]:
    """n registrations: every 50th is a misread W1 plate, every 70th W2's engine."""
    rows = []
    for i in range(n):
        row = {"registration": f"HR10AA{i % 9999 + 1:04d}"}
        if i % 50 == 0:
            row["registration"] = "HR26DK83B7"
        if i % 70 == 0:
            row["engine"] = "G4FA9876543"
        rows.append(row)
    return rows


def _expected_hits(n: int) -> int:
    return sum(1 for i in range(n) if i % 50 == 0) + sum(1 for i in range(n) if i % 70 == 0)


def _wait(get: Callable[[], Any], timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = get().json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def _all_results(get: Callable[[int], Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = get(offset).json()
        out += page["results"]
        offset = page["next_offset"]
    return out


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path / "data", bootstrap_key=TEST_KEY)
    backend = EmbeddedBackend(settings.data_dir)
    with TestClient(create_app(settings, backend), headers=auth_headers()) as client:
        assert client.post("/v1/vehicles", json=WANTED).status_code == 201
        yield client
    backend.close()


def test_submit_poll_fetch(http: TestClient) -> None:
    rows = [*_rows(300), {"registration": "x"}, {"make": "Hero"}]
    submitted = http.post("/v1/crosscheck", json={"registrations": rows})
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    assert submitted.headers["Location"] == f"/v1/crosscheck/{job_id}"
    job = _wait(lambda: http.get(f"/v1/crosscheck/{job_id}"))
    assert job["state"] == "done" and job["progress"]["processed"] == 302
    assert job["hits"] == _expected_hits(300) and job["bad_rows"] == 2
    hits = _all_results(lambda o: http.get(f"/v1/crosscheck/{job_id}/results",
                                           params={"kind": "hit", "offset": o, "limit": 3}))
    assert len(hits) == job["hits"]
    first = next(h for h in hits if h["identifier"] == "registration")
    assert first["how"] == "misread"
    assert first["record_id"] == "W1" and 0 < first["score"] < 1 and first["line"] == 1
    assert "8→B" in first["detail"]
    assert {h["identifier"] for h in hits} == {"registration", "engine"}
    bad = http.get(f"/v1/crosscheck/{job_id}/results", params={"kind": "bad"}).json()
    assert [b["line"] for b in bad["results"]] == [301, 302]
    assert http.get("/v1/crosscheck/nope").status_code == 404
    assert http.post("/v1/crosscheck", json={"registrations": []}).status_code == 422


def test_upload_csv(http: TestClient) -> None:
    csv = "registration,engine\n" + "\n".join(
        f"{r['registration']},{r.get('engine', '')}" for r in _rows(200)) + "\n"
    up = http.post("/v1/crosscheck/upload", files={"file": ("regs.csv", csv, "text/csv")})
    assert up.status_code == 202, up.text
    job = _wait(lambda: http.get(f"/v1/crosscheck/{up.json()['id']}"))
    assert job["state"] == "done" and job["hits"] == _expected_hits(200)
    wrong = http.post("/v1/crosscheck/upload", files={"file": ("regs.txt", "x", "text/plain")})
    assert wrong.status_code == 422 and wrong.json()["field"] == "file"


def test_restricted_wanted_person_is_not_shown_to_a_job_role(http: TestClient) -> None:
    """The crosscheck-job role may not see restricted records: an owner matching a
    restricted wanted person gives that role no hit, while an investigator sees it."""
    people = [{"id": "P-OPEN", "names": ["Surender Singh Dahiya"], "status": ["wanted"]},
              {"id": "P-JUV", "names": ["Mohammad Irfan Khan"], "status": ["wanted"],
               "restrictions": ["juvenile"]}]
    assert http.post("/v1/persons", json=people).status_code == 201
    rows = [{"registration": "PB10AB1234", "owner_name": "सुरेन्द्र सिंह दहिया"},
            {"registration": "PB10AB1235", "owner_name": "मोहम्मद इरफान खान"}]
    job_client = authorized_client(http.app, role="crosscheck-job")
    submitted = job_client.post("/v1/crosscheck", json={"registrations": rows})
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["id"]
    assert _wait(lambda: job_client.get(f"/v1/crosscheck/{job_id}"))["state"] == "done"

    def owner_hits(client: TestClient) -> set[str]:
        page = client.get(f"/v1/crosscheck/{job_id}/results", params={"kind": "hit"})
        assert page.status_code == 200, page.text
        return {h["record_id"] for h in page.json()["results"]
                if h["identifier"] == "owner_name"}

    assert owner_hits(http) == {"P-OPEN", "P-JUV"}  # the investigator's key
    assert owner_hits(job_client) == {"P-OPEN"}


def test_job_survives_kill_9(tmp_path: Path,
                             server_factory: Callable[..., LiveServer]) -> None:
    data = tmp_path / "data"
    n = 8000
    first = server_factory(data)
    with first.client() as client:
        assert client.post("/v1/vehicles", json=WANTED).status_code == 201
        job_id = client.post("/v1/crosscheck",
                             json={"registrations": _rows(n)}).json()["id"]
        time.sleep(0.5)
    first.process.kill()  # SIGKILL, wherever the job is
    first.process.wait()

    second = server_factory(data)
    with second.client() as client:
        job = _wait(lambda: client.get(f"/v1/crosscheck/{job_id}"))
        assert job["state"] == "done", job
        assert job["progress"]["processed"] == n
        hits = _all_results(lambda o: client.get(f"/v1/crosscheck/{job_id}/results",
                                                 params={"offset": o, "limit": 5000}))
    assert len(hits) == job["hits"] == _expected_hits(n)
    keys = [(h["line"], h["identifier"]) for h in hits]
    assert len(set(keys)) == len(keys)  # resumed without duplicates
    assert all(isinstance(h, dict) for h in hits)
