"""Every search, view, ingest, delete and key change lands in the audit trail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from indexer.embedded import EmbeddedBackend
from pehchaan.settings import Settings
from tests.conftest import TEST_KEY, authorized_client

RECORDS: list[dict[str, Any]] = [
    {"id": "NUH-1", "names": ["मोहम्मद इरफान"], "relative_name": "मोहम्मद अयूब",
     "gender": "M", "district": "Nuh"},
    {"id": "GGN-7", "names": ["Mohd. Irfan"], "relative_name": "Mohd Ayub", "gender": "M",
     "district": "Gurgaon"},
]


def _app(tmp_path: Path) -> FastAPI:
    settings = Settings(data_dir=tmp_path / "data", bootstrap_key=TEST_KEY)
    return create_app(settings, EmbeddedBackend(settings.data_dir))


def test_each_kind_of_request_is_recorded(tmp_path: Path) -> None:
    app = _app(tmp_path)
    police = authorized_client(app, role="investigator", agency="HR-PS-Nuh",
                               **{"X-Purpose": "arrest warrant", "X-Case-Ref": "FIR 77/2024"})
    admin = authorized_client(app, role="admin", agency="SCRB-Haryana")
    assert police.post("/v1/persons", json=RECORDS).status_code == 201
    found = police.get("/v1/persons/search", params={"name": "मोहम्मद इरफान"})
    assert found.status_code == 200
    assert police.post("/v1/persons/search", json={"name": "Irfan"}).status_code == 200
    assert police.get("/v1/persons/GGN-7").status_code == 200
    assert police.delete("/v1/persons/GGN-7").status_code == 204
    created = admin.post("/v1/keys", json={"agency": "eCourts-Rohtak",
                                           "role": "partner-court"})
    assert created.status_code == 201
    court_key = created.json()["secret"]
    assert admin.delete(f"/v1/keys/{created.json()['key_id']}").status_code == 200
    assert TestClient(app).get("/v1/persons/NUH-1", headers={
        "Authorization": f"Bearer {court_key}"}).status_code == 401

    entries = list(app.state.audit_log().entries())
    by_endpoint = [(e["method"], e["endpoint"], e["outcome"]) for e in entries]
    assert by_endpoint == [
        ("POST", "/v1/persons", "ok"),
        ("GET", "/v1/persons/search", "ok"),
        ("POST", "/v1/persons/search", "ok"),
        ("GET", "/v1/persons/{person_id}", "ok"),
        ("DELETE", "/v1/persons/{person_id}", "ok"),
        ("POST", "/v1/keys", "ok"),
        ("DELETE", "/v1/keys/{key_id}", "ok"),
        ("GET", "/v1/persons/{person_id}", "unauthenticated"),
    ]
    ingest, search, post_search, view, delete, key_new, key_revoke, refused = entries
    assert ingest["ids"] == ["NUH-1", "GGN-7"] and ingest["action"] == "write"
    assert search["query"] == {"name": "मोहम्मद इरफान"}
    assert {"NUH-1", "GGN-7"} <= set(search["ids"])
    assert (search["purpose"], search["case_ref"]) == ("arrest warrant", "FIR 77/2024")
    assert (search["agency"], search["role"], search["key_id"]) == (
        "HR-PS-Nuh", "investigator", police.key_id)
    assert search["ts"] and search["status"] == 200 and search["action"] == "search"
    assert post_search["query"]["name"] == "Irfan"
    assert view["ids"] == ["GGN-7"] and delete["ids"] == ["GGN-7"]
    assert delete["action"] == "delete"
    assert key_new["agency"] == "SCRB-Haryana" and key_new["resource"] == "keys"
    assert court_key not in str(entries)  # secrets never reach the log
    assert key_revoke["ids"] == [created.json()["key_id"]]
    assert refused["key_id"] is None and refused["status"] == 401
    assert app.state.audit_log().verify().ok


def test_auditors_filter_the_trail(tmp_path: Path) -> None:
    app = _app(tmp_path)
    nuh = authorized_client(app, role="investigator", agency="HR-PS-Nuh")
    court = authorized_client(app, role="partner-court", agency="eCourts-Gurugram")
    assert nuh.post("/v1/persons", json=RECORDS).status_code == 201
    assert nuh.get("/v1/persons/NUH-1").status_code == 200
    assert court.get("/v1/persons/search", params={"name": "Mohd Irfan"}).status_code == 200
    auditor = authorized_client(app, role="auditor", agency="SCRB-Audit")

    page = auditor.get("/v1/audit", params={"agency": "eCourts-Gurugram"}).json()
    assert [e["endpoint"] for e in page["entries"]] == ["/v1/persons/search"]
    assert page["entries"][0]["purpose"] == "automated test"

    by_key = auditor.get("/v1/audit", params={"key_id": nuh.key_id}).json()
    assert [e["method"] for e in by_key["entries"]] == ["GET", "POST"]  # newest first

    about = auditor.get("/v1/audit", params={"record_id": "NUH-1"}).json()["entries"]
    assert {e["agency"] for e in about} == {"HR-PS-Nuh", "eCourts-Gurugram"}

    later = auditor.get("/v1/audit", params={"since": "2100-01-01T00:00:00Z"}).json()
    assert later["count"] == 0
    newest = auditor.get("/v1/audit", params={"limit": 2}).json()
    assert newest["count"] == 2 and newest["next_before_seq"] == newest["entries"][-1]["seq"]
    older = auditor.get("/v1/audit", params={"before_seq": newest["next_before_seq"]}).json()
    assert max(e["seq"] for e in older["entries"]) < newest["next_before_seq"]

    check = auditor.get("/v1/audit/verify").json()
    assert check["ok"] is True and check["checked"] >= 5
    assert court.get("/v1/audit").status_code == 403
    tried = auditor.get("/v1/audit", params={"key_id": court.key_id}).json()["entries"][0]
    assert (tried["endpoint"], tried["outcome"], tried["status"]) == (
        "/v1/audit", "forbidden", 403)
