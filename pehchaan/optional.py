"""Modules that may or may not be present (a resource's router, its CLI commands)."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType


def import_present(names: Iterable[str]) -> list[ModuleType]:
    """The named modules that exist; an import error inside one of them still raises."""
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return modules
