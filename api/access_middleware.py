"""On the way out of every ``/v1`` request: deadline, field filtering, audit entry.

Pure ASGI middleware, so it sees every outcome (including 401/403 raised by the access
dependency and 404s) and the final JSON body:

1. the request runs under a deadline; past it the client gets a 504 problem;
2. a JSON response is filtered by the caller's role (``AccessMatrix.redact``): fields
   by record kind, sensitive keys anywhere, restricted persons removed (a hidden record
   requested by id answers 404, as if it did not exist);
3. one audit entry is appended *before* the response is sent: no entry, no answer
   (503). Searches feed the bulk-query detector, which flags the entry.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import PROBLEM_BASE, PROBLEM_JSON
from api.security import CONTEXT, AccessContext
from pehchaan.scopes import HIDDEN, AccessMatrix

log = logging.getLogger("pehchaan.audit")

MAX_TERMS_BODY = 16 * 1024
SKIP_TERMS = {"purpose", "case_ref"}
NO_ID_RESOURCES = {"audit", "keys"}  # their answers are not records looked at
NAME_TERMS = ("name", "relative_name", "registration", "plate")


Headers = list[tuple[bytes, bytes]]


def _problem(status: int, slug: str, title: str, detail: str,
             field: str | None = None) -> tuple[int, Headers, bytes]:
    """A problem+json answer as (status, headers, body)."""
    body: dict[str, Any] = {"type": PROBLEM_BASE + slug, "title": title, "status": status,
                            "detail": detail}
    if field:
        body["field"] = field
    return (status, [(b"content-type", PROBLEM_JSON.encode())],
            json.dumps(body, ensure_ascii=False).encode())


def _outcome(status: int) -> str:
    if status < 400:
        return "ok"
    return {401: "unauthenticated", 403: "forbidden", 404: "not_found",
            429: "rate_limited", 504: "timeout"}.get(status, "refused" if status < 500
                                                     else "error")


def collect_ids(payload: Any, out: list[str], depth: int = 0) -> None:
    """Record ids in a response: every ``id`` and every list under ``ids``."""
    if depth > 6 or len(out) > 500:
        return
    if isinstance(payload, dict):
        if isinstance(payload.get("id"), str | int):
            out.append(str(payload["id"]))
        if isinstance(payload.get("ids"), list):
            out.extend(str(i) for i in payload["ids"] if isinstance(i, str | int))
        for key, value in payload.items():
            if key != "ids" and isinstance(value, dict | list):
                collect_ids(value, out, depth + 1)
    elif isinstance(payload, list):
        for item in payload:
            collect_ids(item, out, depth + 1)


class AccessMiddleware:
    """Deadline, role-based response filtering and the audit entry for ``/v1``."""

    def __init__(self, app: ASGIApp, prefix: str = "/v1") -> None:
        self.app = app
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        ctx = AccessContext()
        scope[CONTEXT] = ctx
        request_body = bytearray()

        async def tee_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request" and len(request_body) <= MAX_TERMS_BODY:
                request_body.extend(message.get("body", b"")[:MAX_TERMS_BODY + 1])
            return message

        start: Message | None = None
        chunks: list[bytes] = []

        async def buffer_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        headers: Headers
        try:
            await asyncio.wait_for(self.app(scope, tee_receive, buffer_send),
                                   timeout=state.settings.request_timeout_seconds)
        except TimeoutError:
            start, chunks = None, []
            status, headers, body = _problem(
                504, "timeout", "Request took too long",
                f"the request did not finish within "
                f"{state.settings.request_timeout_seconds:g} s; narrow it "
                "(fewer results, more filters) or retry later")
        except Exception:
            await self._audit(scope, ctx, 500, [], request_body, state)
            raise
        if start is not None:
            status = int(start["status"])
            headers = [(k, v) for k, v in start.get("headers", [])
                       if k.lower() != b"content-length"]
            body = b"".join(chunks)
        content_type = dict(headers).get(b"content-type", b"").decode("latin-1")
        ids: list[str] = list(ctx.target_ids)
        if ctx.principal is not None and content_type.startswith("application/json") and body:
            status, headers, body = self._filter(ctx, state.matrix, status, headers, body, ids)
        try:
            await self._audit(scope, ctx, status, ids, request_body, state)
        except Exception as exc:
            log.error("audit entry not written, answer withheld: %s", exc)
            status, headers, body = _problem(
                503, "audit-unavailable", "Audit log unavailable",
                "the request could not be recorded in the audit log, so "
                "its answer is withheld; retry later")
        headers.append((b"content-length", str(len(body)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    @staticmethod
    def _filter(ctx: AccessContext, matrix: AccessMatrix, status: int,
                headers: Headers, body: bytes, ids: list[str]
                ) -> tuple[int, Headers, bytes]:
        """The JSON answer as the caller's role may see it; ids seen go into ``ids``."""
        assert ctx.principal is not None
        try:
            payload = matrix.redact(ctx.principal.scope, json.loads(body))
        except ValueError:  # unfilterable: withheld rather than shown unfiltered
            log.error("a JSON response of %s could not be parsed for filtering", ctx.route)
            return _problem(
                500, "internal-error", "Internal error", "the answer could not be filtered "
                "for your role and is withheld; it has been logged")
        if payload is HIDDEN:
            target = ctx.target_ids[0] if ctx.target_ids else "?"
            return _problem(
                404, "not-found", "Not found", f"no record with id {target!r}", field="id")
        if ctx.resource not in NO_ID_RESOURCES:
            collect_ids(payload, ids)
        return status, headers, json.dumps(payload, ensure_ascii=False).encode()

    async def _audit(self, scope: Scope, ctx: AccessContext, status: int, ids: list[str],
                     request_body: bytes | bytearray, state: Any) -> None:
        terms = self._terms(scope, ctx, request_body)
        principal = ctx.principal
        if principal is not None and ctx.action == "search" and status < 400:
            searched = " ".join(str(terms[k]) for k in NAME_TERMS if terms.get(k))
            if searched:
                settings = state.settings
                distinct = await run_in_threadpool(
                    state.keys.distinct_recent_names, principal.key_id, searched,
                    settings.bulk_window_seconds)
                if distinct > settings.bulk_names_threshold:
                    ctx.flags.append("bulk_query_suspected")
                    log.warning("bulk query suspected: key %s searched %d distinct names in "
                                "%d s", principal.key_id, distinct,
                                settings.bulk_window_seconds)
        entry = {
            "key_id": principal.key_id if principal else None,
            "agency": principal.agency if principal else None,
            "role": principal.role.value if principal else None,
            "method": scope.get("method"), "path": scope.get("path"),
            "endpoint": ctx.route, "resource": ctx.resource, "action": ctx.action,
            "query": terms, "purpose": ctx.purpose, "case_ref": ctx.case_ref,
            "ids": ids, "status": status, "outcome": _outcome(status),
            "flags": list(ctx.flags),
            "client": (scope.get("client") or ["?"])[0],
        }
        audit = state.audit_log()
        await run_in_threadpool(audit.append, entry)

    @staticmethod
    def _terms(scope: Scope, ctx: AccessContext, request_body: bytes | bytearray) -> dict[str, Any]:
        """Query terms worth recording: query string, and the JSON body of a search."""
        terms: dict[str, Any] = {}
        raw = scope.get("query_string", b"").decode("utf-8", "replace")
        for key, value in parse_qsl(raw, keep_blank_values=True):
            if key in SKIP_TERMS:
                continue
            if key in terms:
                prev = terms[key]
                terms[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
            else:
                terms[key] = value[:500]
        if ctx.action == "search" and request_body:
            if len(request_body) > MAX_TERMS_BODY:
                terms["body"] = "(over 16 KiB, not recorded)"
            else:
                try:
                    parsed = json.loads(request_body)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    terms.update({k: v for k, v in parsed.items()
                                  if isinstance(v, str | int | float | bool | list)
                                  and k not in SKIP_TERMS})
        return terms
