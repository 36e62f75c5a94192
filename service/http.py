"""Shared HTTP helpers: the one client-error type, JSON responses, and the public URL builder."""
from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response


class ClientError(Exception):
    """A request we refuse, with the status, a short error code and what was wrong.

    Raised anywhere below a route; one exception handler turns it into
    `{"error": ..., "detail": ...}` with the status.
    """

    def __init__(self, status: int, error: str, detail: Any = None) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail


class BadRequest(ClientError):
    def __init__(self, detail: Any, error: str = "bad request") -> None:
        super().__init__(400, error, detail)


class NotFound(ClientError):
    def __init__(self, detail: Any, error: str = "not found") -> None:
        super().__init__(404, error, detail)


class JSONResponse(Response):
    """JSON encoded with orjson (fast, and NaN-safe: orjson writes null for NaN)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_SERIALIZE_NUMPY)


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


def error_response(status: int, error: str, detail: Any = None) -> JSONResponse:
    return JSONResponse({"error": error, "detail": detail}, status_code=status)


async def client_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ClientError)
    return error_response(exc.status, exc.error, exc.detail)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """True when an If-None-Match header names `etag` (weak or strong) or is '*'."""
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in if_none_match.split(","))


def public_base_url(request: Request) -> str:
    """The URL clients reach this server at, without a trailing slash.

    `--public-url` wins. Otherwise the request's own URL, corrected by the proxy headers
    X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Prefix (or the ASGI root_path), so
    URLs in TileJSON and styles work behind nginx, Traefik or Caddy.
    """
    configured = request.app.state.settings.public_url
    if configured:
        return configured
    headers = request.headers
    scheme = _first(headers.get("x-forwarded-proto")) or request.url.scheme
    host = _first(headers.get("x-forwarded-host")) or headers.get("host") or request.url.netloc
    prefix = _first(headers.get("x-forwarded-prefix")) or request.scope.get("root_path", "")
    return f"{scheme}://{host}{prefix.rstrip('/')}"


def _first(value: str | None) -> str | None:
    """First entry of a comma-separated proxy header (each proxy hop appends one)."""
    if not value:
        return None
    return value.split(",")[0].strip() or None
