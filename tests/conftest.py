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

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent


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

    def client(self, **kwargs: object) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30.0, **kwargs)  # type: ignore[arg-type]

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
    full_env = {**os.environ, "PEHCHAAN_DATA_DIR": str(data_dir), **(env or {})}
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
