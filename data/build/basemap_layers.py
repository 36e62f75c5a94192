"""The basemap's OpenMapTiles-named layers: which input feeds each layer at each zoom, and with what fields.

Geometry inputs are `Source`s (one Natural Earth scale over a zoom range, one set of fixed
properties); labels are `Label`s (a point with its first zoom and sort key). `layers_for_zoom`
turns both into the `Features` of every layer for one zoom, generalised for that zoom.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import mercantile
import numpy as np
import shapely

from .basemap_readers import NAME_LANGS, PlaceRow
from .basemap_tiling import Features, project_features, tile_box, unit_size
from .basemap_water_names import WaterName

LAYER_ORDER = ("water", "waterway", "boundary", "water_name", "place")
SIMPLIFY_UNITS = 4.0            # tolerance in tile units (4096 per tile): half a pixel on a 512 px tile
MIN_AREA_UNITS = 16.0 ** 2      # polygons smaller than 2 x 2 px (at 512 px) are dropped

# First zoom at which a populated place of at least this many people is labelled.
CITY_MIN_POPULATION = ((2, 3_000_000), (3, 1_000_000), (4, 300_000), (5, 100_000), (6, 30_000), (7, 15_000))
CAPITAL_MINZOOM = 2             # national capitals (PPLC), whatever their size
ADMIN1_SEAT_MINZOOM = 6         # admin-1 seats (PPLA)
STATE_MINZOOM = 3
THIN_CELL_ZOOMS = 3             # settlement labels: one per tile/8 cell
SPLIT_ZOOM = 3                  # huge inputs are cut along this zoom's tile grid
SPLIT_VERTICES = 20_000


@dataclass(frozen=True, slots=True)
class Source:
    """Geometries of one input shown in `layer` from `minzoom` to `maxzoom`, all with `props`."""

    layer: str
    props: Mapping[str, object]
    minzoom: int
    maxzoom: int
    geoms: np.ndarray           # Web Mercator, one part per element


def make_source(layer: str, props: Mapping[str, object], minzoom: int, maxzoom: int, lonlat: np.ndarray) -> Source:
    """A `Source` from lon/lat geometries: projected and split into parts (parts clip faster)."""
    parts = shapely.get_parts(shapely.get_parts(lonlat))      # collections from make_valid, then multi-parts
    kinds = shapely.get_type_id(parts)
    main_kind = 3 if (kinds == 3).any() else 1                  # polygon inputs drop the slivers make_valid left
    parts = parts[kinds == main_kind]
    projected = project_features(parts, tuple({} for _ in parts))
    return Source(layer, dict(props), minzoom, maxzoom, split_on_grid(projected.geoms))


def ocean_from_land(land: np.ndarray) -> np.ndarray:
    """The sea as the world minus the land (lon/lat).

    The 1:50m/1:110m TopoJSON `ocean` objects use spherical winding (a ring means "outside the
    coast"), which reads as land when taken as planar polygons; the land objects read fine.
    """
    return np.array([shapely.box(-180.0, -90.0, 180.0, 90.0).difference(shapely.union_all(land))], dtype=object)


def split_on_grid(geoms: np.ndarray, z: int = SPLIT_ZOOM, max_vertices: int = SPLIT_VERTICES) -> np.ndarray:
    """Cut geometries with more than `max_vertices` along the tile grid of zoom `z`.

    The one-piece 10m ocean is otherwise simplified and clipped as a whole; the cuts fall on
    tile edges, so no seam is drawn inside a tile from zoom `z` on.
    """
    big = shapely.get_num_coordinates(geoms) > max_vertices
    if not big.any():
        return geoms
    pieces = [geoms[~big]]
    for tile in mercantile.tiles(-180.0, -85.0, 180.0, 85.0, [z]):
        pieces.append(shapely.clip_by_rect(geoms[big], *tile_box(tile, 0.0)))
    out = shapely.get_parts(shapely.get_parts(np.concatenate(pieces)))
    want = 3 if shapely.get_type_id(geoms[big][0]) in (3, 6) else 1
    return out[shapely.get_type_id(out) == want]


@dataclass(frozen=True, slots=True)
class Label:
    """A labelled point: shown from `minzoom`; lower `sort_key` is drawn (and placed) first."""

    lon: float
    lat: float
    minzoom: int
    sort_key: tuple
    props: Mapping[str, object]
    thinned: bool = False       # at most one thinned label per grid cell (see `thin`)


def generalise(source: Source, z: int) -> np.ndarray:
    """The source's geometries simplified for zoom `z`, tiny polygons dropped."""
    unit = unit_size(z)
    # Douglas-Peucker then repair: topology-preserving simplification of the one-piece
    # 10m ocean takes a minute per zoom, this takes a second.
    geoms = shapely.simplify(source.geoms, SIMPLIFY_UNITS * unit, preserve_topology=False)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    geoms[polygonal] = shapely.make_valid(geoms[polygonal])
    geoms = shapely.get_parts(shapely.get_parts(geoms))
    geoms = geoms[np.isin(shapely.get_type_id(geoms), (1, 3))]
    polygonal = shapely.get_type_id(geoms) == 3
    too_small = polygonal & (shapely.area(geoms) < MIN_AREA_UNITS * unit * unit)
    return geoms[~too_small]


def layers_for_zoom(sources: Iterable[Source], labels: Mapping[str, Iterable[Label]], z: int) -> dict[str, Features]:
    """Every layer's features for zoom `z`, in `LAYER_ORDER`; layers with nothing are left out."""
    geoms: dict[str, list[np.ndarray]] = {}
    props: dict[str, list[Mapping]] = {}
    for source in sources:
        if source.minzoom <= z <= source.maxzoom:
            g = generalise(source, z)
            geoms.setdefault(source.layer, []).append(g)
            props.setdefault(source.layer, []).extend([source.props] * len(g))
    out = {name: Features(np.concatenate(geoms[name]), tuple(props[name])) for name in geoms}
    for name, items in labels.items():
        shown = thin(sorted((lb for lb in items if lb.minzoom <= z), key=lambda lb: lb.sort_key), z)
        if shown:
            points = shapely.points([(lb.lon, lb.lat) for lb in shown])
            out[name] = project_features(points, tuple(lb.props for lb in shown))
    return {name: out[name] for name in LAYER_ORDER if name in out and len(out[name])}


def thin(labels: list[Label], z: int) -> list[Label]:
    """Drop each thinned label whose grid cell (1/8 tile, 64 px on a 512 px tile) already has one.

    `labels` come most important first, so the biggest place of a cell wins; this keeps a z6
    tile over the Ruhr or the Netherlands to at most 64 settlements and the same everywhere.
    """
    taken: set[mercantile.Tile] = set()
    kept = []
    for label in labels:
        if label.thinned:
            cell = mercantile.tile(label.lon, label.lat, z + THIN_CELL_ZOOMS)
            if cell in taken:
                continue
            taken.add(cell)
        kept.append(label)
    return kept


def _names(own: Mapping[str, str], name: str) -> dict[str, str]:
    """OpenMapTiles name fields: `name`, `name_en` and `name:xx` for the languages we carry."""
    fields = {"name": name, "name_en": own.get("en") or name}
    fields.update({f"name:{lang}": own[lang] for lang in NAME_LANGS if own.get(lang)})
    return fields


def country_label(rec: Mapping) -> Label | None:
    """The label of a Natural Earth admin-0 record (LABEL_X/LABEL_Y, MIN_LABEL, LABELRANK)."""
    if not rec.get("NAME"):
        return None
    own = {lang: rec.get(f"NAME_{lang.upper()}") or "" for lang in NAME_LANGS}
    own["en"] = rec["NAME"]                    # NAME_EN is often the long form ("People's Republic of China")
    rank = max(1, min(6, int(rec["LABELRANK"])))
    props: dict[str, object] = {"class": "country", **_names(own, rec["NAME"]), "rank": rank}
    if rec.get("ISO_A2_EH") and rec["ISO_A2_EH"] != "-99":
        props["iso_a2"] = rec["ISO_A2_EH"]
    population = int(rec.get("POP_EST") or 0)
    if population > 0:
        props["population"] = population
    minzoom = max(0, math.floor(float(rec["MIN_LABEL"])) - 1)
    return Label(float(rec["LABEL_X"]), float(rec["LABEL_Y"]), minzoom, (0, rank, -population, rec["NAME"]), props)


def state_label(rec: Mapping) -> Label | None:
    """The label of a Natural Earth admin-1 record (latitude/longitude, min_zoom, labelrank)."""
    name = rec.get("name")
    if not name or rec.get("latitude") is None or rec.get("longitude") is None:
        return None
    own = {lang: rec.get(f"name_{lang}") or "" for lang in NAME_LANGS}
    rank = max(1, min(6, int(rec.get("labelrank") or 6)))
    props = {"class": "state", **_names(own, name), "rank": rank}
    minzoom = max(STATE_MINZOOM, math.floor(float(rec.get("min_zoom") or 99)))
    return Label(float(rec["longitude"]), float(rec["latitude"]), minzoom, (1, rank, 0, name), props)


def city_rank(population: int, capital: int) -> int:
    """OpenMapTiles-style rank from 1 (largest) to 11; national capitals move up two steps.

    >>> city_rank(2_100_000, 2), city_rank(2_100_000, 0)
    (1, 3)
    """
    bands = (10_000_000, 5_000_000, 2_000_000, 1_000_000, 500_000, 200_000, 100_000, 50_000, 20_000, 10_000)
    rank = next((i + 1 for i, floor in enumerate(bands) if population >= floor), len(bands) + 1)
    return max(1, rank - 2) if capital == 2 else rank


def city_minzoom(population: int, capital: int) -> int | None:
    """First zoom a place is labelled at, by population and capital status; None if never (up to z7)."""
    minzoom = next((z for z, floor in CITY_MIN_POPULATION if population >= floor), None)
    if capital == 2:
        return min(minzoom if minzoom is not None else CAPITAL_MINZOOM, CAPITAL_MINZOOM)
    if capital == 4:
        return min(minzoom if minzoom is not None else ADMIN1_SEAT_MINZOOM, ADMIN1_SEAT_MINZOOM)
    return minzoom


def place_class(population: int, capital: int) -> str:
    """city (capitals and 100k+), town (10k+), village (the rest), as OpenMapTiles."""
    if capital == 2 or population >= 100_000:
        return "city"
    return "town" if population >= 10_000 else "village"


def city_label(place: PlaceRow) -> Label | None:
    """The label of a populated place from the places database."""
    capital = {"PPLC": 2, "PPLA": 4}.get(place.feature_code, 0)
    minzoom = city_minzoom(place.population, capital)
    if minzoom is None:
        return None
    rank = city_rank(place.population, capital)
    props: dict[str, object] = {"class": place_class(place.population, capital), **_names(place.names, place.name), "rank": rank}
    if capital:
        props["capital"] = capital
    props["population"] = place.population
    return Label(place.lon, place.lat, minzoom, (2, rank, -place.population, place.geonameid), props, thinned=True)


def water_label(water: WaterName) -> Label:
    """The label of a hand-placed ocean, sea or lake name."""
    props = {"class": water.cls, "name": water.name, "name_en": water.name}
    order = {"ocean": 0, "sea": 1, "lake": 2}[water.cls]
    return Label(water.lon, water.lat, water.minzoom, (order, water.minzoom, water.name), props)


def labels_from(records: Iterable, make) -> list[Label]:
    """`make(record)` for each record, skipping those without a label."""
    return [label for label in map(make, records) if label is not None]
