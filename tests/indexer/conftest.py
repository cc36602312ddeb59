"""Fixtures for the store tests: an embedded store in a temp dir, and an Elasticsearch
store on the real node named by ``PEHCHAAN_TEST_ES_URL`` under a per-run index prefix.

Without that variable the Elasticsearch tests are skipped with a loud reason, except
when ``CI=true``: there they fail, so CI cannot pass without a real node.

Other test modules import these fixtures by name (``any_backend``, ``embedded_store``,
``es_url``, ``es_admin``, ``es_backend``, ``make_es``): keep the names stable.
"""

from __future__ import annotations

import itertools
import json
import os
import urllib.error
import urllib.request
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from indexer.base import SearchBackend
from indexer.elastic import ElasticBackend
from indexer.embedded import EmbeddedBackend

ES_ENV = "PEHCHAAN_TEST_ES_URL"
RUN_PREFIX = f"pt{uuid.uuid4().hex[:8]}"
_counter = itertools.count(1)


def _missing_es(reason: str) -> None:
    message = (f"Elasticsearch tests NOT RUN: {reason}. Start a node with "
               f"`eval \"$(python3 scripts/es_node.py start --print-env)\"` (sets {ES_ENV}).")
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {message}", pytrace=False)
    warnings.warn(message, stacklevel=2)
    pytest.skip(message)


@pytest.fixture(scope="session")
def es_url() -> str:
    """The test node's URL; skip (or, in CI, fail) when there is none or it is down."""
    url = os.environ.get(ES_ENV, "").strip()
    if not url:
        _missing_es(f"{ES_ENV} is not set")
    try:
        with urllib.request.urlopen(f"{url}/_cluster/health", timeout=10) as resp:
            status = json.loads(resp.read()).get("status")
    except (urllib.error.URLError, OSError) as exc:
        pytest.fail(f"{ES_ENV}={url} does not answer: {exc}", pytrace=False)
    if status not in ("green", "yellow"):
        pytest.fail(f"{ES_ENV}={url} cluster health is {status}", pytrace=False)
    return url


@pytest.fixture(scope="session")
def es_admin(es_url: str) -> Iterator[ElasticBackend]:
    """A client for cleanup: at the end, drop every index this run created."""
    admin = ElasticBackend(es_url, prefix=RUN_PREFIX)
    yield admin
    admin.drop_all()
    admin.close()


@pytest.fixture
def make_es(es_url: str, es_admin: ElasticBackend) -> Iterator[Callable[..., ElasticBackend]]:
    """Factory of fresh Elasticsearch stores, each under its own prefix, dropped after."""
    made: list[ElasticBackend] = []

    def make(prefix: str | None = None, **kwargs: object) -> ElasticBackend:
        backend = ElasticBackend(es_url, prefix=prefix or f"{RUN_PREFIX}-{next(_counter)}",
                                 **kwargs)  # type: ignore[arg-type]
        made.append(backend)
        return backend

    yield make
    for backend in made:
        backend.drop_all()
        backend.close()


@pytest.fixture
def es_backend(make_es: Callable[..., ElasticBackend]) -> ElasticBackend:
    return make_es()


@pytest.fixture
def embedded_store(tmp_path: Path) -> Iterator[EmbeddedBackend]:
    store = EmbeddedBackend(tmp_path / "embedded")
    yield store
    store.close()


@pytest.fixture(params=["embedded", pytest.param("elasticsearch",
                                                 marks=pytest.mark.elasticsearch)])
def any_backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SearchBackend]:
    """Each contract test runs once per backend."""
    if request.param == "embedded":
        store = EmbeddedBackend(tmp_path / "embedded")
        yield store
        store.close()
    else:
        yield request.getfixturevalue("es_backend")


@pytest.fixture
def both_backends(embedded_store: EmbeddedBackend,
                  es_backend: ElasticBackend) -> tuple[EmbeddedBackend, ElasticBackend]:
    """The two stores side by side, for tests that compare their answers."""
    return embedded_store, es_backend
