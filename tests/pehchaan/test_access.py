"""Keys at rest, their life cycle, and the data-sharing matrix file."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from pehchaan.access import ACCESS_DB, KeyStore, Role, hash_secret
from pehchaan.errors import Conflict, NotFound, ValidationError
from pehchaan.scopes import MATRIX_PATH, MatrixError, default_matrix, parse_matrix

REPO = Path(__file__).resolve().parents[2]


def test_secret_is_stored_only_as_a_hash(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    created = store.create(agency="HR-PS-Sadar-Rohtak", role="investigator", label="IO")
    store.close()
    raw = (tmp_path / ACCESS_DB).read_bytes()
    for wal in tmp_path.glob(ACCESS_DB + "-*"):
        raw += wal.read_bytes()
    assert created.secret.encode() not in raw
    assert hash_secret(created.secret).encode() in raw
    again = KeyStore(tmp_path)
    key = again.authenticate(created.secret)
    assert key is not None and key.role is Role.INVESTIGATOR
    assert key.agency == "HR-PS-Sadar-Rohtak" and key.state() == "active"
    assert again.authenticate(created.secret + "x") is None
    assert "secret" not in key.as_dict()


def test_revoke_and_expiry(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    created = store.create(agency="ePrisons-Haryana", role="partner-prison",
                           expires_in_days=30)
    assert created.key.expires_at is not None
    assert store.revoke(created.key.key_id).state() == "revoked"
    past = store.create(agency="x", role="auditor",
                        expires_at=datetime.now(UTC) - timedelta(minutes=1))
    assert past.key.state() == "expired"
    with pytest.raises(NotFound):
        store.revoke("k_nope")
    assert {k.key_id: k.state() for k in store.list()} == {
        created.key.key_id: "revoked", past.key.key_id: "expired"}


def test_bad_input_names_the_field(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    with pytest.raises(ValidationError) as bad_role:
        store.create(agency="x", role="constable")
    assert bad_role.value.field == "role" and "partner-court" in str(bad_role.value)
    with pytest.raises(ValidationError) as bad_agency:
        store.create(agency="  ", role="auditor")
    assert bad_agency.value.field == "agency"
    with pytest.raises(ValidationError):
        store.create(agency="x", role="auditor", secret="short")


def test_bootstrap_only_on_an_empty_store(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    first = store.bootstrap(secret="a-chosen-secret-of-some-length", role=Role.ADMIN,
                            agency="local")
    assert first is not None and first.secret == "a-chosen-secret-of-some-length"
    assert store.bootstrap(secret=None, role=Role.INVESTIGATOR, agency="local") is None
    with pytest.raises(Conflict):
        store.create(agency="x", role="admin", secret="a-chosen-secret-of-some-length")


def test_first_start_prints_a_local_investigator_key_once(tmp_path: Path) -> None:
    code = ("from api.app import create_app; from pehchaan.settings import Settings;"
            f"create_app(Settings(data_dir={str(tmp_path)!r}))")
    env = {k: v for k, v in os.environ.items() if k != "PEHCHAAN_BOOTSTRAP_KEY"}
    run = [sys.executable, "-c", code]
    first = subprocess.run(run, cwd=REPO, env=env, capture_output=True, text=True, check=True)
    secret = [line.strip() for line in first.stdout.splitlines()
              if line.strip().startswith("phk_")]
    assert len(secret) == 1
    key = KeyStore(tmp_path).authenticate(secret[0])
    assert key is not None and key.role is Role.INVESTIGATOR and key.agency == "local"
    second = subprocess.run(run, cwd=REPO, env=env, capture_output=True, text=True,
                            check=True)
    assert "phk_" not in second.stdout


def test_cli_keys_create_list_revoke(tmp_path: Path) -> None:
    env = {**os.environ, "PEHCHAAN_DATA_DIR": str(tmp_path)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pehchaan", *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)

    made = cli("keys", "create", "--agency", "eCourts-Rohtak", "--role", "partner-court")
    assert made.returncode == 0, made.stderr
    secret = made.stdout.strip()
    key = KeyStore(tmp_path).authenticate(secret)
    assert key is not None and key.role is Role.PARTNER_COURT
    listed = cli("keys", "list", "--json")
    assert secret not in listed.stdout and key.key_id in listed.stdout
    assert cli("keys", "revoke", key.key_id).returncode == 0
    revoked = KeyStore(tmp_path).authenticate(secret)
    assert revoked is not None and revoked.state() == "revoked"
    bad = cli("keys", "create", "--agency", "x", "--role", "constable")
    assert bad.returncode == 2 and "role" in bad.stderr
    verified = cli("audit", "verify")
    assert verified.returncode == 0 and "intact: 2 entries" in verified.stdout


def test_matrix_file_covers_every_role() -> None:
    matrix = default_matrix()
    assert set(matrix.roles) == set(Role)
    court = matrix.scope(Role.PARTNER_COURT)
    assert court.may("persons", "search") and not court.may("fingerprints", "search")
    assert matrix.classify("GET", "/v1/persons/search") == ("persons", "search")
    assert matrix.classify("POST", "/v1/vehicles/search") == ("vehicles", "search")
    assert matrix.classify("GET", "/v1/persons/{person_id}") == ("persons", "read")
    assert matrix.classify("DELETE", "/v1/persons/{person_id}") == ("persons", "delete")
    assert matrix.classify("POST", "/v1/persons") == ("persons", "write")


def test_malformed_matrix_is_refused_with_its_place() -> None:
    raw = yaml.safe_load(MATRIX_PATH.read_text(encoding="utf-8"))
    raw["roles"]["partner-court"]["actions"]["persons"] = ["search", "peek"]
    with pytest.raises(MatrixError, match=r"roles.partner-court.actions.persons.*peek"):
        parse_matrix(raw)
    raw = yaml.safe_load(MATRIX_PATH.read_text(encoding="utf-8"))
    del raw["roles"]["auditor"]
    with pytest.raises(MatrixError, match="auditor"):
        parse_matrix(raw)
