"""The tile servers of the side-by-side benchmark: how to install, start and stop each one.

Peers are npm packages installed into a cache directory outside the repo (never committed).
Every server serves the same MBTiles file on a loopback port; each knows its own tile URL shape.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from .wrk_run import prioritize

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
PEER_PACKAGES = ("@versatiles/versatiles-rs-linux-x64-gnu@4.15.0", "tileserver-gl-light@5.6.0")
TILESET = "bench"


@dataclass(frozen=True, slots=True)
class BenchServer:
    """A server to measure: the command that starts it and the URL path of tile z/x/y."""

    name: str
    command: tuple[str, ...]
    tile_prefix: str                 # URL path before "z/x/y"
    tile_suffix: str = ""            # after "y", e.g. ".pbf"
    is_peer: bool = True
    cwd: Path = REPO
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Started:
    base_url: str
    startup_seconds: float
    process: subprocess.Popen

    def max_rss_mb(self) -> float:
        """Largest resident set of the server's processes (per worker, not summed)."""
        import psutil   # comes with locust (the bench extra); imported here so tests need not have it

        root = psutil.Process(self.process.pid)
        rss = [p.memory_info().rss for p in [root, *root.children(recursive=True)] if p.is_running()]
        return max(rss) / 2**20


def tilegeo(data_dir: Path, port: int, workers: int, checkout: Path = REPO, quiet: bool = False) -> BenchServer:
    """tilegeo with every feature on at its defaults (ETag, CORS, gzip negotiation, metrics, access log).

    `checkout` may be another copy of the repo (e.g. `git archive` of an older commit) to compare
    versions; `quiet` runs it at log level warning (no access log) to show what the log costs.
    """
    command = (sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers), "--data", str(data_dir)) + (("--log-level", "warning") if quiet else ())
    label = f"tilegeo ({workers} worker{'s' if workers > 1 else ''}{', no access log' if quiet else ''})"
    if checkout != REPO:
        label += f" @ {checkout.name}"
    return BenchServer(label, command, f"/tiles/{TILESET}/", ".pbf", is_peer=False, cwd=checkout)


def starlette_minimal(mbtiles: Path, port: int) -> BenchServer:
    """The Python floor: a bare Starlette route (minimal_tile_app.py) on uvicorn, 1 worker."""
    command = (sys.executable, "-m", "uvicorn", "loadtests.minimal_tile_app:app", "--host", "127.0.0.1",
               "--port", str(port), "--no-access-log", "--log-level", "warning")
    return BenchServer("bare Starlette route (1 worker, no features)", command, f"/tiles/{TILESET}/", ".pbf",
                       is_peer=False, env={"TILE_FILE": str(mbtiles)})


def versatiles(peers: Path, mbtiles: Path, port: int) -> BenchServer:
    command = ("node", str(HERE / "versatiles_serve.js"), str(mbtiles), str(port))
    return BenchServer("VersaTiles 4.15.0 (Rust)", command, f"/tiles/{TILESET}/",
                       env={"NODE_PATH": str(peers / "node_modules")})


def tileserver_gl_light(peers: Path, data_dir: Path, port: int) -> BenchServer:
    main = peers / "node_modules" / "tileserver-gl-light" / "src" / "main.js"
    command = ("node", str(main), "--file", f"{TILESET}.mbtiles", "--port", str(port), "--bind", "127.0.0.1")
    return BenchServer("tileserver-gl-light 5.6.0", command, f"/data/{TILESET}/", ".pbf", cwd=data_dir)


def install_peers(peers: Path) -> None:
    """npm-install the peers into `peers` once; repair what the npm install leaves broken."""
    modules = peers / "node_modules"
    if not (modules / "tileserver-gl-light").is_dir() or not (modules / "@versatiles").is_dir():
        peers.mkdir(parents=True, exist_ok=True)
        print(f"installing peers into {peers} (npm, a few minutes the first time)", file=sys.stderr)
        subprocess.run(["npm", "install", "--prefix", str(peers), "--no-audit", "--no-fund", *PEER_PACKAGES],
                       check=True)
    # tileserver-gl-light looks for its styles in its own node_modules, but npm hoists them.
    styles = modules / "tileserver-gl-light" / "node_modules" / "tileserver-gl-styles"
    if not styles.exists():
        styles.parent.mkdir(parents=True, exist_ok=True)
        styles.symlink_to(Path("..", "..", "tileserver-gl-styles"))
    # Its sqlite3 binding has no prebuilt binary for every Node; build it from source if needed.
    if subprocess.run(["node", "-e", "require('sqlite3')"], cwd=peers, capture_output=True).returncode:
        subprocess.run(["npm", "rebuild", "sqlite3", "--build-from-source", "--prefix", str(peers)], check=True)


@contextmanager
def running(server: BenchServer, port: int, probe_tile: str, log: Path, niceness: int = 0,
            timeout: float = 60) -> Iterator[Started]:
    """Start `server` (at `niceness`), wait until `probe_tile` ("z/x/y") answers 200, yield, then stop it."""
    base = f"http://127.0.0.1:{port}"
    probe = base + server.tile_prefix + probe_tile + server.tile_suffix
    with log.open("wb") as out:
        start = time.monotonic()
        process = subprocess.Popen(server.command, cwd=server.cwd, env={**os.environ, **server.env},
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        prioritize(process.pid, niceness)
        try:
            _wait_ok(probe, process, timeout, log)
            yield Started(base, time.monotonic() - start, process)
        finally:
            _stop(process)


def _wait_ok(url: str, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.02)   # polling while the port opens
    raise RuntimeError(f"{url} did not answer 200 within {timeout} s; see {log}")


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the server's process group (uvicorn workers, node), SIGKILL if it lingers."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass
