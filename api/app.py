"""The app factory: settings in, a FastAPI app with its store, routers and error handling out."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.routers import health, persons
from indexer.base import SearchBackend
from pehchaan import __version__
from pehchaan.backends import open_backend
from pehchaan.settings import Settings, get_settings

log = logging.getLogger("pehchaan.api")

# Routers of other resources, included when their module is present.
OPTIONAL_ROUTERS = ("api.routers.vehicles", "api.routers.crosscheck",
                    "api.routers.fingerprints")

DESCRIPTION = """Search and match criminal records across Hindi and English spellings.

Every result carries a score in [0, 1] and a feature-by-feature explanation. Scores rank;
a person decides: nothing is confirmed automatically."""


def _optional_routers() -> list[APIRouter]:
    routers = []
    for name in OPTIONAL_ROUTERS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        routers.append(module.router)
    return routers


def create_app(settings: Settings | None = None, backend: SearchBackend | None = None) -> FastAPI:
    """Build the API; ``backend`` lets tests and embedders pass an open store."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = backend is None
        app.state.backend = backend or open_backend(settings)
        try:
            yield
        finally:
            if owned:
                app.state.backend.close()

    app = FastAPI(title="Pehchaan", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.settings = settings
    if backend is not None:
        app.state.backend = backend
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(persons.router)
    for router in _optional_routers():
        app.include_router(router)
    return app
