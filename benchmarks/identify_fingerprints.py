"""1:N identification speed and accuracy over a large synthetic gallery.

    python -m benchmarks.identify_fingerprints --enrolled 10000 [--fingers 60]

The gallery holds the first impression of ``--fingers`` synthetic fingers
(images from fixtures.fingerprints, through the full extraction pipeline) plus
minutia-only filler templates (``fixtures.fingerprints.random_template``) up to
``--enrolled``: rendering 10,000 images would take an hour, and the search cost
does not depend on where a template came from. Probes are the second impressions
of the image fingers. Last stdout line: JSON.
"""

from __future__ import annotations

import os

# small matrices: BLAS threads only add contention on a shared machine
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from fixtures.fingerprints import finger_impressions, random_template  # noqa: E402
from matcher.fingerprint import Minutia, Template, extract, prepare  # noqa: E402
from matcher.fingerprint.index import SHORTLIST, FingerprintIndex  # noqa: E402
from matcher.fingerprint.template import angle_code  # noqa: E402
from pehchaan.errors import ValidationError  # noqa: E402


def filler(seed: int) -> Template:
    """A minutia-only template with a realistic count and spread."""
    rng = np.random.default_rng(seed)
    xy, ang = random_template(seed, n_minutiae=int(rng.integers(20, 50)))
    ms = tuple(
        Minutia(int(x), int(y), angle_code(a), int(rng.integers(1, 3)), 60)
        for (x, y), a in zip(xy, ang, strict=True)
    )
    return Template(240, 300, 60, 9.0, ms)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enrolled", type=int, default=10_000)
    ap.add_argument("--fingers", type=int, default=60, help="image-based fingers (and probes)")
    ap.add_argument("--shortlist", type=int, default=SHORTLIST)
    ap.add_argument("--top-k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    fingers = min(args.fingers, args.enrolled)
    gallery: list[tuple[str, Template]] = []
    probes: list[tuple[str, Template]] = []
    rejected = 0
    for f in range(fingers):
        imgs = finger_impressions(args.seed * 100_000 + f, 2)
        try:
            pair = (extract(imgs[0]), extract(imgs[1]))
        except ValidationError as exc:  # a synthetic impression too poor to use
            rejected += 1
            print(f"finger {f} skipped: {exc}", file=sys.stderr)
            continue
        gallery.append((f"finger-{f}", pair[0]))
        probes.append((f"finger-{f}", pair[1]))
        if (f + 1) % 10 == 0:
            print(f"rendered and extracted {f + 1}/{fingers} fingers", file=sys.stderr)
    for k in range(args.enrolled - len(gallery)):
        gallery.append((f"filler-{k}", filler(args.seed * 1_000_000 + k)))

    index = FingerprintIndex()
    t0 = time.perf_counter()
    index.add_many(gallery)
    index.prefilter(probes[0][1])  # builds the descriptor matrix
    enrol_s = time.perf_counter() - t0
    print(f"enrolled {len(index)} templates in {enrol_s:.1f} s", file=sys.stderr)

    times, pre_times, hits, in_short = [], [], 0, 0
    for mate, tpl in probes:
        t0 = time.perf_counter()
        pre = index.prefilter(tpl)
        pre_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = index.identify(prepare(tpl), top_k=args.top_k, shortlist=args.shortlist)
        times.append(time.perf_counter() - t0)
        hits += int(bool(result) and result[0].id == mate)
        k = min(args.shortlist, len(pre))
        short = {index._ids[i] for i in np.argpartition(-pre, k - 1)[:k].tolist()}
        in_short += int(mate in short)
    ms = np.array(times) * 1000
    out = {
        "enrolled": len(index),
        "probes": len(probes),
        "fingers_rejected": rejected,
        "shortlist": args.shortlist,
        "rank1": round(hits / len(probes), 4),
        "mate_in_shortlist": round(in_short / len(probes), 4),
        "identify_ms_mean": round(float(ms.mean()), 1),
        "identify_ms_p95": round(float(np.percentile(ms, 95)), 1),
        "prefilter_ms_mean": round(1000 * float(np.mean(pre_times)), 2),
        "enrol_ms_per_template": round(1000 * enrol_s / len(index), 3),
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
