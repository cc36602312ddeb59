"""The `pehchaan` command as a user runs it: ingest with bad rows, SIGKILL mid-load, search."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from fixtures.persons import generate_persons
from indexer.embedded import EmbeddedBackend
from pehchaan.person_index import KIND
from tests.conftest import person_docs_without_pair_keys

REPO = Path(__file__).resolve().parents[2]


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PEHCHAAN_DATA_DIR": str(data_dir), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "pehchaan", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_ingest_reports_bad_rows_and_search_finds_other_script(tmp_path: Path) -> None:
    source = tmp_path / "persons.jsonl"
    lines = [json.dumps({"id": "A1", "names": ["मोहम्मद इरफान"], "district": "Nuh"},
                        ensure_ascii=False),
             json.dumps({"id": "A2", "names": []}),
             json.dumps({"id": "A3", "names": ["Mohd. Irfan"], "district": "Gurgaon"})]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "report.json"
    done = _run(["ingest", str(source), "--report", str(report)], tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert "stored 2 records" in done.stderr
    assert "line 2: names:" in done.stderr
    assert json.loads(report.read_text())[0]["bad"][0]["line"] == 2

    found = _run(["search", "Mohammad Irfan", "--json"], tmp_path / "data")
    assert found.returncode == 0, found.stderr
    assert "A1" in found.stdout and "A3" in found.stdout

    refused = _run(["search", "1234"], tmp_path / "data")
    assert refused.returncode == 2
    assert "name" in refused.stderr


def test_sigkill_during_ingest_keeps_acknowledged_rows_and_rerun_completes(
        tmp_path: Path) -> None:
    source = tmp_path / "big.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for record in generate_persons(20_000, seed=5):
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    data_dir = tmp_path / "data"
    env = {**os.environ, "PEHCHAAN_DATA_DIR": str(data_dir)}
    process = subprocess.Popen([sys.executable, "-m", "pehchaan", "ingest", str(source),
                                "--batch-size", "500"], cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store_file = data_dir / "pehchaan.sqlite3"
    deadline = time.monotonic() + 120
    stored = 0
    while time.monotonic() < deadline and process.poll() is None:
        if store_file.exists():
            probe = EmbeddedBackend(data_dir)
            stored = probe.count(KIND)
            probe.close()
            if stored >= 2000:
                break
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert stored >= 2000, "the load did not get far enough to be killed half-way"

    store = EmbeddedBackend(data_dir)
    after_kill = store.count(KIND)
    assert after_kill >= stored and after_kill % 500 == 0
    store.close()

    rerun = _run(["ingest", str(source), "--batch-size", "500"], data_dir)
    assert rerun.returncode == 0, rerun.stderr
    store = EmbeddedBackend(data_dir)
    assert store.count(KIND) == 20_000


def test_rekey_gives_old_records_the_keys_of_this_version(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = EmbeddedBackend(data)
    records: list[dict[str, object]] = [
        {"id": f"P{i:04d}", "names": ["Pawan"], "relative_name": "Naresh" if i == 7 else "Ram"}
        for i in range(2500)]
    store.upsert(KIND, person_docs_without_pair_keys(records))
    assert store.key_counts(KIND, ["p:pbn+nrs"]) == {"p:pbn+nrs": 0}
    store.close()

    done = _run(["rekey", "--batch-size", "1000"], data)
    assert done.returncode == 0, done.stderr
    assert "rekeyed 2,500 person records" in done.stderr

    store = EmbeddedBackend(data)
    assert store.count(KIND) == 2500
    assert store.key_counts(KIND, ["p:pbn+nrs", "p:pbn+rm"]) == {"p:pbn+nrs": 1,
                                                               "p:pbn+rm": 2499}
    store.close()
    refused = subprocess.run(
        [sys.executable, "-m", "pehchaan", "rekey"], cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "PEHCHAAN_DATA_DIR": str(data), "PEHCHAAN_BACKEND": "elasticsearch",
             "COLUMNS": "200"},
        timeout=300)
    assert refused.returncode == 2 and "pehchaan reindex" in refused.stderr


def test_demo_loads_persons_and_vehicles_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = _run(["demo", "--no-serve"], data)
    assert first.returncode == 0, first.stderr
    out = first.stdout + first.stderr
    assert "stored 5,000 records" in out and "stored 2,001 vehicles" in out
    again = _run(["demo", "--no-serve"], data)
    assert again.returncode == 0, again.stderr
    assert "not reloading" in again.stdout + again.stderr
    assert "vehicles" not in again.stdout + again.stderr
    found = _run(["search-vehicles", "--plate", "HR 26 DK 837"], data)
    assert found.returncode == 0, found.stderr
    hit = json.loads(found.stdout.splitlines()[0])
    assert hit["record"]["registration"] == "HR26DK8337"
    assert hit["record"]["linked_person_ids"] == ["HR-P-0000062"]
    person = _run(["search", "Mohd Irfan", "--json"], data)
    assert "HR-P-0000062" in person.stdout
