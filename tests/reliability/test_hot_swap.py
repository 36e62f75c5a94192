"""Hot swap under load: tilesets replaced by atomic rename, added and removed while a client keeps asking.

A real server re-scans its data dir every 0.2 s. A client thread loops tile requests (bounded
in count and time); meanwhile the test replaces `swap.mbtiles` three times the way users update
data (write a hidden temp file in the same dir, then `os.replace`), adds `added.mbtiles` and
removes `removed.mbtiles`. Every answer must be the expected 200/204: not one failed request.
"""
from __future__ import annotations

import gzip
import http.client
import json
import os
import threading
import time
from pathlib import Path
from typing import Callable

from ..live_server import live_server
from ..mbtiles_fixtures import vector_tile, write_mbtiles

MAX_REQUESTS = 2_000
MAX_SECONDS = 10.0
# Tiles the client loops over, with the status each must get: (0,0,0) exists, (1,0,1) is absent.
LOAD = [("/tiles/swap/0/0/0.pbf", 200), ("/tiles/swap/1/0/1.pbf", 204),
        ("/tiles/stable/0/0/0.pbf", 200), ("/tiles/stable/1/0/1.pbf", 204)]


def tileset(path: Path, version: str) -> Path:
    """A one-tile vector MBTiles whose tile names `version`, written under a hidden temp name then renamed in."""
    temp = path.with_name(f".{path.name}.{version}.tmp")
    metadata = {"name": version, "format": "pbf", "minzoom": "0", "maxzoom": "2"}
    write_mbtiles(temp, metadata, {(0, 0, 0): gzip.compress(vector_tile(version))})
    os.replace(temp, path)
    return path


class Load(threading.Thread):
    """Loops the LOAD requests on one keep-alive connection; records every unexpected answer."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.stop = threading.Event()
        self.count = 0
        self.failures: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        deadline = time.monotonic() + MAX_SECONDS
        while not self.stop.is_set() and self.count < MAX_REQUESTS and time.monotonic() < deadline:
            url, expected = LOAD[self.count % len(LOAD)]
            try:
                conn.request("GET", url)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                self.failures.append(f"{url}: {exc!r}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                status = None
            if status is not None and status != expected:
                self.failures.append(f"{url}: {status}")
            self.count += 1
        conn.close()


def get(base: str, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)   # polling interval of a condition with a deadline
    raise AssertionError(f"timed out waiting for {what}")


def test_swaps_additions_and_removals_under_load_fail_no_request(tmp_path, empty_embedded):
    data = tmp_path / "data"
    data.mkdir()
    tileset(data / "swap.mbtiles", "v0")
    tileset(data / "stable.mbtiles", "stable")
    tileset(data / "removed.mbtiles", "removed")
    env = {"TILEGEO_EMBEDDED_DATA": str(empty_embedded)}
    with live_server("--data", str(data), "--rescan-seconds", "0.2", "--log-level", "warning", env=env) as base:
        load = Load(int(base.rsplit(":", 1)[1]))
        load.start()
        try:
            for version in ("v1", "v2", "v3"):
                tileset(data / "swap.mbtiles", version)
                wait_for(lambda: get(base, "/tiles/swap/0/0/0.pbf") == (200, vector_tile(version)),
                         f"swap.mbtiles {version} to be served")
            tileset(data / "added.mbtiles", "added")
            wait_for(lambda: get(base, "/tiles/added/0/0/0.pbf")[0] == 200, "added.mbtiles to appear")
            (data / "removed.mbtiles").unlink()
            wait_for(lambda: get(base, "/tiles/removed/0/0/0.pbf")[0] == 404, "removed.mbtiles to disappear")
        finally:
            load.stop.set()
            load.join(timeout=30)
        ids = sorted(t["id"] for t in json.loads(get(base, "/tiles")[1]))
        assert ids == ["added", "stable", "swap"]
        assert get(base, "/tiles/removed.json")[0] == 404
    assert load.count > 0 and load.failures == [], (load.count, load.failures[:10])
