"""The Geocoder's rules, on a tiny fixture world with coarse polygons (see fixtures.py)."""
from __future__ import annotations

import pytest

from service.geocode.engine import Geocoder
from service.geocode.place import NOWHERE, LngLat


def where(geocoder: Geocoder, lat: float, lon: float, lang: str | None = None):
    return geocoder.reverse(LngLat(lon, lat), lang)


def test_a_well_known_city_across_a_coarse_state_line_beats_closer_small_towns(geocoder):
    place = where(geocoder, 39.1016, -84.5125)         # downtown Cincinnati; the fixture's KY box covers it
    assert (place.city, place.state, place.country_code) == ("Cincinnati", "Ohio", "US")


def test_a_big_foreign_city_does_not_take_a_point_inside_a_country(geocoder):
    place = where(geocoder, 32.5525, -117.0440)        # San Ysidro, 1.4 km north of Mexico
    assert (place.city, place.state, place.country_code) == ("San Ysidro", "California", "US")


def test_a_very_close_place_beats_the_polygon_it_lies_in(geocoder):
    place = where(geocoder, 47.6975, 8.6905)           # Buesingen: a German exclave in Switzerland's box
    assert (place.city, place.country_code, place.country) == ("Buesingen am Hochrhein", "DE", "Germany")


def test_the_host_country_keeps_points_away_from_the_exclave(geocoder):
    place = where(geocoder, 47.72, 8.60)
    assert (place.city, place.state, place.country_code) == ("Schaffhausen", "Schaffhausen", "CH")


def test_a_landmark_gets_the_city_not_a_suburb_or_a_section(geocoder):
    place = where(geocoder, 48.85826, 2.29451)         # Eiffel Tower; Gros-Caillou (PPLX) is 0.4 km away
    assert place.city == "Paris"
    assert place.distance_km == pytest.approx(4.0, abs=0.05)


def test_a_coastal_point_outside_every_polygon_snaps_to_the_nearby_city(geocoder):
    place = where(geocoder, 55.676, 12.57)             # Copenhagen, outside Denmark's box
    assert (place.city, place.country_code) == ("Copenhagen", "DK")


def test_a_sea_point_near_a_coast_without_places_gets_the_country_only(geocoder):
    place = where(geocoder, 56.5, 7.95)                # 3 km west of Denmark's box
    assert (place.city, place.country_code, place.country) == (None, "DK", "Denmark")


def test_the_open_ocean_is_nowhere(geocoder):
    assert where(geocoder, -30.0, 0.0) == NOWHERE
    assert not where(geocoder, -30.0, 0.0).found


def test_a_territory_without_its_own_polygon_keeps_its_country_code(geocoder):
    place = where(geocoder, 78.2, 15.8)                # Svalbard, inside Norway's polygon
    assert (place.city, place.country_code) == ("Longyearbyen", "SJ")


@pytest.mark.parametrize("lat, lon, city, code", [
    (-16.80, -179.99, "Waiyevo", "FJ"),                # west of +-180, nearest place east of it
    (66.16, -169.75, "Uelen", "RU"),                   # Chukotka, west longitudes
])
def test_nearest_places_work_across_the_antimeridian(geocoder, lat, lon, city, code):
    place = where(geocoder, lat, lon)
    assert (place.city, place.country_code) == (city, code)
    assert place.distance_km < 5


@pytest.mark.parametrize("lat", [90.0, -90.0])
def test_the_poles_are_answered_without_error(geocoder, lat):
    assert where(geocoder, lat, 0.0) == NOWHERE


def test_axes_are_not_swapped(geocoder):
    place = geocoder.reverse(LngLat(lng=-84.5125, lat=39.1016))
    assert place.country_code == "US" and place.lat == pytest.approx(39.12711) and place.lon == pytest.approx(-84.51439)


def test_distance_is_measured_on_the_sphere(geocoder):
    place = where(geocoder, 48.85341, 2.3488 + 0.01)
    assert place.distance_km == pytest.approx(0.731, abs=0.002)   # 0.01 deg of longitude at 48.85 N


def test_result_carries_codes_timezone_and_population(geocoder):
    place = where(geocoder, 39.0837, -84.5086)         # Covington itself
    assert place.to_dict() | {"distance_km": None} == {
        "city": "Covington", "county": "Kenton County", "state": "Kentucky", "country": "United States",
        "country_code": "US", "distance_km": None, "geonameid": 4289445, "lat": 39.08367, "lon": -84.50855,
        "timezone": "America/New_York", "population": 40640, "feature_code": "PPLA2", "state_code": "US.KY",
        "state_iso": "US-KY", "county_code": "US.KY.117",
    }


def test_names_come_in_the_requested_language_where_known(geocoder):
    place = where(geocoder, 48.85826, 2.29451, lang="de")
    assert (place.city, place.state, place.country) == ("Paris", "Île-de-France", "Frankreich")
    assert where(geocoder, 48.85826, 2.29451, lang="ru-RU").city == "Париж"


def test_unknown_languages_fall_back_to_default_names(geocoder):
    place = where(geocoder, 48.85826, 2.29451, lang="xx")
    assert (place.city, place.country) == ("Paris", "France")


def test_reverse_many_answers_like_reverse_in_order(geocoder):
    points = [LngLat(-84.5125, 39.1016), LngLat(0.0, -30.0), LngLat(8.6905, 47.6975), LngLat(-179.99, -16.8),
              LngLat(12.57, 55.676), LngLat(7.95, 56.5), LngLat(15.8, 78.2)]
    assert geocoder.reverse_many(points, "de") == [geocoder.reverse(p, "de") for p in points]
    assert geocoder.reverse_many([]) == []


def test_search_ranks_exact_and_prefix_matches_then_population(geocoder):
    assert [p.city for p in geocoder.search("san")] == ["San Diego", "San Ysidro"]
    assert [p.city for p in geocoder.search("san ys")] == ["San Ysidro"]


def test_search_finds_alternate_names_and_ignores_accents_and_case(geocoder):
    assert [p.city for p in geocoder.search("kobenhavn")] == ["Copenhagen"]
    hit = geocoder.search("Büsingen")[0]
    assert (hit.city, hit.country_code, hit.distance_km) == ("Buesingen am Hochrhein", "DE", None)


def test_search_ranks_a_whole_word_alternate_name_before_a_name_prefix(geocoder):
    assert [p.city for p in geocoder.search("lutetia")] == ["Paris", "Lutetiaville"]


def test_search_honours_limit_and_language(geocoder):
    assert len(geocoder.search("san", limit=1)) == 1
    assert geocoder.search("paris", lang="ru")[0].city == "Париж"


def test_search_with_only_punctuation_finds_nothing(geocoder):
    assert geocoder.search('"*) OR (') == []
