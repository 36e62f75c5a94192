"""The OpenAPI 3.1 description of every route, as one Python dict, served at GET /openapi.json.

Written by hand in one place rather than collected from docstrings: the parameters' types,
ranges and enums are the contract clients and the fuzz tests (tests/reliability) rely on, and
a test checks that every route of the app is described here.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from .. import __version__
from ..http import JSONResponse

Schema = dict[str, Any]

ERROR = {"$ref": "#/components/schemas/Error"}
PLACE = {"$ref": "#/components/schemas/Place"}
JSON, GEOJSON, PBF, XML = "application/json", "application/geo+json", "application/x-protobuf", "text/xml"
TILE_TYPES = (PBF, "image/png", "image/jpeg", "image/webp")
PLACE_TEXT_FIELDS = ("city", "county", "state", "country", "country_code", "timezone", "feature_code",
                     "state_code", "state_iso", "county_code")


def _param(name: str, where: str, schema: Schema, description: str, *, required: bool = False,
           example: Any = None) -> Schema:
    param = {"name": name, "in": where, "required": required or where == "path", "schema": schema,
             "description": description}
    if example is not None:
        param["example"] = example
    return param


def _query(name: str, schema: Schema, description: str, **kw: Any) -> Schema:
    return _param(name, "query", schema, description, **kw)


def _path(name: str, schema: Schema, description: str, example: Any) -> Schema:
    return _param(name, "path", schema, description, example=example)


def _body(media_types: tuple[str, ...], schema: Schema) -> dict[str, Schema]:
    return {"content": {media: {"schema": schema} for media in media_types}}


def _answer(description: str, media_types: tuple[str, ...] = (JSON,), schema: Schema | None = None) -> Schema:
    return {"description": description, **_body(media_types, schema or {})}


def _errors(*statuses: int) -> dict[str, Schema]:
    reasons = {400: "malformed parameter (the detail names it)", 401: "API key required",
               404: "unknown resource", 413: "body or batch too large", 429: "rate limited",
               503: "data not loaded (the detail says which file and why)"}
    return {str(status): _answer(reasons[status], (JSON,), ERROR) for status in statuses}


def _op(op_id: str, tag: str, summary: str, params: list[Schema], ok: dict[str, Schema],
        errors: tuple[int, ...] = (), body: Schema | None = None) -> Schema:
    operation = {"operationId": op_id, "tags": [tag], "summary": summary, "parameters": params,
                 "responses": {**ok, **_errors(*errors)}}
    if body is not None:
        operation["requestBody"] = body
    if tag in KEYED_TAGS:
        operation["security"] = KEY_SECURITY
    return operation


# Geocoding needs a key when keys are configured (tiles too with --protect-tiles); {} = no key set.
KEYED_TAGS = frozenset({"geocoding", "photoprism", "nominatim", "photon"})
KEY_SECURITY = [{}, {"keyQuery": []}, {"keyHeader": []}, {"bearer": []}]
GEOCODE_ERRORS = (400, 401, 429, 503)

# Parameters shared by several routes.
LAT = _query("lat", {"type": "number", "minimum": -90, "maximum": 90}, "latitude, WGS84 degrees",
             required=True, example=48.8584)
LON = _query("lon", {"type": "number", "minimum": -180, "maximum": 180}, "longitude, WGS84 degrees",
             required=True, example=2.2945)
LNG = {**LON, "name": "lng"}
LANG = _query("lang", {"type": "string", "maxLength": 20, "pattern": "^[A-Za-z0-9_-]*$"},
              "name language (BCP 47 tag); 'local'/'default' = native names; else Accept-Language", example="de")
Q = _query("q", {"type": "string", "minLength": 1, "maxLength": 200}, "place name to search for",
           required=True, example="Lyon")
TILESET = _path("tileset", {"type": "string", "minLength": 1, "maxLength": 200}, "tileset id (file stem)",
                "basemap")
FONTSTACK = _path("fontstack", {"type": "string", "minLength": 1, "maxLength": 800},
                  "comma-separated font names, the first available wins", "Noto Sans Regular")
GLYPH_RANGE = _path("range", {"type": "string", "pattern": "^[0-9]+-[0-9]+$"},
                    "256 code points: N-(N+255), N a multiple of 256 up to 65280", "0-255")


def _limit(name: str, default: int, maximum: int) -> Schema:
    return _query(name, {"type": "integer", "minimum": 1, "maximum": maximum, "default": default},
                  "number of results", example=min(5, maximum))


def _glyphs(op_id: str, tag: str) -> Schema:
    ok = {"200": _answer("glyphs", (PBF,)), "304": {"description": "not modified"}}
    return {"get": _op(op_id, tag, "Glyph PBF of a font stack (unknown fonts fall back to the default)",
                       [FONTSTACK, GLYPH_RANGE], ok, (400, 404))}


def _native_paths() -> dict[str, Schema]:
    points = {"type": "array", "maxItems": 10_000, "items": {"oneOf": [
        {"type": "object", "required": ["lat", "lon"], "properties": {
            "lat": {"type": "number", "minimum": -90, "maximum": 90},
            "lon": {"type": "number", "minimum": -180, "maximum": 180}}},
        {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "number"},
         "description": "[lat, lon]"}]}, "example": [{"lat": 48.8584, "lon": 2.2945}, [52.5163, 13.3777]]}
    ndjson = {"type": "string", "description": "one point per line, at most 100,000 lines",
              "example": '{"lat": 48.8584, "lon": 2.2945}\n[52.5163, 13.3777]\n'}
    return {
        "/api/reverse": {
            "get": _op("reverse", "geocoding", "The place at a point (nulls at sea)", [LAT, LON, LANG],
                       {"200": _answer("the place", (JSON,), PLACE)}, GEOCODE_ERRORS),
            "post": _op("reverseBatch", "geocoding", "Places for many points, in order", [LANG],
                        {"200": _answer("places, or NDJSON lines when the body is NDJSON",
                                        (JSON, "application/x-ndjson"), {"type": "array", "items": PLACE})},
                        (*GEOCODE_ERRORS, 413),
                        {"required": True, "content": {JSON: {"schema": points},
                                                       "application/x-ndjson": {"schema": ndjson}}}),
        },
        "/api/search": {"get": _op("search", "geocoding", "Places by name, ranked by match then population",
                                   [Q, _limit("limit", 10, 50), LANG],
                                   {"200": _answer("places", (JSON,), {"type": "array", "items": PLACE})},
                                   GEOCODE_ERRORS)},
    }


def _map_paths() -> dict[str, Schema]:
    listing = {"200": _answer("the list", (JSON,), {"type": "array"})}
    tile_ok = {"200": _answer("tile bytes (gzip passed through when accepted)", TILE_TYPES),
               "204": {"description": "known tileset, tile absent"}, "304": {"description": "not modified"}}
    return {
        "/tiles": {"get": _op("listTilesets", "maps", "Served tilesets with their TileJSON URLs", [], listing)},
        "/tiles/{tileset}.json": {"get": _op("tilejson", "maps", "TileJSON 3.0.0 of a tileset", [TILESET],
                                             {"200": _answer("TileJSON", (JSON,), {"type": "object"})}, (404,))},
        "/tiles/{tileset}/{z}/{x}/{y}.{format}": {"get": _op(
            "tile", "maps", "One tile, XYZ scheme",
            [TILESET, _path("z", {"type": "integer", "minimum": 0, "maximum": 30}, "zoom", 0),
             _path("x", {"type": "integer", "minimum": 0}, "column, below 2^z", 0),
             _path("y", {"type": "integer", "minimum": 0}, "row from the north, below 2^z", 0),
             _path("format", {"type": "string", "enum": ["pbf", "mvt", "png", "jpg", "jpeg", "webp"]},
                   "must match the tileset's format", "pbf")],
            tile_ok, (400, 404, 503))},
        "/styles": {"get": _op("listStyles", "maps", "MapLibre styles offered for the served tilesets", [], listing)},
        "/styles/{style_id}.json": {"get": _op(
            "style", "maps", "A MapLibre style with absolute URLs for this server",
            [_path("style_id", {"type": "string", "minLength": 1, "maxLength": 200}, "style id", "basemap-light")],
            {"200": _answer("style", (JSON,), {"type": "object"})}, (400, 404))},
        "/fonts": {"get": _op("listFonts", "maps", "Served font names", [], listing)},
        "/fonts/{fontstack}/{range}.pbf": _glyphs("glyphs", "maps"),
        "/sprites": {"get": _op("listSprites", "maps", "Served sprite ids", [], listing)},
        "/sprites/{name}": {"get": _op(
            "sprite", "maps", "A sprite file: <id>[@2x].json or .png",
            [_path("name", {"type": "string", "minLength": 1, "maxLength": 200}, "file name", "basemap.json")],
            {"200": _answer("sprite index or sheet", (JSON, "image/png"))}, (404,))},
        "/": {"get": _op("preview", "maps", "Preview page with a map and client snippets", [],
                         {"200": _answer("HTML page", ("text/html",))})},
        "/static/{file}": {"get": _op(
            "static", "maps", "Files of the preview page (MapLibre GL JS is vendored)",
            [_path("file", {"type": "string", "minLength": 1, "maxLength": 200}, "file name", "preview.js")],
            {"200": {"description": "the file"}}, (404,))},
    }


def _photoprism_paths() -> dict[str, Schema]:
    token = _path("token", {"type": "string", "minLength": 1, "maxLength": 20, "pattern": "^(s2:)?[0-9a-fA-F]{1,16}$"},
                  "S2 cell token, any level", "47a84e201554")
    located = {"200": _answer("PhotoPrism location", (JSON,), {"type": "object"})}
    return {
        "/v1/location/{token}": {"get": _op("photoprismLocation", "photoprism", "Place at an S2 cell's centre",
                                            [token], located, (*GEOCODE_ERRORS, 404))},
        "/v1/reverse": {"get": _op("photoprismReverse", "photoprism", "Place at a point (level-21 cell)",
                                   [LAT, LNG], located, (*GEOCODE_ERRORS, 404))},
        "/v1/search": {"get": _op("photoprismSearch", "photoprism", "PhotoPrism SearchResult objects",
                                  [Q, _limit("count", 10, 50)],
                                  {"200": _answer("results", (JSON,), {"type": "array"})}, GEOCODE_ERRORS)},
        "/maps/default.json": {"get": _op("photoprismStyle", "maps", "PhotoPrism's default map style", [],
                                          {"200": _answer("style", (JSON,), {"type": "object"})}, (404,))},
        "/maps/font/{fontstack}/{range}.pbf": _glyphs("photoprismGlyphs", "maps"),
    }


def _nominatim_ops() -> tuple[Schema, Schema]:
    fmt = {"type": "string", "enum": ["xml", "json", "jsonv2", "geojson", "geocodejson"]}
    switch = {"type": "integer", "enum": [0, 1]}
    answers = {"200": _answer("Nominatim results", (XML, JSON, GEOJSON))}
    reverse = _op("nominatimReverse", "nominatim", "Nominatim /reverse (default format xml)",
                  [LAT, LON, _query("format", fmt, "output format", example="jsonv2"),
                   _query("zoom", {"type": "integer"}, "detail level 0-18 (clamped)", example=18),
                   _query("addressdetails", switch, "include the address", example=1),
                   _query("accept-language", {"type": "string", "maxLength": 20}, "name language", example="en")],
                  answers, GEOCODE_ERRORS)
    search = _op("nominatimSearch", "nominatim", "Nominatim /search (default format jsonv2)",
                 [Q, _query("format", fmt, "output format", example="jsonv2"),
                  _query("limit", {"type": "integer"}, "results, clamped to 1-40", example=5),
                  _query("addressdetails", switch, "include the address", example=0),
                  _query("accept-language", {"type": "string", "maxLength": 20}, "name language", example="en")],
                 answers, GEOCODE_ERRORS)
    return reverse, search


def _compat_paths() -> dict[str, Schema]:
    nominatim_reverse, nominatim_search = _nominatim_ops()
    collection = {"200": _answer("GeoJSON FeatureCollection", (GEOJSON,), {"type": "object"})}
    photon_limit = _query("limit", {"type": "integer"}, "results, clamped to 1-50", example=5)
    photon_reverse = _op("photonReverse", "photon", "Photon /reverse", [LAT, LON, photon_limit, LANG],
                         collection, GEOCODE_ERRORS)
    photon_api = _op("photonSearch", "photon", "Photon /api search", [Q, photon_limit, LANG], collection,
                     GEOCODE_ERRORS)
    paths = {path: {"get": _renamed(nominatim_reverse, path)}
             for path in ("/nominatim/reverse", "/nominatim/reverse.php", "/reverse.php")}
    paths |= {path: {"get": _renamed(nominatim_search, path)}
              for path in ("/nominatim/search", "/nominatim/search.php", "/search", "/search.php")}
    paths |= {path: {"get": _renamed(photon_api, path)} for path in ("/photon/api", "/photon/api/", "/api", "/api/")}
    paths["/photon/reverse"] = {"get": photon_reverse}
    shared = _renamed(photon_reverse, "/reverse")
    shared["summary"] = "Nominatim /reverse when `format` is given, else Photon /reverse"
    shared["parameters"] = nominatim_reverse["parameters"] + [photon_limit, LANG]
    shared["responses"] = {**nominatim_reverse["responses"], **collection}
    paths["/reverse"] = {"get": shared}
    return paths


def _renamed(operation: Schema, path: str) -> Schema:
    """A copy of an operation served at one more path (operation ids must be unique)."""
    suffix = path.strip("/").replace("/", "_").replace(".", "_") + ("_slash" if path.endswith("/") else "")
    return {**operation, "operationId": f"{operation['operationId']}_{suffix}"}


def _service_paths() -> dict[str, Schema]:
    json_object = {"200": _answer("status", (JSON,), {"type": "object"})}
    return {
        "/health": {"get": _op("health", "service", "Liveness, served tilesets, data files that failed and why",
                               [], json_object)},
        "/ready": {"get": _op("ready", "service", "200 once every data source is loaded, else 503", [],
                              {**json_object, "503": _answer("not ready", (JSON,), {"type": "object"})})},
        "/metrics": {"get": _op("metrics", "service", "Prometheus metrics", [],
                                {"200": _answer("Prometheus text format", ("text/plain",))})},
        "/openapi.json": {"get": _op("openapi", "service", "This document", [], json_object)},
    }


def _components() -> Schema:
    nullable_text = {"type": ["string", "null"]}
    return {
        "schemas": {
            "Error": {"type": "object", "required": ["error"],
                      "properties": {"error": {"type": "string"}, "detail": {}}},
            "Place": {"type": "object", "description": "every field is null at sea", "properties": {
                **{name: nullable_text for name in PLACE_TEXT_FIELDS},
                **{name: {"type": ["number", "null"]} for name in ("distance_km", "lat", "lon")},
                **{name: {"type": ["integer", "null"]} for name in ("geonameid", "population")}}},
        },
        "securitySchemes": {
            "keyQuery": {"type": "apiKey", "in": "query", "name": "key"},
            "keyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "bearer": {"type": "http", "scheme": "bearer"},
        },
    }


@lru_cache(maxsize=1)
def document() -> Schema:
    """The whole OpenAPI document (built once; it only depends on the code)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "tilegeo", "version": __version__,
                 "description": "Self-hosted map tiles, styles, fonts, sprites and offline geocoding. "
                                "Every client error is JSON: {\"error\": ..., \"detail\": ...}."},
        "paths": {**_service_paths(), **_map_paths(), **_native_paths(), **_photoprism_paths(), **_compat_paths()},
        "components": _components(),
    }


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(document())


routes = [Route("/openapi.json", openapi_json, methods=["GET", "HEAD"])]
