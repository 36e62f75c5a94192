"""Build small MBTiles files for tests: vector gzipped, vector raw, PNG raster, and broken ones."""
from __future__ import annotations

import gzip
import json
import sqlite3
import struct
import zlib
from pathlib import Path

import mapbox_vector_tile


def vector_tile(name: str = "a") -> bytes:
    """A real MVT with one `place` point feature named `name`."""
    return mapbox_vector_tile.encode([
        {"name": "place", "features": [{"geometry": "POINT(2048 2048)", "properties": {"name": name}}]}
    ])


def png_tile(rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid 1x1 PNG, built by hand so tests need no imaging library."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"\x00" + bytes(rgb)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


VECTOR_LAYERS = [{"id": "place", "fields": {"name": "String"}, "minzoom": 0, "maxzoom": 3}]


def write_mbtiles(path: Path, metadata: dict[str, str], tiles: dict[tuple[int, int, int], bytes]) -> Path:
    """Write an MBTiles file; `tiles` are keyed by XYZ (z, x, y) and stored with the TMS row flip."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE metadata (name TEXT, value TEXT);
        CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
        CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
    """)
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())
    conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                     [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    conn.commit()
    conn.close()
    return path


def vector_gzip_mbtiles(path: Path, name: str = "Vector gz") -> Path:
    metadata = {"name": name, "format": "pbf", "minzoom": "0", "maxzoom": "3",
                "bounds": "-180,-85,180,85", "center": "0,0,1", "attribution": "Test data",
                "json": json.dumps({"vector_layers": VECTOR_LAYERS})}
    tiles = {(0, 0, 0): gzip.compress(vector_tile("z0")),
             (1, 1, 0): gzip.compress(vector_tile("z1 north-east")),
             (3, 4, 2): gzip.compress(vector_tile("z3"))}
    return write_mbtiles(path, metadata, tiles)


def vector_raw_mbtiles(path: Path) -> Path:
    metadata = {"name": "Vector raw", "format": "pbf", "minzoom": "0", "maxzoom": "1",
                "json": json.dumps({"vector_layers": VECTOR_LAYERS})}
    return write_mbtiles(path, metadata, {(0, 0, 0): vector_tile("raw")})


def png_mbtiles(path: Path) -> Path:
    metadata = {"name": "Raster", "format": "png", "minzoom": "0", "maxzoom": "2"}
    return write_mbtiles(path, metadata, {(0, 0, 0): png_tile(), (2, 3, 1): png_tile((0, 0, 255))})
