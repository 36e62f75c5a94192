"""Tile routes: the tileset list, TileJSON and tiles. Status semantics:

200 tile; 204 known tileset, in range, tile absent; 304 If-None-Match matched; 400 malformed
z/x/y, x or y >= 2^z, wrong extension; 404 unknown tileset or zoom outside the tileset's range.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import BadRequest, JSONResponse, NotFound, public_base_url
from ..tiles.encoding import negotiate
from ..tiles.source import EXTENSIONS, TileSource
from ..tiles.tilejson import summary, tilejson

MAX_ZOOM = 30


async def list_tilesets(request: Request) -> JSONResponse:
    base = public_base_url(request)
    return JSONResponse([summary(source.info, base) for source in request.app.state.tiles])


async def get_tilejson(request: Request) -> JSONResponse:
    source = _tileset(request, request.path_params["tileset"])
    return JSONResponse(tilejson(source.info, public_base_url(request)))


async def get_tile(request: Request) -> Response:
    params = request.path_params
    source = _tileset(request, params["tileset"])
    z, x, y, ext = parse_tile_address(params["z"], params["x"], params["y_ext"])
    info = source.info
    if ext not in EXTENSIONS[info.format]:
        raise BadRequest(f"tileset {info.id!r} serves .{info.extension} tiles, not .{ext}", "wrong extension")
    if not info.minzoom <= z <= info.maxzoom:
        raise NotFound(f"zoom {z} is outside {info.id!r} (z{info.minzoom}-{info.maxzoom})", "zoom out of range")
    settings = request.app.state.settings
    data = source.get_tile(z, x, y)
    if data is None:
        return Response(status_code=204, headers={"cache-control": settings.cache_control})
    body, encoding = negotiate(data, request.headers.get("accept-encoding", ""))
    etag = f'"{source.fingerprint}-{z}-{x}-{y}{"-" + encoding if encoding else ""}"'
    headers = {"cache-control": settings.cache_control, "etag": etag, "vary": "Accept-Encoding"}
    if encoding:
        headers["content-encoding"] = encoding
    if _etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type=info.media_type)


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


def _tileset(request: Request, tileset_id: str) -> TileSource:
    source = request.app.state.tiles.get(tileset_id)
    if source is None:
        raise NotFound(f"no tileset {tileset_id[:100]!r}; GET /tiles lists them", "unknown tileset")
    return source


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


routes = [
    Route("/tiles", list_tilesets, methods=["GET", "HEAD"]),
    Route("/tiles/{tileset}.json", get_tilejson, methods=["GET", "HEAD"]),
    Route("/tiles/{tileset}/{z}/{x}/{y_ext}", get_tile, methods=["GET", "HEAD"]),
]
