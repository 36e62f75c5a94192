"""Font and sprite routes: the lists, glyph PBFs and sprite files, with ETag and Cache-Control.

Status semantics: 200; 304 If-None-Match matched; 400 malformed glyph range or font name;
404 unknown sprite file, or no font at all to answer with. Unknown fonts fall back to the
default font, and a range without glyphs is an empty PBF: MapLibre then simply draws nothing.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import BadRequest, JSONResponse, NotFound, etag_matches
from ..maps.fonts import FontError, FontNotFound, parse_range

GLYPHS_MEDIA_TYPE = "application/x-protobuf"


async def list_fonts(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.fonts.names())


async def get_glyphs(request: Request) -> Response:
    params = request.path_params
    try:
        glyph_range = parse_range(params["range"])
        pbf = request.app.state.fonts.glyph_pbf(params["fontstack"], glyph_range.start, glyph_range.end)
    except FontError as exc:
        raise BadRequest(str(exc), "bad font request") from None
    except FontNotFound as exc:
        raise NotFound(str(exc), "unknown font") from None
    return _cached(request, pbf.data, pbf.etag, GLYPHS_MEDIA_TYPE)


async def list_sprites(request: Request) -> JSONResponse:
    return JSONResponse(request.app.state.sprites.ids())


async def get_sprite(request: Request) -> Response:
    name = request.path_params["name"]
    sprite = request.app.state.sprites.get(name)
    if sprite is None:
        raise NotFound(f"no sprite file {name[:100]!r}; GET /sprites lists the ids, files are <id>[@2x].json|png",
                       "unknown sprite")
    return _cached(request, sprite.data, sprite.etag, sprite.media_type)


def _cached(request: Request, body: bytes, etag: str, media_type: str) -> Response:
    """The body with Cache-Control and ETag, or an empty 304 when If-None-Match names the ETag."""
    headers = {"cache-control": request.app.state.settings.cache_control, "etag": etag}
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type=media_type)


routes = [
    Route("/fonts", list_fonts, methods=["GET", "HEAD"]),
    # `path` so that names with '/' or '..' reach us and get a JSON 400, not a router miss.
    Route("/fonts/{fontstack:path}/{range}.pbf", get_glyphs, methods=["GET", "HEAD"]),
    Route("/sprites", list_sprites, methods=["GET", "HEAD"]),
    Route("/sprites/{name:path}", get_sprite, methods=["GET", "HEAD"]),
]
