"""The border test set against the real places database (data/places.sqlite, committed).

Every case names where a point really is (see border_cases.py); nearest-city geocoders and
Natural Earth polygons alone each get a share of these wrong.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from service.geocode.engine import Geocoder
from service.geocode.place import LngLat

from .border_cases import CASES, Case

PLACES = Path(__file__).resolve().parents[2] / "data" / "places.sqlite"


@pytest.fixture(scope="module")
def real_geocoder():
    engine = Geocoder.open(PLACES)
    yield engine
    engine.close()


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
def test_border_case(real_geocoder: Geocoder, case: Case):
    place = real_geocoder.reverse(LngLat(case.lon, case.lat))
    got = (place.country_code, place.state if case.state else None, place.city if case.city else None)
    assert got == (case.country_code, case.state, case.city), f"{case.label}: {place.label or 'nowhere'}"


def test_the_batch_path_agrees_with_single_lookups(real_geocoder: Geocoder):
    points = [LngLat(case.lon, case.lat) for case in CASES]
    assert real_geocoder.reverse_many(points) == [real_geocoder.reverse(p) for p in points]


def test_the_border_set_is_big_enough():
    assert len(CASES) >= 40
