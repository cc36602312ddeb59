"""One place that turns errors into ``application/problem+json`` (RFC 9457)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from pehchaan.errors import PehchaanError

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://pehchaan.invalid/problems/"
log = logging.getLogger("pehchaan.api")

_HTTP_SLUGS = {400: "bad-request", 401: "unauthorized", 403: "forbidden", 404: "not-found",
               405: "method-not-allowed", 409: "conflict", 413: "payload-too-large",
               415: "unsupported-media-type", 422: "validation-error",
               429: "too-many-requests", 503: "backend-unavailable", 504: "timeout"}


def problem(status: int, slug: str, title: str, detail: str, *, field: str | None = None,
            extra: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status,
                            "detail": detail}
    if field:
        body["field"] = field
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    """A dotted field path; pydantic's union-branch labels ("list[PersonIn]") are dropped."""
    parts = [str(p) for p in loc
             if p not in ("body", "query", "path", "header") and "[" not in str(p)]
    return ".".join(parts) or "body"


async def _domain(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PehchaanError)
    if exc.status >= 500:
        log.warning("domain error %s: %s", exc.type_slug, exc.detail)
    return problem(exc.status, exc.type_slug, exc.title, exc.detail, field=exc.field)


async def _validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    raw = sorted(exc.errors(), key=lambda e: -len(_field_of(e.get("loc", ())).split(".")))
    errors = [{"field": _field_of(e.get("loc", ())),
               "reason": str(e.get("msg", "invalid")).removeprefix("Value error, ")}
              for e in raw]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:10])
    return problem(422, "validation-error", "Invalid input", detail,
                   field=errors[0]["field"] if errors else None, extra={"errors": errors[:50]})


async def _http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug = _HTTP_SLUGS.get(exc.status_code, "error")
    title = slug.replace("-", " ").capitalize()
    return problem(exc.status_code, slug, title, str(exc.detail),
                   headers=getattr(exc, "headers", None))


async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return problem(500, "internal-error", "Internal error",
                   "the server failed to handle this request; it has been logged")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(PehchaanError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
