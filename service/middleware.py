"""Pure ASGI middleware (no BaseHTTPMiddleware on the hot path)."""
from __future__ import annotations

from typing import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFLIGHT_HEADERS = [
    (b"access-control-allow-methods", b"GET, HEAD, POST, OPTIONS"),
    (b"access-control-allow-headers", b"*"),
    (b"access-control-max-age", b"86400"),
]


class CORSMiddleware:
    """Adds Access-Control-Allow-Origin to every response and answers preflight requests.

    With '*' (the default) every origin is allowed and the header is constant. With a list,
    an allowed Origin is echoed back and `Vary: Origin` is added so caches keep them apart.
    """

    def __init__(self, app: ASGIApp, origins: Iterable[str]) -> None:
        self.app = app
        self.origins = frozenset(o.encode() for o in origins)
        self.any_origin = b"*" in self.origins

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = self._allowed_origin(scope)
        if scope["method"] == "OPTIONS" and _header(scope, b"access-control-request-method"):
            await self._preflight(origin, send)
            return
        if origin is None:
            await self.app(scope, receive, send)
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"access-control-allow-origin", origin))
                if not self.any_origin:
                    headers.append((b"vary", b"Origin"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cors)

    def _allowed_origin(self, scope: Scope) -> bytes | None:
        if self.any_origin:
            return b"*"
        origin = _header(scope, b"origin")
        return origin if origin in self.origins else None

    async def _preflight(self, origin: bytes | None, send: Send) -> None:
        headers = list(PREFLIGHT_HEADERS) + [(b"content-length", b"0")]
        if origin is not None:
            headers.append((b"access-control-allow-origin", origin))
        await send({"type": "http.response.start", "status": 204 if origin else 403, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None
