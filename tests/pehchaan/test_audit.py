"""The hash chain: intact logs verify; edits and deletions in storage are named."""

from __future__ import annotations

import itertools
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from indexer.base import IndexDoc
from indexer.embedded import EmbeddedBackend
from pehchaan.audit import AUDIT_DB, BackendAuditLog, SqliteAuditLog, entry_hash
from tests.indexer.conftest import es_admin, es_url, make_es  # noqa: F401 (fixtures)

REPO = Path(__file__).resolve().parents[2]


def _fill(log: SqliteAuditLog | BackendAuditLog, n: int = 6) -> None:
    for i in range(n):
        log.append({"key_id": "k_1", "agency": "HR-PS-Nuh", "role": "investigator",
                    "endpoint": "/v1/persons/search", "query": {"name": f"name {i}"},
                    "purpose": "test", "case_ref": "FIR 1/2024", "ids": [f"P-{i}"],
                    "status": 200, "outcome": "ok", "flags": []})


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``pehchaan ARGS`` run as a separate process on an embedded store in ``data_dir``."""
    env = {**os.environ, "PEHCHAAN_DATA_DIR": str(data_dir), "PEHCHAAN_BACKEND": "embedded"}
    return subprocess.run([sys.executable, "-m", "pehchaan", *args], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)


def _raw(data_dir: Path) -> sqlite3.Connection:
    """The audit file opened directly, as someone with disk access would; the append-only
    triggers are dropped first (they are a guard, not the proof)."""
    conn = sqlite3.connect(data_dir / AUDIT_DB, isolation_level=None)
    conn.execute("DROP TRIGGER audit_no_update")
    conn.execute("DROP TRIGGER audit_no_delete")
    return conn


def test_intact_log_verifies_and_chains(tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path)
    _fill(log)
    entries = list(log.entries())
    assert [e["seq"] for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0]["prev_hash"] == "0" * 64
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(entries))
    assert all(entry_hash(e) == e["hash"] for e in entries)
    result = log.verify()
    assert (result.ok, result.checked, result.head_seq) == (True, 6, 6)
    log.close()
    done = _cli(tmp_path, "audit", "verify")
    assert done.returncode == 0, done.stderr
    assert "intact: 6 entries" in done.stdout


def test_storage_refuses_update_and_delete(tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path)
    _fill(log, 2)
    conn = sqlite3.connect(tmp_path / AUDIT_DB)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET body='{}' WHERE seq=1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("DELETE FROM audit WHERE seq=1")
    conn.close()
    log.close()


def test_edited_entry_is_named(tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path)
    _fill(log)
    log.close()
    conn = _raw(tmp_path)
    body = json.loads(conn.execute("SELECT body FROM audit WHERE seq=4").fetchone()[0])
    body["agency"] = "someone-else"
    conn.execute("UPDATE audit SET body=? WHERE seq=4", (json.dumps(body),))
    conn.close()
    result = SqliteAuditLog(tmp_path).verify()
    assert (result.ok, result.first_bad, result.checked) == (False, 4, 3)
    assert "edited" in result.reason
    done = _cli(tmp_path, "audit", "verify")
    assert done.returncode == 1
    assert "BROKEN at entry 4" in done.stdout


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path)
    _fill(log)
    log.close()
    conn = _raw(tmp_path)
    body = json.loads(conn.execute("SELECT body FROM audit WHERE seq=2").fetchone()[0])
    body["ids"] = []
    conn.execute("UPDATE audit SET body=?, hash=? WHERE seq=2",
                 (json.dumps(body), entry_hash(body)))
    conn.close()
    result = SqliteAuditLog(tmp_path).verify()
    assert (result.ok, result.first_bad) == (False, 3)
    assert "entry 2 was edited" in result.reason


def test_deleted_entry_is_named(tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path)
    _fill(log)
    log.close()
    conn = _raw(tmp_path)
    conn.execute("DELETE FROM audit WHERE seq=3")
    conn.close()
    result = SqliteAuditLog(tmp_path).verify()
    assert (result.ok, result.first_bad) == (False, 3)
    assert "missing" in result.reason and "deleted" in result.reason
    done = _cli(tmp_path, "audit", "verify")
    assert done.returncode == 1 and "BROKEN at entry 3" in done.stdout


def test_log_in_a_search_backend_has_the_same_chain(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path, filename="es-standin.sqlite3")
    log = BackendAuditLog(backend)
    _fill(log, 4)
    again = BackendAuditLog(backend)  # a new process reads the head back
    _fill(again, 1)
    assert again.verify().ok and again.verify().checked == 5
    doc = backend.get("audit", f"{3:012d}")
    assert doc is not None
    backend.upsert("audit", [IndexDoc(id=f"{3:012d}", body={**doc, "outcome": "denied"})])
    result = BackendAuditLog(backend).verify()
    assert (result.ok, result.first_bad) == (False, 3)
    backend.delete("audit", f"{2:012d}")
    assert BackendAuditLog(backend).verify().first_bad == 2
    backend.close()


@pytest.mark.elasticsearch
def test_log_in_elasticsearch_chains_and_names_tampering(
        make_es: Callable[..., Any], tmp_path: Path) -> None:  # noqa: F811
    from fastapi.testclient import TestClient

    from api.app import create_app
    from pehchaan.settings import Settings
    from tests.conftest import TEST_KEY, auth_headers

    es = make_es()
    app = create_app(Settings(data_dir=tmp_path, backend="elasticsearch",
                              bootstrap_key=TEST_KEY), es)
    http = TestClient(app, headers=auth_headers())
    assert http.post("/v1/persons", json=[{"id": "P-1", "names": ["Ram Kishan"]}]
                     ).status_code == 201
    assert http.get("/v1/persons/search", params={"name": "राम किशन"}).status_code == 200
    assert http.get("/v1/persons/P-1").status_code == 200
    assert es.count("audit") == 3
    assert not (tmp_path / AUDIT_DB).exists()  # the entries live in Elasticsearch
    log = BackendAuditLog(es)
    assert [e["endpoint"] for e in log.entries()] == [
        "/v1/persons", "/v1/persons/search", "/v1/persons/{person_id}"]
    assert log.verify().ok and log.verify().checked == 3
    doc = es.get("audit", f"{2:012d}")
    assert doc is not None
    es.upsert("audit", [IndexDoc(id=f"{2:012d}", body={**doc, "query": {"name": "x"}})])
    result = BackendAuditLog(es).verify()
    assert (result.ok, result.first_bad) == (False, 2)


def test_cli_commands_on_records_are_audited(tmp_path: Path) -> None:
    done = _cli(tmp_path, "search", "राम किशन")
    assert done.returncode == 0, done.stderr
    entries = list(SqliteAuditLog(tmp_path).entries())
    assert [(e["endpoint"], e["query"]) for e in entries] == [
        ("cli search", {"argv": ["राम किशन"]})]
    assert entries[0]["client"].startswith("cli:")


def test_anchor_catches_deleted_newest_entries(tmp_path: Path) -> None:
    log = SqliteAuditLog(tmp_path / "data")
    _fill(log, 5)
    log.close()
    anchor = tmp_path / "anchor.json"
    first = _cli(tmp_path / "data", "audit", "verify", "--anchor", str(anchor))
    assert first.returncode == 0, first.stdout + first.stderr
    assert json.loads(anchor.read_text())["head_seq"] == 5
    conn = _raw(tmp_path / "data")
    conn.execute("DELETE FROM audit WHERE seq >= 4")  # the tail: the chain alone looks fine
    conn.close()
    assert SqliteAuditLog(tmp_path / "data").verify().ok
    second = _cli(tmp_path / "data", "audit", "verify", "--anchor", str(anchor))
    assert second.returncode == 1
    assert "BROKEN at entry 4" in second.stdout and "deleted" in second.stdout
    assert json.loads(anchor.read_text())["head_seq"] == 5  # not moved back
