"""What the locust scenarios share: random land points, S2 cell tokens, and a map pan/zoom path."""
from __future__ import annotations

import math
import random
from typing import Iterator

import s2cell

# Boxes (west, south, east, north) that are land almost everywhere inside: where photos are taken.
LAND_BOXES = (
    (-122.5, 37.3, -121.8, 37.9),    # San Francisco Bay Area
    (-100.0, 32.0, -85.0, 42.0),     # central United States
    (-8.0, 40.0, 2.5, 43.0),         # Spain
    (0.0, 44.0, 7.0, 49.0),          # France
    (6.0, 47.5, 14.0, 53.5),         # Germany
    (12.5, 41.5, 16.0, 44.0),        # Italy
    (-50.0, -23.0, -40.0, -10.0),    # Brazil
    (75.0, 15.0, 85.0, 27.0),        # India
    (135.0, 34.5, 140.0, 37.0),      # Japan (Honshu)
    (115.0, -33.0, 120.0, -26.0),    # Western Australia
    (28.0, -27.0, 31.0, -24.0),      # South Africa
    (100.5, 13.5, 101.0, 14.0),      # Bangkok
)
TILE_TEMPLATE = "/tiles/basemap/{z}/{x}/{y}.pbf"    # used when the TileJSON cannot be read


def random_land_point(rng: random.Random) -> tuple[float, float]:
    """(lat, lon) inside one of LAND_BOXES."""
    west, south, east, north = rng.choice(LAND_BOXES)
    return rng.uniform(south, north), rng.uniform(west, east)


def s2_token(lat: float, lon: float, level: int = 21) -> str:
    """The S2 cell token PhotoPrism sends for a photo's position (level 21, about 4 m)."""
    return s2cell.lat_lon_to_token(lat, lon, level)


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    """The XYZ tile (x, y) holding a point at zoom z."""
    n = 1 << z
    lat = max(-85.0511, min(85.0511, lat))
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
    return min(x, n - 1), min(y, n - 1)


def viewport(z: int, x: int, y: int, columns: int = 4, rows: int = 3) -> list[tuple[int, int, int]]:
    """The tiles a browser window shows around tile (x, y): about 4 x 3 tiles of 512 px at 1920 x 1080."""
    n = 1 << z
    xs = {(x + dx) % n for dx in range(-(columns // 2), columns - columns // 2)}
    ys = {y + dy for dy in range(-(rows // 2), rows - rows // 2) if 0 <= y + dy < n}
    return [(z, tx, ty) for tx in sorted(xs) for ty in sorted(ys)]


def pan_zoom_path(rng: random.Random, maxzoom: int, pans_per_zoom: int = 2) -> Iterator[list[tuple[int, int, int]]]:
    """Viewports of a user who zooms from the world (z0) into a random place, panning at each zoom."""
    lat, lon = random_land_point(rng)
    for z in range(maxzoom + 1):
        x, y = tile_of(lat, lon, z)
        yield viewport(z, x, y)
        for _ in range(pans_per_zoom if z >= 3 else 0):
            x, y = x + rng.choice((-1, 1)), min((1 << z) - 1, max(0, y + rng.choice((-1, 0, 1))))
            yield viewport(z, x % (1 << z), y)
