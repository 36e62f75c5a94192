"""The set of served tilesets: every tile file in the data directories, named by file stem.

Files that cannot be opened are reported by name (logged, and listed in /health) and skipped;
the rest keep serving. `refresh()` picks up new, replaced and removed files, so data can be
swapped on disk (atomic rename) without a restart. Remote PMTiles archives (name -> URL)
join the same catalog through `remote.RemoteArchives`.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Callable, Iterable

from .mbtiles import MBTilesSource
from .pmtiles import PMTilesSource
from .remote import RemoteArchives
from .source import TileSource, TileSourceError

log = logging.getLogger("tilegeo.tiles")

Opener = Callable[[Path, str], TileSource]
OPENERS: dict[str, Opener] = {".mbtiles": MBTilesSource, ".pmtiles": PMTilesSource}


def _stat_key(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class TileCatalog:
    """Tile sources by id; later directories win when two files share a stem."""

    def __init__(self, dirs: Iterable[Path], remote: Iterable[tuple[str, str]] = ()) -> None:
        self.dirs = tuple(dirs)
        self.remote = RemoteArchives(remote)
        self.sources: dict[str, TileSource] = {}
        self.problems: dict[str, str] = {}          # file path -> why it is not served
        self._opened: dict[Path, tuple[tuple[int, int, int], str]] = {}   # path -> (stat key, id)

    def get(self, tileset_id: str) -> TileSource | None:
        return self.sources.get(tileset_id)

    def __iter__(self):
        return iter(self.sources.values())

    def __len__(self) -> int:
        return len(self.sources)

    def refresh(self) -> None:
        """Open new or changed files, drop vanished ones. Cheap when nothing changed (stat only)."""
        found = self._scan()
        for path in list(self._opened):
            if path not in found:
                self._drop(path)
        for path, (key, tileset_id) in found.items():
            known = self._opened.get(path)
            if known and known[0] == key:
                continue
            if known:
                self._drop(path)
            self._open(path, key, tileset_id)
        remote_urls = set(self.remote.urls.values())
        for path in [p for p in self.problems if Path(p) not in found and p not in remote_urls]:
            del self.problems[path]
        self.remote.refresh(self.sources, self.problems)

    def _scan(self) -> dict[Path, tuple[tuple[int, int, int], str]]:
        found: dict[Path, tuple[tuple[int, int, int], str]] = {}
        owner: dict[str, Path] = {}
        for directory in self.dirs:
            if not directory.is_dir():
                continue
            for path in sorted(directory.iterdir()):
                if path.suffix not in OPENERS or path.name.startswith(".") or not path.is_file():
                    continue
                try:
                    key = _stat_key(path)
                except OSError:
                    continue   # vanished between listing and stat: next scan settles it
                if path.stem in owner:   # a later directory overrides an earlier one
                    found.pop(owner[path.stem])
                owner[path.stem] = path
                found[path] = (key, path.stem)
        return found

    def _open(self, path: Path, key: tuple[int, int, int], tileset_id: str) -> None:
        try:
            source = OPENERS[path.suffix](path, tileset_id)
        except (TileSourceError, OSError) as exc:
            if self.problems.get(str(path)) != str(exc):
                log.error("skipping tileset: %s", exc)
            self.problems[str(path)] = str(exc)
            self._opened[path] = (key, "")
            return
        self.problems.pop(str(path), None)
        old = self.sources.get(tileset_id)
        self.sources[tileset_id] = source
        self._opened[path] = (key, tileset_id)
        if old is not None:
            old.close()
        log.info("serving tileset %r from %s (%s, z%d-%d)", tileset_id, path, source.info.format,
                 source.info.minzoom, source.info.maxzoom)

    def _drop(self, path: Path) -> None:
        _, tileset_id = self._opened.pop(path)
        self.problems.pop(str(path), None)
        source = self.sources.get(tileset_id)
        if source is not None and getattr(source, "path", path) == path:
            del self.sources[tileset_id]
            source.close()
            log.info("tileset %r removed (%s)", tileset_id, path)

    def close(self) -> None:
        self.remote.close()
        for source in self.sources.values():
            source.close()
        self.sources.clear()
        self._opened.clear()
