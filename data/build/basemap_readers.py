"""Decode the raw basemap inputs into lon/lat shapely arrays and plain records.

Format readers only (shapefile, TopoJSON, GeoJSON properties, the places database); which file
feeds which layer at which zoom is decided in `basemap_layers`.
"""
from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapefile
import shapely
import shapely.affinity

NAME_LANGS = ("ar", "de", "en", "es", "fr", "it", "ja", "nl", "pl", "pt", "ru", "zh")


def read_shapes(shp: bytes, shx: bytes) -> np.ndarray:
    """Geometries of a shapefile given its .shp and .shx bytes (no .dbf needed)."""
    reader = shapefile.Reader(shp=io.BytesIO(shp), shx=io.BytesIO(shx))
    geoms = [shapely.geometry.shape(s.__geo_interface__) for s in reader.iterShapes() if s.points]
    return shapely.make_valid(np.array(geoms, dtype=object))


def read_dbf_records(dbf: bytes) -> list[dict]:
    """Attribute rows of a .dbf file as dicts."""
    reader = shapefile.Reader(dbf=io.BytesIO(dbf), encoding="utf-8")
    return [record.as_dict() for record in reader.iterRecords()]


def read_topojson(data: bytes, obj: str) -> np.ndarray:
    """Geometries of object `obj` in a quantized TopoJSON topology (lines and polygons).

    >>> line = {"type": "LineString", "arcs": [0]}
    >>> topo = {"arcs": [[[0, 0], [2, 0]]], "objects": {"r": {"type": "GeometryCollection", "geometries": [line]}}}
    >>> read_topojson(json.dumps(topo).encode(), "r")[0].wkt
    'LINESTRING (0 0, 2 0)'
    """
    topo = json.loads(data)
    arcs = _decode_arcs(topo["arcs"], topo.get("transform"))
    node = topo["objects"][obj]
    members = node["geometries"] if node["type"] == "GeometryCollection" else [node]
    geoms = [cut_antimeridian(_topo_geometry(g, arcs)) for g in members if g.get("arcs")]
    return shapely.make_valid(np.array(geoms, dtype=object))


def cut_antimeridian(geom: shapely.Geometry) -> shapely.Geometry:
    """Split polygons whose rings jump across the 180th meridian (TopoJSON is spherical).

    Read as planar, a ring from 179.5 to -179.5 degrees runs the long way round: Fiji or
    Chukotka become bands around the world. Such a polygon is unwrapped east of 180 and cut
    back into its two halves. Antarctica's edge along the bottom of the map is left alone.

    >>> cut_antimeridian(shapely.Polygon([(179, 0), (-179, 0), (-179, 1), (179, 1)])).bounds
    (-180.0, 0.0, 180.0, 1.0)
    >>> round(cut_antimeridian(shapely.Polygon([(179, 0), (-179, 0), (-179, 1), (179, 1)])).area, 6)
    2.0
    """
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return geom
    polygons = shapely.get_parts(geom)
    if not any(_crosses(p) for p in polygons):
        return geom
    parts = [q for p in polygons for q in (_cut_polygon(p) if _crosses(p) else [p])]
    return shapely.MultiPolygon(parts) if len(parts) != 1 else parts[0]


def _jumps(coords: np.ndarray) -> np.ndarray:
    """-360/+360 where a ring steps the long way round between vertex i and i+1, else 0.

    The one planar step across the map is Antarctica's edge along the bottom of the world.
    """
    lon, lat = coords[:, 0], coords[:, 1]
    step = np.diff(lon)
    along_south_edge = (np.abs(lon[:-1]) == 180) & (np.abs(lon[1:]) == 180) & (lat[:-1] < -80) & (lat[1:] < -80)
    return np.where(along_south_edge, 0.0, np.where(step > 180, -360.0, np.where(step < -180, 360.0, 0.0)))


def _crosses(polygon: shapely.Polygon) -> bool:
    return any(_jumps(np.asarray(r.coords)).any() for r in (polygon.exterior, *polygon.interiors))


def _unwrap(ring) -> np.ndarray:
    """Ring coordinates made continuous in longitude (they may run past +/-180)."""
    coords = np.asarray(ring.coords)[:, :2].copy()
    coords[1:, 0] += np.cumsum(_jumps(coords))
    return coords


def _cut_polygon(polygon: shapely.Polygon) -> list[shapely.Polygon]:
    unwrapped = shapely.make_valid(shapely.Polygon(_unwrap(polygon.exterior), [_unwrap(r) for r in polygon.interiors]))
    pieces = [
        shapely.affinity.translate(shapely.clip_by_rect(unwrapped, west, -90.0, west + 360.0, 90.0), -west - 180.0)
        for west in (-540.0, -180.0, 180.0)
    ]
    parts = shapely.get_parts(shapely.get_parts(pieces))
    return [p for p in parts if p.geom_type == "Polygon" and not p.is_empty]


def _decode_arcs(raw: list, transform: dict | None) -> list[np.ndarray]:
    arcs = []
    for arc in raw:
        pts = np.asarray(arc, dtype=float)
        if transform:
            pts = np.cumsum(pts, axis=0) * transform["scale"] + transform["translate"]
        arcs.append(pts)
    return arcs


def _ring(indexes: Iterable[int], arcs: list[np.ndarray]) -> np.ndarray:
    parts = []
    for i, index in enumerate(indexes):
        pts = arcs[index] if index >= 0 else arcs[~index][::-1]
        parts.append(pts if i == 0 else pts[1:])       # consecutive arcs share an end point
    return np.concatenate(parts)


def _topo_geometry(g: dict, arcs: list[np.ndarray]) -> shapely.Geometry:
    kind, a = g["type"], g["arcs"]
    if kind == "LineString":
        return shapely.LineString(_ring(a, arcs))
    if kind == "MultiLineString":
        return shapely.MultiLineString([_ring(line, arcs) for line in a])
    if kind == "Polygon":
        return _polygon(a, arcs)
    if kind == "MultiPolygon":
        return shapely.MultiPolygon([_polygon(p, arcs) for p in a])
    raise ValueError(f"unsupported TopoJSON geometry {kind}")


def _polygon(rings: list, arcs: list[np.ndarray]) -> shapely.Polygon:
    shell, *holes = (_ring(r, arcs) for r in rings)
    return shapely.Polygon(shell, holes)


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """A populated place from the places database, with its names by language."""

    geonameid: int
    name: str
    lon: float
    lat: float
    feature_code: str
    country_code: str
    population: int
    names: dict[str, str]


# Sections of a city (PPLX: "New South Memphis" would outrank Memphis) and places that are
# gone (historical, abandoned, destroyed) are not labelled.
SKIPPED_CODES = ("PPLX", "PPLH", "PPLQ", "PPLW", "PPLCH")
PLACES_SQL = f"""
SELECT geonameid, name, COALESCE(ascii_name, name), lon, lat, COALESCE(feature_code, ''), country_code, population
FROM places
WHERE (population >= ? OR feature_code IN ('PPLC', 'PPLA'))
  AND COALESCE(feature_code, '') NOT IN ({", ".join(f"'{code}'" for code in SKIPPED_CODES)})
ORDER BY geonameid
"""


def read_places(conn: sqlite3.Connection, min_population: int) -> list[PlaceRow]:
    """Places with at least `min_population` people, plus every capital and admin-1 seat (not `SKIPPED_CODES`)."""
    rows = conn.execute(PLACES_SQL, (min_population,)).fetchall()
    names = _names_by_id(conn, [r[0] for r in rows])
    places = []
    for gid, name, ascii_name, lon, lat, code, cc, pop in rows:
        own = names.get(gid, {})
        own.setdefault("en", ascii_name or name)
        places.append(PlaceRow(gid, name, lon, lat, code, cc, int(pop or 0), own))
    return places


def _names_by_id(conn: sqlite3.Connection, ids: list[int]) -> dict[int, dict[str, str]]:
    """First name (by insertion order) per place and language, for the languages we tile."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (geonameid INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM wanted")
    conn.executemany("INSERT INTO wanted VALUES (?)", ((i,) for i in ids))
    langs = ",".join(f"'{lang}'" for lang in NAME_LANGS)
    sql = (
        "SELECT n.geonameid, n.lang, n.name FROM names n JOIN wanted w USING (geonameid) "
        f"WHERE n.lang IN ({langs}) ORDER BY n.rowid"
    )
    found: dict[int, dict[str, str]] = {}
    for gid, lang, name in conn.execute(sql):
        found.setdefault(gid, {}).setdefault(lang, name)
    return found
