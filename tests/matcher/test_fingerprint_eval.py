"""The evaluation benchmark: its error-rate arithmetic and its exact output line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.eval_fingerprints import error_rates, list_images, main
from fixtures.fingerprints import write_dataset


def test_separated_scores_have_no_errors() -> None:
    r = error_rates(np.array([0.5, 0.6, 0.7]), np.array([0.1, 0.2, 0.3]))
    assert r == {"eer": 0.0, "fmr100": 0.0, "fmr1000": 0.0}


def test_overlapping_scores() -> None:
    gen = np.array([0.1, 0.5, 0.6, 0.7])  # one genuine pair below every impostor
    imp = np.array([0.2, 0.3, 0.4, 0.45])
    r = error_rates(gen, imp)
    assert r["eer"] == pytest.approx(0.25)
    assert r["fmr100"] == pytest.approx(0.25) and r["fmr1000"] == pytest.approx(0.25)
    worst = error_rates(imp, gen)  # everything inverted
    assert worst["eer"] >= 0.5 and worst["fmr100"] == 1.0


def test_lists_images_in_natural_order(tmp_path: Path) -> None:
    for name in ("10_2.png", "10_1.png", "9_1.tif", "notes.txt", "bad.png"):
        (tmp_path / name).write_bytes(b"")
    assert [(f, i) for f, i, _ in list_images(tmp_path)] == [("9", "1"), ("10", "1"), ("10", "2")]


def test_last_line_is_the_promised_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    write_dataset(tmp_path, fingers=2, impressions=2, seed=4)
    assert main([str(tmp_path), "--plot", str(tmp_path / "det.png")]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    result = json.loads(last)
    assert list(result) == ["images", "eer", "eer_all_impostors", "fmr100", "fmr1000",
                            "rank1", "extract_ms", "match_ms"]
    assert result["images"] == 4 and result["rank1"] == 1.0 and result["eer"] == 0.0
    assert (tmp_path / "det.png").stat().st_size > 1000
