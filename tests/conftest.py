"""Shared fixtures: fresh data directories, a real API server in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import settings as hypothesis_settings

REPO = Path(__file__).resolve().parent.parent

# CI runs the same examples every time: a red build must be reproducible, not luck.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")

# Every test server starts with this investigator key (PEHCHAAN_BOOTSTRAP_KEY), and its
# clients send it with a purpose and a case reference, as investigators must.
TEST_KEY = "test-bootstrap-key-not-secret-0001"
DEFAULT_PURPOSE = "automated test"
DEFAULT_CASE_REF = "FIR 1/2024 PS Test"


def auth_headers(key: str = TEST_KEY, *, purpose: str | None = DEFAULT_PURPOSE,
                 case_ref: str | None = DEFAULT_CASE_REF) -> dict[str, str]:
    """Headers of an authorised request: the key, and purpose and case ref when given."""
    headers = {"Authorization": f"Bearer {key}"}
    if purpose is not None:
        headers["X-Purpose"] = purpose
    if case_ref is not None:
        headers["X-Case-Ref"] = case_ref
    return headers


def authorized_client(app: Any, role: str = "investigator", agency: str = "HR-PS-Test",
                      **headers: str) -> Any:
    """An in-process ``TestClient`` for ``app`` with a fresh key of ``role``.

    The key is created in the app's own key store (pehchaan/access.py); the client sends
    it with a purpose and a case reference. Extra keyword arguments become headers. The
    per-key rate limit is raised unless the app's settings set one.
    """
    from fastapi.testclient import TestClient

    settings = app.state.settings
    if settings.rate_limit_per_minute is None:  # tests loop and poll; keep limits they set
        app.state.settings = settings.model_copy(update={"rate_limit_per_minute": 1_000_000})
    created = app.state.keys.create(agency=agency, role=role, label="test")
    client = TestClient(app, headers={**auth_headers(created.secret), **headers})
    client.key_id = created.key.key_id
    client.secret = created.secret
    return client


def person_docs_without_pair_keys(records: list[dict[str, Any]]) -> list[Any]:
    """Person documents as a version before the pair keys stored them (for re-key tests)."""
    import dataclasses

    from pehchaan.person import parse_person
    from pehchaan.person_index import PAIR_KEY, person_doc

    docs = [person_doc(parse_person(r, now="2025-01-01T00:00:00+00:00")) for r in records]
    return [dataclasses.replace(d, keys=tuple(k for k in d.keys if not k.startswith(PAIR_KEY)))
            for d in docs]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A `pehchaan serve` process on a free port, with an HTTP client pointed at it."""

    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path
    log: Path

    def client(self, *, key: str | None = TEST_KEY, **kwargs: Any) -> httpx.Client:
        """A client sending ``key`` (the bootstrap investigator key by default) with a
        purpose and case reference; ``key=None`` sends no credentials at all."""
        headers = {**(auth_headers(key) if key else {}), **dict(kwargs.pop("headers", {}))}
        return httpx.Client(base_url=self.url, timeout=30.0, headers=headers, **kwargs)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(data_dir: Path, env: dict[str, str] | None = None,
                 timeout: float = 60.0) -> LiveServer:
    port = free_port()
    log = data_dir.parent / f"server-{port}.log"
    # Test clients poll and loop: the per-key rate limit is raised unless a test sets it.
    full_env = {**os.environ, "PEHCHAAN_DATA_DIR": str(data_dir),
                "PEHCHAAN_BOOTSTRAP_KEY": TEST_KEY,
                "PEHCHAAN_RATE_LIMIT_PER_MINUTE": "1000000", **(env or {})}
    with log.open("wb") as handle:
        process = subprocess.Popen(
            [sys.executable, "-m", "pehchaan", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            cwd=REPO, env=full_env, stdout=handle, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", process, data_dir, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(server.url + "/health", timeout=1.0).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"server did not start in {timeout} s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def factory(data_dir: Path | None = None, env: dict[str, str] | None = None) -> LiveServer:
        server = start_server(data_dir or tmp_path / "data", env)
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()
