"""Dependencies shared by the routers, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from indexer.base import SearchBackend
from pehchaan.settings import Settings


def get_backend(request: Request) -> SearchBackend:
    backend: SearchBackend = request.app.state.backend
    return backend


def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


BackendDep = Annotated[SearchBackend, Depends(get_backend)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
