"""Tile routes: the tileset list, TileJSON and tiles. Status semantics:

200 tile; 204 known tileset, in range, tile absent; 304 If-None-Match matched; 400 malformed
z/x/y, x or y >= 2^z, wrong extension; 404 unknown tileset or zoom outside the tileset's range.
"""
from __future__ import annotations

import functools

import anyio.to_thread
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..http import BadRequest, JSONResponse, NotFound, error_response, etag_matches, public_base_url
from ..tiles.catalog import TileCatalog
from ..tiles.encoding import negotiate
from ..tiles.source import EXTENSIONS, MEDIA_TYPES, TileSetInfo, TileSource, TileSourceError
from ..tiles.tilejson import summary, tilejson

MAX_ZOOM = 30
VARY_ACCEPT_ENCODING = (b"vary", b"Accept-Encoding")
CONTENT_TYPES = {fmt: (b"content-type", media_type.encode()) for fmt, media_type in MEDIA_TYPES.items()}


async def list_tilesets(request: Request) -> JSONResponse:
    base = public_base_url(request)
    return JSONResponse([summary(source.info, base) for source in request.app.state.tiles])


async def get_tilejson(request: Request) -> JSONResponse:
    source = _tileset(request.app.state.tiles, request.path_params["tileset"])
    return JSONResponse(tilejson(source.info, public_base_url(request)))


class TileEndpoint:
    """The tile route as a plain ASGI app.

    A map view fires dozens of tile requests at once, so this route skips Starlette's Request
    and Response objects and sends header tuples built from constants; status codes, headers
    and errors are the same as any other route's (client errors still raise, for one handler).
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = scope["app"].state
        params = scope["path_params"]
        source = _tileset(state.tiles, params["tileset"])
        z, x, y = _tile_in_range(source.info, params)
        try:
            data = await read_tile(source, z, x, y)
        except TileSourceError as exc:      # a remote archive that cannot be reached right now
            await error_response(503, "tileset unavailable", str(exc))(scope, receive, send)
            return
        cache_control = _cache_control_header(state.settings.cache_control)
        if data is None:
            await _respond(send, 204, [cache_control])
            return
        body, encoding = negotiate(data, _header(scope, b"accept-encoding"))
        etag = tile_etag(source.fingerprint, z, x, y, encoding)
        headers = [cache_control, (b"etag", etag.encode()), VARY_ACCEPT_ENCODING]
        if encoding:
            headers.append((b"content-encoding", encoding.encode()))
        if etag_matches(_header(scope, b"if-none-match"), etag):
            await _respond(send, 304, headers)
            return
        headers += [(b"content-length", str(len(body)).encode()), CONTENT_TYPES[source.info.format]]
        await _respond(send, 200, headers, body)


def tile_etag(fingerprint: str, z: int, x: int, y: int, encoding: str | None) -> str:
    """A strong ETag per file version, tile and representation: '"a1b2c3-3-4-2-gzip"'."""
    return f'"{fingerprint}-{z}-{x}-{y}{"-" + encoding if encoding else ""}"'


def _tile_in_range(info: TileSetInfo, params: dict[str, str]) -> tuple[int, int, int]:
    z, x, y, ext = parse_tile_address(params["z"], params["x"], params["y_ext"])
    if ext not in EXTENSIONS[info.format]:
        raise BadRequest(f"tileset {info.id!r} serves .{info.extension} tiles, not .{ext}", "wrong extension")
    if not info.minzoom <= z <= info.maxzoom:
        raise NotFound(f"zoom {z} is outside {info.id!r} (z{info.minzoom}-{info.maxzoom})", "zoom out of range")
    return z, x, y


async def read_tile(source: TileSource, z: int, x: int, y: int) -> bytes | None:
    """Local files answer in microseconds, in the loop; remote archives block, so they get a thread."""
    if getattr(source, "blocking_io", False):
        return await anyio.to_thread.run_sync(source.get_tile, z, x, y)
    return source.get_tile(z, x, y)


def parse_tile_address(z_text: str, x_text: str, y_ext: str) -> tuple[int, int, int, str]:
    """'5', '16', '10.pbf' -> (5, 16, 10, 'pbf'), or BadRequest naming the bad part."""
    y_text, dot, ext = y_ext.partition(".")
    if not dot or not ext:
        raise BadRequest(f"tile path must end in {{y}}.{{ext}}, got {y_ext!r}", "bad tile address")
    z = _small_int("z", z_text, 2)
    if z > MAX_ZOOM:
        raise BadRequest(f"z must be 0..{MAX_ZOOM}, got {z}", "bad tile address")
    x = _small_int("x", x_text, 10)
    y = _small_int("y", y_text, 10)
    limit = 1 << z
    if x >= limit or y >= limit:
        raise BadRequest(f"x and y must be below 2^z = {limit} at z={z}, got x={x} y={y}", "bad tile address")
    return z, x, y, ext.lower()


def _small_int(name: str, text: str, max_digits: int) -> int:
    if not (text.isascii() and text.isdigit() and len(text) <= max_digits):
        raise BadRequest(f"{name} must be a non-negative integer, got {text[:20]!r}", "bad tile address")
    return int(text)


def _tileset(catalog: TileCatalog, tileset_id: str) -> TileSource:
    source = catalog.get(tileset_id)
    if source is None:
        raise NotFound(f"no tileset {tileset_id[:100]!r}; GET /tiles lists them", "unknown tileset")
    return source


def _header(scope: Scope, name: bytes) -> str:
    """A request header as text ('' when absent); names in ASGI scopes are lower case."""
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return ""


@functools.lru_cache(maxsize=8)
def _cache_control_header(value: str) -> tuple[bytes, bytes]:
    return (b"cache-control", value.encode("latin-1"))


async def _respond(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


routes = [
    Route("/tiles/{tileset}/{z}/{x}/{y_ext}", TileEndpoint(), methods=["GET", "HEAD"]),   # hot: matched first
    Route("/tiles", list_tilesets, methods=["GET", "HEAD"]),
    Route("/tiles/{tileset}.json", get_tilejson, methods=["GET", "HEAD"]),
]
