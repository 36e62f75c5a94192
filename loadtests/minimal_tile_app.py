"""The Python floor for bench_tiles.py: a bare Starlette tile route, no features (peers.md's reference).

    TILE_FILE=x.mbtiles uvicorn loadtests.minimal_tile_app:app --port 8090 --no-access-log

One SQLite read in the event loop, the stored bytes sent with Content-Encoding: gzip; no ETag,
CORS, negotiation, metrics or log. tilegeo's distance to it is the cost of its features.
"""
import os
import sqlite3

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

QUERY = "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"
conn = sqlite3.connect(f"file:{os.environ['TILE_FILE']}?mode=ro&immutable=1", uri=True, check_same_thread=False)


async def tile(request: Request) -> Response:
    z, x, y = (int(request.path_params[k]) for k in ("z", "x", "y"))
    row = conn.execute(QUERY, (z, x, (1 << z) - 1 - y)).fetchone()
    if row is None:
        return Response(status_code=204)
    return Response(row[0], media_type="application/x-protobuf", headers={"content-encoding": "gzip"})


app = Starlette(routes=[Route("/tiles/bench/{z}/{x}/{y}.pbf", tile)])
