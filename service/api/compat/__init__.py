"""Drop-in APIs of other services, so PhotoPrism, Nominatim and Photon clients use tilegeo unchanged.

Every API renders the one core Place (service.geocode) through a pure format module
(`*_format.py`). Nominatim and Photon both own `GET /reverse`; the rule for that shared path:

- with a `format` parameter (`format=json|jsonv2|geojson|geocodejson|xml`) it is Nominatim's
  (every Nominatim client sends `format`: geopy, Traccar, Endurain, Dawarich, digiKam);
- without one it is Photon's (Photon has no `format` parameter).

`/nominatim/reverse` and `/photon/reverse` are unambiguous and always available.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import nominatim, photon, photoprism


async def shared_reverse(request: Request) -> Response:
    if "format" in request.query_params:
        return await nominatim.reverse(request)
    return await photon.reverse(request)


routes = [
    *photoprism.routes,
    Route("/reverse", shared_reverse, methods=["GET", "HEAD"]),
    *nominatim.routes,
    *photon.routes,
]
