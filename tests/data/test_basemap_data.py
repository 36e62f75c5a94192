"""Checks of the committed basemap `data/tiles/basemap.mbtiles` (built by `python -m data.build.basemap`)."""
from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import mapbox_vector_tile
import mercantile
import pytest

from service.tiles.mbtiles import tms_row

BASEMAP = Path(__file__).resolve().parents[2] / "data" / "tiles" / "basemap.mbtiles"
LAYERS = {"water", "waterway", "boundary", "water_name", "place"}


@pytest.fixture(scope="module")
def conn():
    connection = sqlite3.connect(f"file:{BASEMAP}?mode=ro", uri=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def meta(conn) -> dict[str, str]:
    return dict(conn.execute("SELECT name, value FROM metadata"))


def tile(conn, z: int, x: int, y: int) -> dict:
    row = conn.execute(
        "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?", (z, x, tms_row(z, y))
    ).fetchone()
    assert row is not None, f"no tile {z}/{x}/{y}"
    assert row[0][:2] == b"\x1f\x8b"
    return mapbox_vector_tile.decode(gzip.decompress(row[0]), default_options={"y_coord_down": True})


def test_metadata_describes_a_whole_world_vector_tileset(meta):
    assert meta["format"] == "pbf"
    assert int(meta["minzoom"]) == 0 and int(meta["maxzoom"]) >= 6
    assert [float(v) for v in meta["bounds"].split(",")] == pytest.approx([-180, -85.05113, 180, 85.05113])
    assert len(meta["center"].split(",")) == 3
    assert "Natural Earth" in meta["attribution"] and "GeoNames" in meta["attribution"]
    assert meta["name"] and meta["description"] and meta["version"]


def test_vector_layers_list_every_layer_with_fields_and_zooms(meta):
    layers = {layer["id"]: layer for layer in json.loads(meta["json"])["vector_layers"]}
    assert set(layers) == LAYERS
    assert {"class", "name", "name_en", "rank", "capital", "iso_a2", "population"} <= set(layers["place"]["fields"])
    assert {"admin_level", "disputed", "maritime"} <= set(layers["boundary"]["fields"])
    assert all(layer["minzoom"] <= layer["maxzoom"] for layer in layers.values())


def test_every_zoom_is_present(conn, meta):
    zooms = {z for (z,) in conn.execute("SELECT DISTINCT zoom_level FROM tiles")}
    assert zooms == set(range(int(meta["maxzoom"]) + 1))


def test_no_tile_lies_outside_its_zoom(conn):
    bad = conn.execute(
        "SELECT COUNT(*) FROM tiles WHERE tile_column < 0 OR tile_row < 0 "
        "OR tile_column >= (1 << zoom_level) OR tile_row >= (1 << zoom_level)"
    ).fetchone()[0]
    assert bad == 0


def test_z0_tile_has_the_world_layers(conn):
    world = tile(conn, 0, 0, 0)
    assert {"water", "boundary", "water_name", "place"} <= set(world)
    assert {f["properties"]["class"] for f in world["water"]["features"]} == {"ocean", "lake"}
    assert {f["properties"]["admin_level"] for f in world["boundary"]["features"]} == {2}
    countries = [f["properties"] for f in world["place"]["features"] if f["properties"]["class"] == "country"]
    assert any(c.get("iso_a2") == "BR" for c in countries)


def test_europe_z5_tile_has_every_layer_and_paris(conn):
    t = mercantile.tile(2.35, 48.85, 5)
    europe = tile(conn, 5, t.x, t.y)
    assert LAYERS - {"water_name"} <= set(europe)
    paris = [f for f in europe["place"]["features"] if f["properties"].get("name") == "Paris"]
    assert paris, "Paris label missing"
    props = paris[0]["properties"]
    assert props["class"] == "city" and props["capital"] == 2 and props["rank"] <= 3
    assert paris[0]["geometry"]["type"] == "Point"
    x, y = paris[0]["geometry"]["coordinates"]
    assert 0 <= x < 4096 and 0 <= y < 4096                    # inside its own tile, not only the buffer
    assert {f["properties"]["admin_level"] for f in europe["boundary"]["features"]} == {2, 4}


def test_country_labels_carry_iso_code_and_translations(conn):
    t = mercantile.tile(2.35, 48.85, 5)
    places = [f["properties"] for f in tile(conn, 5, t.x, t.y)["place"]["features"]]
    france = next(p for p in places if p["class"] == "country" and p.get("iso_a2") == "FR")
    assert france["name_en"] == "France" and france["name:de"] == "Frankreich"


def test_state_labels_appear_from_their_natural_earth_min_zoom(conn):
    t = mercantile.tile(-98.76, 31.13, 4)                       # Texas label point, NE min_zoom 2
    states = [f["properties"] for f in tile(conn, 4, t.x, t.y)["place"]["features"] if f["properties"]["class"] == "state"]
    assert any(s["name"] == "Texas" for s in states)


def test_settlement_labels_are_thinned_to_stay_readable(conn):
    t = mercantile.tile(7.0, 51.45, 6)                          # the Ruhr, the densest part of Europe
    places = tile(conn, 6, t.x, t.y)["place"]["features"]
    settlements = [f for f in places if f["properties"]["class"] in ("city", "town", "village")]
    assert 20 <= len(settlements) <= 80                         # one per 1/8-tile cell, plus the buffer


def test_largest_tile_stays_small(conn):
    assert conn.execute("SELECT MAX(LENGTH(tile_data)) FROM tiles").fetchone()[0] < 500_000
