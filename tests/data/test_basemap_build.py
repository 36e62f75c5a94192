"""The basemap pipeline on tiny hand-made shapes: no downloads, a real MBTiles file in tmp_path."""
from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

import mapbox_vector_tile
import numpy as np
import pytest
import shapely

from data.build.basemap import build_tiles, vector_layers
from data.build.basemap_layers import (
    Label,
    city_label,
    city_minzoom,
    city_rank,
    make_source,
    ocean_from_land,
    place_class,
    split_on_grid,
    thin,
    water_label,
)
from data.build.basemap_mbtiles import vector_metadata, write_mbtiles
from data.build.basemap_mvt import encode_geometry, encode_layers
from data.build.basemap_readers import PlaceRow, cut_antimeridian, read_places, read_topojson
from data.build.basemap_water_names import WaterName
from service.geocode.schema import create

OCEAN = {"class": "ocean"}
BORDER = {"admin_level": 2, "disputed": 0, "maritime": 0}


def geoms(*shapes) -> np.ndarray:
    return np.array(shapes, dtype=object)


def tiny_sources():
    """An ocean with a square island east of Greenwich, and a border running north-south at 5 deg E."""
    island = shapely.box(1.0, 40.0, 9.0, 50.0)
    ocean = shapely.box(-180, -85, 180, 85).difference(island)
    border = shapely.LineString([(5.0, 41.0), (5.0, 49.0)])
    return [
        make_source("water", OCEAN, 0, 3, geoms(ocean)),
        make_source("boundary", BORDER, 1, 3, geoms(border)),
    ]


def tiny_labels():
    paris = PlaceRow(1, "Paris", 2.35, 48.85, "PPLC", "FR", 2_100_000, {"en": "Paris", "de": "Paris"})
    small = PlaceRow(2, "Smallville", 7.0, 45.0, "PPL", "FR", 40_000, {})
    return {
        "water_name": [water_label(WaterName("Test Sea", "sea", 1, -20.0, 30.0))],
        "place": [city_label(small), city_label(paris)],
    }


def decode(data: bytes) -> dict:
    return mapbox_vector_tile.decode(gzip.decompress(data))


@pytest.fixture(scope="module")
def tiles():
    return build_tiles(tiny_sources(), tiny_labels(), 0, 3)


def find(tiles, z, x, y) -> dict:
    return next(decode(data) for tz, tx, ty, data in tiles if (tz, tx, ty) == (z, x, y))


def test_every_zoom_has_tiles_and_none_is_out_of_range(tiles):
    zooms = {z for z, *_ in tiles}
    assert zooms == {0, 1, 2, 3}
    assert all(0 <= x < 2**z and 0 <= y < 2**z for z, x, y, _ in tiles)


def test_world_ocean_covers_all_tiles_of_a_zoom(tiles):
    assert sum(1 for z, *_ in tiles if z == 2) == 16


def test_polygon_with_a_hole_decodes_as_one_polygon_with_its_hole(tiles):
    layer = find(tiles, 0, 0, 0)["water"]
    [ocean] = layer["features"]
    assert ocean["properties"] == {"class": "ocean"}
    assert ocean["geometry"]["type"] == "Polygon"
    assert len(ocean["geometry"]["coordinates"]) == 2         # exterior + the island hole


def test_layers_start_at_their_source_minzoom(tiles):
    assert "boundary" not in find(tiles, 0, 0, 0)
    assert find(tiles, 1, 1, 0)["boundary"]["features"][0]["properties"] == BORDER


def test_city_label_lands_in_its_tile_with_openmaptiles_fields(tiles):
    place = find(tiles, 3, 4, 2)["place"]                      # Paris: z3 tile x=4, y=2
    paris = next(f for f in place["features"] if f["properties"]["name"] == "Paris")
    assert paris["properties"] == {
        "class": "city", "name": "Paris", "name_en": "Paris", "name:de": "Paris", "name:en": "Paris",
        "rank": 1, "capital": 2, "population": 2_100_000,
    }
    assert paris["geometry"]["type"] == "Point"


def test_small_places_wait_for_their_zoom(tiles):
    names = {f["properties"]["name"] for f in find(tiles, 3, 4, 2)["place"]["features"]}
    assert "Smallville" not in names                           # 40k people: from z6 on


def test_water_name_layer_has_class_and_name(tiles):
    [sea] = find(tiles, 1, 0, 0)["water_name"]["features"]
    assert sea["properties"] == {"class": "sea", "name": "Test Sea", "name_en": "Test Sea"}


def test_features_crossing_a_tile_edge_reach_into_the_buffer(tiles):
    # The ocean fills the z3 tile around Paris and is clipped 64 units beyond each edge.
    coords = find(tiles, 3, 4, 2)["water"]["features"][0]["geometry"]["coordinates"]
    xs = [x for ring in coords for x, _ in ring]
    assert min(xs) < 0 and max(xs) > 4096


def test_same_inputs_give_same_tile_bytes(tiles):
    assert build_tiles(tiny_sources(), tiny_labels(), 0, 3) == tiles


def test_mbtiles_uses_tms_rows_and_metadata(tiles, tmp_path: Path):
    layers = vector_layers(0, 3, tiles)
    meta = vector_metadata(name="t", description="d", version="1", attribution="a", minzoom=0, maxzoom=3, vector_layers=layers)
    out = tmp_path / "t.mbtiles"
    count = write_mbtiles(out, meta, tiles)
    with sqlite3.connect(out) as conn:
        rows = {(z, x, r) for z, x, r in conn.execute("SELECT zoom_level, tile_column, tile_row FROM tiles")}
        stored = dict(conn.execute("SELECT name, value FROM metadata"))
    assert count == len(tiles) == len(rows)
    assert (1, 0, 1) in rows and (1, 0, 0) in rows             # z1 y=0 is TMS row 1
    assert stored["format"] == "pbf"
    ids = {layer["id"]: layer for layer in json.loads(stored["json"])["vector_layers"]}
    assert set(ids) == {"water", "boundary", "water_name", "place"}
    assert ids["boundary"]["minzoom"] == 1 and ids["water"]["maxzoom"] == 3


def test_write_is_byte_identical_for_the_same_tiles(tiles, tmp_path: Path):
    meta = vector_metadata(name="t", description="d", version="1", attribution="a", minzoom=0, maxzoom=3, vector_layers=[])
    write_mbtiles(tmp_path / "a.mbtiles", meta, tiles)
    write_mbtiles(tmp_path / "b.mbtiles", meta, list(reversed(tiles)))
    assert (tmp_path / "a.mbtiles").read_bytes() == (tmp_path / "b.mbtiles").read_bytes()


def test_line_encoding_matches_the_mvt_spec_example():
    kind, stream = encode_geometry(shapely.LineString([(2, 2), (2, 10), (10, 10)]))
    assert (kind, stream) == (2, [9, 4, 4, 18, 0, 16, 16, 0])


def test_polygon_encoding_matches_the_mvt_spec_example():
    kind, stream = encode_geometry(shapely.Polygon([(3, 6), (8, 12), (20, 34)]))
    assert (kind, stream) == (3, [9, 6, 12, 18, 10, 12, 24, 44, 15])


def test_wrongly_wound_polygon_is_reoriented_so_its_hole_stays_a_hole():
    shell = [(0, 0), (0, 100), (100, 100), (100, 0)]            # clockwise (y up): wrong for MVT
    hole = [(10, 10), (90, 10), (90, 90), (10, 90)]
    pbf = encode_layers([("t", [(shapely.Polygon(shell, [hole]), {})])], 4096)
    [feature] = mapbox_vector_tile.decode(pbf, default_options={"y_coord_down": True})["t"]["features"]
    assert feature["geometry"]["type"] == "Polygon"
    assert len(feature["geometry"]["coordinates"]) == 2


@pytest.mark.parametrize(
    ("population", "capital", "minzoom"),
    [(5_000_000, 0, 2), (1_500_000, 0, 3), (400_000, 0, 4), (150_000, 0, 5), (40_000, 0, 6),
     (20_000, 0, 7), (5_000, 0, None), (5_000, 2, 2), (5_000, 4, 6), (2_000_000, 4, 3)],
)
def test_city_minzoom_by_population_and_capital(population, capital, minzoom):
    assert city_minzoom(population, capital) == minzoom


def test_rank_and_class_follow_population():
    assert city_rank(12_000_000, 0) == 1 and city_rank(15_000, 0) == 10
    assert place_class(150_000, 0) == "city" and place_class(15_000, 0) == "town"
    assert place_class(5_000, 0) == "village" and place_class(5_000, 2) == "city"


def test_topojson_reader_decodes_delta_arcs_and_reversed_rings():
    topo = {
        "transform": {"scale": [1, 1], "translate": [10, 20]},
        "arcs": [[[0, 0], [4, 0], [0, 4]], [[0, 0], [0, 4], [4, 0]]],   # two halves of a square, delta-coded
        "objects": {"sq": {"type": "GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[0, ~1]]}]}},
    }
    [square] = read_topojson(json.dumps(topo).encode(), "sq")
    assert square.area == 16 and square.bounds == (10, 20, 14, 24)


def test_places_reader_keeps_big_places_and_capitals_but_not_city_sections(tmp_path: Path):
    conn = sqlite3.connect(tmp_path / "p.sqlite")
    create(conn)
    rows = [
        (1, "Paris", "Paris", 48.85, 2.35, "PPLC", "FR", None, None, 2_100_000, None),
        (2, "Vaduz", "Vaduz", 47.14, 9.52, "PPLC", "LI", None, None, 5_000, None),
        (3, "Hamlet", "Hamlet", 45.0, 5.0, "PPL", "FR", None, None, 300, None),
        (4, "München", "Muenchen", 48.14, 11.58, "PPLA", "DE", None, None, 1_500_000, None),
        (5, "New South Memphis", "New South Memphis", 35.09, -90.06, "PPLX", "US", None, None, 641_608, None),
    ]
    conn.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO names VALUES (?,?,?)", [(4, "en", "Munich"), (4, "en", "Munchen"), (4, "fr", "Munich")])
    places = {p.name: p for p in read_places(conn, min_population=15_000)}
    assert set(places) == {"Paris", "Vaduz", "München"}
    assert places["München"].names == {"en": "Munich", "fr": "Munich"}
    assert places["Paris"].names == {"en": "Paris"}               # falls back to the ASCII name


def test_label_sort_key_puts_bigger_places_first():
    labels = [Label(0, 0, 0, (2, 5, -1), {"name": "b"}), Label(0, 0, 0, (2, 1, -9), {"name": "a"})]
    assert [lb.props["name"] for lb in sorted(labels, key=lambda lb: lb.sort_key)] == ["a", "b"]


def test_huge_polygons_are_cut_on_the_tile_grid():
    disc = shapely.Point(0, 0).buffer(5_000_000, quad_segs=2_000)           # centred where four z1 tiles meet
    pieces = split_on_grid(geoms(disc), z=1, max_vertices=1_000)
    assert len(pieces) == 4
    assert sum(p.area for p in pieces) == pytest.approx(disc.area)


def test_thinning_keeps_the_biggest_settlement_of_a_grid_cell():
    big = city_label(PlaceRow(1, "Big", 8.000, 50.000, "PPL", "DE", 900_000, {}))
    near = city_label(PlaceRow(2, "Near", 8.001, 50.001, "PPL", "DE", 800_000, {}))
    far = city_label(PlaceRow(3, "Far", 12.0, 50.0, "PPL", "DE", 700_000, {}))
    kept = thin(sorted([near, far, big], key=lambda lb: lb.sort_key), 6)
    assert [lb.props["name"] for lb in kept] == ["Big", "Far"]


def test_ocean_is_the_world_minus_the_land():
    [ocean] = ocean_from_land(geoms(shapely.box(0, 0, 10, 10), shapely.box(5, 5, 20, 20)))
    assert ocean.area == pytest.approx(360 * 180 - 100 - 225 + 25)
    assert not ocean.contains(shapely.Point(7, 7)) and ocean.contains(shapely.Point(-50, 0))


def test_topojson_polygons_across_the_antimeridian_are_cut_not_wrapped_round_the_world():
    fiji = shapely.Polygon([(179, -17), (-179, -17), (-179, -16), (179, -16)])    # 2 degrees wide, not 358
    cut = cut_antimeridian(fiji)
    assert cut.area == pytest.approx(2.0)
    assert not cut.contains(shapely.Point(0, -16.5))


def test_polygons_along_the_antimeridian_line_are_left_alone():
    antarctica = shapely.Polygon([(-180, -85.6), (180, -85.6), (180, -70), (90, -65), (0, -70), (-90, -65), (-180, -70)])
    assert cut_antimeridian(antarctica).equals(antarctica)


def test_rings_stepping_along_the_180_line_itself_are_cut_too():
    fiji = shapely.Polygon([(179, -17), (180, -17), (-180, -17), (-179, -17), (-179, -16), (-180, -16), (180, -16), (179, -16)])
    assert cut_antimeridian(fiji).area == pytest.approx(2.0)
