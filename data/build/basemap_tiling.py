"""Cut Web Mercator features into Mapbox Vector Tiles: clip down the tile tree, quantize, encode.

Pure functions over shapely 2 arrays; knows nothing about Natural Earth or MBTiles. Clipping
walks the quadtree from z0 so each tile clips its parent's already-clipped pieces, which keeps
huge single polygons (the ocean) cheap at high zoom.
"""
from __future__ import annotations

import gzip
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import mercantile
import numpy as np
import shapely

from .basemap_mvt import encode_layers

EXTENT = 4096
BUFFER = 64                                     # in tile units, as OpenMapTiles
EARTH_RADIUS = 6378137.0
WORLD = 2 * math.pi * EARTH_RADIUS              # width of the Mercator square in metres
HALF_WORLD = WORLD / 2
MAX_LAT = 85.0511287798066


@dataclass(frozen=True, slots=True)
class Features:
    """One layer's features: Web Mercator geometries and their properties, in drawing order."""

    geoms: np.ndarray                           # object array of shapely geometries (EPSG:3857)
    props: tuple[dict, ...]

    def __len__(self) -> int:
        return len(self.geoms)

    @staticmethod
    def empty() -> "Features":
        return Features(np.empty(0, dtype=object), ())


def project_features(lonlat: np.ndarray, props: tuple[dict, ...]) -> Features:
    """`Features` in Mercator from lon/lat geometries, dropping those that vanish at the poles."""
    clipped = shapely.clip_by_rect(lonlat, -180.0, -MAX_LAT, 180.0, MAX_LAT)
    keep = ~shapely.is_empty(clipped)
    geoms = shapely.transform(clipped[keep], _mercator_coords)
    return Features(geoms, tuple(p for p, k in zip(props, keep) if k))


def _mercator_coords(coords: np.ndarray) -> np.ndarray:
    lon = np.clip(coords[:, 0], -180.0, 180.0)
    lat = np.clip(coords[:, 1], -MAX_LAT, MAX_LAT)
    x = np.radians(lon) * EARTH_RADIUS
    y = np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * EARTH_RADIUS
    return np.column_stack([x, y])


def unit_size(z: int) -> float:
    """Metres per tile unit at zoom `z` (extent 4096).

    >>> round(unit_size(0), 1)
    9783.9
    """
    return WORLD / (1 << z) / EXTENT


def tile_box(tile: mercantile.Tile, margin: float) -> tuple[float, float, float, float]:
    """Mercator bounds of `tile` grown by `margin` metres on each side."""
    size = WORLD / (1 << tile.z)
    minx = -HALF_WORLD + tile.x * size
    maxy = HALF_WORLD - tile.y * size
    return (minx - margin, maxy - size - margin, minx + size + margin, maxy + margin)


def clip(features: Features, box: tuple[float, float, float, float]) -> Features:
    """The parts of `features` inside `box`; geometries wholly inside are kept as they are."""
    if not len(features):
        return features
    minx, miny, maxx, maxy = box
    bounds = shapely.bounds(features.geoms)
    touching = (bounds[:, 0] <= maxx) & (bounds[:, 2] >= minx) & (bounds[:, 1] <= maxy) & (bounds[:, 3] >= miny)
    idx = np.flatnonzero(touching)
    if not len(idx):
        return Features.empty()
    geoms = features.geoms[idx].copy()
    b = bounds[idx]
    inside = (b[:, 0] >= minx) & (b[:, 2] <= maxx) & (b[:, 1] >= miny) & (b[:, 3] <= maxy)
    cut = ~inside
    if cut.any():
        geoms[cut] = shapely.clip_by_rect(geoms[cut], minx, miny, maxx, maxy)
    keep = ~shapely.is_empty(geoms)
    return Features(geoms[keep], tuple(features.props[i] for i, k in zip(idx, keep) if k))


def walk(layers: Mapping[str, Features], zoom: int) -> Iterator[tuple[mercantile.Tile, dict[str, Features]]]:
    """Every tile at `zoom` that holds a feature, with each layer clipped to it (plus buffer)."""
    margin = BUFFER * unit_size(zoom)
    stack = [(mercantile.Tile(0, 0, 0), dict(layers))]
    while stack:
        tile, clipped = stack.pop()
        if tile.z == zoom:
            yield tile, clipped
            continue
        for child in reversed(mercantile.children(tile)):
            box = tile_box(child, margin)
            inner = {name: clip(f, box) for name, f in clipped.items()}
            if any(len(f) for f in inner.values()):
                stack.append((child, inner))


def to_tile_units(geoms: np.ndarray, tile: mercantile.Tile) -> np.ndarray:
    """Geometries in integer tile units (origin top-left, y down), snapped and kept valid."""
    minx, _, _, maxy = tile_box(tile, 0.0)
    scale = EXTENT / (WORLD / (1 << tile.z))
    local = shapely.transform(geoms, lambda c: (c - [minx, maxy]) * [scale, -scale])
    return shapely.set_precision(local, 1.0)


def encode_tile(tile: mercantile.Tile, layers: Mapping[str, Features]) -> bytes:
    """Gzipped MVT bytes of `layers` clipped to `tile`; b"" when nothing survives snapping."""
    encoded = [(name, items) for name, features in layers.items() if (items := _layer_items(tile, features))]
    if not encoded:
        return b""
    return gzip.compress(encode_layers(encoded, EXTENT), compresslevel=9, mtime=0)


def _layer_items(tile: mercantile.Tile, features: Features) -> list[tuple]:
    """MVT features of one layer; lines and polygons sharing one properties dict become one feature.

    Sources hand every part the same dict, so merging by identity turns thousands of boundary
    pieces into one multi-line per tile (a feature costs tags and a header each).
    """
    if not len(features):
        return []
    local = to_tile_units(features.geoms, tile)
    kinds = shapely.get_type_id(features.geoms)
    items: list[tuple] = []
    groups: dict[int, tuple[Mapping, list[int]]] = {}
    for i, props in enumerate(features.props):
        if kinds[i] in (0, 4):                                  # points are labels: one feature each
            if not shapely.is_empty(local[i]):
                items.append((local[i], props))
        else:
            groups.setdefault(id(props), (props, []))[1].append(i)
    for props, idx in groups.values():
        want = 3 if kinds[idx[0]] in (3, 6) else 1              # clipping and snapping leave slivers
        parts = shapely.get_parts(shapely.get_parts(local[idx]))
        parts = parts[shapely.get_type_id(parts) == want]
        if len(parts):
            multi = shapely.multipolygons(parts) if want == 3 else shapely.multilinestrings(parts)
            items.append((multi, props))
    return items
