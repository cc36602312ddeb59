"""The data-sharing matrix as code: what each role may call, and what it may see.

Loaded from ``pehchaan/data/access_matrix.yaml`` (a file an administrator can read and
correct), validated once. ``redact`` filters any JSON response by the role's scope: record
fields by kind, sensitive keys anywhere, restricted persons removed. It works on the shape
of the data, not on the endpoint, so routers added later are filtered too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from pehchaan.access import Role

MATRIX_PATH = Path(__file__).parent / "data" / "access_matrix.yaml"
ACTIONS = frozenset({"search", "read", "write", "delete"})
METHOD_ACTIONS = {"GET": "read", "HEAD": "read", "POST": "write", "PUT": "write",
                  "PATCH": "write", "DELETE": "delete"}


# Person-match features named differently from the record field they compare.
FEATURE_FIELDS = {"name": "names", "age": "age"}
WITHHELD = "withheld for this role"


class MatrixError(ValueError):
    """The matrix file is malformed; the message names the place."""


class _Hidden:
    """Marks a record the role may not know exists."""


HIDDEN = _Hidden()


@dataclass(frozen=True, slots=True)
class RoleScope:
    """What one role may do and see."""

    role: Role
    description: str
    actions: Mapping[str, frozenset[str]]
    fields: Mapping[str, frozenset[str] | None]  # None: every field
    sensitive: frozenset[str]
    restricted: frozenset[str] | None  # None: every category
    purpose_required: bool
    rate_per_minute: int

    def may(self, resource: str, action: str) -> bool:
        return action in self.actions.get(resource, frozenset())

    def sees_restricted(self, categories: list[str] | tuple[str, ...]) -> bool:
        """Whether a record with these restriction categories is visible to the role."""
        if not categories or self.restricted is None:
            return True
        return all(c in self.restricted for c in categories)

    @property
    def sees_all_restricted(self) -> bool:
        return self.restricted is None

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role.value, "description": self.description,
                "actions": {r: sorted(a) for r, a in self.actions.items()},
                "fields": {k: "*" if f is None else sorted(f) for k, f in self.fields.items()},
                "sensitive": sorted(self.sensitive),
                "restricted": "*" if self.restricted is None else sorted(self.restricted),
                "purpose_required": self.purpose_required,
                "rate_per_minute": self.rate_per_minute}


@dataclass(frozen=True, slots=True)
class AccessMatrix:
    """Roles, record kinds and sensitive fields, as the YAML file states them."""

    version: int
    roles: Mapping[Role, RoleScope]
    record_kinds: Mapping[str, frozenset[str]]
    sensitive_fields: Mapping[str, frozenset[str]]
    search_segments: frozenset[str]
    routes: Mapping[str, str]

    def scope(self, role: Role) -> RoleScope:
        return self.roles[role]

    def classify(self, method: str, route_path: str) -> tuple[str, str]:
        """(resource, action) of a request to a route template such as /v1/persons/{id}."""
        override = self.routes.get(f"{method.upper()} {route_path}")
        parts = [p for p in route_path.strip("/").split("/") if p]
        resource = parts[1] if len(parts) > 1 and parts[0] == "v1" else (parts[0] if parts
                                                                           else "")
        if override:
            return resource, override
        fixed = [p for p in parts[2:] if not p.startswith("{")]
        if fixed and fixed[-1] in self.search_segments:
            return resource, "search"
        return resource, METHOD_ACTIONS.get(method.upper(), "read")

    def kind_of(self, obj: Mapping[str, Any]) -> str | None:
        for kind, keys in self.record_kinds.items():
            if keys <= obj.keys():
                return kind
        return None

    def hidden_keys(self, scope: RoleScope) -> frozenset[str]:
        hidden: set[str] = set()
        for group, keys in self.sensitive_fields.items():
            if group not in scope.sensitive:
                hidden.update(keys)
        return frozenset(hidden)

    def redact(self, scope: RoleScope, payload: Any) -> Any:
        """The payload as the role may see it; ``HIDDEN`` when it is a hidden record."""
        hidden = self.hidden_keys(scope)
        return self._walk(scope, hidden, payload)

    def _walk(self, scope: RoleScope, hidden: frozenset[str], obj: Any) -> Any:
        if isinstance(obj, list):
            items = [self._walk(scope, hidden, item) for item in obj]
            return [item for item in items if item is not HIDDEN]
        if not isinstance(obj, dict):
            return obj
        kind = self.kind_of(obj)
        if kind == "persons" and not scope.sees_restricted(obj.get("restrictions") or []):
            return HIDDEN
        allowed: frozenset[str] | None = None
        if kind is not None:
            allowed = scope.fields.get(kind, frozenset({"id"}))
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if key.lower() in hidden or (allowed is not None and key not in allowed):
                continue
            walked = self._walk(scope, hidden, value)
            if walked is HIDDEN:
                return HIDDEN  # a wrapper around a hidden record (a hit) goes with it
            out[key] = walked
        if isinstance(out.get("hits"), list) and isinstance(out.get("count"), int):
            out["count"] = len(out["hits"])
        if isinstance(out.get("features"), list) and isinstance(obj.get("person"), dict):
            self._withhold_features(scope, out["features"])
        return out

    @staticmethod
    def _withhold_features(scope: RoleScope, features: list[Any]) -> None:
        """A feature's explanation quotes the record's field: withheld when it is hidden."""
        allowed = scope.fields.get("persons", frozenset({"id"}))
        if allowed is None:
            return
        for feature in features:
            if isinstance(feature, dict) and "detail" in feature:
                name = str(feature.get("name", ""))
                if FEATURE_FIELDS.get(name, name) not in allowed:
                    feature["detail"] = WITHHELD


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise MatrixError(f"{where}: must be a list of strings")
    return [v.strip() for v in value]


def _star_or_set(value: Any, where: str) -> frozenset[str] | None:
    if value == "*":
        return None
    return frozenset(_strings(value, where))


def _role_scope(role: Role, raw: Any, groups: Mapping[str, frozenset[str]]) -> RoleScope:
    where = f"roles.{role.value}"
    if not isinstance(raw, dict):
        raise MatrixError(f"{where}: must be a mapping")
    actions_raw = raw.get("actions") or {}
    if not isinstance(actions_raw, dict):
        raise MatrixError(f"{where}.actions: must be a mapping of resource to actions")
    actions = {}
    for resource, acts in actions_raw.items():
        names = frozenset(_strings(acts, f"{where}.actions.{resource}"))
        if names - ACTIONS:
            raise MatrixError(f"{where}.actions.{resource}: unknown action(s) "
                              f"{sorted(names - ACTIONS)}; use {sorted(ACTIONS)}")
        actions[str(resource)] = names
    fields_raw = raw.get("fields") or {}
    if not isinstance(fields_raw, dict):
        raise MatrixError(f"{where}.fields: must be a mapping of record kind to fields")
    fields = {str(k): _star_or_set(v, f"{where}.fields.{k}") for k, v in fields_raw.items()}
    sensitive = frozenset(_strings(raw.get("sensitive") or [], f"{where}.sensitive"))
    unknown = sorted(sensitive - groups.keys())
    if unknown:
        raise MatrixError(f"{where}.sensitive: unknown group(s) {unknown}")
    rate = raw.get("rate_per_minute", 60)
    if not isinstance(rate, int) or rate < 1:
        raise MatrixError(f"{where}.rate_per_minute: must be a positive integer")
    return RoleScope(role=role, description=str(raw.get("description", "")),
                     actions=actions, fields=fields, sensitive=sensitive,
                     restricted=_star_or_set(raw.get("restricted") or [],
                                             f"{where}.restricted"),
                     purpose_required=bool(raw.get("purpose_required", True)),
                     rate_per_minute=rate)


def parse_matrix(raw: Any) -> AccessMatrix:
    """Validate the matrix as loaded from YAML."""
    if not isinstance(raw, dict):
        raise MatrixError("the matrix must be a mapping")
    kinds = {str(k): frozenset(_strings(v, f"record_kinds.{k}"))
             for k, v in (raw.get("record_kinds") or {}).items()}
    groups = {str(k): frozenset(s.lower() for s in _strings(v, f"sensitive_fields.{k}"))
              for k, v in (raw.get("sensitive_fields") or {}).items()}
    roles_raw = raw.get("roles")
    if not isinstance(roles_raw, dict):
        raise MatrixError("roles: must be a mapping of role to scope")
    missing = [r.value for r in Role if r.value not in roles_raw]
    if missing:
        raise MatrixError(f"roles: no scope for {missing}")
    unknown = sorted(set(roles_raw) - {r.value for r in Role})
    if unknown:
        raise MatrixError(f"roles: unknown role(s) {unknown}")
    routes = {str(k): str(v) for k, v in (raw.get("routes") or {}).items()}
    if set(routes.values()) - ACTIONS:
        raise MatrixError(f"routes: actions must be among {sorted(ACTIONS)}")
    return AccessMatrix(
        version=int(raw.get("version", 1)),
        roles={r: _role_scope(r, roles_raw[r.value], groups) for r in Role},
        record_kinds=kinds, sensitive_fields=groups,
        search_segments=frozenset(_strings(raw.get("search_segments") or [],
                                           "search_segments")),
        routes=routes)


def load_matrix(path: Path | str = MATRIX_PATH) -> AccessMatrix:
    with open(path, encoding="utf-8") as handle:
        return parse_matrix(yaml.safe_load(handle))


@lru_cache(maxsize=4)
def default_matrix() -> AccessMatrix:
    return load_matrix(MATRIX_PATH)
