"""The sub-cells give exactly the polygons' answer wherever they answer, and say UNKNOWN elsewhere."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from service.geocode import crossings
from service.geocode.crossings import CrossedCells
from service.geocode.engine import BORDER_KM, BORDER_PROBES, SEA_KM, SEA_PER_RING, SEA_PROBES, SEA_RINGS
from service.geocode.grid import CELL, MIXED, RegionGrid
from service.geocode.regions import Regions, containments, nearest_ring_hit
from service.geocode.store import RegionRecord
from service.geocode.subgrid import NONE, SUB, UNKNOWN, SubGrid

from .test_grid import PLACES, regions_of


@pytest.fixture(scope="module")
def real() -> tuple[Regions, RegionGrid, SubGrid]:
    regions = regions_of(PLACES)
    grid = RegionGrid(regions, BORDER_KM, SEA_KM, list_km=SEA_RINGS[0])
    return regions, grid, SubGrid(regions, grid)


def points_in_listed_cells(grid: RegionGrid, n: int, seed: int) -> np.ndarray:
    """Random points in the grid's listed cells, a quarter of them exactly on sub-cell edges."""
    rng = np.random.default_rng(seed)
    cells = rng.choice(grid.listed_cells(), n)
    offset = rng.random((n, 2)) * CELL
    edge = rng.random(n) < 0.25
    offset[edge] = np.floor(offset[edge] / SUB) * SUB
    return np.column_stack([-180.0 + (cells % grid.width) * CELL + offset[:, 0],
                            -90.0 + (cells // grid.width) * CELL + offset[:, 1]])


def polygon_answer(regions: Regions, lng: float, lat: float) -> tuple[int, int]:
    """(country, admin-1) region containing the point by polygon tests: the lowest part of each level."""
    found = regions.locate(lng, lat, np.zeros((1, 2)))
    return (found.country_at if found.country_at is not None else NONE,
            found.admin1_at if found.admin1_at is not None else NONE)


def test_known_sub_cells_agree_with_the_polygons_on_the_real_data(real):
    regions, grid, sub = real
    points = points_in_listed_cells(grid, 6000, seed=1)
    known = 0
    for lng, lat in points.tolist():
        country, admin1 = sub.at(lng, lat)
        expected = polygon_answer(regions, lng, lat)
        if country != UNKNOWN:
            assert country == expected[0], (lng, lat)
        if admin1 != UNKNOWN:
            assert admin1 == expected[1], (lng, lat)
        known += country != UNKNOWN and admin1 != UNKNOWN
    assert known > 0.7 * len(points)          # most of a boundary cell is away from the boundary


def test_locate_and_snap_agree_with_the_polygons_on_the_real_data(real):
    regions, grid, sub = real
    sea = 0
    for lng, lat in points_in_listed_cells(grid, 3000, seed=2).tolist():
        found = sub.locate(lng, lat, BORDER_PROBES, grid.slot(lng, lat))
        assert found == regions.locate(lng, lat, BORDER_PROBES), (lng, lat)
        if found.country_at is None:
            assert sub.snap(lng, lat, SEA_PROBES, SEA_PER_RING) == \
                regions.snap(lng, lat, SEA_PROBES, SEA_PER_RING), (lng, lat)
            sea += 1
    assert sea > 300


def test_sub_cells_agree_with_the_polygons_on_the_fixture_world(places_file: Path):
    regions = regions_of(places_file)
    grid = RegionGrid(regions, BORDER_KM, SEA_KM, list_km=SEA_RINGS[0])
    sub = SubGrid(regions, grid)
    for lng, lat in points_in_listed_cells(grid, 3000, seed=3).tolist():
        assert sub.locate(lng, lat, BORDER_PROBES, grid.slot(lng, lat)) == regions.locate(lng, lat, BORDER_PROBES)
        assert sub.snap(lng, lat, SEA_PROBES, SEA_PER_RING) == regions.snap(lng, lat, SEA_PROBES, SEA_PER_RING)


def square(level: int, code: str, x0: float, y0: float, x1: float, y1: float) -> RegionRecord:
    return RegionRecord(level, code, None if level == 0 else f"{code}.01", code, shapely.box(x0, y0, x1, y1).wkb)


def test_where_two_parts_overlap_the_polygons_decide():
    regions = Regions([square(0, "AA", 10.0, 10.0, 10.5, 10.5), square(0, "BB", 10.3, 10.0, 11.0, 10.5)])
    grid = RegionGrid(regions, BORDER_KM, SEA_KM)
    sub = SubGrid(regions, grid)
    assert sub.at(10.4, 10.25)[0] == UNKNOWN                # inside both
    assert sub.at(10.12, 10.25) == (0, NONE)                # AA alone, a sub-cell from any edge
    assert sub.at(10.8, 10.25) == (1, NONE)
    assert sub.at(11.2, 10.25) == (NONE, NONE)              # sea beside them
    assert sub.at(10.5, 10.25)[0] == UNKNOWN                # on an edge



def test_vectorised_hits_fold_like_the_polygons_on_the_real_data(real):
    """The batch path: probes answered by the sub-cells where known, tested where not."""
    regions, grid, sub = real
    points = np.vstack([points_in_listed_cells(grid, 3000, seed=4),
                        [[179.99, -17.0], [-179.99, -17.0], [10.0, 89.99], [0.0, -89.99]]])
    lng, lat = points[:, 0], points[:, 1]
    assert containments(regions, sub.hits(lng, lat, BORDER_PROBES), len(points)) == \
        containments(regions, regions.hits(lng, lat, BORDER_PROBES), len(points))
    assert nearest_ring_hit(sub.hits(lng, lat, SEA_PROBES, level=0), len(points), SEA_PER_RING) == \
        nearest_ring_hit(regions.hits(lng, lat, SEA_PROBES, level=0), len(points), SEA_PER_RING)


def crossed_answer(grid: RegionGrid, sub: SubGrid, lng: float, lat: float, level: int) -> list[int] | None:
    """CrossedCells.regions_at() for a point of a listed cell (None where it defers to the polygons)."""
    row, col = int((lat + 90.0) / SUB), int((lng + 180.0) / SUB)
    slot = grid.slot(lng, lat)
    return sub.crossed.regions_at(lng, lat, MIXED - 1 - slot, row, col, level == 0, level == 1)


def test_crossed_sub_cells_count_edges_like_the_polygons_on_the_real_data(real):
    """Random points, points within 1e-9..1e-3 degree of boundary vertices, and the vertices
    themselves: every answer the edges give is the polygons' answer, and they give most."""
    regions, grid, sub = real
    rng = np.random.default_rng(6)
    vertices = shapely.get_coordinates(shapely.get_rings(regions.parts))
    vertices = vertices[rng.integers(0, len(vertices), 4000)]
    angle = rng.uniform(0, 2 * np.pi, 4000)
    step = 10.0 ** rng.uniform(-9, -3, 4000)
    near = vertices + np.column_stack([np.cos(angle), np.sin(angle)]) * step[:, None]
    for points, share in ((points_in_listed_cells(grid, 20000, seed=5), 0.999), (near, 0.6), (vertices[:500], 0.0)):
        points = points[grid.slots(points[:, 0], points[:, 1]) < MIXED]
        asked = answered = 0
        for lng, lat in points.tolist():
            for level, known in enumerate(sub.at(lng, lat)):
                if known != UNKNOWN:
                    continue
                found = crossed_answer(grid, sub, lng, lat, level)
                asked += 1
                if found is not None:
                    answered += 1
                    assert found == regions.point_hits(np.array([lng]), np.array([lat]), level)[1].tolist(), (lng, lat)
        assert asked > 300 and answered >= share * asked, (asked, answered)


def test_the_compiled_edge_count_is_built_and_answers_like_the_python_loop(real):
    """The instance's regions_at is _crossings.c's; CrossedCells.regions_at is its reference. Same
    answers (None included) for either level and both at once, at random points and next to and
    on boundary vertices."""
    regions, grid, sub = real
    assert crossings.Crossings is not None, "service/geocode/_crossings.c was not built: pip install -e . with gcc"
    rng = np.random.default_rng(8)
    vertices = shapely.get_coordinates(shapely.get_rings(regions.parts))
    vertices = vertices[rng.integers(0, len(vertices), 3000)]
    angle = rng.uniform(0, 2 * np.pi, 3000)
    near = vertices + np.column_stack([np.cos(angle), np.sin(angle)]) * 10.0 ** rng.uniform(-9, -3, 3000)[:, None]
    points = np.vstack([points_in_listed_cells(grid, 20000, seed=9), near, vertices[:300]])
    points = points[(grid.slots(points[:, 0], points[:, 1]) < MIXED) & (points[:, 0] < 180.0) & (points[:, 1] < 90.0)]
    answers = []
    for lng, lat in points.tolist():
        row, col = int((lat + 90.0) / SUB), int((lng + 180.0) / SUB)
        number = MIXED - 1 - grid.slot(lng, lat)
        for levels in ((True, False), (False, True), (True, True)):
            compiled = sub.crossed.regions_at(lng, lat, number, row, col, *levels)
            assert compiled == CrossedCells.regions_at(sub.crossed, lng, lat, number, row, col, *levels), (lng, lat)
            answers.append(compiled)
    assert sum(a is None for a in answers) > 1000 and sum(bool(a) for a in answers) > 10000
    assert any(a is not None and len(a) == 2 for a in answers)          # both levels in one answer


def test_the_compiled_edge_count_refuses_tables_that_do_not_match(real):
    """It reads CrossedCells' arrays in place, so it checks them once: an index past an end fails."""
    regions, _, sub = real
    crossed = sub.crossed
    tables = dict(cells=np.asarray(crossed._cells), head=np.asarray(crossed._head),
                  entries=np.asarray(crossed._entries), xy=np.asarray(crossed._xy),
                  vertex_part=np.asarray(crossed._vertex_part),
                  region_of=np.asarray(regions.part_region, dtype=np.int32))
    shape = dict(side=4, sub=SUB, start_shift=crossed._start_shift, count_shift=crossed._count_shift,
                 part_bits=crossed._part_bits, mask_span=crossings.MASK_SPAN, line_slack=crossings.LINE_SLACK,
                 floor=crossings.FLOOR, length_slack=crossings.LENGTH_SLACK)
    crossings.Crossings(**tables, **shape)
    broken = {"entries": len(tables["xy"]), "cells": 1 << 62, "region_of": -1, "vertex_part": len(regions.parts)}
    for name, value in broken.items():
        bad = tables[name].copy()
        bad[-1] = value
        with pytest.raises(ValueError, match=name):
            crossings.Crossings(**{**tables, name: bad}, **shape)
    head = tables["head"].copy()
    head[[0, -1]] = head[[-1, 0]]
    with pytest.raises(ValueError, match="head"):
        crossings.Crossings(**{**tables, "head": head}, **shape)
    with pytest.raises(ValueError, match="xy"):
        crossings.Crossings(**{**tables, "xy": tables["xy"][:-2]}, **shape)
    with pytest.raises(ValueError, match="range"):
        crossings.Crossings(**tables, **{**shape, "part_bits": 40})
    with pytest.raises(ValueError, match="out of range"):
        sub.crossed.regions_at(0.0, 0.0, len(tables["cells"]), 0, 0, True, False)


def test_crossed_sub_cells_defer_on_edges_and_overlaps():
    """Beside an edge the edges answer; on it, or where a sub-cell's centre lies on an edge or in
    two parts of one level, the polygons decide."""
    centre_column = 10.0 + 2.5 * SUB                 # AA | BB: every sub-cell centre of a column lies on it
    regions = Regions([square(0, "AA", 9.5, 9.5, centre_column, 10.6), square(0, "BB", centre_column, 9.5, 10.9, 10.6),
                       square(1, "AA", 9.5, 9.5, 10.3, 10.6), square(1, "BB", 10.25, 9.5, 10.9, 10.6)])  # overlapping
    grid = RegionGrid(regions, BORDER_KM, SEA_KM)
    sub = SubGrid(regions, grid)
    y = 10.0 + 0.3 * SUB
    assert crossed_answer(grid, sub, centre_column - SUB / 3, y, 0) is None
    assert crossed_answer(grid, sub, centre_column + SUB / 3, y, 0) is None
    assert crossed_answer(grid, sub, 10.25 - 1e-6, y, 1) == [2]            # the sub-cell's centre is in AA only
    assert crossed_answer(grid, sub, 10.3 + 1e-6, y, 1) == [3]             # ... in BB only
    assert crossed_answer(grid, sub, 10.3, y, 1) is None                   # on BB's edge
    assert crossed_answer(grid, sub, 10.25 + 1e-6, y, 1) is None           # the centre is in both
