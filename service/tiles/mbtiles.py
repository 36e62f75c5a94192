"""MBTiles 1.3 tile source: one read-only SQLite connection, one indexed query per uncached tile."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .lru import TileLRU
from .source import FORMAT_ALIASES, WORLD_BOUNDS, TileSetInfo, TileSourceError

TILE_QUERY = "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?"
CACHE_BYTES = 64 << 20      # recently served tiles kept in memory, per tileset and worker process


def tms_row(z: int, y: int) -> int:
    """The MBTiles (TMS) row of XYZ row `y` at zoom `z`: rows count from the south.

    >>> tms_row(11, 791)
    1256
    """
    return (1 << z) - 1 - y


def file_fingerprint(path: Path) -> str:
    """A short id that changes when the file is replaced or modified (inode, size, mtime)."""
    st = path.stat()
    raw = f"{st.st_ino}:{st.st_size}:{st.st_mtime_ns}".encode()
    return hashlib.blake2b(raw, digest_size=6).hexdigest()


class MBTilesSource:
    """Tiles from an .mbtiles file, opened read-only and immutable.

    `immutable=1` lets SQLite skip locking: tilegeo expects data to be replaced by atomic
    rename (the old file stays valid for open handles), never rewritten in place.
    """

    def __init__(self, path: Path, tileset_id: str | None = None, cache_bytes: int | None = None) -> None:
        self.path = path
        self.fingerprint = file_fingerprint(path)
        self.cache = TileLRU(CACHE_BYTES if cache_bytes is None else cache_bytes)
        self._conn = _connect(path)
        try:
            self.info = _read_info(self._conn, tileset_id or path.stem, path)
        except Exception:
            self._conn.close()
            raise

    def get_tile(self, z: int, x: int, y: int) -> bytes | None:
        data = self.cache.get((z, x, y))
        if data is TileLRU.MISSING:
            row = self._conn.execute(TILE_QUERY, (z, x, tms_row(z, y))).fetchone()
            data = row[0] if row else None
            self.cache.put((z, x, y), data)
        return data

    def close(self) -> None:
        self.cache.clear()
        self._conn.close()


def _connect(path: Path) -> sqlite3.Connection:
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, cached_statements=16)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    except sqlite3.DatabaseError as exc:
        raise TileSourceError(f"{path}: not a readable SQLite/MBTiles file ({exc})") from None
    missing = {"tiles", "metadata"} - tables
    if missing:
        conn.close()
        raise TileSourceError(f"{path}: not an MBTiles file (missing table: {', '.join(sorted(missing))})")
    return conn


def _read_info(conn: sqlite3.Connection, tileset_id: str, path: Path) -> TileSetInfo:
    try:
        meta = {name: value for name, value in conn.execute("SELECT name, value FROM metadata")}
        return _info_from_metadata(conn, meta, tileset_id, path)
    except sqlite3.DatabaseError as exc:
        raise TileSourceError(f"{path}: corrupt MBTiles file ({exc})") from None


def _info_from_metadata(conn: sqlite3.Connection, meta: dict[str, str], tileset_id: str, path: Path) -> TileSetInfo:
    fmt = _format(conn, meta.get("format"), path)
    minzoom, maxzoom = _zoom_range(conn, meta, path)
    bounds = _floats(meta.get("bounds"), 4) or WORLD_BOUNDS
    center = _center(meta.get("center"), bounds, minzoom, maxzoom)
    layers = _vector_layers(meta.get("json"), path) if fmt == "pbf" else ()
    known = {"name", "format", "bounds", "center", "minzoom", "maxzoom", "attribution", "description",
             "version", "json", "scheme"}
    return TileSetInfo(
        id=tileset_id,
        name=meta.get("name") or tileset_id,
        format=fmt,
        minzoom=minzoom,
        maxzoom=maxzoom,
        bounds=bounds,  # type: ignore[arg-type]
        center=center,
        attribution=meta.get("attribution"),
        description=meta.get("description"),
        version=meta.get("version"),
        vector_layers=layers,
        extra={k: v for k, v in meta.items() if k not in known},
    )


def _format(conn: sqlite3.Connection, declared: str | None, path: Path) -> str:
    if declared:
        fmt = FORMAT_ALIASES.get(declared.strip().lower())
        if fmt is None:
            raise TileSourceError(f"{path}: unsupported tile format {declared!r} in metadata")
        return fmt
    row = conn.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
    if row is None:
        raise TileSourceError(f"{path}: no 'format' in metadata and no tiles to detect it from")
    return sniff_format(row[0])


def sniff_format(data: bytes) -> str:
    """Guess a tile's format from its first bytes (for files without a 'format' row)."""
    if data.startswith(b"\x89PNG"):
        return "png"
    if data.startswith(b"\xff\xd8"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "pbf"


def _zoom_range(conn: sqlite3.Connection, meta: dict[str, str], path: Path) -> tuple[int, int]:
    try:
        if "minzoom" in meta and "maxzoom" in meta:
            return int(meta["minzoom"]), int(meta["maxzoom"])
    except ValueError:
        pass  # a malformed row: derive the range from the tiles instead
    row = conn.execute("SELECT MIN(zoom_level), MAX(zoom_level) FROM tiles").fetchone()
    if row is None or row[0] is None:
        raise TileSourceError(f"{path}: no tiles and no minzoom/maxzoom in metadata")
    return int(row[0]), int(row[1])


def _floats(text: str | None, count: int) -> tuple[float, ...] | None:
    if not text:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        return None
    return values if len(values) == count else None


def _center(text: str | None, bounds: tuple[float, ...], minzoom: int, maxzoom: int) -> tuple[float, float, int]:
    values = _floats(text, 3)
    if values:
        return (values[0], values[1], int(values[2]))
    lon = (bounds[0] + bounds[2]) / 2
    lat = (bounds[1] + bounds[3]) / 2
    return (lon, lat, min(max(minzoom, 2), maxzoom))


def _vector_layers(text: str | None, path: Path) -> tuple[dict[str, Any], ...]:
    if not text:
        return ()
    try:
        layers = json.loads(text).get("vector_layers", [])
    except (ValueError, AttributeError):
        raise TileSourceError(f"{path}: metadata 'json' row is not valid JSON") from None
    return tuple(layer for layer in layers if isinstance(layer, dict) and "id" in layer)
