"""Measure the impostor score distribution and print the calibration table.

    python -m benchmarks.calibrate_fingerprints DIR [DIR ...]

Every cross-finger pair in each DIR (images named ``<finger>_<impression>.<ext>``)
is an impostor pair. Prints, for a ladder of false-match rates, the score
threshold reaching it, and the exponential tail slope fitted to the top 5 % of
impostor scores: the numbers that go into matcher/fingerprint/calibration.py.
Last stdout line: JSON.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from itertools import combinations  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.eval_fingerprints import list_images  # noqa: E402
from matcher.fingerprint import Prepared, extract, match, prepare  # noqa: E402
from pehchaan.errors import ValidationError  # noqa: E402

LADDER = (0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0005, 0.0002, 0.0001)


def scores(folder: Path) -> tuple[list[float], list[float]]:
    """(genuine, impostor) scores of every pair in one folder."""
    items = list_images(folder)
    prepared: list[Prepared | None] = []
    for _finger, _imp, path in items:
        try:
            prepared.append(prepare(extract(path.read_bytes())))
        except ValidationError:
            prepared.append(None)
    gen: list[float] = []
    imp: list[float] = []
    for i, j in combinations(range(len(items)), 2):
        a, b = prepared[i], prepared[j]
        s = match(a, b).score if a is not None and b is not None else 0.0
        (gen if items[i][0] == items[j][0] else imp).append(s)
    print(f"{folder}: {len(gen)} genuine, {len(imp)} impostor pairs", file=sys.stderr)
    return gen, imp


def table(imp: np.ndarray) -> tuple[list[tuple[float, float]], float]:
    """Thresholds reaching each FMR of the ladder (where the data supports it) and the
    fitted tail slope d ln(FMR) / d score."""
    s = np.sort(imp)[::-1]
    n = len(s)
    rows = [(0.0, 1.0)]
    for fmr in LADDER:
        k = int(fmr * n)
        if k < 5:  # fewer than 5 impostors above: not measurable
            break
        rows.append((float(s[k]), fmr))
    top = s[: max(10, n // 20)]
    surv = (np.arange(len(top)) + 1) / n
    slope, _ = np.polyfit(top, np.log(surv), 1)
    return rows, float(slope)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", type=Path, nargs="+")
    args = ap.parse_args(argv)
    gen: list[float] = []
    imp: list[float] = []
    for d in args.dirs:
        g, i = scores(d)
        gen += g
        imp += i
    rows, slope = table(np.array(imp))
    for sc, fmr in rows:
        share = float(np.mean(np.array(gen) >= sc)) if gen else float("nan")
        print(f"  score >= {sc:.4f}: FMR {fmr:g}, genuine pairs passing {share:.3f}",
              file=sys.stderr)
    print(json.dumps({"impostor_pairs": len(imp), "genuine_pairs": len(gen),
                      "table": [[round(a, 4), b] for a, b in rows],
                      "tail_slope": round(slope, 2)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
