"""The benchmark command lines and the keys of the JSON line each prints last: checks
outside the repo call them exactly so. Tiny inputs here, real processes, no timing
asserted (speed is what the benchmarks themselves measure)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.indexer.conftest import es_url  # noqa: F401 (fixture)

# Common given names and surnames with their usual spellings; no person is meant.
PAIRS = """# latin<TAB>devanagari, a third column is ignored
Ram Kishan\tराम किशन\tignored
Surender\tसुरेन्द्र
Surinder\tसुरेन्द्र
Mohd. Irfan\tमोहम्मद इरफान
Lakshmi\tलक्ष्मी
Laxmi\tलक्ष्मी
Kamla\tकमला
Sanjay\tसंजय
Champa\tचंपा
Hooda\tहुड्डा
"""


def _last_json(args: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=600, env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _is_fraction(value: object) -> bool:
    return isinstance(value, float | int) and 0.0 <= value <= 1.0


def _check_eval_names(out: dict[str, Any], pairs: int) -> None:
    assert {"pairs", "dev2lat", "lat2dev", "query_ms", "index_s"} <= out.keys()
    assert out["pairs"] == pairs
    for direction in ("dev2lat", "lat2dev"):
        assert set(out[direction]) == {"top1", "top5", "mrr"}
        assert all(_is_fraction(v) for v in out[direction].values())
        assert out[direction]["top1"] >= 0.8  # these spellings are the easy ones
    assert set(out["query_ms"]) == {"p50", "p99"}


@pytest.fixture
def pairs_file(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS, encoding="utf-8")
    return path


def test_eval_names(pairs_file: Path, tmp_path: Path) -> None:
    report = tmp_path / "misses.json"
    out = _last_json(["benchmarks.eval_names", str(pairs_file), "--report", str(report)])
    _check_eval_names(out, pairs=10)
    assert set(json.loads(report.read_text(encoding="utf-8"))) == {"dev2lat", "lat2dev"}
    limited = _last_json(["benchmarks.eval_names", str(pairs_file), "--limit", "3"])
    assert limited["pairs"] == 3


@pytest.mark.elasticsearch
def test_eval_names_on_elasticsearch_ranks_as_embedded(pairs_file: Path, es_url: str) -> None:  # noqa: F811
    embedded = _last_json(["benchmarks.eval_names", str(pairs_file)])
    elastic = _last_json(["benchmarks.eval_names", str(pairs_file), "--backend",
                          "elasticsearch"], env={"PEHCHAAN_ES_URL": es_url})
    _check_eval_names(elastic, pairs=10)
    assert [elastic[d] for d in ("dev2lat", "lat2dev")] == \
        [embedded[d] for d in ("dev2lat", "lat2dev")]


def test_latency() -> None:
    out = _last_json(["benchmarks.latency", "--records", "3000", "--queries", "40",
                      "--baseline-queries", "5"])
    assert {"records", "queries", "backend", "p50_ms", "p95_ms", "p99_ms", "qps",
            "index_build_s", "ingest_per_s", "peak_rss_mb", "baseline"} <= out.keys()
    assert (out["records"], out["queries"], out["backend"]) == (3000, 40, "embedded")
    assert {"p50_ms", "p95_ms", "p99_ms", "qps"} <= out["baseline"].keys()
    assert 0 < out["p50_ms"] <= out["p95_ms"] <= out["p99_ms"]


def test_eval_plates(tmp_path: Path) -> None:
    made = subprocess.run([sys.executable, "-m", "fixtures.vehicles", "plates", "--gallery",
                           "3000", "--pairs", "100", "--out", str(tmp_path)], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr
    out = _last_json(["benchmarks.eval_plates", str(tmp_path / "pairs.tsv"), "--gallery",
                      str(tmp_path / "gallery.txt"), "--baseline", "10"])
    assert set(out) == {"pairs", "gallery", "top1", "top5", "mrr", "query_ms"}
    assert out["pairs"] == 100 and out["gallery"] >= 3000
    assert all(_is_fraction(out[k]) for k in ("top1", "top5", "mrr"))
    assert out["top1"] <= out["top5"] and out["top5"] >= 0.8
    assert set(out["query_ms"]) == {"p50", "p99"}


def test_crosscheck() -> None:
    out = _last_json(["benchmarks.crosscheck", "--wanted", "2000", "--registrations", "5000",
                      "--workers", "1"])
    assert {"wanted", "registrations", "registrations_per_s", "recall", "false_hits_per_10k",
            "peak_rss_mb"} <= out.keys()
    assert (out["wanted"], out["registrations"]) == (2000, 5000)
    assert 0.9 <= out["recall"] <= 1.0 and out["false_hits_per_10k"] >= 0


def test_eval_names_reads_a_bom_and_windows_line_ends(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_bytes(("\ufeff" + PAIRS).replace("\n", "\r\n").encode("utf-8"))
    out = _last_json(["benchmarks.eval_names", str(path)])
    _check_eval_names(out, pairs=10)  # the "#" line after the BOM is still a comment
