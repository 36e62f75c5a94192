"""The rules exist twice (rules.py): plain Python for one point, numpy for a batch. On the real data,
near places, borders and coasts, both give the same Place for every point, and so do the
polygon tests with and without the region grid's shortcuts."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from service.geocode import store
from service.geocode.engine import Geocoder
from service.geocode.place import LngLat

from .border_cases import CASES

PLACES = Path(__file__).resolve().parents[2] / "data" / "places.sqlite"


@pytest.fixture(scope="module")
def warm_geocoder():
    engine = Geocoder.open(PLACES)
    assert engine.wait_ready()
    yield engine
    engine.close()


def photo_points(n: int, seed: int) -> list[LngLat]:
    """Points where photos are taken: within a few km of real places (cities, coasts, borders),
    around the border set, and some anywhere on the sphere."""
    conn = store.connect(PLACES)
    places = np.array(conn.execute("SELECT lon, lat FROM places ORDER BY geonameid").fetchall())
    conn.close()
    rng = np.random.default_rng(seed)
    near = places[rng.integers(0, len(places), n)] + rng.normal(0, 0.04, (n, 2))
    borders = np.repeat([[case.lon, case.lat] for case in CASES], 10, axis=0)
    borders = borders + rng.normal(0, 0.02, borders.shape)
    anywhere = np.column_stack([rng.uniform(-180, 180, n // 4), np.degrees(np.arcsin(rng.uniform(-1, 1, n // 4)))])
    points = np.vstack([near, borders, anywhere])
    points[:, 0] = (points[:, 0] + 180) % 360 - 180
    points[:, 1] = np.clip(points[:, 1], -90, 90)
    return [LngLat(lng, lat) for lng, lat in points.tolist()]


def test_the_batch_rules_answer_like_the_single_point_rules(warm_geocoder: Geocoder):
    points = photo_points(3000, seed=21)
    batch = warm_geocoder.reverse_many(points)
    single = [warm_geocoder.reverse(p) for p in points]
    differ = [(p, a, b) for p, a, b in zip(points, batch, single) if a != b]
    assert not differ, differ[:3]
    assert sum(place.city is not None for place in batch) > 2500          # the points are mostly named


def test_the_grid_shortcuts_answer_like_the_polygons_alone(warm_geocoder: Geocoder):
    points = photo_points(400, seed=22)
    polygons_only = Geocoder.open(PLACES, region_grid=False)
    try:
        assert not polygons_only.wait_ready(0)
        expected = [polygons_only.reverse(p) for p in points]
        assert polygons_only.reverse_many(points) == expected
    finally:
        polygons_only.close()
    assert [warm_geocoder.reverse(p) for p in points] == expected
    assert warm_geocoder.reverse_many(points) == expected


def test_lookups_during_the_warm_up_answer_like_after_it():
    """The warm-up thread builds the grid and tables while lookups run, on shared polygons: GEOS
    must never build one prepared polygon's index from two threads (that corrupts the heap)."""
    engine = Geocoder.open(PLACES)
    try:
        points = photo_points(300, seed=23)
        during = []
        while not engine.wait_ready(0) and len(during) < 50_000:
            point = points[len(during) % len(points)]
            during.append((point, engine.reverse(point)))
        assert engine.wait_ready()
        assert len(during) > len(points)                       # lookups really overlapped the warm-up
        assert all(engine.reverse(point) == place for point, place in during)
    finally:
        engine.close()


def test_the_warm_up_thread_runs_no_polygon_test(monkeypatch: pytest.MonkeyPatch):
    """GEOS builds a prepared polygon's index on its first test; two threads doing that at once
    corrupt the heap, so polygon tests belong to the thread that answers lookups only."""
    import shapely

    threads = set()
    for name in ("contains_xy", "intersects_xy", "contains", "intersects"):
        original = getattr(shapely, name)

        def record(*args, _original=original, **kwargs):
            threads.add(threading.current_thread().name)
            return _original(*args, **kwargs)
        monkeypatch.setattr(shapely, name, record)
    engine = Geocoder.open(PLACES)
    try:
        assert engine.wait_ready()
    finally:
        engine.close()
    assert threads == {threading.current_thread().name}      # the warm-up on open() ran here, none in the thread
