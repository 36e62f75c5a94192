"""PhotoPrism's places API (places.photoprism.app) and the map URLs of its frontend (cdn.photoprism.app).

PhotoPrism's URLs are compiled in, so users point those host names at tilegeo (extra_hosts +
`tilegeo tls`). `X-Key`/`X-Signature` are ignored. A point in no country gets a 404: PhotoPrism
then logs an error and leaves the photo unlocated, which is right for a photo at sea.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...geocode.place import LngLat
from ...geocode.s2 import S2TokenError, cell_center, cell_token, parse_token, token_at
from ...http import BadRequest, JSONResponse, NotFound
from .. import maps, styles
from ..geocode import geocoder
from ..params import parse_lang, parse_lat_lon, parse_limit, parse_query_text
from .photoprism_format import location, search_result

DEFAULT_STYLE = "basemap-light"


async def location_by_cell(request: Request) -> JSONResponse:
    """GET /v1/location/{token}: the place at the centre of an S2 cell of any level."""
    try:
        cell_id = parse_token(request.path_params["token"])
    except S2TokenError as exc:
        raise BadRequest(str(exc), "bad s2 token") from None
    return _located(request, cell_token(cell_id), cell_center(cell_id))


async def location_by_point(request: Request) -> JSONResponse:
    """GET /v1/reverse?lat=&lng=: the same answer, for the level-21 cell of the point."""
    point = parse_lat_lon(request.query_params, "lat", "lng")
    return _located(request, token_at(point), point)


async def search(request: Request) -> JSONResponse:
    """GET /v1/search?q=&count=: a JSON array of PhotoPrism SearchResult objects."""
    query = request.query_params
    text, count = parse_query_text(query), parse_limit(query, "count")
    places = geocoder(request).search(text, count, _locale(request))
    return JSONResponse([search_result(place) for place in places if place.found])


async def default_style(request: Request) -> Response:
    """/maps/default.json: PhotoPrism's default map, served as tilegeo's default style."""
    request.scope["path_params"] = {"style_id": DEFAULT_STYLE}
    return await styles.get_style(request)


def _located(request: Request, token: str, centre: LngLat) -> JSONResponse:
    lang = _locale(request)
    place = geocoder(request).reverse(centre, lang)
    if not place.found:
        raise NotFound(f"no country at s2:{token}", "location not found")
    return JSONResponse(location(token, centre, place, lang))


def _locale(request: Request) -> str | None:
    """PhotoPrism sends its locale only as Accept-Language ('local' = native names)."""
    return parse_lang({}, request.headers)


routes = [
    Route("/v1/location/{token}", location_by_cell, methods=["GET", "HEAD"]),
    Route("/v1/reverse", location_by_point, methods=["GET", "HEAD"]),
    Route("/v1/search", search, methods=["GET", "HEAD"]),
    Route("/maps/default.json", default_style, methods=["GET", "HEAD"]),
    Route("/maps/font/{fontstack:path}/{range}.pbf", maps.get_glyphs, methods=["GET", "HEAD"]),
]
