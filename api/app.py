"""The app factory: settings in, a FastAPI app with its store, routers and error handling out."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from api.access_middleware import AccessMiddleware
from api.errors import install_error_handlers
from api.limits import BodySizeLimit
from api.routers import health, persons
from api.security import PROBLEM_RESPONSES, authorize, install_auth_errors
from indexer.base import SearchBackend
from pehchaan import __version__
from pehchaan.access import KeyStore, Role
from pehchaan.audit import AuditLog, open_audit_log
from pehchaan.backends import open_backend
from pehchaan.gc_tuning import tune_for_serving
from pehchaan.optional import import_present
from pehchaan.scopes import default_matrix, load_matrix
from pehchaan.settings import Settings, get_settings

log = logging.getLogger("pehchaan.api")

# Routers of other resources, included when their module is present.
OPTIONAL_ROUTERS = ("api.routers.vehicles", "api.routers.crosscheck",
                    "api.routers.fingerprints", "api.routers.audit", "api.routers.keys",
                    "api.routers.session")
# Routers outside /v1, served without a key (the console page and its static files).
PUBLIC_OPTIONAL_ROUTERS = ("api.routers.console",)

DESCRIPTION = """Search and match criminal records across Hindi and English spellings.

Every result carries a score in [0, 1] and a feature-by-feature explanation. Scores rank;
a person decides: nothing is confirmed automatically."""


def _optional_routers(names: tuple[str, ...] = OPTIONAL_ROUTERS) -> list[APIRouter]:
    return [module.router for module in import_present(names)]


def _resume_crosscheck_jobs(settings: Settings, store: SearchBackend) -> None:
    """Cross-check jobs interrupted by a restart go on at start-up, not at the next request."""
    for crosscheck in import_present(("pehchaan.crosscheck",)):
        crosscheck.get_runner(settings.data_dir, store)


def create_app(settings: Settings | None = None, backend: SearchBackend | None = None) -> FastAPI:
    """Build the API; ``backend`` lets tests and embedders pass an open store."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = backend is None
        app.state.backend = backend or open_backend(settings)
        _resume_crosscheck_jobs(settings, app.state.backend)
        tune_for_serving()
        try:
            yield
        finally:
            app.state.keys.close()
            if owned:
                app.state.backend.close()

    app = FastAPI(title="Pehchaan", version=__version__, description=DESCRIPTION,
                  lifespan=lifespan)
    app.state.settings = settings
    if backend is not None:
        app.state.backend = backend
    _install_access(app, settings)
    install_error_handlers(app)
    install_auth_errors(app)
    app.add_middleware(AccessMiddleware)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    for router in _optional_routers(PUBLIC_OPTIONAL_ROUTERS):
        app.include_router(router)
    # Every /v1 router needs a key: the access dependency runs before its handlers.
    secured = {"dependencies": [Depends(authorize)], "responses": PROBLEM_RESPONSES}
    app.include_router(persons.router, **secured)  # type: ignore[arg-type]
    for router in _optional_routers():
        app.include_router(router, **secured)  # type: ignore[arg-type]
    return app


def _install_access(app: FastAPI, settings: Settings) -> None:
    """Key store, data-sharing matrix and (lazily) the audit log on ``app.state``.

    Created here, not in the lifespan, so in-process test clients work without it. An
    empty key store gets its first key: the configured ``bootstrap_key`` or a generated
    investigator key printed once to the server's stdout.
    """
    app.state.matrix = load_matrix(settings.access_matrix) if settings.access_matrix \
        else default_matrix()
    keys = KeyStore(settings.data_dir)
    app.state.keys = keys
    created = keys.bootstrap(secret=settings.bootstrap_key, role=Role(settings.bootstrap_role),
                             agency=settings.bootstrap_agency)
    if created is not None and settings.bootstrap_key is None:
        print(f"\nPehchaan: created the first API key ({created.key.role.value}, agency "
              f"{created.key.agency!r}); it is shown only this once:\n\n    {created.secret}"
              "\n\nSend it as 'Authorization: Bearer <key>'. Create more with "
              "'pehchaan keys create'.\n", flush=True)
    elif created is not None:
        log.info("bootstrap key %s (%s) installed from PEHCHAAN_BOOTSTRAP_KEY",
                 created.key.key_id, created.key.role.value)
    holder: list[AuditLog] = []
    lock = threading.Lock()

    def audit_log() -> AuditLog:
        """One audit log per app (one chain head), opened on first use."""
        with lock:
            if not holder:
                backend = getattr(app.state, "backend", None)
                holder.append(open_audit_log(settings.data_dir, backend, settings.backend))
            return holder[0]

    app.state.audit_log = audit_log
