"""Access control in one pure ASGI middleware: API keys, a per-client rate limit, and a body size limit.

Geocoding routes reveal what people ask about, so they are the ones a key protects (tiles too
with `--protect-tiles`). Map clients can only add query parameters, so a key is accepted as
`?key=` as well as in a header. PhotoPrism sends its own `X-Key` header: set that value as a
tilegeo key to let an unmodified PhotoPrism through.
"""
from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import Settings
from .http import ClientError

OPEN_PATHS = frozenset({"/health", "/ready", "/metrics", "/", "/favicon.ico"})
GEOCODING_PATHS = frozenset({"/reverse", "/search", "/api", "/reverse.php", "/search.php", "/lookup"})
GEOCODING_PREFIXES = ("/api/", "/v1/", "/nominatim/", "/photon/")
KEY_HEADERS = (b"x-api-key", b"x-key")
KEY_PARAMS = ("key", "api_key")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def is_geocoding_path(path: str) -> bool:
    """True for every route that answers questions about coordinates or place names."""
    return path in GEOCODING_PATHS or path.startswith(GEOCODING_PREFIXES)


def needs_key(path: str, protect_tiles: bool) -> bool:
    if path in OPEN_PATHS or path.startswith("/static/"):
        return False
    return protect_tiles or is_geocoding_path(path)


def presented_key(scope: Scope) -> str | None:
    """The API key of a request: X-API-Key / X-Key header, `Authorization: Bearer`, or ?key= / ?api_key=."""
    for name, value in scope["headers"]:
        if name in KEY_HEADERS:
            return value.decode("latin-1")
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return value[7:].decode("latin-1").strip()
    query = scope.get("query_string", b"")
    if query:
        params = parse_qs(query.decode("latin-1"))
        for param in KEY_PARAMS:
            if params.get(param):
                return params[param][0]
    return None


def key_is_valid(presented: str | None, keys: tuple[str, ...]) -> bool:
    """Constant-time comparison against every configured key (no early exit on a match)."""
    if presented is None:
        return False
    given = presented.encode()
    matched = False
    for key in keys:
        matched |= hmac.compare_digest(given, key.encode())
    return matched


class RateLimiter:
    """A token bucket per client address: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int, max_clients: int = 10_000) -> None:
        self.capacity = float(per_minute)
        self.refill_per_second = per_minute / 60.0
        self.max_clients = max_clients
        self.buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()   # client -> (tokens, time)

    def allow(self, client: str, now: float | None = None) -> float:
        """0.0 if the request may proceed, else the seconds to wait before the next one."""
        now = time.monotonic() if now is None else now
        tokens, last = self.buckets.pop(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.refill_per_second)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self.refill_per_second
        self.buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
        if len(self.buckets) > self.max_clients:
            self.buckets.popitem(last=False)
        return wait


class BodyTooLarge(ClientError):
    def __init__(self, limit: int) -> None:
        super().__init__(413, "request body too large", f"the limit is {limit} bytes")


class Guard:
    """Refuses requests without a valid key, over the rate limit, or with a body over the limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.keys = settings.api_keys
        self.protect_tiles = settings.protect_tiles
        self.max_body = settings.max_body_bytes
        self.limiter = RateLimiter(settings.rate_limit) if settings.rate_limit > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if self.keys and needs_key(path, self.protect_tiles) and not key_is_valid(presented_key(scope), self.keys):
            await _refuse(send, 401, "api key required",
                          "send it as ?key=..., an X-API-Key header or Authorization: Bearer ...")
            return
        if self.limiter and is_geocoding_path(path):
            wait = self.limiter.allow(scope["client"][0] if scope.get("client") else "?")
            if wait:
                await _refuse(send, 429, "rate limited", f"retry in {wait:.1f} s",
                              [(b"retry-after", str(max(1, round(wait))).encode())])
                return
        if _declared_length(scope) > self.max_body:
            await _refuse(send, 413, "request body too large", f"the limit is {self.max_body} bytes")
            return
        if scope["method"] in BODY_METHODS:
            receive = self._limited(receive)
        await self.app(scope, receive, send)

    def _limited(self, receive: Receive) -> Receive:
        """Count streamed body bytes too (chunked uploads declare no length)."""
        seen = 0

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    raise BodyTooLarge(self.max_body)
            return message

        return limited_receive


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _refuse(send: Send, status: int, error: str, detail: str,
                  extra: list[tuple[bytes, bytes]] | None = None) -> None:
    body = orjson.dumps({"error": error, "detail": detail})
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})
