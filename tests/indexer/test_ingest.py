"""Bulk loads: good rows stored, each bad row reported with its line number and reason."""

from __future__ import annotations

import json
from pathlib import Path

from indexer.embedded import EmbeddedBackend
from indexer.ingest import load_file
from pehchaan.person_index import KIND, person_doc_from_row

HEADER = "id,names,relative_name,gender,date_of_birth,district,status,firs\n"


def _write_bad_csv(path: Path) -> None:
    rows = [
        HEADER.encode(),
        "P1,सुरेन्द्र सिंह,राम किशन,M,1980-04-02,Rohtak,wanted,Sadar Rohtak:12:2021\n".encode(),
        b"P2,,Ram,M,1980-01-01,Rohtak,,\n",                                    # line 3: no name
        b"P3,Ram Kumar,,M,2023-02-30,Hisar,,\n",                               # line 4: bad date
        b"P4,R\xe9m Kumar,,M,,Hisar,,\n",                                      # line 5: latin-1
        b"P5," + b"A" * (10 * 1024 * 1024) + b",,M,,Hisar,,\n",               # line 6: 10 MB
        b"P6,\"Mohd. Irfan\nMd Irfan\",Ayub,M,,Nuh,arrested,\n",  # lines 7-8: newline
        b"P7,Sunita Devi,,F,,Karnal,,Karnal:x:y:z\n",                          # line 9: bad FIR
        b"P8,Sunita Devi,,F,,Karnal\n",                                        # line 10: short row
        b"P9,Kamla,,F,1975-06-01,Jind,missing,\n",                             # line 11: good
    ]
    path.write_bytes(b"".join(rows))


def test_csv_with_bad_rows_loads_good_rows_and_reports_each(tmp_path: Path) -> None:
    source = tmp_path / "persons.csv"
    _write_bad_csv(source)
    store = EmbeddedBackend(tmp_path / "store")
    report = load_file(store, KIND, source, person_doc_from_row, batch_size=2)
    assert report.stored == 3
    assert store.count(KIND) == 3
    assert {store.get(KIND, i)["names"][0] for i in ("P1", "P6", "P9")} == {  # type: ignore[index]
        "सुरेन्द्र सिंह", "Mohd. Irfan Md Irfan", "Kamla"}
    bad = {b.line: (b.field, b.reason) for b in report.bad}
    assert sorted(bad) == [3, 4, 5, 6, 9, 10]
    assert bad[3][0] == "names"
    assert bad[4][0] == "date_of_birth" and "day value" in bad[4][1]
    assert "UTF-8" in bad[5][1]
    assert bad[6][0] == "names" and "limit is 500" in bad[6][1]
    assert (bad[9][0] or "").startswith("firs")
    assert "cells" in bad[10][1]


def test_jsonl_bad_lines_and_reload_is_idempotent(tmp_path: Path) -> None:
    source = tmp_path / "persons.jsonl"
    lines = [json.dumps({"id": "J1", "names": ["Ramesh Kumar"], "district": "Gurgaon"}),
             "{not json",
             json.dumps(["a", "list"]),
             json.dumps({"id": "J2", "names": ["रमेश कुमार"], "age": -4}),
             json.dumps({"id": "J3", "names": ["रमेश कुमार"], "age": 40})]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    store = EmbeddedBackend(tmp_path / "store")
    first = load_file(store, KIND, source, person_doc_from_row)
    assert [(b.line, b.field) for b in first.bad] == [(2, None), (3, None), (4, "age")]
    second = load_file(store, KIND, source, person_doc_from_row)
    assert first.stored == second.stored == 2
    assert store.count(KIND) == 2
    assert store.get(KIND, "J1")["district"] == "Gurugram"  # type: ignore[index]
