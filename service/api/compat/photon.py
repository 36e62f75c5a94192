"""Photon-compatible /reverse and /api (Dawarich, Endurain, Traccar, GpxPod, geopy's Photon).

Served under /photon/... always, and at the root: /api, and /reverse when the request has no
`format` parameter. `lang=default` (Photon's own default) means native names.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Route

from ...http import GeoJSONResponse
from ..geocode import geocoder
from ..params import parse_lang, parse_lat_lon, parse_query_text
from .detail import detail, search_details
from .edge import clamped_int
from .photon_format import feature_collection


async def reverse(request: Request) -> GeoJSONResponse:
    query = request.query_params
    point = parse_lat_lon(query)
    clamped_int(query, "limit", 1, 1, 50)     # checked for compatibility; there is one place per point
    place = geocoder(request).reverse(point, parse_lang(query, request.headers))
    found = detail(place, point)
    return GeoJSONResponse(feature_collection([found] if found else []))


async def api(request: Request) -> GeoJSONResponse:
    query = request.query_params
    text, limit = parse_query_text(query), clamped_int(query, "limit", 15, 1, 50)
    places = geocoder(request).search(text, limit, parse_lang(query, request.headers))
    found = search_details(places)
    return GeoJSONResponse(feature_collection(found))


routes = [
    Route("/photon/reverse", reverse, methods=["GET", "HEAD"]),
    Route("/photon/api", api, methods=["GET", "HEAD"]),
    Route("/photon/api/", api, methods=["GET", "HEAD"]),
    Route("/api", api, methods=["GET", "HEAD"]),
    Route("/api/", api, methods=["GET", "HEAD"]),
]
