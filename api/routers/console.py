"""The investigators' console: one static page that talks to the API with the user's key.

Served without a key (it holds no data); every call it makes to ``/v1`` carries the key
the user typed, which the page keeps in memory only.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parent.parent / "static"
FILES = {"console.css": "text/css", "console.js": "text/javascript"}
# The page loads nothing from elsewhere and may not be framed.
HEADERS = {"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
           "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store"}

router = APIRouter(tags=["console"], include_in_schema=False)


@router.get("/console")
def console_page() -> FileResponse:
    return FileResponse(STATIC / "console.html", media_type="text/html", headers=HEADERS)


@router.get("/console/console.css")
def console_css() -> FileResponse:
    return FileResponse(STATIC / "console.css", media_type=FILES["console.css"],
                        headers=HEADERS)


@router.get("/console/console.js")
def console_js() -> FileResponse:
    return FileResponse(STATIC / "console.js", media_type=FILES["console.js"],
                        headers=HEADERS)
