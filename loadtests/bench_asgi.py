"""Per-request CPU cost of tilegeo's own stack (middleware, routing, tile handler), without sockets.

Calls the ASGI app in a loop with random existing tiles and a no-op `send`, and reports CPU
microseconds per request (process time, so other jobs on a shared machine barely move it).
This is the part of a request that tilegeo's code controls; HTTP parsing and socket writes
(uvicorn, httptools, uvloop) come on top and are measured by bench_tiles.py.

    python -m loadtests.bench_asgi --mbtiles ~/.cache/tilegeo-bench/sample.mbtiles
    python -m loadtests.bench_asgi --log-level warning       # without the access log
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from pathlib import Path

from service.app import create_app
from service.config import Settings
from service.observe import configure_logging
from service.tiles import mbtiles as mbtiles_source

from .bench_tiles import tile_paths


def scope_for(path: str) -> dict:
    """The ASGI scope uvicorn builds for a browser's tile GET."""
    return {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
        "query_string": b"", "server": ("127.0.0.1", 8080), "client": ("127.0.0.1", 50000),
        "headers": [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"Mozilla/5.0"), (b"accept", b"*/*"),
                    (b"accept-encoding", b"gzip, deflate, br"), (b"origin", b"http://127.0.0.1:2342"),
                    (b"connection", b"keep-alive")],
    }


async def run(settings: Settings, urls: list[str], requests: int) -> tuple[float, dict[int, int]]:
    """CPU microseconds per request, and the count of each status sent."""
    app = create_app(settings)
    statuses: dict[int, int] = {}

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            statuses[message["status"]] = statuses.get(message["status"], 0) + 1

    async with app.router.lifespan_context(app):
        scopes = [scope_for(url) for url in urls]
        for scope in scopes[:1000]:                      # warm-up
            await app(dict(scope), receive, send)
        statuses.clear()
        start = time.process_time()
        for i in range(requests):
            await app(dict(scopes[i % len(scopes)]), receive, send)
        elapsed = time.process_time() - start
    return elapsed / requests * 1e6, statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mbtiles", type=Path, default=Path("~/.cache/tilegeo-bench/sample.mbtiles"))
    parser.add_argument("--requests", type=int, default=30_000)
    parser.add_argument("--log-level", default="info")
    parser.add_argument("--tile-cache-mb", type=int, help="per-tileset tile cache (default: the built-in size)")
    args = parser.parse_args()
    if args.tile_cache_mb is not None:
        mbtiles_source.CACHE_BYTES = args.tile_cache_mb << 20
    mbtiles = args.mbtiles.expanduser().resolve()
    with tempfile.TemporaryDirectory() as tmp:
        configure_logging(args.log_level, open(os.devnull, "wb"))   # what `tilegeo serve` does, minus the disk
        data = Path(tmp) / "data"
        data.mkdir()
        (data / "bench.mbtiles").symlink_to(mbtiles)
        settings = Settings(data=data, embedded_data=Path(tmp) / "none", rescan_seconds=0, log_level=args.log_level)
        urls = [f"/tiles/bench/{p}.pbf" for p in tile_paths(mbtiles, 20_000)]
        random.Random(2).shuffle(urls)
        micros, statuses = asyncio.run(run(settings, urls, args.requests))
    print(f"{micros:.1f} us CPU per request ({args.requests} requests, log level {args.log_level}, "
          f"tile cache {mbtiles_source.CACHE_BYTES >> 20} MB, statuses {statuses})")


if __name__ == "__main__":
    main()
