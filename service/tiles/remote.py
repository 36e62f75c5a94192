"""Remote PMTiles archives (name -> URL) for the catalog: opened once, retried when unreachable.

The first refresh opens every archive in line: start-up may block, and the service should not
report ready without them. An archive that cannot be reached then is retried in a thread every
REMOTE_RETRY_SECONDS, so a dead object store never stalls the event loop; what the thread opened
is installed by the next `refresh`, in the caller's thread, so no request sees a half swap.
"""
from __future__ import annotations

import logging
import threading
import time
from typing import Iterable

from .pmtiles import PMTilesSource
from .source import TileSource, TileSourceError

log = logging.getLogger("tilegeo.tiles")

REMOTE_RETRY_SECONDS = 30.0


class RemoteArchives:
    """Opens remote archives into a catalog's `sources`, reporting failures in its `problems`."""

    def __init__(self, urls: Iterable[tuple[str, str]]) -> None:
        self.urls = dict(urls)                              # tileset id -> URL
        self._started = False
        self._ready: dict[str, TileSource | str] = {}       # retry thread results
        self._retry_at: dict[str, float] = {}
        self._retrying: set[str] = set()

    def refresh(self, sources: dict[str, TileSource], problems: dict[str, str]) -> None:
        if not self._started:
            self._started = True
            for tileset_id, url in self.urls.items():
                _install(tileset_id, url, _try_open(tileset_id, url), sources, problems)
            return
        for tileset_id in list(self._ready):
            _install(tileset_id, self.urls[tileset_id], self._ready.pop(tileset_id), sources, problems)
        now = time.monotonic()
        for tileset_id, url in self.urls.items():
            due = now >= self._retry_at.get(tileset_id, 0.0)
            if url in problems and due and tileset_id not in self._retrying:
                self._retry_at[tileset_id] = now + REMOTE_RETRY_SECONDS
                self._retrying.add(tileset_id)
                threading.Thread(target=self._retry, args=(tileset_id, url), daemon=True).start()

    def close(self) -> None:
        """Close archives a retry opened that were never installed (installed ones are the catalog's)."""
        for result in self._ready.values():
            if not isinstance(result, str):
                result.close()
        self._ready.clear()

    def _retry(self, tileset_id: str, url: str) -> None:
        self._ready[tileset_id] = _try_open(tileset_id, url)
        self._retrying.discard(tileset_id)


def _try_open(tileset_id: str, url: str) -> TileSource | str:
    """The opened remote archive, or why it cannot be served."""
    try:
        return PMTilesSource.remote(url, tileset_id)
    except TileSourceError as exc:
        return str(exc)


def _install(tileset_id: str, url: str, result: TileSource | str,
             sources: dict[str, TileSource], problems: dict[str, str]) -> None:
    if isinstance(result, str):
        if problems.get(url) != result:
            log.error("remote tileset %r not available: %s", tileset_id, result)
        problems[url] = result
        return
    problems.pop(url, None)
    sources[tileset_id] = result
    log.info("serving tileset %r from %s (%s, z%d-%d)", tileset_id, url, result.info.format,
             result.info.minzoom, result.info.maxzoom)
