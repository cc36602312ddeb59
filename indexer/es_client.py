"""Building the Elasticsearch client, and turning its errors into Pehchaan's own.

Why a custom node class: the 9.x Python client asks every server for
``compatible-with=9`` responses. A 9.x server is happy; an 8.x server (the newest
runnable distribution Maven Central serves, used by the tests) answers 400
``media_type_header_exception``. The node notices that answer once, switches to the
server's own major version and repeats the request, so one client works with both.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any, ClassVar

from elastic_transport import (
    ConnectionError as TransportConnectionError,
)
from elastic_transport import (
    ConnectionTimeout,
    HttpHeaders,
    Urllib3HttpNode,
)
from elastic_transport import (
    TransportError as LowTransportError,
)
from elastic_transport._node._base import NodeApiResponse
from elastic_transport.client_utils import DEFAULT, DefaultType
from elasticsearch import ApiError, Elasticsearch

from pehchaan.errors import BackendError, BackendUnavailable

_COMPAT_RE = re.compile(r"compatible-with=\d+")
_REFUSED_RE = re.compile(rb"Accept version must be either version (\d+)")


class CompatNode(Urllib3HttpNode):
    """An HTTP node that downgrades the compatibility header when the server asks."""

    compat_major: ClassVar[int | None] = None

    def _rewrite(self, headers: HttpHeaders | None) -> HttpHeaders | None:
        major = type(self).compat_major
        if major is None or headers is None:
            return headers
        out = headers.copy()
        for name in ("accept", "content-type"):
            if name in out:
                out[name] = _COMPAT_RE.sub(f"compatible-with={major}", out[name])
        return out

    def perform_request(
        self,
        method: str,
        target: str,
        body: bytes | None = None,
        headers: HttpHeaders | None = None,
        request_timeout: DefaultType | float | None = DEFAULT,
    ) -> NodeApiResponse:
        resp = super().perform_request(method, target, body=body,
                                       headers=self._rewrite(headers),
                                       request_timeout=request_timeout)
        if resp.meta.status == 400 and type(self).compat_major is None:
            match = _REFUSED_RE.search(resp.body or b"")
            if match:
                type(self).compat_major = int(match.group(1))
                resp = super().perform_request(method, target, body=body,
                                               headers=self._rewrite(headers),
                                               request_timeout=request_timeout)
        return resp


def make_client(url: str, *, username: str | None = None, password: str | None = None,
                request_timeout: float = 30.0, max_retries: int = 2) -> Elasticsearch:
    """A client for one cluster; its own node class keeps compat state per client."""
    node_class = type("PehchaanCompatNode", (CompatNode,), {"compat_major": None})
    kwargs: dict[str, Any] = {}
    if username:
        kwargs["basic_auth"] = (username, password or "")
    return Elasticsearch(
        url, node_class=node_class, request_timeout=request_timeout,
        max_retries=max_retries, retry_on_timeout=True, **kwargs)


def describe_api_error(exc: ApiError) -> str:
    """'status type: reason' from an Elasticsearch error response, as short as possible."""
    info: Any = exc.body
    err = info.get("error") if isinstance(info, dict) else None
    if isinstance(err, dict):
        root = (err.get("root_cause") or [err])[0]
        return f"{exc.meta.status} {root.get('type', '')}: {root.get('reason', '')}".strip()
    return f"{exc.meta.status} {exc.message}"


def translate(exc: Exception, url: str, operation: str) -> Exception:
    """The Pehchaan exception for a driver exception (503 when unreachable or overloaded)."""
    if isinstance(exc, ConnectionTimeout | TransportConnectionError):
        return BackendUnavailable(
            f"Elasticsearch at {url} cannot be reached during {operation}: "
            f"{type(exc).__name__}; is it running? (check PEHCHAAN_ES_URL)")
    if isinstance(exc, ApiError):
        if exc.meta.status in (429, 503):
            return BackendUnavailable(
                f"Elasticsearch at {url} is overloaded or not ready during {operation}: "
                f"{describe_api_error(exc)}")
        return BackendError(f"Elasticsearch at {url} refused {operation}: "
                            f"{describe_api_error(exc)}")
    if isinstance(exc, LowTransportError):
        return BackendUnavailable(f"Elasticsearch at {url} failed during {operation}: {exc}")
    return exc


@contextlib.contextmanager
def es_errors(url: str, operation: str) -> Iterator[None]:
    """Run a block and re-raise driver errors as BackendUnavailable / BackendError."""
    try:
        yield
    except (ApiError, LowTransportError) as exc:
        raise translate(exc, url, operation) from exc
