"""Nominatim-compatible /reverse and /search (Dawarich, Endurain, Traccar, geopy, digiKam's XML).

Served under /nominatim/... always, and at the root: /search, and /reverse when the request
has a `format` parameter (see service/api/compat/__init__.py for the shared-path rule).
Defaults follow Nominatim: /reverse answers xml with address details, /search jsonv2 without.
"""
from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...http import BadRequest, GeoJSONResponse, JSONResponse
from ..geocode import geocoder
from ..params import parse_lang, parse_lat_lon, parse_query_text
from .detail import Detail, detail, search_details, zoom_level
from .edge import clamped_int, switch
from .nominatim_format import (FORMATS, UNABLE, geocodejson, geojson, json_result, reverse_xml,
                               search_xml)

XML_MEDIA_TYPE = "text/xml; charset=utf-8"


async def reverse(request: Request) -> Response:
    query = request.query_params
    fmt = _format(request, "xml")
    point = parse_lat_lon(query)
    level = zoom_level(clamped_int(query, "zoom", 18, 0, 18))
    addressdetails = switch(query, "addressdetails", True)
    place = geocoder(request).reverse(point, parse_lang(query, request.headers, "accept-language"))
    found = detail(place, point, level)
    if fmt == "xml":
        return Response(reverse_xml(found, request.url.query, addressdetails=addressdetails),
                        media_type=XML_MEDIA_TYPE)
    if found is None:
        return JSONResponse(UNABLE)
    return _json(fmt, [found], addressdetails, query=f"{point.lat},{point.lng}", single=True)


async def search(request: Request) -> Response:
    query = request.query_params
    fmt = _format(request, "jsonv2")
    text = parse_query_text(query)
    limit = clamped_int(query, "limit", 10, 1, 40)
    addressdetails = switch(query, "addressdetails", False)
    places = geocoder(request).search(text, limit, parse_lang(query, request.headers, "accept-language"))
    found = search_details(places)
    if fmt == "xml":
        return Response(search_xml(found, request.url.query, addressdetails=addressdetails),
                        media_type=XML_MEDIA_TYPE)
    return _json(fmt, found, addressdetails, query=text, single=False)


def _json(fmt: str, found: list[Detail], addressdetails: bool, *, query: str, single: bool) -> Response:
    if fmt == "geojson":
        return GeoJSONResponse(geojson(found, addressdetails=addressdetails))
    if fmt == "geocodejson":
        return GeoJSONResponse(geocodejson(found, query))
    results: list[Any] = [json_result(d, v2=fmt == "jsonv2", addressdetails=addressdetails) for d in found]
    return JSONResponse(results[0] if single else results)


def _format(request: Request, default: str) -> str:
    fmt = (request.query_params.get("format") or default).strip().lower()
    if fmt not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}; got {fmt[:30]!r}")
    return fmt


routes = [
    Route("/nominatim/reverse", reverse, methods=["GET", "HEAD"]),
    Route("/nominatim/reverse.php", reverse, methods=["GET", "HEAD"]),
    Route("/nominatim/search", search, methods=["GET", "HEAD"]),
    Route("/nominatim/search.php", search, methods=["GET", "HEAD"]),
    Route("/search", search, methods=["GET", "HEAD"]),
    Route("/search.php", search, methods=["GET", "HEAD"]),
    Route("/reverse.php", reverse, methods=["GET", "HEAD"]),
]
