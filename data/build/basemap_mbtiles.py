"""Write a vector MBTiles 1.3 file: metadata rows and gzipped tiles in TMS row order, deterministically."""
from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from service.tiles.mbtiles import tms_row

DDL = """
CREATE TABLE metadata (name TEXT NOT NULL, value TEXT);
CREATE UNIQUE INDEX metadata_name ON metadata (name);
CREATE TABLE tiles (zoom_level INTEGER NOT NULL, tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL);
CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
"""


def write_mbtiles(path: Path, metadata: Mapping[str, str], tiles: Iterable[tuple[int, int, int, bytes]]) -> int:
    """Write `tiles` ((z, x, y_xyz, data), any order) and `metadata` to `path` atomically; return the count.

    Rows are inserted sorted by (z, x, y) and the file is VACUUMed, so the same tiles give the
    same file bytes.
    """
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    try:
        conn.executescript(DDL)
        conn.executemany("INSERT INTO metadata (name, value) VALUES (?, ?)", sorted(metadata.items()))
        rows = sorted((z, x, tms_row(z, y), data) for z, x, y, data in tiles)
        conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
        conn.commit()
        conn.execute("VACUUM")
    finally:
        conn.close()
    os.replace(tmp, path)
    return len(rows)


def vector_metadata(
    *,
    name: str,
    description: str,
    version: str,
    attribution: str,
    minzoom: int,
    maxzoom: int,
    vector_layers: list[dict],
    center: tuple[float, float, int] = (10.0, 48.0, 2),
) -> dict[str, str]:
    """The metadata rows of a whole-world vector tileset (MBTiles 1.3 names)."""
    return {
        "name": name,
        "format": "pbf",
        "type": "baselayer",
        "scheme": "tms",
        "bounds": "-180.0,-85.05113,180.0,85.05113",
        "center": ",".join(str(v) for v in center),
        "minzoom": str(minzoom),
        "maxzoom": str(maxzoom),
        "attribution": attribution,
        "description": description,
        "version": version,
        "json": json.dumps({"vector_layers": vector_layers}, sort_keys=True, separators=(",", ":")),
    }
