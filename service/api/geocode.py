"""The native geocoding API: /api/reverse (one point or a batch) and /api/search.

Handlers are `async def` on purpose: the Geocoder keeps unlocked caches and one SQLite connection,
so every lookup runs on the event loop thread, never in Starlette's thread pool. Scale with worker processes.
"""
from __future__ import annotations

import asyncio
from typing import AsyncIterator

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ..geocode.engine import Geocoder
from ..geocode.place import LngLat, Place
from ..http import BadRequest, ClientError, JSONResponse
from .params import check_batch_size, parse_lang, parse_lat_lon, parse_limit, parse_point, parse_points, \
    parse_query_text

MAX_BATCH = 10_000            # points per JSON batch request
MAX_NDJSON = 100_000          # points per NDJSON request (answered in chunks, streamed)
CHUNK = 1_000                 # points answered between two yields to the event loop (~50 ms)
NDJSON = "application/x-ndjson"


def geocoder(request: Request) -> Geocoder:
    """The loaded geocoder, or a 503 JSON error saying why there is none."""
    engine = getattr(request.app.state, "geocoder", None)
    if engine is None:
        why = getattr(request.app.state, "geocoder_error", None) or "no places database is loaded"
        raise ClientError(503, "geocoder unavailable", why)
    return engine


async def reverse(request: Request) -> JSONResponse:
    """GET /api/reverse?lat=48.8584&lon=2.2945[&lang=de] -> one Place object (nulls at sea)."""
    point = parse_lat_lon(request.query_params)
    place = geocoder(request).reverse(point, parse_lang(request.query_params, request.headers))
    return JSONResponse(place)                # orjson writes the Place dataclass itself


async def reverse_batch(request: Request) -> Response:
    """POST /api/reverse with [{"lat":..,"lon":..}, ...] or [[lat, lon], ...] -> Places in order; NDJSON too."""
    body = await request.body()               # first, so an oversized body is a 413 even without a geocoder
    engine = geocoder(request)
    lang = parse_lang(request.query_params, request.headers)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == NDJSON:
        points = _ndjson_points(body)
        return StreamingResponse(_ndjson_answers(engine, points, lang), media_type=NDJSON)
    points = parse_points(_json(body), MAX_BATCH)
    places = [place async for chunk in _answer_in_chunks(engine, points, lang) for place in chunk]
    return JSONResponse(places)               # orjson writes Place dataclasses itself, ~10x asdict()


async def search(request: Request) -> JSONResponse:
    """GET /api/search?q=Lyon&limit=5 -> Places ranked by name match, then population."""
    query = request.query_params
    text, limit = parse_query_text(query), parse_limit(query)
    places = geocoder(request).search(text, limit, parse_lang(query, request.headers))
    return JSONResponse(places)


def _json(body: bytes) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"body is not valid JSON ({exc.msg})") from None


def _ndjson_points(body: bytes) -> list[LngLat]:
    lines = [line for line in body.splitlines() if line.strip()]
    check_batch_size(len(lines), MAX_NDJSON)
    points = []
    for i, line in enumerate(lines):
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"points[{i}] (line {i + 1}) is not valid JSON ({exc.msg})") from None
        points.append(parse_point(item, i))
    return points


async def _answer_in_chunks(engine: Geocoder, points: list[LngLat], lang: str | None) -> AsyncIterator[list[Place]]:
    """Places for `points`, a chunk at a time, yielding to the event loop between chunks.

    A 10,000-point batch takes about half a second; answered in one piece it would stall every
    tile request on this worker for that long.
    """
    for start in range(0, len(points), CHUNK):
        yield engine.reverse_many(points[start:start + CHUNK], lang)
        await asyncio.sleep(0)


async def _ndjson_answers(engine: Geocoder, points: list[LngLat], lang: str | None) -> AsyncIterator[bytes]:
    """One JSON line per point, streamed a chunk at a time."""
    async for places in _answer_in_chunks(engine, points, lang):
        yield b"".join(orjson.dumps(place) + b"\n" for place in places)


routes = [
    Route("/api/reverse", reverse, methods=["GET", "HEAD"]),
    Route("/api/reverse", reverse_batch, methods=["POST"]),
    Route("/api/search", search, methods=["GET", "HEAD"]),
]
