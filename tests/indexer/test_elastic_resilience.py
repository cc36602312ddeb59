"""Kill -9 Elasticsearch during a bulk load: a clear error naming what was acknowledged,
nothing acknowledged lost after a restart, and a re-run that completes the load.

Runs on a throwaway node (its own port, 512 MiB heap) started with scripts/es_node.py,
so the shared test node is never touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from indexer.base import IndexDoc
from indexer.elastic import ElasticBackend
from indexer.es_bulk import RetryPolicy
from pehchaan.errors import BackendUnavailable

pytestmark = [pytest.mark.elasticsearch, pytest.mark.slow]
REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "es_node.py"
KIND = "persons"
TOTAL, KILL_AT, CHUNK = 12_000, 5_000, 1_000


def _node(*args: str) -> str:
    out = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                         timeout=300, check=False)
    assert out.returncode == 0, f"es_node {args} failed:\n{out.stderr[-3000:]}"
    return out.stdout.strip()


def _pid_file(port: int) -> Path:
    cache = Path(os.environ.get("PEHCHAAN_ES_CACHE", REPO / ".cache" / "elasticsearch"))
    return cache / f"node-{port}" / "elasticsearch.pid"


@pytest.fixture
def throwaway_node(es_url: str) -> Iterator[int]:
    """A second node on a free port; stopped and its directory removed afterwards."""
    url = _node("start", "--port", "auto", "--heap", "512m", "--fresh")
    port = int(url.rsplit(":", 1)[1])
    try:
        yield port
    finally:
        _node("stop", "--port", str(port))
        shutil.rmtree(_pid_file(port).parent, ignore_errors=True)


def _docs(pid_file: Path | None) -> Iterator[IndexDoc]:
    """The load; when ``pid_file`` is given, SIGKILL the node once KILL_AT docs are out."""
    for i in range(TOTAL):
        if pid_file is not None and i == KILL_AT:
            os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
        yield IndexDoc(f"p{i:06d}", {"i": i, "names": ["राम कुमार"]}, (f"k{i % 97}",),
                       (f"district:d{i % 22}",))


def test_killed_node_gives_clear_error_and_resumable_load(throwaway_node: int) -> None:
    port = throwaway_node
    url = f"http://127.0.0.1:{port}"
    store = ElasticBackend(url, prefix="resilience", request_timeout=5.0,
                           retry=RetryPolicy(attempts=3, initial_backoff=0.2))
    with pytest.raises(BackendUnavailable) as err:
        store.bulk_load(KIND, _docs(_pid_file(port)), chunk_size=CHUNK)
    message = str(err.value)
    assert url in message
    assert f"after {KILL_AT} document(s) acknowledged" in message
    assert "re-run the same load" in message
    store.close()

    _node("start", "--port", str(port), "--heap", "512m")  # same data directory
    store = ElasticBackend(url, prefix="resilience")
    store.refresh_kind(KIND)
    # Everything acknowledged survived the SIGKILL (translog fsync per request).
    acked = [f"p{i:06d}" for i in range(KILL_AT)]
    found = store.get_many(KIND, acked)
    assert len(found) == KILL_AT
    assert store.count(KIND) == KILL_AT

    report = store.bulk_load(KIND, _docs(None), chunk_size=CHUNK)  # the same load again
    assert report.acknowledged == TOTAL and report.failed == []
    assert store.count(KIND) == TOTAL  # upserts by id: no duplicates
    assert store.get(KIND, f"p{TOTAL - 1:06d}") == {"i": TOTAL - 1, "names": ["राम कुमार"]}
    store.upsert(KIND, [IndexDoc("after", {}, ("k1",))])  # refresh is back on: no hang
    assert store.get(KIND, "after") == {}
    store.close()
