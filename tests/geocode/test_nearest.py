"""Distances and nearest places on the sphere."""
from __future__ import annotations

from array import array

import numpy as np
import pytest

from service.geocode import nearest
from service.geocode.nearest import NearestPlaces, Spread, haversine_km, unit_xyz
from service.geocode.regions import COMPASS, offset_points, probe_offsets


@pytest.mark.parametrize("a, b, km", [
    ((2.3488, 48.85341), (-0.12574, 51.50853), 343.77),    # Paris - London
    ((179.9, 0.0), (-179.9, 0.0), 22.24),                  # across the antimeridian
    ((0.0, 90.0), (123.0, 90.0), 0.0),                     # the pole has every longitude
    ((0.0, 89.9), (180.0, 89.9), 22.24),                   # over the pole
    ((0.0, 0.0), (180.0, 0.0), 20015.1),                   # antipodes
])
def test_haversine(a, b, km):
    assert haversine_km(*a, *b) == pytest.approx(km, abs=0.1)


def test_unit_vectors_are_unit_and_lng_first():
    xyz = unit_xyz(np.array([90.0, 0.0]), np.array([0.0, 90.0]))
    assert np.allclose(xyz, [[0, 1, 0], [0, 0, 1]])


def test_places_within_a_radius_cross_the_antimeridian_and_the_pole():
    lng = np.array([179.95, -170.0, 0.0, 180.0])
    lat = np.array([-16.8, -16.8, 89.95, 89.9])
    index = NearestPlaces(lng, lat)
    [(km, row, position)] = index.within(-179.99, -16.8, 10.0)
    assert row == 0 and index.order[position] == 0 and km == pytest.approx(6.4, abs=0.1)
    assert [row for _, row, _ in index.within(100.0, 89.99, 20.0)] == [2, 3]
    owner, rows, km = index.within_many(np.array([-179.99, 100.0, 0.0]), np.array([-16.8, 89.99, 0.0]), 20.0)
    assert sorted(zip(owner.tolist(), rows.tolist())) == [(0, 0), (1, 2), (1, 3)]
    assert km[owner == 0][0] == pytest.approx(6.4, abs=0.1)


def destination(lng: np.ndarray, lat: np.ndarray, bearing: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray]:
    """The points `km` away from (lng, lat) along `bearing` (radians from north), on the sphere."""
    d = km / nearest.EARTH_RADIUS_KM
    phi, lam = np.radians(lat), np.radians(lng)
    phi2 = np.arcsin(np.sin(phi) * np.cos(d) + np.cos(phi) * np.sin(d) * np.cos(bearing))
    lam2 = lam + np.arctan2(np.sin(bearing) * np.sin(d) * np.cos(phi), np.cos(d) - np.sin(phi) * np.sin(phi2))
    return (np.degrees(lam2) + 180.0) % 360.0 - 180.0, np.degrees(phi2)


def test_a_cell_out_of_reach_of_every_place_answers_none_and_only_then():
    """Points just inside a radius of a place (every bearing; equator to pole; across the
    antimeridian) still find it once the reach cells are built; points far from any place find none."""
    rng = np.random.default_rng(12)
    lng = np.concatenate([rng.uniform(-180, 180, 300), rng.uniform(179.8, 180, 50) * rng.choice([-1, 1], 50)])
    lat = np.concatenate([rng.uniform(-89.9, 89.9, 300), rng.uniform(-70, 70, 50)])
    lat[:60] = rng.uniform(80, 89.95, 60) * rng.choice([-1, 1], 60)
    index = NearestPlaces(lng, lat)
    radii = (8.0, 22.2, 50.0)
    index.build_reach(radii)
    for km in radii:
        bearing = rng.uniform(0, 2 * np.pi, len(lng))
        bearing[::4] = np.pi / 2 * rng.integers(0, 4, len(bearing[::4]))     # due north, east, south, west
        x, y = destination(lng, lat, bearing, km * (1 - 1e-6))
        for i, (px, py) in enumerate(zip(x.tolist(), y.tolist())):
            assert i in [row for _, row, _ in index.within(px, py, km)], (km, lng[i], lat[i], px, py)
        far = np.column_stack([rng.uniform(-180, 180, 2000), rng.uniform(-90, 90, 2000)])
        for px, py in far.tolist():
            truth = np.flatnonzero(haversine_km(px, py, lng, lat) <= km)
            assert sorted(row for _, row, _ in index.within(px, py, km)) == truth.tolist()
    bits = np.asarray(index._reach)
    assert 0 < (bits & 1).mean() < 0.05                    # most cells are out of reach of these few places


@pytest.mark.parametrize("km", [0.5, 8.0, 22.2, 50.0, 400.0])
def test_the_buckets_find_exactly_the_places_within_a_radius(km: float):
    """Against brute force on random places and points, polar caps and the antimeridian included."""
    rng = np.random.default_rng(int(km * 10))
    lng, lat = rng.uniform(-180, 180, 4000), np.degrees(np.arcsin(rng.uniform(-1, 1, 4000)))
    lng[:300], lat[:300] = rng.uniform(179.5, 180, 300) * rng.choice([-1, 1], 300), rng.uniform(-60, 60, 300)
    lat[300:400] = rng.uniform(88, 90, 100)
    index = NearestPlaces(lng, lat)
    points = np.column_stack([lng[:600] + rng.normal(0, 0.2, 600), lat[:600] + rng.normal(0, 0.2, 600)])
    points[:, 0] = (points[:, 0] + 180) % 360 - 180
    points[:, 1] = np.clip(points[:, 1], -90, 90)
    owner, rows, distance = index.within_many(points[:, 0], points[:, 1], km)
    for i, (x, y) in enumerate(points.tolist()):
        truth = np.flatnonzero(haversine_km(x, y, lng, lat) <= km)
        found = index.within(x, y, km)
        assert sorted(row for _, row, _ in found) == sorted(truth.tolist()) == sorted(rows[owner == i].tolist())
        assert [d for d, _, _ in found] == sorted(d for d, _, _ in found)
        assert np.allclose([d for d, _, _ in found], haversine_km(x, y, lng[[r for _, r, _ in found]],
                                                                  lat[[r for _, r, _ in found]]), atol=1e-6)


@pytest.mark.parametrize("km", [8.0, 50.0, 400.0])
def test_the_numpy_pass_and_the_compiled_loop_find_the_plain_loops_places_and_distances_to_the_bit(
        km: float, monkeypatch):
    """near() hands many places to numpy (a Spread) and the others to the compiled loop, or to the
    plain one where that was not built; answers must not depend on which: the same places, the
    same float distances, the same order once sorted."""
    rng = np.random.default_rng(int(km))
    lng, lat = rng.uniform(-180, 180, 20000), np.degrees(np.arcsin(rng.uniform(-1, 1, 20000)))
    lng[:2000], lat[:2000] = rng.uniform(179.8, 180, 2000) * rng.choice([-1, 1], 2000), rng.uniform(-5, 5, 2000)
    lat[2000:2500] = rng.uniform(89, 90, 500)
    lng[2500:2600], lat[2500:2600] = 10.0, 45.0                  # one spot, many places: ties in km
    index = NearestPlaces(lng, lat)
    points = np.column_stack([lng[:3000:3] + rng.normal(0, 0.1, 1000), lat[:3000:3] + rng.normal(0, 0.1, 1000)])
    points[:, 0] = (points[:, 0] + 180) % 360 - 180
    points[:, 1] = np.clip(points[:, 1], -90, 90)
    points = np.vstack([points, [[10.01, 45.0], [10.0, 45.0]]])
    monkeypatch.setattr(nearest, "MANY", 10**9)
    monkeypatch.setattr(nearest, "COMPILED_MANY", 10**9)
    compiled = [index.within(x, y, km) for x, y in points.tolist()]
    monkeypatch.setattr(index, "_compiled", None)
    plain = [index.within(x, y, km) for x, y in points.tolist()]
    assert compiled == plain
    monkeypatch.undo()
    monkeypatch.setattr(nearest, "MANY", 0)
    monkeypatch.setattr(nearest, "COMPILED_MANY", 0)                 # more than 0 to test: numpy's turn
    spreads = [index.near(x, y, km) for x, y in points.tolist()]
    assert all(isinstance(found, Spread) for found, places in zip(spreads, plain) if places)   # none scanned: []
    assert [found.sorted() if isinstance(found, Spread) else found for found in spreads] == plain
    assert sum(len(found) for found in plain) > 5000
    tied = plain[-1]
    assert len({d for d, _, _ in tied}) < len(tied)                # the tie-break by row was exercised


def test_the_compiled_loop_is_built_and_refuses_tables_that_do_not_match():
    """pip install builds it (setup.py); it reads the index's arrays in place, so it checks
    them once: a bad length or index would read outside them. Points no lookup asks about go back
    to the plain loop (None)."""
    assert nearest.Buckets is not None, "service/geocode/_buckets.c was not built: pip install -e . with a C compiler"
    index = NearestPlaces(np.array([1.0, 2.0, 2.01]), np.array([1.0, 2.0, 2.0]))
    parts = [index._xyz, index._order_list, index._row_buckets, index._bucket_cols, index._bucket_starts]
    shape = (nearest.WIDTH, nearest.CELL, nearest.EARTH_RADIUS_KM, nearest.EPS_DEG)
    compiled = nearest.Buckets(*parts, *shape)
    assert compiled.near(0.0, 0.0, 30000.0, 4.0, 10) == index.within(0.0, 0.0, 30000.0)
    assert compiled.near(0.0, 0.0, 30000.0, 4.0, 2) is None                 # 3 places to test, at most 2
    assert compiled.near(0.0, 91.0, 10.0, 4.0, 10) is None and compiled.near(float("nan"), 0.0, 10.0, 4.0, 10) is None
    assert len(index.within(0.0, 91.0, 30000.0)) == 3                       # which the plain loop answers
    bad_start = array("i", [0, 1, 2, 9])
    bad_order = array("i", [0, -1, 2])
    for k, bad in ((0, index._xyz[:2]), (1, bad_order), (3, array("H", [1])), (4, bad_start), (4, array("q", [0] * 4))):
        with pytest.raises(ValueError):
            nearest.Buckets(*parts[:k], bad, *parts[k + 1:], *shape)
    with pytest.raises(ValueError, match="width"):
        nearest.Buckets(*parts, 0, *shape[1:])


def test_a_query_meeting_another_in_the_compiled_loop_takes_the_plain_loop(monkeypatch):
    """The compiled loop builds its answer from scratch arrays kept between calls. Building
    allocates; a garbage collection then may run a finalizer that lets another thread in, whose
    query must not reuse those arrays: while `busy` is set, a query goes to the plain loop, with
    the same answer."""
    rng = np.random.default_rng(3)
    lng, lat = rng.uniform(-10, 10, 20000), rng.uniform(40, 50, 20000)
    index = NearestPlaces(lng, lat)
    points = np.column_stack([rng.uniform(-10, 10, 50), rng.uniform(40, 50, 50)]).tolist()
    plain = []
    slices = index._slices
    monkeypatch.setattr(index, "_slices", lambda *args: plain.append(1) or slices(*args))
    compiled = [index.within(x, y, 30.0) for x, y in points]
    assert not plain and sum(map(len, compiled)) > 500
    index._compiled.busy = 1
    assert [index.within(x, y, 30.0) for x, y in points] == compiled and len(plain) == len(points)
    index._compiled.busy = 0
    assert [index.within(x, y, 30.0) for x, y in points] == compiled and len(plain) == len(points)


def test_a_spread_breaks_ties_like_the_sorted_list():
    """Nearest first, then by row, whatever the positions' order (equal km at two spots in two buckets)."""
    spread = Spread(np.array([0.7, 0.5, 0.5, 0.9]), np.array([0, 1, 2, 3]), order=np.array([9, 8, 3, 1]))
    assert spread.first(np.arange(4)) == 2 and spread.first(np.array([0, 3])) == 0
    assert spread.sorted() == [(0.5, 3, 2), (0.5, 8, 1), (0.7, 9, 0), (0.9, 1, 3)]


def test_probes_wrap_across_the_antimeridian_and_stop_at_the_poles():
    lng, lat = offset_points(np.array([179.99]), np.array([89.999]), probe_offsets([2.0], COMPASS))
    assert np.all((-180 <= lng) & (lng < 180)) and np.all(lat <= 90)
    lng, _ = offset_points(np.array([179.99]), np.array([0.0]), probe_offsets([2.0], COMPASS))
    assert lng[1] == pytest.approx(-179.992, abs=0.001)            # 2 km east of 179.99 E
