"""Who is asking and what they may do: key → principal, role checks, purpose and case
reference, rate limits. These are dependencies applied to every ``/v1`` router in
api/app.py, never code inside handlers. What a principal may *see* and what is written
to the audit trail is done by api/access_middleware.py on the way out.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.errors import problem
from pehchaan.access import ApiKey, KeyStore, Role
from pehchaan.errors import PehchaanError
from pehchaan.scopes import AccessMatrix, RoleScope
from pehchaan.settings import Settings

CONTEXT = "pehchaan.access"
CASE_REF = re.compile(r"^[\w][\w .:/()-]{0,99}$", re.UNICODE)
PURPOSE_ACTIONS = frozenset({"search", "read"})
NO_PURPOSE_RESOURCES = frozenset({"session", "audit", "keys"})  # not looking at records

bearer_scheme = HTTPBearer(auto_error=False, description="An API key: `Bearer <key>`.")
header_scheme = APIKeyHeader(name="X-API-Key", auto_error=False,
                             description="The same API key in its own header.")


class AuthProblem(PehchaanError):
    """An access refusal; carries response headers (WWW-Authenticate, Retry-After)."""

    headers: dict[str, str] | None = None

    def __init__(self, detail: str, *, field: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail, field=field)
        self.headers = headers


class Unauthorized(AuthProblem):
    status = 401
    type_slug = "unauthorized"
    title = "API key missing or not valid"


class Forbidden(AuthProblem):
    status = 403
    type_slug = "forbidden"
    title = "Not allowed for this role"


class PurposeRequired(AuthProblem):
    status = 400
    type_slug = "purpose-required"
    title = "Purpose and case reference required"


class RateLimited(AuthProblem):
    status = 429
    type_slug = "too-many-requests"
    title = "Rate limit exceeded"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller: the key, its agency and role, and the scope of that role."""

    key_id: str
    agency: str
    role: Role
    scope: RoleScope


@dataclass(slots=True)
class AccessContext:
    """Per-request facts shared between the dependency and the audit middleware."""

    principal: Principal | None = None
    resource: str | None = None
    action: str | None = None
    route: str | None = None
    purpose: str | None = None
    case_ref: str | None = None
    target_ids: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)


def access_context(request: Request) -> AccessContext:
    ctx = request.scope.get(CONTEXT)
    if not isinstance(ctx, AccessContext):
        ctx = AccessContext()
        request.scope[CONTEXT] = ctx
    return ctx


def _state(request: Request) -> tuple[Settings, KeyStore, AccessMatrix]:
    state = request.app.state
    return state.settings, state.keys, state.matrix


def _check_key(key: ApiKey | None) -> ApiKey:
    challenge = {"WWW-Authenticate": 'Bearer realm="pehchaan"'}
    if key is None:
        raise Unauthorized("the API key is not known", field="Authorization",
                           headers=challenge)
    state = key.state()
    if state == "revoked":
        raise Unauthorized(f"the API key {key.key_id} was revoked at {key.revoked_at}",
                           field="Authorization", headers=challenge)
    if state == "expired":
        raise Unauthorized(f"the API key {key.key_id} expired at {key.expires_at}",
                           field="Authorization", headers=challenge)
    return key


def authorize(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    api_key: Annotated[str | None, Depends(header_scheme)],
    x_purpose: Annotated[str | None, Header(
        alias="X-Purpose", max_length=200,
        description="Why you search (required for investigators and partners).")] = None,
    x_case_ref: Annotated[str | None, Header(
        alias="X-Case-Ref", max_length=100,
        description="FIR or court case number, e.g. 'FIR 123/2024 PS Sadar Rohtak'.")] = None,
    purpose: Annotated[str | None, Query(max_length=200,
                                         description="Same as the X-Purpose header.")] = None,
    case_ref: Annotated[str | None, Query(max_length=100,
                                          description="Same as the X-Case-Ref header.")] = None,
) -> Principal:
    """The principal of a ``/v1`` request, or a 401/403/400/429 problem."""
    settings, keys, matrix = _state(request)
    ctx = access_context(request)
    route = request.scope.get("route")
    ctx.route = getattr(route, "path", request.url.path)
    ctx.resource, ctx.action = matrix.classify(request.method, ctx.route)
    ctx.target_ids = [str(v) for k, v in request.path_params.items() if k.endswith("id")]
    ctx.purpose = ((x_purpose or purpose) or "").strip() or None
    ctx.case_ref = ((x_case_ref or case_ref) or "").strip() or None

    if settings.auth_disabled:
        ctx.principal = Principal("auth-disabled", "development", Role.INVESTIGATOR,
                                  matrix.scope(Role.INVESTIGATOR))
        return ctx.principal

    secret = (bearer.credentials if bearer else None) or api_key
    if not secret:
        raise Unauthorized("an API key is required: send 'Authorization: Bearer <key>' "
                           "or 'X-API-Key: <key>'", field="Authorization",
                           headers={"WWW-Authenticate": 'Bearer realm="pehchaan"'})
    key = _check_key(keys.authenticate(secret.strip()))
    scope = matrix.scope(key.role)
    ctx.principal = Principal(key.key_id, key.agency, key.role, scope)

    limit = settings.rate_limit_per_minute or scope.rate_per_minute
    if keys.hit(key.key_id, 60) > limit:
        retry = str(60 - int(time.time()) % 60)
        raise RateLimited(f"key {key.key_id} made more than {limit} requests this minute; "
                          f"retry in {retry} s", field="Authorization",
                          headers={"Retry-After": retry})
    if not scope.may(ctx.resource, ctx.action):
        raise Forbidden(f"role {key.role.value} ({key.agency}) may not {ctx.action} "
                        f"{ctx.resource}", field="Authorization")
    if scope.purpose_required and ctx.action in PURPOSE_ACTIONS \
            and ctx.resource not in NO_PURPOSE_RESOURCES:
        if not ctx.purpose:
            raise PurposeRequired(
                f"role {key.role.value} must state a purpose to {ctx.action} {ctx.resource}: "
                "send the X-Purpose header (or ?purpose=)", field="X-Purpose")
        if not ctx.case_ref:
            raise PurposeRequired(
                f"role {key.role.value} must give a case reference (FIR or court case "
                f"number) to {ctx.action} {ctx.resource}: send the X-Case-Ref header "
                "(or ?case_ref=)", field="X-Case-Ref")
        if not CASE_REF.match(ctx.case_ref):
            raise PurposeRequired("a case reference is 1-100 letters, digits, spaces and "
                                  ". : / ( ) -, e.g. 'FIR 123/2024 PS Sadar Rohtak'",
                                  field="X-Case-Ref")
    return ctx.principal


PrincipalDep = Annotated[Principal, Depends(authorize)]


def install_auth_errors(app: FastAPI) -> None:
    """Access refusals as problem+json, with their WWW-Authenticate / Retry-After."""

    async def _auth(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AuthProblem)
        return problem(exc.status, exc.type_slug, exc.title, exc.detail, field=exc.field,
                       headers=exc.headers)

    app.add_exception_handler(AuthProblem, _auth)


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["type", "title", "status", "detail"],
    "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                   "status": {"type": "integer"}, "detail": {"type": "string"},
                   "field": {"type": "string"}}}

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": text,
             "content": {"application/problem+json": {"schema": PROBLEM_SCHEMA}}}
    for status, text in ((400, "Purpose or case reference missing, or a bad request"),
                         (401, "API key missing, unknown, revoked or expired"),
                         (403, "The key's role may not do this"),
                         (404, "Not found (or not visible to this role)"),
                         (413, "Request body too large"),
                         (422, "Invalid input; `field` names it"),
                         (429, "Rate limit of the key exceeded"),
                         (503, "Store or audit log unavailable"),
                         (504, "The request took longer than the server's limit"))
}
