"""Small helpers shared by the benchmarks: fresh stores, percentiles, peak memory."""

from __future__ import annotations

import resource
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from indexer.base import SearchBackend
from pehchaan.backends import open_backend
from pehchaan.settings import get_settings


def data_lines(path: Path) -> Iterator[str]:
    """The lines of a UTF-8 input file (a BOM tolerated, so a '#' line after it stays a
    comment), without line ends, blank lines and '#' comments."""
    with path.open(encoding="utf-8-sig") as handle:
        for line in handle:
            line = line.rstrip("\r\n")
            if line.strip() and not line.startswith("#"):
                yield line


@contextmanager
def fresh_backend(name: str, data_dir: Path | None = None) -> Iterator[SearchBackend]:
    """An empty store of the named kind that is thrown away afterwards."""
    settings = get_settings()
    with tempfile.TemporaryDirectory(prefix="pehchaan-bench-", dir=data_dir) as tmp:
        settings = settings.model_copy(update={
            "data_dir": Path(tmp), "es_index_prefix": f"bench-{uuid.uuid4().hex[:8]}"})
        backend = open_backend(settings, name)
        try:
            yield backend
        finally:
            drop = getattr(backend, "drop_all", None)
            if callable(drop):
                drop()
            backend.close()


def percentile_ms(seconds: Sequence[float], q: float) -> float:
    if not seconds:
        return 0.0
    return round(float(np.percentile(np.asarray(seconds) * 1000.0, q)), 3)


def peak_rss_mb() -> float:
    """Peak resident memory of this process plus the largest of its finished worker
    processes (Linux reports kilobytes): an upper bound of what the run needed at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round((own + children) / 1024.0, 1)


def note(message: str) -> None:
    """Progress goes to stderr so that the last stdout line stays the JSON result."""
    print(message, file=sys.stderr, flush=True)
