"""Style routes: the list of styles and each MapLibre style with absolute URLs for this server."""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..http import BadRequest, JSONResponse, NotFound, public_base_url
from ..maps.styles import StyleCatalog, check_style_id
from ..tiles.source import TileSetInfo


async def list_styles(request: Request) -> JSONResponse:
    base = public_base_url(request)
    catalog: StyleCatalog = request.app.state.styles
    return JSONResponse([offer.summary(base) for offer in catalog.offers(_tilesets(request))])


async def get_style(request: Request) -> Response:
    style_id = request.path_params["style_id"]
    problem = check_style_id(style_id)
    if problem:
        raise BadRequest(problem, "bad style id")
    catalog: StyleCatalog = request.app.state.styles
    tilesets = _tilesets(request)
    offer = catalog.find(style_id, tilesets)
    if offer is None:
        raise NotFound(f"no style {style_id[:100]!r}; GET /styles lists them", "unknown style")
    body = catalog.render(offer, public_base_url(request), tilesets)
    return Response(body, media_type="application/json", headers={"cache-control": "no-cache"})


def _tilesets(request: Request) -> list[TileSetInfo]:
    return [source.info for source in request.app.state.tiles]


routes = [
    Route("/styles", list_styles, methods=["GET", "HEAD"]),
    # `path` so that ids with "/" or ".." reach us and get a JSON 400, not a router miss.
    Route("/styles/{style_id:path}.json", get_style, methods=["GET", "HEAD"]),
]
