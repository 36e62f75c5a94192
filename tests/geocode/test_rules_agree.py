"""The rules exist twice (rules.py): plain Python for one point, numpy for a batch. On the real data,
near places, borders and coasts, both give the same Place for every point, and so do the
polygon tests with and without the region grid's shortcuts."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from service.geocode import nearest, store
from service.geocode.engine import Geocoder
from service.geocode.nearest import Spread
from service.geocode.rules import MAX_CITY_KM, NEAR_KM, SEA_KM, Rules
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


def test_the_numpy_rules_for_many_candidates_answer_like_the_plain_ones(warm_geocoder: Geocoder,
                                                                       monkeypatch: pytest.MonkeyPatch):
    """One point's rules run in numpy over a Spread (many candidates) and in plain Python over a
    list (a few). With every point's candidates forced into a Spread, both pick the same place at
    the same float distance, through rule 1, admin-1 narrowing, territories, ties in distance and
    the section exception alike (each seen at work below)."""
    seen = {"_in_admin1": 0, "_seat_over_section_spread": 0, "first": 0}
    at_work = {"_in_admin1": lambda args, match: match.any() and not match.all(),       # narrows for real
               "_seat_over_section_spread": lambda args, winner: winner != args[-1],     # a seat won
               "first": lambda args, first: len(args[1]) > 1}                            # a tie to break
    for owner, name in ((Rules, "_in_admin1"), (Rules, "_seat_over_section_spread"), (Spread, "first")):
        def spy(*args, _original=getattr(owner, name), _name=name):
            result = _original(*args)
            seen[_name] += bool(at_work[_name](args, result))
            return result
        monkeypatch.setattr(owner, name, spy)
    monkeypatch.setattr(nearest, "MANY", 0)
    monkeypatch.setattr(nearest, "COMPILED_MANY", 0)
    engine, rules = warm_geocoder, warm_geocoder.rules
    territories = [LngLat(15.63, 78.22), LngLat(-52.33, 4.94), LngLat(19.94, 60.1)]       # SJ, GF, AX
    ties = [LngLat(-8.58333, 41.15), LngLat(102.72958, 14.43817)]   # 3 places at one spot; 2 seats alike
    picks = []
    for point in photo_points(1500, seed=24) + territories + ties:
        lng, lat = point.lng, point.lat
        context = engine._where(lng, lat).context
        km = NEAR_KM if context.on_land else SEA_KM
        plain = rules.choose(engine._nearest.within(lng, lat, km), context,
                             lambda: engine._nearest.within(lng, lat, MAX_CITY_KM))
        spread = rules.choose(engine._nearest.near(lng, lat, km), context,
                              lambda: engine._nearest.near(lng, lat, MAX_CITY_KM))
        assert spread == plain, (point, plain, spread)
        picks.append(plain)
    assert sum(p is not None and p.trusted for p in picks) > 100 and sum(p is None for p in picks) > 10
    assert [engine.places.country_code[p.row] for p in picks[-5:-2]] == ["SJ", "GF", "AX"]
    twins = engine._nearest.within(ties[1].lng, ties[1].lat, NEAR_KM)
    assert twins[0][0] == twins[1][0] and picks[-1].row == twins[0][1] < twins[1][1]
    assert min(seen.values()) > 0, seen


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


def test_without_the_compiled_loops_the_answers_are_the_same(warm_geocoder: Geocoder,
                                                             monkeypatch: pytest.MonkeyPatch, caplog):
    """Where pip found no C compiler, _buckets.c and _crossings.c are missing: the Python loops
    answer instead, the same, and start-up says so."""
    from service.geocode import crossings

    monkeypatch.setattr(nearest, "Buckets", None)
    monkeypatch.setattr(crossings, "Crossings", None)
    points = photo_points(1500, seed=25)
    with caplog.at_level("WARNING", logger="service.geocode.engine"):
        plain = Geocoder.open(PLACES)
    try:
        assert plain.wait_ready()
        assert "without its compiled loops" in caplog.text
        assert not plain._nearest.compiled and "regions_at" not in vars(plain._subgrid.crossed)
        assert [plain.reverse(p) for p in points] == [warm_geocoder.reverse(p) for p in points]
    finally:
        plain.close()
    assert warm_geocoder._nearest.compiled and "regions_at" in vars(warm_geocoder._subgrid.crossed)


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
