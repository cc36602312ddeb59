"""Verification and identification accuracy on a folder of fingerprint images.

    python -m benchmarks.eval_fingerprints DIR [--plot FILE.png] [--ppi 500]

DIR holds images named ``<finger>_<impression>.<ext>``. Genuine pairs: every pair
of impressions of one finger. Impostor pairs: first impressions of different
fingers (FVC protocol) for ``eer``/``fmr100``/``fmr1000``, and every cross-finger
pair for ``eer_all_impostors``. ``rank1``: each impression searched against all
other images. Progress goes to stderr; the last stdout line is a JSON object.
"""

from __future__ import annotations

import os

# small matrices: BLAS threads only add contention on a shared machine
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from itertools import combinations  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from matcher.fingerprint import Prepared, extract, match, prepare  # noqa: E402
from pehchaan.errors import ValidationError  # noqa: E402

EXTS = {".png", ".tif", ".tiff", ".bmp", ".jpg", ".jpeg", ".wsq"}
NAME = re.compile(r"^(?P<finger>[^_]+)_(?P<imp>[^_.]+)$")


def list_images(folder: Path) -> list[tuple[str, str, Path]]:
    """(finger, impression, path) sorted naturally."""
    out = []
    for p in folder.iterdir():
        m = NAME.match(p.stem)
        if p.suffix.lower() in EXTS and m:
            out.append((m["finger"], m["imp"], p))

    return sorted(out, key=lambda t: (_nat(t[0]), _nat(t[1])))


def _nat(s: str) -> tuple[int, str]:
    return (int(s), "") if s.isdigit() else (1 << 30, s)


def error_rates(gen: np.ndarray, imp: np.ndarray) -> dict[str, float]:
    """EER (FVC style, mean of FMR and FNMR where they cross) and FNMR at FMR
    1 % and 0.1 %. A genuine pair matches when its score >= threshold."""
    if len(gen) == 0 or len(imp) == 0:
        return {"eer": float("nan"), "fmr100": float("nan"), "fmr1000": float("nan")}
    thr = np.unique(np.concatenate([gen, imp, [np.inf]]))
    g = np.sort(gen)
    i = np.sort(imp)
    fnmr = np.searchsorted(g, thr, side="left") / len(g)
    fmr = 1.0 - np.searchsorted(i, thr, side="left") / len(i)
    k = int(np.argmin(np.abs(fmr - fnmr)))
    # crossing between thresholds k-1 and k
    cands = [k] + ([k - 1] if k > 0 else []) + ([k + 1] if k + 1 < len(thr) else [])
    eer = min(
        (max(fmr[c], fnmr[c]) + min(fmr[c], fnmr[c])) / 2
        if fmr[c] == fnmr[c]
        else max(fmr[c], fnmr[c])
        for c in cands
    )
    # linear crossing estimate: where fnmr rises above fmr
    above = np.nonzero(fnmr >= fmr)[0]
    if len(above):
        j = int(above[0])
        if j > 0:
            eer = _cross(fmr[j - 1], fnmr[j - 1], fmr[j], fnmr[j])
        else:
            eer = float((fmr[j] + fnmr[j]) / 2)

    def at(limit: float) -> float:
        ok = fmr <= limit + 1e-12
        return float(fnmr[ok].min()) if ok.any() else 1.0

    return {"eer": float(eer), "fmr100": at(0.01), "fmr1000": at(0.001)}


def _cross(f0: float, n0: float, f1: float, n1: float) -> float:
    """EER on the segment between two operating points (FVC's interpolation)."""
    d0, d1 = n0 - f0, n1 - f1  # d0 < 0 <= d1
    if d1 == d0:
        return float((f1 + n1) / 2)
    t = -d0 / (d1 - d0)
    return float(((f0 + t * (f1 - f0)) + (n0 + t * (n1 - n0))) / 2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dir", type=Path)
    ap.add_argument("--plot", type=Path, default=None, help="write DET + score histograms")
    ap.add_argument("--ppi", type=float, default=500.0, help="resolution of the images")
    args = ap.parse_args(argv)

    items = list_images(args.dir)
    if not items:
        print(f"no <finger>_<impression> images in {args.dir}", file=sys.stderr)
        return 2
    n = len(items)
    prepared: list[Prepared | None] = []
    t_ext = 0.0
    cpu_ext = 0.0
    failures = 0
    for idx, (_finger, _imp, path) in enumerate(items):
        data = path.read_bytes()
        t0 = time.perf_counter()
        c0 = time.process_time()
        try:
            p: Prepared | None = prepare(extract(data, ppi=args.ppi))
        except ValidationError as exc:
            p = None
            failures += 1
            print(f"  {path.name}: rejected: {exc}", file=sys.stderr)
        t_ext += time.perf_counter() - t0
        cpu_ext += time.process_time() - c0
        prepared.append(p)
        if (idx + 1) % 20 == 0 or idx + 1 == n:
            print(f"extracted {idx + 1}/{n}", file=sys.stderr)

    scores = np.zeros((n, n))
    t_match = 0.0
    n_match = 0
    pairs = list(combinations(range(n), 2))
    for c, (i, j) in enumerate(pairs):
        pi, pj = prepared[i], prepared[j]
        if pi is None or pj is None:
            continue
        t0 = time.perf_counter()
        s = match(pi, pj).score
        t_match += time.perf_counter() - t0
        n_match += 1
        scores[i, j] = scores[j, i] = s
        if (c + 1) % 2000 == 0:
            print(f"matched {c + 1}/{len(pairs)}", file=sys.stderr)

    fingers = [it[0] for it in items]
    first: dict[str, int] = {}
    for k, f in enumerate(fingers):
        first.setdefault(f, k)
    gen = np.array([scores[i, j] for i, j in pairs if fingers[i] == fingers[j]])
    imp_all = np.array([scores[i, j] for i, j in pairs if fingers[i] != fingers[j]])
    firsts = sorted(first.values())
    imp_fvc = np.array([scores[i, j] for i, j in combinations(firsts, 2)])

    rates = error_rates(gen, imp_fvc)
    rates_all = error_rates(gen, imp_all)
    hits = 0
    counted = 0
    for i in range(n):
        if sum(f == fingers[i] for f in fingers) < 2:
            continue
        row = scores[i].copy()
        row[i] = -1.0
        counted += 1
        hits += int(fingers[int(np.argmax(row))] == fingers[i])
    rank1 = hits / counted if counted else float("nan")

    print(
        f"genuine {len(gen)} impostor(FVC) {len(imp_fvc)} impostor(all) {len(imp_all)} "
        f"rejected {failures}; all-impostor FMR100 {rates_all['fmr100']:.4f} "
        f"FMR1000 {rates_all['fmr1000']:.4f}; extraction CPU {1000 * cpu_ext / n:.1f} ms/image "
        "(extract_ms below is wall time)",
        file=sys.stderr,
    )
    if args.plot:
        plot(args.plot, gen, imp_fvc, imp_all, args.dir.name)
        print(f"plot written to {args.plot}", file=sys.stderr)
    result = {
        "images": n,
        "eer": round(rates["eer"], 5),
        "eer_all_impostors": round(rates_all["eer"], 5),
        "fmr100": round(rates["fmr100"], 5),
        "fmr1000": round(rates["fmr1000"], 5),
        "rank1": round(rank1, 5),
        "extract_ms": round(1000 * t_ext / n, 2),
        "match_ms": round(1000 * t_match / max(n_match, 1), 3),
    }
    print(json.dumps(result))
    return 0


def plot(path: Path, gen: np.ndarray, imp: np.ndarray, imp_all: np.ndarray, title: str) -> None:
    """DET curve (log-log FMR vs FNMR) and the score distributions."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.5))
    for name, im in (("FVC impostors", imp), ("all impostors", imp_all)):
        thr = np.unique(np.concatenate([gen, im]))
        fnmr = np.array([(gen < t).mean() for t in thr])
        fmr = np.array([(im >= t).mean() for t in thr])
        ax1.plot(np.maximum(fmr, 1e-5), np.maximum(fnmr, 1e-5), label=name)
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel("false match rate")
    ax1.set_ylabel("false non-match rate")
    ax1.set_title(f"DET: {title}")
    ax1.grid(True, which="both", alpha=0.3)
    ax1.legend()
    bins = np.linspace(0, max(1e-3, float(max(gen.max(initial=0), imp_all.max(initial=0)))), 60)
    ax2.hist(imp_all, bins=bins, alpha=0.6, density=True, label="impostor (all)")
    ax2.hist(gen, bins=bins, alpha=0.6, density=True, label="genuine")
    ax2.set_xlabel("score")
    ax2.set_ylabel("density")
    ax2.set_title("score distributions")
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
