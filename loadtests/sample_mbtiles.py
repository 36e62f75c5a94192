"""A realistic stand-in tileset for benchmarks: a full z0..maxzoom pyramid of gzipped MVT tiles.

Used until the embedded basemap exists (or when none is given). Every tile is a real Mapbox
Vector Tile with road-like line strings and named points, about 10 KB once gzipped like a
real basemap tile, and every address holds its own bytes, so a server cannot win by caching
one row. Encoding thousands of random tiles takes minutes, so a pool of body layers is encoded
once and each tile adds a small `label` layer naming its address: MVT is a protobuf whose
only field is the repeated `layers`, so two encoded tiles concatenated are one valid tile.

    python -m loadtests.sample_mbtiles /tmp/sample.mbtiles --maxzoom 6
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import sqlite3
from pathlib import Path

import mapbox_vector_tile

LAYERS = [{"id": "roads", "fields": {"class": "String"}}, {"id": "places", "fields": {"name": "String"}},
          {"id": "label", "fields": {"tile": "String"}}]
POOL_SIZE = 48


def body_layers(rng: random.Random, lines: int = 200, points: int = 60) -> bytes:
    """Encoded MVT layers of `lines` random walks and `points` named points (~10 KB gzipped)."""
    roads = [{"geometry": _random_walk(rng), "properties": {"class": rng.choice(["primary", "minor", "path"])}}
             for _ in range(lines)]
    places = [{"geometry": f"POINT({rng.randrange(4096)} {rng.randrange(4096)})",
               "properties": {"name": f"Place {rng.randrange(10**6)}"}} for _ in range(points)]
    return mapbox_vector_tile.encode([{"name": "roads", "features": roads}, {"name": "places", "features": places}])


def label_layer(z: int, x: int, y: int) -> bytes:
    """An encoded one-point `label` layer naming the tile's XYZ address."""
    feature = {"geometry": "POINT(2048 2048)", "properties": {"tile": f"{z}/{x}/{y}"}}
    return mapbox_vector_tile.encode([{"name": "label", "features": [feature]}])


def _random_walk(rng: random.Random, steps: int = 14) -> str:
    x, y = rng.randrange(4096), rng.randrange(4096)
    coords = []
    for _ in range(steps):
        x = min(4095, max(0, x + rng.randrange(-300, 301)))
        y = min(4095, max(0, y + rng.randrange(-300, 301)))
        coords.append(f"{x} {y}")
    return "LINESTRING(" + ", ".join(coords) + ")"


def write_sample(path: Path, maxzoom: int = 6, seed: int = 7) -> Path:
    """Write the pyramid z0..maxzoom to `path` (replacing it); returns `path`."""
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp)
    conn.executescript("""
        CREATE TABLE metadata (name TEXT, value TEXT);
        CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
        CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);
    """)
    metadata = {"name": "Benchmark sample", "format": "pbf", "minzoom": "0", "maxzoom": str(maxzoom),
                "bounds": "-180,-85.0511,180,85.0511", "center": "0,0,2",
                "json": json.dumps({"vector_layers": LAYERS})}
    conn.executemany("INSERT INTO metadata VALUES (?, ?)", metadata.items())
    pool = [body_layers(rng) for _ in range(POOL_SIZE)]
    for z in range(maxzoom + 1):
        rows = [(z, x, (1 << z) - 1 - y, gzip.compress(rng.choice(pool) + label_layer(z, x, y), compresslevel=6))
                for x in range(1 << z) for y in range(1 << z)]
        conn.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()
    tmp.replace(path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--maxzoom", type=int, default=6)
    args = parser.parse_args()
    write_sample(args.path, args.maxzoom)
    print(args.path)


if __name__ == "__main__":
    main()
