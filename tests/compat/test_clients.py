"""Real client libraries, unchanged, against a live tilegeo: geopy's Nominatim and Photon, PhotoPrism's
requests (S2 tokens made with the s2cell package, as PhotoPrism makes them), digiKam-style XML."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import s2cell
from geopy.geocoders import Nominatim, Photon

BERLIN = (52.5163, 13.3777)                  # Brandenburg Gate
SEATTLE = (47.6062, -122.3321)               # downtown
PHOTOPRISM_TEST_POINT = (47.6129432, -122.4821475)   # PhotoPrism's location_test.go: Puget Sound, off Seattle
ATLANTIC = (10.0, -30.0)


def host(live: str) -> str:
    return live.removeprefix("http://")


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), response.headers.get("content-type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("content-type", "")


# -- geopy Nominatim ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def nominatim(live):
    return Nominatim(domain=host(live), scheme="http", user_agent="tilegeo-tests", timeout=10)


def test_geopy_nominatim_reverse_berlin(nominatim):
    location = nominatim.reverse(BERLIN)
    raw = location.raw
    assert raw["address"]["city"] == "Berlin" and raw["address"]["country_code"] == "de"
    assert isinstance(raw["place_id"], int)
    assert isinstance(raw["lat"], str) and isinstance(raw["lon"], str)
    assert [type(v) for v in raw["boundingbox"]] == [str] * 4
    assert location.latitude == pytest.approx(52.52, abs=0.05)
    assert "Berlin" in location.address


def test_geopy_nominatim_reverse_at_sea_is_none(nominatim):
    assert nominatim.reverse(ATLANTIC) is None


def test_geopy_nominatim_zoom_5_answers_the_state(nominatim):
    raw = nominatim.reverse(SEATTLE, zoom=5).raw
    assert raw["address"]["state"] == "Washington"
    assert not {"city", "town", "village", "county"} & raw["address"].keys()
    assert raw["addresstype"] == "state"


def test_geopy_nominatim_language(nominatim):
    raw = nominatim.reverse(BERLIN, language="de").raw
    assert raw["address"]["country"] == "Deutschland"


def test_geopy_nominatim_geocode(nominatim):
    location = nominatim.geocode("Seattle", addressdetails=True)
    assert location.raw["address"]["country_code"] == "us"
    assert (location.latitude, location.longitude) == pytest.approx((47.6, -122.3), abs=0.2)


# -- geopy Photon -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def photon(live):
    return Photon(domain=host(live), scheme="http", timeout=10)


def test_geopy_photon_reverse_berlin(photon):
    location = photon.reverse(BERLIN)
    props = location.raw["properties"]
    assert props["name"] == "Berlin" and props["countrycode"] == "DE" and props["country"] == "Germany"
    assert props["osm_key"] == "place" and props["type"] == "city"
    assert len(props["extent"]) == 4
    assert location.longitude == pytest.approx(13.4, abs=0.05)


def test_geopy_photon_reverse_at_sea_is_none(photon):
    assert photon.reverse(ATLANTIC) is None


def test_geopy_photon_geocode(photon):
    locations = photon.geocode("Seattle", exactly_one=False, limit=3)
    assert locations and locations[0].raw["properties"]["countrycode"] == "US"


# -- PhotoPrism ---------------------------------------------------------------------------------

def photoprism_headers(locale: str | None = None) -> dict[str, str]:
    headers = {"User-Agent": "PhotoPrism/Test", "X-Key": "f60f5b25d59c397989e3cd374f81cdd7710a4fca",
               "X-Signature": "0" * 40}
    if locale:
        headers["Accept-Language"] = locale
    return headers


def test_photoprism_location_of_its_own_test_cell(live):
    token = s2cell.lat_lon_to_token(*PHOTOPRISM_TEST_POINT, 21)
    assert token == "54903ee07f74"
    status, body, ctype = get(f"{live}/v1/location/{token}", photoprism_headers())
    assert status == 200 and ctype.startswith("application/json")
    answer = json.loads(body)
    assert answer["id"] == "s2:54903ee07f74"
    assert answer["lat"] == pytest.approx(PHOTOPRISM_TEST_POINT[0], abs=1e-4)
    assert answer["lng"] == pytest.approx(PHOTOPRISM_TEST_POINT[1], abs=1e-4)
    place = answer["place"]
    assert place["city"] and place["state"] == "Washington" and place["country"] == "us"
    assert place["label"] == f"{place['city']}, Washington, United States"
    assert place["id"].startswith("us:") and answer["timezone"] == "America/Los_Angeles"
    types = {key: type(answer[key]) for key in ("id", "lat", "lng", "name", "street", "postcode", "category",
                                                "timezone", "licence")}
    assert types == {"id": str, "lat": float, "lng": float, "name": str, "street": str, "postcode": str,
                     "category": str, "timezone": str, "licence": str}
    assert all(isinstance(place[key], str) for key in ("id", "label", "district", "city", "state", "country",
                                                       "keywords"))


def test_photoprism_berlin_token_with_prefix_and_locale(live):
    status, body, _ = get(f"{live}/v1/location/s2:47A84E201554", photoprism_headers("de"))
    place = json.loads(body)["place"]
    assert status == 200 and place["city"] == "Berlin" and place["country"] == "de"
    assert place["label"].endswith("Deutschland")


def test_photoprism_place_id_is_the_same_for_two_cells_of_one_city(live):
    ids = set()
    for lat, lng in (BERLIN, (52.5186, 13.4081)):      # Brandenburg Gate, Rotes Rathaus
        status, body, _ = get(f"{live}/v1/location/{s2cell.lat_lon_to_token(lat, lng, 21)}", photoprism_headers())
        ids.add(json.loads(body)["place"]["id"])
    assert len(ids) == 1


def test_photoprism_point_at_sea_is_404_so_the_photo_stays_unlocated(live):
    status, body, _ = get(f"{live}/v1/location/{s2cell.lat_lon_to_token(*ATLANTIC, 21)}", photoprism_headers())
    assert status == 404 and json.loads(body)["error"]


def test_photoprism_2025_reverse_and_search(live):
    status, body, _ = get(f"{live}/v1/reverse?lat={SEATTLE[0]:f}&lng={SEATTLE[1]:f}", photoprism_headers())
    answer = json.loads(body)
    assert status == 200 and answer["id"] == "s2:" + s2cell.lat_lon_to_token(*SEATTLE, 21)
    assert answer["place"]["city"] == "Seattle" and answer["place"]["id"] == "us:5809844"
    status, body, _ = get(f"{live}/v1/search?count=5&q=Seattle", photoprism_headers())
    results = json.loads(body)
    assert status == 200 and 1 <= len(results) <= 5
    assert {"id", "name", "city", "country", "lat", "lng", "bbox", "importance", "licence"} <= results[0].keys()
    assert results[0]["city"] == "Seattle" and results[0]["country"] == "us"


# -- digiKam-style XML --------------------------------------------------------------------------

def test_digikam_reverse_xml(live):
    url = f"{live}/reverse?format=xml&lat={BERLIN[0]}&lon={BERLIN[1]}&zoom=18&addressdetails=1&accept-language=en"
    status, body, ctype = get(url)
    assert status == 200 and "xml" in ctype
    root = ET.fromstring(body)
    assert root.tag == "reversegeocode"
    assert root.find("result").text.startswith("Berlin")
    parts = {child.tag: child.text for child in root.find("addressparts")}
    assert parts["city"] == "Berlin" and parts["country"] == "Germany" and parts["country_code"] == "de"


def test_reverse_xml_at_sea_is_an_error_document(live):
    status, body, _ = get(f"{live}/nominatim/reverse?lat={ATLANTIC[0]}&lon={ATLANTIC[1]}")
    root = ET.fromstring(body)
    assert status == 200 and root.find("error").text == "Unable to geocode"
