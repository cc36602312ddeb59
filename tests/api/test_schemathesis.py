"""Property-based requests from the OpenAPI schema, with valid keys, against every
endpoint: no 5xx, every status, content type and body as the schema documents them.

Bounded (a few examples per operation) so it stays part of the normal suite; run it
wider with PEHCHAAN_SCHEMATHESIS_EXAMPLES=200.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from indexer.embedded import EmbeddedBackend
from pehchaan.settings import Settings

EXAMPLES = int(os.environ.get("PEHCHAAN_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
PERSONS = [{"id": "RTK-1", "names": ["Surender Singh Dahiya"], "relative_name": "Ram Kishan",
            "district": "Rohtak", "firs": [{"police_station": "Sadar Rohtak",
                                             "fir_number": "123", "year": 2023}]},
           {"id": "NUH-1", "names": ["मोहम्मद इरफान"], "district": "Nuh",
            "restrictions": ["juvenile"]}]


def _build_app() -> FastAPI:
    """The app under test, over a fresh embedded store with two persons and two keys."""
    data = Path(tempfile.mkdtemp(prefix="pehchaan-schemathesis-")) / "data"
    app = create_app(Settings(data_dir=data, rate_limit_per_minute=1_000_000,
                              bootstrap_key="schemathesis-bootstrap-key-0001"),
                     EmbeddedBackend(data))
    keys = app.state.keys
    app.state.fuzz_keys = {
        "investigator": keys.create(agency="HR-PS-Fuzz", role="investigator").secret,
        "admin": keys.create(agency="SCRB-Fuzz", role="admin").secret,
    }
    with TestClient(app, headers={"Authorization": "Bearer "
                                  + app.state.fuzz_keys["investigator"],
                                  "X-Purpose": "fuzz", "X-Case-Ref": "FIR 1/2024"}) as http:
        assert http.post("/v1/persons", json=PERSONS).status_code == 201
    return app


APP = _build_app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: Any) -> None:
    path = case.operation.path
    role = "admin" if path.startswith(("/v1/keys", "/v1/audit")) else "investigator"
    headers = {"Authorization": "Bearer " + APP.state.fuzz_keys[role],
               "X-Purpose": "schema test", "X-Case-Ref": "FIR 1/2024 PS Fuzz"}
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    # the keys are valid and their roles may call these operations
    assert response.status_code not in (401, 403), response.text
