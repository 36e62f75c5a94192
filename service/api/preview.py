"""The preview page at `/` and the static files it loads (MapLibre GL JS is vendored, never a CDN)."""
from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..http import public_base_url

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
BASE_URL_MARK = "{{base_url}}"


@lru_cache(maxsize=1)
def _page_template() -> str:
    return (STATIC_DIR / "preview.html").read_text(encoding="utf-8")


async def preview(request: Request) -> HTMLResponse:
    """The page, with this server's public URL filled in for the copy-paste client snippets."""
    page = _page_template().replace(BASE_URL_MARK, html.escape(public_base_url(request)))
    return HTMLResponse(page, headers={"cache-control": "no-cache"})


routes = [
    Route("/", preview, methods=["GET", "HEAD"]),
    Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
]
