"""Opening the configured store: the embedded default or Elasticsearch."""

from __future__ import annotations

from indexer.base import SearchBackend
from pehchaan.settings import Settings


def open_backend(settings: Settings, backend: str | None = None) -> SearchBackend:
    """The store named by ``backend`` (or the settings), ready to use."""
    name = backend or settings.backend
    if name == "embedded":
        from indexer.embedded import EmbeddedBackend

        return EmbeddedBackend(settings.data_dir)
    if name == "elasticsearch":
        from indexer.elastic import ElasticBackend

        return ElasticBackend.from_settings(settings)
    raise ValueError(f"unknown backend {name!r}; use embedded or elasticsearch")
