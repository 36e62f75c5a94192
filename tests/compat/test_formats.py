"""Place -> Nominatim, Photon and PhotoPrism wire formats, as pure functions on hand-made Places."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from service.api.compat.detail import Level, detail, settlement_kind, zoom_level
from service.api.compat.nominatim_format import address, geocodejson, json_result, reverse_xml, search_xml
from service.api.compat.photon_format import feature_collection
from service.api.compat.photoprism_format import location, place_id
from service.geocode.place import NOWHERE, LngLat, Place

QUERY = LngLat(13.41, 52.52)
LYON = Place(city="Lyon", county="Rhône", state="Auvergne-Rhône-Alpes", country="France", country_code="FR",
             geonameid=2996944, lat=45.748, lon=4.847, timezone="Europe/Paris", population=522_228,
             feature_code="PPLA", state_code="FR.84", state_iso="FR-ARA", county_code="FR.84.69")
VILLAGE = Place(city="Kleinort", state="Bayern", country="Germany", country_code="DE", geonameid=1,
                lat=48.0, lon=11.0, population=800, state_code="DE.02")
STATE_ONLY = Place(state="Tamanrasset", country="Algeria", country_code="DZ", state_code="DZ.53")


@pytest.mark.parametrize("zoom, level", [(0, Level.COUNTRY), (3, Level.COUNTRY), (5, Level.STATE),
                                         (8, Level.COUNTY), (10, Level.CITY), (18, Level.CITY)])
def test_zoom_reduces_detail_like_nominatim(zoom, level):
    assert zoom_level(zoom) is level


@pytest.mark.parametrize("population, code, kind", [(2_000_000, "PPL", "city"), (50_000, "PPL", "town"),
                                                    (800, "PPL", "village"), (900, "PPLC", "city")])
def test_settlement_kind_follows_osm_population_classes(population, code, kind):
    assert settlement_kind(Place(population=population, feature_code=code)) == kind


def test_nowhere_has_no_detail():
    assert detail(NOWHERE, QUERY) is None


def test_state_zoom_drops_city_and_county():
    d = detail(LYON, QUERY, Level.STATE)
    assert (d.name, d.kind, d.level) == ("Auvergne-Rhône-Alpes", "state", Level.STATE)
    assert address(d) == {"state": "Auvergne-Rhône-Alpes", "ISO3166-2-lvl4": "FR-ARA", "country": "France",
                          "country_code": "fr"}
    assert d.centre == QUERY


def test_nominatim_jsonv2_types_are_nominatims():
    result = json_result(detail(LYON, QUERY), v2=True, addressdetails=True)
    assert isinstance(result["place_id"], int) and result["place_id"] == 2996944
    assert result["lat"] == "45.7480000" and result["lon"] == "4.8470000"
    assert result["category"] == "place" and result["type"] == "city" and result["addresstype"] == "city"
    assert result["display_name"] == "Lyon, Rhône, Auvergne-Rhône-Alpes, France"
    assert result["address"]["city"] == "Lyon" and result["address"]["country_code"] == "fr"
    assert len(result["boundingbox"]) == 4 and all(isinstance(v, str) for v in result["boundingbox"])
    min_lat, max_lat, min_lon, max_lon = map(float, result["boundingbox"])
    assert min_lat < 45.748 < max_lat and min_lon < 4.847 < max_lon
    assert "osm_id" not in result and "osm_type" not in result     # these are not OSM objects


def test_nominatim_json_v1_says_class_and_small_places_are_villages():
    result = json_result(detail(VILLAGE, QUERY), v2=False, addressdetails=True)
    assert result["class"] == "place" and "category" not in result
    assert result["type"] == "village" and result["address"]["village"] == "Kleinort"


def test_area_results_have_stable_integer_ids_distinct_from_geonames_ids():
    first = json_result(detail(STATE_ONLY, QUERY), v2=True, addressdetails=False)
    again = json_result(detail(STATE_ONLY, LngLat(5.0, 23.0)), v2=True, addressdetails=False)
    assert first["place_id"] == again["place_id"] > 2**32
    assert first["category"] == "boundary" and first["type"] == "administrative" and "address" not in first


def test_reverse_xml_is_a_reversegeocode_document():
    root = ET.fromstring(reverse_xml(detail(LYON, QUERY), "lat=45.7&lon=4.8&format=xml", addressdetails=True))
    assert root.tag == "reversegeocode" and root.get("querystring") == "lat=45.7&lon=4.8&format=xml"
    result = root.find("result")
    assert result.text == "Lyon, Rhône, Auvergne-Rhône-Alpes, France"
    assert result.get("place_id") == "2996944" and result.get("lat") == "45.7480000"
    parts = {child.tag: child.text for child in root.find("addressparts")}
    assert parts == {"city": "Lyon", "county": "Rhône", "state": "Auvergne-Rhône-Alpes",
                     "ISO3166-2-lvl4": "FR-ARA", "country": "France", "country_code": "fr"}


def test_reverse_xml_not_found_is_an_error_element():
    root = ET.fromstring(reverse_xml(None, "lat=0&lon=-30", addressdetails=True))
    assert root.find("error").text == "Unable to geocode" and root.find("result") is None


def test_search_xml_lists_places():
    root = ET.fromstring(search_xml([detail(LYON, QUERY)], "q=lyon", addressdetails=False))
    assert root.tag == "searchresults"
    place = root.find("place")
    assert place.get("display_name").startswith("Lyon") and place.get("class") == "place"


def test_geocodejson_carries_admin_levels():
    feature = geocodejson([detail(LYON, QUERY)], "q")["features"][0]
    geocoding = feature["properties"]["geocoding"]
    assert geocoding["type"] == "city" and geocoding["country_code"] == "fr"
    assert geocoding["admin"] == {"level2": "France", "level4": "Auvergne-Rhône-Alpes", "level6": "Rhône"}
    assert feature["geometry"]["coordinates"] == [4.847, 45.748]


def test_photon_properties():
    collection = feature_collection([detail(LYON, QUERY)])
    feature = collection["features"][0]
    props = feature["properties"]
    assert props["countrycode"] == "FR" and props["osm_key"] == "place" and props["osm_value"] == "city"
    assert (props["name"], props["city"], props["county"], props["state"], props["country"]) == \
        ("Lyon", "Lyon", "Rhône", "Auvergne-Rhône-Alpes", "France")
    min_lon, max_lat, max_lon, min_lat = props["extent"]
    assert min_lon < 4.847 < max_lon and min_lat < 45.748 < max_lat
    assert feature["geometry"] == {"type": "Point", "coordinates": [4.847, 45.748]}


def test_photon_nothing_found_is_an_empty_collection():
    assert feature_collection([]) == {"type": "FeatureCollection", "features": []}


def test_photoprism_location_fields():
    answer = location("47a84e201554", LngLat(4.85, 45.75), LYON)
    assert answer["id"] == "s2:47a84e201554" and answer["lat"] == 45.75 and answer["lng"] == 4.85
    assert answer["place"] == {"id": "fr:2996944", "label": "Lyon, Auvergne-Rhône-Alpes, France", "district": "",
                               "city": "Lyon", "state": "Auvergne-Rhône-Alpes", "country": "fr", "keywords": ""}
    assert answer["timezone"] == "Europe/Paris" and answer["country"] == "fr"
    for key in ("name", "street", "postcode", "category", "licence"):
        assert isinstance(answer[key], str)


def test_photoprism_place_id_is_stable_per_place_and_fits_its_column():
    assert place_id(LYON) == place_id(LYON) == "fr:2996944"
    state_id = place_id(STATE_ONLY)
    assert state_id.startswith("dz:") and len(state_id) <= 42
    assert state_id == place_id(Place(state="Tamanrasset (ar)", country="الجزائر", country_code="DZ",
                                      state_code="DZ.53"))            # the language does not change it
    assert state_id != place_id(Place(country="Algeria", country_code="DZ"))


def test_photoprism_label_is_never_empty():
    answer = location("1", LngLat(0.0, 0.0), Place(country_code="XK"))
    assert answer["place"]["label"] == "xk"
