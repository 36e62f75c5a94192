"""Encode tile-unit shapely geometries into Mapbox Vector Tile 2.1 protobuf bytes, vectorised with numpy.

mapbox-vector-tile's encoder walks every vertex in Python; here each ring is one numpy
operation, which makes a z7 world build several times faster. The protobuf classes are still
the ones shipped by mapbox-vector-tile, and its decoder checks our output in the tests.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import shapely
from mapbox_vector_tile.Mapbox import vector_tile_pb2

MOVE_TO, LINE_TO, CLOSE_PATH = 1, 2, 7
POINT, LINESTRING, POLYGON = 1, 2, 3


def command(cmd: int, count: int) -> int:
    """A command integer: id in the low 3 bits, repeat count above.

    >>> command(MOVE_TO, 1), command(CLOSE_PATH, 1)
    (9, 15)
    """
    return (cmd & 0x7) | (count << 3)


def zigzag(values: np.ndarray) -> np.ndarray:
    """Signed to unsigned integers, small magnitudes first (0, -1, 1, -2 -> 0, 1, 2, 3)."""
    return (values << 1) ^ (values >> 63)


def encode_paths(coords: np.ndarray, path_index: np.ndarray, closed: bool) -> list[int]:
    """The command stream of several lines or rings given as one coordinate array, all at once.

    `path_index` says which path each vertex belongs to (ascending). Rings come without their
    repeated closing vertex. Repeated vertices and paths too short to draw are dropped; the pen
    position carries from one path to the next, as MVT wants.
    """
    pts = np.rint(coords[:, :2]).astype(np.int64)
    first = np.ones(len(pts), dtype=bool)
    first[1:] = path_index[1:] != path_index[:-1]
    keep = first.copy()
    keep[1:] |= np.any(pts[1:] != pts[:-1], axis=1)
    pts, path_index = pts[keep], path_index[keep]
    _, starts, counts = np.unique(path_index, return_index=True, return_counts=True)
    long_enough = counts >= (3 if closed else 2)
    drawn = np.repeat(long_enough, counts)
    pts, counts = pts[drawn], counts[long_enough]
    if not len(counts):
        return []
    params = zigzag(np.diff(np.vstack([[0, 0], pts]), axis=0))
    block = 2 * counts + 2 + int(closed)                   # MoveTo x y LineTo (x y)* [ClosePath]
    block_start = np.concatenate([[0], np.cumsum(block)[:-1]])
    out = np.empty(int(block.sum()), dtype=np.int64)
    out[block_start] = command(MOVE_TO, 1)
    out[block_start + 3] = (counts - 1) * 8 + LINE_TO
    if closed:
        out[block_start + block - 1] = command(CLOSE_PATH, 1)
    local = np.arange(len(pts)) - np.repeat(np.cumsum(counts) - counts, counts)
    x_at = np.repeat(block_start, counts) + 1 + 2 * local + (local >= 1)
    out[x_at], out[x_at + 1] = params[:, 0], params[:, 1]
    return out.tolist()


def encode_geometry(geom: shapely.Geometry) -> tuple[int, list[int]]:
    """(MVT geometry type, command stream) of a geometry already in integer tile units (y down)."""
    kind = geom.geom_type
    if kind in ("Point", "MultiPoint"):
        pts = np.rint(shapely.get_coordinates(geom)).astype(np.int64)
        deltas = np.diff(np.vstack([[0, 0], pts]), axis=0)
        return POINT, [command(MOVE_TO, len(pts)), *zigzag(deltas).ravel().tolist()]
    if kind in ("LineString", "MultiLineString"):
        coords, index = shapely.get_coordinates(shapely.get_parts(geom), return_index=True)
        return LINESTRING, encode_paths(coords, index, closed=False)
    if kind in ("Polygon", "MultiPolygon"):
        # Exterior rings must have positive area in tile coordinates (y down): counter-clockwise
        # in shapely's y-up sense, holes the other way round.
        oriented = shapely.orient_polygons(geom, exterior_cw=False)
        rings = shapely.get_rings(shapely.get_parts(oriented))
        coords, index = shapely.get_coordinates(rings, return_index=True)
        last = np.ones(len(index), dtype=bool)
        last[:-1] = index[1:] != index[:-1]
        return POLYGON, encode_paths(coords[~last], index[~last], closed=True)
    raise ValueError(f"cannot encode {kind} in a vector tile")


def encode_layers(layers: Iterable[tuple[str, Iterable[tuple[shapely.Geometry, Mapping[str, object]]]]], extent: int) -> bytes:
    """A vector tile with one layer per (name, [(geometry, properties), ...]); empty layers are skipped."""
    tile = vector_tile_pb2.tile()
    for name, features in layers:
        layer = tile.layers.add()
        layer.name, layer.version, layer.extent = name, 2, extent
        _add_features(layer, features)
        if not layer.features:
            del tile.layers[-1]
    return tile.SerializeToString()


def _add_features(layer, features: Iterable[tuple[shapely.Geometry, Mapping[str, object]]]) -> None:
    keys: dict[str, int] = {}
    values: dict[tuple[type, object], int] = {}
    for geom, props in features:
        kind, stream = encode_geometry(geom)
        if not stream:
            continue
        feature = layer.features.add()
        feature.type = kind
        feature.geometry.extend(stream)
        for key, value in props.items():
            feature.tags.extend([_index(keys, key, layer.keys.append), _value_index(layer, values, value)])


def _index(seen: dict, key, append) -> int:
    if key not in seen:
        seen[key] = len(seen)
        append(key)
    return seen[key]


def _value_index(layer, seen: dict, value: object) -> int:
    token = (type(value), value)
    if token not in seen:
        seen[token] = len(seen)
        slot = layer.values.add()
        if isinstance(value, bool):
            slot.bool_value = value
        elif isinstance(value, int):
            slot.sint_value = value
        elif isinstance(value, float):
            slot.double_value = value
        else:
            slot.string_value = str(value)
    return seen[token]
