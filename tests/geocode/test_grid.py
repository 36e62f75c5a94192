"""The region grid gives exactly the polygons' answer wherever it answers at all."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from service.geocode import store
from service.geocode.store import RegionRecord
from service.geocode.engine import BORDER_KM, BORDER_PROBES, SEA_KM, Geocoder
from service.geocode.grid import MAX_LAT, MIXED, OPEN_SEA, RegionGrid
from service.geocode.place import LngLat
from service.geocode.regions import Regions

PLACES = Path(__file__).resolve().parents[2] / "data" / "places.sqlite"


def regions_of(path: Path) -> Regions:
    conn = store.connect(path)
    try:
        return Regions(store.load_regions(conn))
    finally:
        conn.close()


def random_points(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.column_stack([rng.uniform(-180, 180, n), np.degrees(np.arcsin(rng.uniform(-1, 1, n)))])


def assert_grid_agrees(regions: Regions, grid: RegionGrid, lng_lat: np.ndarray) -> int:
    """Every point the grid answers gets the polygons' Containment; returns how many it answered."""
    slots = grid.slots(lng_lat[:, 0], lng_lat[:, 1])
    answered = 0
    for (lng, lat), slot in zip(lng_lat.tolist(), slots.tolist()):
        assert slot == grid.slot(lng, lat)
        if slot >= 0:
            assert grid.answers[slot] == regions.locate(lng, lat, BORDER_PROBES), (lng, lat)
            answered += 1
        elif slot < MIXED:                     # a listed cell: its nearby parts give the index's answer
            assert regions.locate(lng, lat, BORDER_PROBES, grid.parts_near(slot)) == \
                regions.locate(lng, lat, BORDER_PROBES), (lng, lat)
    return answered


def test_the_grid_agrees_with_the_polygons_on_the_fixture_world(places_file: Path):
    regions = regions_of(places_file)
    grid = RegionGrid(regions, BORDER_KM, SEA_KM)
    near_fixture_boxes = np.column_stack([np.random.default_rng(1).uniform(-126, -60, 3000),
                                          np.random.default_rng(2).uniform(14, 50, 3000)])
    points = np.vstack([random_points(3000, seed=3), near_fixture_boxes, [[179.99, -17.0], [-179.99, -17.0]]])
    assert assert_grid_agrees(regions, grid, points) > 2000


def test_points_near_a_border_or_coast_are_left_to_the_polygons(places_file: Path):
    grid = RegionGrid(regions_of(places_file), BORDER_KM, SEA_KM)
    assert grid.slot(-84.5125, 39.1016) < MIXED           # 0.4 km from the fixture's Ohio/Kentucky line: listed
    assert grid.slot(-100.0, 40.0) > OPEN_SEA
    assert grid.slot(0.0, 89.5) == MIXED                   # beyond MAX_LAT: always the index query
    assert grid.slot(0.0, 85.0) == OPEN_SEA                # the Arctic Ocean, far from any coast
    assert grid.slot(-150.0, 0.0) == OPEN_SEA


def test_open_sea_cells_have_no_country_to_snap_to(geocoder: Geocoder):
    assert geocoder.wait_ready()
    assert geocoder.reverse(LngLat(-150.0, 0.0)).country_code is None


def test_the_grid_agrees_with_the_polygons_on_the_real_data():
    regions = regions_of(PLACES)
    grid = RegionGrid(regions, BORDER_KM, SEA_KM)
    assert assert_grid_agrees(regions, grid, random_points(1500, seed=7)) > 1000


def test_the_grid_agrees_with_the_polygons_near_the_poles():
    """Up to MAX_LAT a probe 2 km east reaches ~0.2 degree of longitude at 85 degrees: the cells
    beside a north-south border must stay with the polygons. Two countries meet at 10 E from 80 N
    to the pole, and at 10 W in the south."""
    boxes = [("AA", 0.0, 80.0, 10.0, 90.0), ("BB", 10.0, 80.0, 20.0, 90.0),
             ("CC", -20.0, -90.0, -10.0, -80.0), ("DD", -10.0, -90.0, 0.0, -80.0)]
    regions = Regions([RegionRecord(0, code, None, code, shapely.box(x0, y0, x1, y1).wkb)
                       for code, x0, y0, x1, y1 in boxes])
    grid = RegionGrid(regions, BORDER_KM, SEA_KM)
    rng = np.random.default_rng(8)
    lat = rng.uniform(80.5, MAX_LAT, 4000) * np.repeat([1.0, -1.0], 2000)
    lng = np.sign(lat) * 10.0 + rng.uniform(-1.0, 1.0, 4000)
    assert assert_grid_agrees(regions, grid, np.column_stack([lng, lat])) > 2000


def test_answers_are_the_same_with_and_without_the_grid(places_file: Path):
    with_grid, polygons_only = Geocoder.open(places_file), Geocoder.open(places_file, region_grid=False)
    assert with_grid.wait_ready() and not polygons_only.wait_ready()
    points = [LngLat(float(lng), float(lat)) for lng, lat in random_points(300, seed=11)]
    expected = polygons_only.reverse_many(points)
    assert with_grid.reverse_many(points) == expected
    assert [with_grid.reverse(p) for p in points] == expected
    with_grid.close()
    polygons_only.close()
