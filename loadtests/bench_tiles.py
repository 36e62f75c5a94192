"""Side-by-side tile benchmark: tilegeo and its peers, one at a time, same file, same URL list.

    python -m loadtests.bench_tiles                       # embedded basemap, else a generated sample
    python -m loadtests.bench_tiles --mbtiles my.mbtiles --servers tilegeo1,tilegeo2,versatiles

Each server gets a loopback port, a warm-up, then `wrk -t2 -c64 -d10s --latency` with a Lua
script that requests random existing tiles with `Accept-Encoding: gzip`. wrk shares the cores
with the server, so read the ratios within one run, not absolute numbers across machines.
Peers are npm-installed into the cache directory (default ~/.cache/tilegeo-bench).
"""
from __future__ import annotations

import argparse
import os
import platform
import random
import re
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from . import bench_servers as servers
from .sample_mbtiles import write_sample
from .wrk_run import WrkResult, run_wrk

EMBEDDED_BASEMAP = servers.REPO / "data" / "tiles" / "basemap.mbtiles"
LUA_SCRIPT = servers.HERE / "wrk_tiles.lua"
ALL_SERVERS = ("tilegeo1", "tilegeo2", "versatiles", "tileserver-gl")
EXTRA_SERVERS = ("starlette-minimal", "tilegeoN-quiet (no access log)", "tilegeoN@DIR (another checkout)")


@dataclass(frozen=True, slots=True)
class Row:
    server: str
    is_peer: bool
    result: WrkResult
    encoding: str
    startup_seconds: float
    rss_mb: float


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    cache: Path = args.cache_dir.expanduser()
    cache.mkdir(parents=True, exist_ok=True)
    mbtiles = _mbtiles(args.mbtiles, cache)
    paths = tile_paths(mbtiles, args.max_paths)
    paths_file = cache / "paths.txt"
    paths_file.write_text("\n".join(paths) + "\n")
    data_dir = _data_dir(cache, mbtiles)
    wanted = args.servers.split(",")
    if {"versatiles", "tileserver-gl"} & set(wanted):
        servers.install_peers(cache / "peers")
    print(f"{mbtiles}: {len(paths)} tile URLs, wrk -t{args.threads} -c{args.connections} -d{args.seconds:g}s",
          file=sys.stderr)
    rows = []
    for key in wanted:
        port = _free_port()
        server = _server(key, cache, mbtiles, data_dir, port)
        log = cache / (re.sub(r"[^\w.-]+", "_", key) + ".log")
        rows.append(measure(server, port, paths, paths_file, log, args))
        print(f"  {rows[-1].server}: {rows[-1].result.requests_per_second:,.0f} req/s", file=sys.stderr)
    print(render_table(rows))
    print()
    print(machine_line(mbtiles, len(paths), args))
    return 0


def measure(server: servers.BenchServer, port: int, paths: list[str], paths_file: Path, log: Path,
            args: argparse.Namespace) -> Row:
    """Start one server, warm it up, measure it with wrk, stop it."""
    with servers.running(server, port, paths[0], log, args.nice) as started:
        encoding = _probe_encoding(started.base_url + server.tile_prefix + paths[0] + server.tile_suffix)
        url = started.base_url
        script_args = [str(paths_file), server.tile_prefix, server.tile_suffix]
        load = {"threads": args.threads, "connections": args.connections, "niceness": args.nice}
        run_wrk(url, LUA_SCRIPT, script_args, seconds=args.warmup, **load)
        result = run_wrk(url, LUA_SCRIPT, script_args, seconds=args.seconds, **load)
        return Row(server.name, server.is_peer, result, encoding, started.startup_seconds, started.max_rss_mb())


def tile_paths(mbtiles: Path, limit: int, seed: int = 1) -> list[str]:
    """Up to `limit` existing tiles of the file as XYZ "z/x/y", in random order."""
    conn = sqlite3.connect(f"file:{mbtiles}?mode=ro", uri=True)
    rows = conn.execute("SELECT zoom_level, tile_column, tile_row FROM tiles").fetchall()
    conn.close()
    random.Random(seed).shuffle(rows)
    return [f"{z}/{x}/{(1 << z) - 1 - row}" for z, x, row in rows[:limit]]


def render_table(rows: list[Row]) -> str:
    """A Markdown table; the ratio is req/s over the fastest peer's req/s."""
    peers = [r.result.requests_per_second for r in rows if r.is_peer]
    fastest = max(peers) if peers else None
    lines = ["| server | req/s | p50 | p99 | errors | vs fastest peer | encoding | start-up | RSS/process |",
             "|---|---:|---:|---:|---:|---:|---|---:|---:|"]
    for row in rows:
        r = row.result
        ratio = f"{r.requests_per_second / fastest:.2f}x" if fastest else "-"
        lines.append(f"| {row.server} | {r.requests_per_second:,.0f} | {r.p50_ms:.1f} ms | {r.p99_ms:.1f} ms "
                     f"| {r.errors} | {ratio} | {row.encoding} | {row.startup_seconds:.1f} s | {row.rss_mb:.0f} MB |")
    return "\n".join(lines)


def machine_line(mbtiles: Path, tiles: int, args: argparse.Namespace) -> str:
    cpu = _cpu_model()
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip() or "-"
    size = mbtiles.stat().st_size / 2**20
    return (f"Machine: {cpu}, {len(os.sched_getaffinity(0))} cores, Linux {platform.release()}, Python {platform.python_version()}, "
            f"Node {node}. File: {mbtiles.name} ({size:.0f} MB, {tiles} tile URLs). "
            f"Load: wrk -t{args.threads} -c{args.connections} -d{args.seconds:g}s --latency after a "
            f"{args.warmup:g} s warm-up, random existing tiles, Accept-Encoding: gzip, loopback.")


def _mbtiles(given: Path | None, cache: Path) -> Path:
    if given:
        return given.resolve()
    if EMBEDDED_BASEMAP.is_file():
        return EMBEDDED_BASEMAP
    sample = cache / "sample.mbtiles"
    if not sample.is_file():
        print(f"no embedded basemap yet: generating {sample}", file=sys.stderr)
        write_sample(sample)
    return sample


def _data_dir(cache: Path, mbtiles: Path) -> Path:
    """A directory holding only `bench.mbtiles` (a symlink): the same tileset id for every server."""
    data = cache / "data"
    data.mkdir(exist_ok=True)
    link = data / f"{servers.TILESET}.mbtiles"
    link.unlink(missing_ok=True)
    link.symlink_to(mbtiles)
    return data


def _server(key: str, cache: Path, mbtiles: Path, data_dir: Path, port: int) -> servers.BenchServer:
    if key.startswith("tilegeo"):
        spec, _, checkout = key.removeprefix("tilegeo").partition("@")
        workers, _, variant = spec.partition("-")
        return servers.tilegeo(data_dir, port, int(workers or 1),
                               Path(checkout).resolve() if checkout else servers.REPO, quiet=variant == "quiet")
    if key == "starlette-minimal":
        return servers.starlette_minimal(mbtiles, port)
    if key == "versatiles":
        return servers.versatiles(cache / "peers", mbtiles, port)
    if key == "tileserver-gl":
        return servers.tileserver_gl_light(cache / "peers", data_dir, port)
    raise SystemExit(f"unknown server {key!r}; choose from {', '.join(ALL_SERVERS + EXTRA_SERVERS)}")


def _probe_encoding(url: str) -> str:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.headers.get("content-encoding", "identity")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mbtiles", type=Path, help="tileset to serve (default: embedded basemap, else a sample)")
    parser.add_argument("--servers", default=",".join(ALL_SERVERS),
                        help=f"comma list of {', '.join(ALL_SERVERS + EXTRA_SERVERS)}")
    parser.add_argument("--cache-dir", type=Path, default=Path("~/.cache/tilegeo-bench"))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--max-paths", type=int, default=20_000, help="size of the random URL list")
    parser.add_argument("--nice", type=int, default=0,
                        help="run servers and wrk at this niceness (e.g. -10, as root) on a busy shared machine")
    return parser


if __name__ == "__main__":
    sys.exit(main())
