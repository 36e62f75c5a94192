"""Single reverse lookups over HTTP: `tilegeo serve` on its embedded places, measured with wrk.

    python -m loadtests.bench_reverse_http [--workers 1,2] [--points 2000] [--seconds 10] [--warmup 30]

The points are those of bench_geocode.py (half near GeoNames places, half anywhere on the
sphere); wrk (wrk_tiles.lua) sends `GET /api/reverse?lat=..&lon=..` for a random one of them on
64 connections. Each server first gets an unmeasured run of --warmup seconds, which must cover
the geocoder's background warm-up (~10 s alone, longer while requests compete for the cores:
10 s was not enough for 2 workers). wrk runs on the same cores as the server.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from . import bench_servers as servers
from .bench_geocode import bench_points
from .wrk_run import run_wrk

PLACES = servers.REPO / "data" / "places.sqlite"
LUA_SCRIPT = servers.HERE / "wrk_tiles.lua"
PREFIX = "/api/reverse?"


def tilegeo_reverse(port: int, workers: int) -> servers.BenchServer:
    command = (sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers))
    return servers.BenchServer(f"tilegeo ({workers} worker{'s' if workers > 1 else ''})", command, PREFIX,
                               is_peer=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", default="1,2", help="comma-separated worker counts to measure")
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=30, help="unmeasured seconds first")
    parser.add_argument("--port", type=int, default=18431)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        queries = Path(tmp) / "points.txt"
        queries.write_text("".join(f"lat={lat:.5f}&lon={lon:.5f}\n"
                                   for lat, lon in bench_points(PLACES, args.points, seed=7).tolist()))
        probe = queries.read_text().splitlines()[0]
        print("| server | req/s | p50 | p99 | errors |\n|---|---|---|---|---|")
        for workers in (int(w) for w in args.workers.split(",")):
            server = tilegeo_reverse(args.port, workers)
            with servers.running(server, args.port, probe, Path(tmp) / "server.log") as started:
                url = started.base_url
                run_wrk(url, LUA_SCRIPT, [str(queries), PREFIX, ""], seconds=args.warmup)
                r = run_wrk(url, LUA_SCRIPT, [str(queries), PREFIX, ""], seconds=args.seconds)
            print(f"| {server.name} | {r.requests_per_second:,.0f} | {r.p50_ms:.1f} ms | {r.p99_ms:.1f} ms "
                  f"| {r.errors} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
