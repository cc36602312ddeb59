"""The embedded store: persistence across reopen, and durability under SIGKILL."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from indexer.base import CandidateQuery, IndexDoc
from indexer.embedded import EmbeddedBackend

REPO = Path(__file__).resolve().parents[2]


def _doc(i: int, keys: tuple[str, ...] = ("k:common",)) -> IndexDoc:
    return IndexDoc(id=f"D{i:06d}", body={"n": i, "name": f"नाम {i}"},
                    keys=(*keys, f"k:{i}"), tags=(f"tag:{i % 3}",))


def test_reopen_sees_everything_without_reingesting(tmp_path: Path) -> None:
    store = EmbeddedBackend(tmp_path)
    store.upsert("persons", [_doc(i) for i in range(50)])
    store.delete("persons", "D000007")
    store.close()

    reopened = EmbeddedBackend(tmp_path)
    assert reopened.count("persons") == 49
    assert reopened.get("persons", "D000007") is None
    assert reopened.get("persons", "D000008") == {"n": 8, "name": "नाम 8"}
    found = reopened.candidates("persons", CandidateQuery({"k:8": 2.0, "k:common": 1.0},
                                                          limit=3))
    assert [c.id for c in found] == ["D000008", "D000000", "D000001"]
    assert found[0].key_score == 3.0
    assert found[0].matched_keys == ("k:8", "k:common")


def test_upsert_replaces_keys_and_tags(tmp_path: Path) -> None:
    store = EmbeddedBackend(tmp_path)
    store.upsert("persons", [IndexDoc("A", {"v": 1}, keys=("old",), tags=("t:a",))])
    store.upsert("persons", [IndexDoc("A", {"v": 2}, keys=("new",), tags=("t:b",))])
    assert store.candidates("persons", CandidateQuery({"old": 1.0})) == []
    [cand] = store.candidates("persons", CandidateQuery({"new": 1.0}, tag_groups=[["t:b"]]))
    assert cand.body == {"v": 2}
    assert store.count("persons", [["t:a"]]) == 0
    assert store.key_counts("persons", ["new", "old"]) == {"new": 1, "old": 0}


def test_tag_groups_are_and_of_ors(tmp_path: Path) -> None:
    store = EmbeddedBackend(tmp_path)
    store.upsert("persons", [_doc(i) for i in range(9)])
    query = CandidateQuery({"k:common": 1.0}, tag_groups=[["tag:0", "tag:1"], ["tag:1"]])
    assert [c.id for c in store.candidates("persons", query)] == ["D000001", "D000004",
                                                                  "D000007"]
    assert store.candidates("persons", CandidateQuery({"k:common": 1.0}, tag_groups=[[]])) == []


WRITER = textwrap.dedent("""
    import sys
    from indexer.base import IndexDoc
    from indexer.embedded import EmbeddedBackend
    store = EmbeddedBackend(sys.argv[1])
    batch = 0
    while True:
        docs = [IndexDoc(id=f"B{batch:05d}-{i:03d}", body={"batch": batch}, keys=(f"b:{batch}",))
                for i in range(200)]
        store.upsert("persons", docs)
        print(f"acked {batch}", flush=True)
        batch += 1
""")


def test_sigkill_mid_load_keeps_every_acknowledged_batch(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    acked = -1
    for line in process.stdout:
        acked = int(line.split()[1])
        if acked >= 25:
            break
    process.send_signal(signal.SIGKILL)
    process.wait()

    store = EmbeddedBackend(tmp_path)
    for batch in range(acked + 1):
        assert store.count("persons", ()) >= (acked + 1) * 200
        assert store.key_counts("persons", [f"b:{batch}"]) == {f"b:{batch}": 200}
    # still usable: writes and reads go on
    store.upsert("persons", [IndexDoc("after", {"ok": True}, keys=("after",))])
    assert store.get("persons", "after") == {"ok": True}
    assert store.count("persons") % 200 == 1


def _downgrade_to_v4(path: Path) -> None:
    """Rewrite a store into the version-4 layout: postings without tags, no tag codes."""
    import sqlite3

    conn = sqlite3.connect(path / "pehchaan.sqlite3", isolation_level=None)
    conn.executescript("""
        BEGIN;
        CREATE TABLE old_keys (kind TEXT NOT NULL, key TEXT NOT NULL, id TEXT NOT NULL,
                               PRIMARY KEY (kind, key, id)) WITHOUT ROWID;
        INSERT INTO old_keys SELECT kind, key, id FROM keys;
        DROP TABLE keys;
        ALTER TABLE old_keys RENAME TO keys;
        DROP TABLE tag_codes;
        UPDATE meta SET value='4' WHERE name='schema_version';
        COMMIT;
    """)
    conn.close()


def test_store_of_an_older_version_is_migrated_on_open(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    store = EmbeddedBackend(tmp_path)
    store.upsert("persons", [_doc(i) for i in range(30)])
    query = CandidateQuery({"k:common": 1.0}, [["tag:1", "tag:2"]], limit=100)
    before = [(c.id, c.key_score, c.matched_keys) for c in store.candidates("persons", query)]
    store.close()
    _downgrade_to_v4(tmp_path)

    with caplog.at_level(logging.WARNING, logger="indexer.embedded"):
        migrated = EmbeddedBackend(tmp_path)
    assert "written by an older version (schema 4)" in caplog.text
    assert "30 documents" in caplog.text
    assert migrated.get_meta("schema_version") == "5"
    after = [(c.id, c.key_score, c.matched_keys) for c in migrated.candidates("persons", query)]
    assert after == before
    assert len(after) == 20  # ids with i % 3 in (1, 2)
    assert migrated.count("persons", [["tag:0"]]) == 10
    migrated.upsert("persons", [_doc(100)])  # new tag codes after the migration still work
    assert [c.id for c in migrated.candidates(
        "persons", CandidateQuery({"k:100": 1.0}, [["tag:1"]]))] == ["D000100"]


def test_filter_on_a_tag_no_document_has_returns_nothing(tmp_path: Path) -> None:
    store = EmbeddedBackend(tmp_path)
    store.upsert("persons", [_doc(i) for i in range(5)])
    never = CandidateQuery({"k:common": 1.0}, [["tag:never"]])
    assert store.candidates("persons", never) == []
    either = CandidateQuery({"k:common": 1.0}, [["tag:never", "tag:0"]])
    assert [c.id for c in store.candidates("persons", either)] == ["D000000", "D000003"]
