"""Who may reach what, role by role and field by field, through the real app in process."""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from indexer.embedded import EmbeddedBackend
from pehchaan.access import Role
from pehchaan.scopes import default_matrix
from pehchaan.settings import Settings
from tests.conftest import TEST_KEY, LiveServer, auth_headers, authorized_client

PROBLEM = "application/problem+json"

RECORDS: list[dict[str, Any]] = [
    {"id": "RTK-1", "names": ["Surender Singh Dahiya"], "relative_name": "Ram Kishan",
     "relation": "father", "gender": "M", "age": 38, "age_recorded_on": "2023-05-01",
     "address": "H.No. 12, Sector 3, Rohtak", "district": "Rohtak",
     "police_station": "Sadar Rohtak", "status": ["arrested"],
     "firs": [{"police_station": "Sadar Rohtak", "fir_number": "123", "year": 2023}],
     "source_agency": "HR-PS-Sadar-Rohtak",
     "external_ids": {"nfn": "0612345678", "aadhaar": "1234-5678-9012"}},
    {"id": "JUV-1", "names": ["सुरेन्द्र दहिया"], "gender": "M", "age": 16,
     "district": "Rohtak", "restrictions": ["juvenile"]},
    {"id": "VIC-1", "names": ["Surinder Dahiya"], "gender": "F", "district": "Jhajjar",
     "restrictions": ["sexual_offence_victim"]},
]
PERSON_FIELDS = {"id", "names", "aliases", "relative_name", "relation", "gender",
                 "date_of_birth", "age", "age_recorded_on", "address", "district",
                 "police_station", "firs", "status", "source_agency", "external_ids",
                 "restrictions", "created_at", "updated_at"}


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(data_dir=tmp_path / "data", bootstrap_key=TEST_KEY, **extra)


def _app(tmp_path: Path, **extra: Any) -> FastAPI:
    """An app over an embedded store in ``tmp_path`` (no lifespan needed)."""
    settings = _settings(tmp_path, **extra)
    return create_app(settings, EmbeddedBackend(settings.data_dir))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    backend = EmbeddedBackend(tmp_path / "data")
    application = create_app(_settings(tmp_path), backend)
    with TestClient(application, headers=auth_headers()) as http:
        assert http.post("/v1/persons", json=RECORDS).status_code == 201
    yield application
    backend.close()


def _client(app: FastAPI, role: Role | str) -> TestClient:
    return authorized_client(app, role=str(role), agency=f"test-{role}")


def _search(http: TestClient, name: str = "Surender Dahiya") -> Any:
    return http.get("/v1/persons/search", params={"name": name, "k": 20})


def test_v1_needs_a_valid_key_docs_and_health_do_not(app: FastAPI) -> None:
    http = TestClient(app)
    for path in ("/health", "/docs", "/openapi.json"):
        assert http.get(path).status_code == 200, path
    missing = http.get("/v1/persons/RTK-1")
    assert missing.status_code == 401
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    body = missing.json()
    assert body["type"].endswith("/unauthorized") and body["field"] == "Authorization"
    assert "Authorization: Bearer" in body["detail"]
    wrong = http.get("/v1/persons/RTK-1", headers=auth_headers("phk_not-a-real-key-at-all"))
    assert wrong.status_code == 401 and "not known" in wrong.json()["detail"]
    for headers in (auth_headers(), {"X-API-Key": TEST_KEY, "X-Purpose": "trial",
                                     "X-Case-Ref": "CNR HRRT010012342024"}):
        assert http.get("/v1/persons/RTK-1", headers=headers).status_code == 200
    ok = http.get("/v1/persons/RTK-1", headers=auth_headers(purpose=None, case_ref=None),
                  params={"purpose": "trial", "case_ref": "FIR 123/2023"})
    assert ok.status_code == 200


def test_revoked_and_expired_keys_are_refused(app: FastAPI) -> None:
    keys = app.state.keys
    revoked = keys.create(agency="HR-PS-Test", role="investigator")
    http = TestClient(app)
    assert http.get("/v1/persons/RTK-1",
                    headers=auth_headers(revoked.secret)).status_code == 200
    keys.revoke(revoked.key.key_id)
    gone = http.get("/v1/persons/RTK-1", headers=auth_headers(revoked.secret))
    assert gone.status_code == 401 and "revoked" in gone.json()["detail"]
    from datetime import UTC, datetime, timedelta

    expired = keys.create(agency="HR-PS-Test", role="investigator",
                          expires_at=datetime.now(UTC) - timedelta(seconds=1))
    late = http.get("/v1/persons/RTK-1", headers=auth_headers(expired.secret))
    assert late.status_code == 401 and "expired" in late.json()["detail"]


def test_purpose_and_case_ref_required_for_investigators_and_partners(app: FastAPI) -> None:
    for role in (Role.INVESTIGATOR, Role.PARTNER_COURT, Role.PARTNER_PRISON):
        http = _client(app, role)
        no_purpose = http.get("/v1/persons/search", params={"name": "Dahiya"},
                              headers={"X-Purpose": ""})
        assert no_purpose.status_code == 400, (role, no_purpose.text)
        assert no_purpose.json()["field"] == "X-Purpose"
        assert "purpose" in no_purpose.json()["detail"]
        no_case = http.get("/v1/persons/search", params={"name": "Dahiya"},
                           headers={"X-Case-Ref": ""})
        assert no_case.status_code == 400 and no_case.json()["field"] == "X-Case-Ref"
        assert "case reference" in no_case.json()["detail"]
    job = TestClient(app, headers={"Authorization": "Bearer " + app.state.keys.create(
        agency="crosscheck", role="crosscheck-job").secret})
    assert _search(job).status_code == 200


# What each role may do on persons and the audit trail: (search, view, create, delete, audit)
EXPECTED = {
    Role.INVESTIGATOR: (200, 200, 201, 204, 403),
    Role.SUPERVISOR: (200, 200, 201, 204, 200),
    Role.BUREAU: (200, 200, 403, 403, 403),
    Role.PARTNER_COURT: (200, 200, 403, 403, 403),
    Role.PARTNER_PRISON: (200, 200, 403, 403, 403),
    Role.PARTNER_FORENSICS: (200, 200, 403, 403, 403),
    Role.PARTNER_PROSECUTION: (200, 200, 403, 403, 403),
    Role.CROSSCHECK_JOB: (200, 200, 403, 403, 403),
    Role.AUDITOR: (403, 403, 403, 403, 200),
    Role.ADMIN: (403, 403, 403, 403, 200),
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_reaches_what_the_matrix_allows(app: FastAPI, role: Role) -> None:
    http = _client(app, role)
    new = {"id": f"NEW-{role.value}", "names": ["Ramesh Kumar"], "district": "Karnal"}
    got = (
        _search(http).status_code,
        http.get("/v1/persons/RTK-1").status_code,
        http.post("/v1/persons", json=new).status_code,
        http.delete(f"/v1/persons/NEW-{role.value}" if role in (
            Role.INVESTIGATOR, Role.SUPERVISOR) else "/v1/persons/RTK-1").status_code,
        http.get("/v1/audit").status_code,
    )
    assert got == EXPECTED[role]
    denied = http.get("/v1/keys")
    assert denied.status_code == (200 if role is Role.ADMIN else 403)
    if denied.status_code == 403:
        assert denied.headers["content-type"].startswith(PROBLEM)
        assert role.value in denied.json()["detail"]


def _visible(http: TestClient) -> dict[str, dict[str, Any]]:
    response = _search(http)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] == len(body["hits"])
    return {h["id"]: h["person"] for h in body["hits"]}


def test_fields_per_role(app: FastAPI) -> None:
    investigator = _visible(_client(app, Role.INVESTIGATOR))
    assert set(investigator["RTK-1"]) == PERSON_FIELDS
    assert investigator["RTK-1"]["external_ids"]["aadhaar"] == "1234-5678-9012"

    court = _visible(_client(app, Role.PARTNER_COURT))["RTK-1"]
    assert set(court) == {"id", "names", "aliases", "relative_name", "relation", "gender",
                          "age", "age_recorded_on", "date_of_birth", "district",
                          "police_station", "firs", "status"}
    assert court["firs"] == [{"police_station": "Sadar Rohtak", "fir_number": "123",
                              "year": 2023}]
    assert "address" not in court and "external_ids" not in court

    prison = _visible(_client(app, Role.PARTNER_PRISON))["RTK-1"]
    assert {"names", "firs", "external_ids"} <= set(prison)
    assert prison["external_ids"] == {"nfn": "0612345678"}  # aadhaar is never shared
    assert not {"address", "district", "police_station", "status"} & set(prison)

    forensics = _visible(_client(app, Role.PARTNER_FORENSICS))["RTK-1"]
    assert set(forensics) == {"id", "names", "gender", "firs"}

    view = _client(app, Role.PARTNER_COURT).get("/v1/persons/RTK-1").json()
    assert "address" not in view and view["names"] == ["Surender Singh Dahiya"]


def test_explanations_do_not_leak_hidden_fields(app: FastAPI) -> None:
    http = _client(app, Role.PARTNER_FORENSICS)
    hits = http.get("/v1/persons/search", params={
        "name": "Surender Dahiya", "relative_name": "Ram Kishan", "district": "Rohtak"}
    ).json()["hits"]
    features = {f["name"]: f for f in hits[0]["features"]}
    assert "Ram Kishan" not in features["relative_name"]["detail"]
    assert features["relative_name"]["detail"] == "withheld for this role"
    assert features["name"]["detail"] != "withheld for this role"


def test_restricted_records_only_for_roles_the_matrix_allows(app: FastAPI) -> None:
    for role in (Role.INVESTIGATOR, Role.SUPERVISOR):
        seen = _visible(_client(app, role))
        assert {"RTK-1", "JUV-1", "VIC-1"} <= set(seen), role
        assert _client(app, role).get("/v1/persons/JUV-1").status_code == 200
    for role in (Role.PARTNER_COURT, Role.PARTNER_PRISON, Role.PARTNER_FORENSICS,
                 Role.PARTNER_PROSECUTION, Role.BUREAU, Role.CROSSCHECK_JOB):
        http = _client(app, role)
        seen = _visible(http)
        assert "RTK-1" in seen and not {"JUV-1", "VIC-1"} & set(seen), role
        for hidden in ("JUV-1", "VIC-1"):
            response = http.get(f"/v1/persons/{hidden}")
            assert response.status_code == 404, (role, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
            assert response.json()["type"].endswith("/not-found")


def _fingerprint_route(app_module: str = "api.routers.fingerprints") -> tuple[str, str]:
    """A real fingerprint route when that router exists, else a stand-in one."""
    try:
        module = __import__(app_module, fromlist=["router"])
    except ModuleNotFoundError:
        module = types.ModuleType(app_module)
        stand_in = APIRouter(prefix="/v1/fingerprints")

        @stand_in.get("/{fingerprint_id}")
        def get_print(fingerprint_id: str) -> dict[str, Any]:
            return {"id": fingerprint_id, "finger": 1, "template": "AAEC", "minutiae": [1]}

        module.router = stand_in  # type: ignore[attr-defined]
        sys.modules[app_module] = module
    for route in module.router.routes:
        methods: set[str] = getattr(route, "methods", set())
        if "GET" in methods:
            return "GET", route.path.replace("{", "").replace("}", "")
    route = module.router.routes[0]
    return sorted(route.methods)[0], route.path.replace("{", "").replace("}", "")


def test_partners_get_403_on_fingerprints(tmp_path: Path) -> None:
    method, path = _fingerprint_route()
    try:
        app = _app(tmp_path)
        for role in (Role.PARTNER_COURT, Role.PARTNER_PRISON, Role.PARTNER_FORENSICS,
                     Role.PARTNER_PROSECUTION, Role.CROSSCHECK_JOB, Role.AUDITOR):
            response = _client(app, role).request(method, path)
            assert response.status_code == 403, (role, response.text)
            assert "fingerprints" in response.json()["detail"]
        bureau = _client(app, Role.BUREAU).request(method, path)
        assert bureau.status_code not in (401, 403)
    finally:
        if getattr(sys.modules.get("api.routers.fingerprints"), "__file__", None) is None:
            sys.modules.pop("api.routers.fingerprints", None)


def test_templates_hidden_from_all_but_bureau_and_investigators() -> None:
    matrix = default_matrix()
    payload = {"id": "FP-1", "finger": 1, "template": "AAEC", "minutiae": [[1, 2, 90]],
               "fir": {"number": "123", "informant": "X", "witnesses": ["Y"]}}
    for role in Role:
        seen = matrix.redact(matrix.scope(role), payload)
        shows = "template" in seen and "minutiae" in seen
        assert shows == (role in (Role.BUREAU, Role.INVESTIGATOR)), role
        court_like = role.value.startswith("partner-")
        if court_like:
            assert "informant" not in seen["fir"]
            assert ("witnesses" in seen["fir"]) == (role is Role.PARTNER_PROSECUTION)


def test_rate_limit_per_key(tmp_path: Path) -> None:
    app = _app(tmp_path, rate_limit_per_minute=3)
    http = _client(app, Role.INVESTIGATOR)
    statuses = [http.get("/v1/persons/nobody").status_code for _ in range(8)]
    assert statuses[:3] == [404, 404, 404]  # within any minute the first 3 pass
    assert 429 in statuses  # 8 requests cannot all fit in <= 2 windows of 3
    limited = http.get("/v1/persons/nobody")
    if limited.status_code == 429:
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.json()["type"].endswith("/too-many-requests")
    other = _client(app, Role.INVESTIGATOR)  # counters are per key
    assert other.get("/v1/persons/nobody").status_code == 404


def test_bulk_name_searches_are_flagged_in_the_audit_log(tmp_path: Path) -> None:
    app = _app(tmp_path, bulk_names_threshold=3)
    http = _client(app, Role.INVESTIGATOR)
    for name in ("Ram Kumar", "Ram Kumar", "Sita Devi", "Mohan Lal"):
        assert _search(http, name).status_code == 200
    log = app.state.audit_log()
    assert not any(e["flags"] for e in log.entries())
    assert _search(http, "Rakesh Yadav").status_code == 200
    flagged = [e for e in log.entries() if e["flags"]]
    assert [e["query"]["name"] for e in flagged] == ["Rakesh Yadav"]
    assert flagged[0]["flags"] == ["bulk_query_suspected"]
    auditor = _client(app, Role.AUDITOR)
    page = auditor.get("/v1/audit", params={"flagged": "true"}).json()
    assert [e["seq"] for e in page["entries"]] == [flagged[0]["seq"]]


class _BlockingBackend(EmbeddedBackend):
    """A store whose person lookups wait until the test releases them."""

    release = threading.Event()

    def get(self, kind: str, doc_id: str) -> dict[str, Any] | None:
        self.release.wait(30)
        return super().get(kind, doc_id)


def test_slow_requests_get_504(tmp_path: Path) -> None:
    backend = _BlockingBackend(tmp_path / "data")
    app = create_app(_settings(tmp_path, request_timeout_seconds=0.5), backend)
    try:
        response = _client(app, Role.INVESTIGATOR).get("/v1/persons/RTK-1")
    finally:
        _BlockingBackend.release.set()
    assert response.status_code == 504
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["type"].endswith("/timeout")
    last = list(app.state.audit_log().entries())[-1]
    assert last["outcome"] == "timeout" and last["ids"] == ["RTK-1"]
    backend.close()


def test_auth_can_be_disabled_only_in_development(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="refused"):
        Settings(data_dir=tmp_path, auth_disabled=True)
    settings = Settings(data_dir=tmp_path / "data", auth_disabled=True,
                        environment="development")
    app = create_app(settings, EmbeddedBackend(settings.data_dir))
    assert TestClient(app).get("/v1/persons/nobody").status_code == 404
    assert Settings(data_dir=tmp_path).auth_disabled is False


def test_person_summaries_inside_other_answers_are_filtered_too() -> None:
    matrix = default_matrix()
    record: dict[str, Any] = {"names": ["Ramesh Kumar"], "address": "H.No. 1",
                              "district": "Rohtak", "external_ids": {"aadhaar": "1"}}
    hit: dict[str, Any] = {"identifier": "owner_name", "record_kind": "persons",
                           "record_id": "P-1", "record": record}
    court = matrix.redact(matrix.scope(Role.PARTNER_COURT), {"results": [hit]})
    assert court["results"][0]["record"] == {"names": ["Ramesh Kumar"], "district": "Rohtak"}
    forensics = matrix.redact(matrix.scope(Role.PARTNER_FORENSICS), [hit])
    assert forensics[0]["record"] == {"names": ["Ramesh Kumar"]}
    juvenile = {**hit, "record": {**record, "restrictions": ["juvenile"]}}
    assert matrix.redact(matrix.scope(Role.CROSSCHECK_JOB), {"results": [juvenile]}) == {
        "results": []}
    assert matrix.redact(matrix.scope(Role.INVESTIGATOR), [juvenile]) == [juvenile]


def test_over_real_http(server_factory: Callable[..., LiveServer]) -> None:
    server = server_factory()
    with server.client(key=None) as anonymous:
        for path in ("/health", "/docs", "/openapi.json", "/console",
                     "/console/console.js", "/console/console.css"):
            assert anonymous.get(path).status_code == 200, path
        refused = anonymous.get("/v1/persons/search", params={"name": "Ram"})
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith(PROBLEM)
        spec = anonymous.get("/openapi.json").json()
        assert {"HTTPBearer", "APIKeyHeader"} <= set(spec["components"]["securitySchemes"])
    with server.client() as http:
        assert http.get("/v1/persons/search", params={"name": "Ram"}).status_code == 200
        me = http.get("/v1/session").json()
        assert (me["role"], me["agency"]) == ("investigator", "local")
