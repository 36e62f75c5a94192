"""The compatibility routes on the real app and data: which API answers, detail levels, languages, errors."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
import s2cell
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

BERLIN = "lat=52.5163&lon=13.3777"
SEATTLE = "lat=47.6062&lon=-122.3321"


def test_reverse_with_format_is_nominatim(api):
    response = api.get(f"/reverse?format=jsonv2&{BERLIN}")
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    assert response.json()["address"]["city"] == "Berlin"


def test_reverse_without_format_is_photon(api):
    response = api.get(f"/reverse?{BERLIN}")
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert body["type"] == "FeatureCollection" and body["features"][0]["properties"]["countrycode"] == "DE"


def test_prefixed_paths_are_unambiguous(api):
    xml = api.get(f"/nominatim/reverse?{BERLIN}").content            # XML: Nominatim's default format
    assert ET.fromstring(xml).tag == "reversegeocode"
    assert api.get(f"/photon/reverse?{BERLIN}").json()["type"] == "FeatureCollection"
    assert api.get("/nominatim/search?q=Berlin").json()[0]["name"] == "Berlin"
    assert api.get("/photon/api?q=Berlin").json()["features"][0]["properties"]["name"] == "Berlin"


@pytest.mark.parametrize("zoom, finest, absent", [
    (3, "country", {"state", "county", "city", "town", "village"}),
    (5, "state", {"county", "city", "town", "village"}),
    (10, "city", set()),
])
def test_zoom_reduces_detail(api, zoom, finest, absent):
    result = api.get(f"/reverse?format=jsonv2&{SEATTLE}&zoom={zoom}").json()
    assert result["addresstype"] == finest
    assert not absent & result["address"].keys()
    assert result["address"]["country_code"] == "us"


def test_addressdetails_0_leaves_out_the_address(api):
    result = api.get(f"/reverse?format=json&{BERLIN}&addressdetails=0").json()
    assert "address" not in result and result["display_name"].startswith("Berlin")


def test_geojson_and_geocodejson(api):
    geojson = api.get(f"/reverse?format=geojson&{BERLIN}").json()
    feature = geojson["features"][0]
    assert geojson["licence"] and feature["properties"]["address"]["city"] == "Berlin" and len(feature["bbox"]) == 4
    geocoding = api.get(f"/reverse?format=geocodejson&{BERLIN}").json()
    assert geocoding["geocoding"]["version"] == "0.1.0"
    assert geocoding["features"][0]["properties"]["geocoding"]["city"] == "Berlin"


def test_accept_language_header_is_honoured(api):
    result = api.get(f"/reverse?format=json&{BERLIN}", headers={"Accept-Language": "de-DE,de;q=0.9"}).json()
    assert result["address"]["country"] == "Deutschland"
    result = api.get(f"/reverse?format=json&{BERLIN}&accept-language=en", headers={"Accept-Language": "de"}).json()
    assert result["address"]["country"] == "Germany"     # the parameter wins, as in Nominatim


def test_photoprism_locale(api):
    local = api.get("/v1/location/47a84e201554", headers={"Accept-Language": "local"}).json()
    german = api.get("/v1/location/47a84e201554", headers={"Accept-Language": "de"}).json()
    assert local["place"]["label"].endswith(", Germany") and "locale" not in local
    assert german["place"]["label"].endswith(", Deutschland") and german["locale"] == "de"
    assert local["place"]["id"] == german["place"]["id"]


@pytest.mark.parametrize("level", [10, 14, 18, 21, 30])
def test_photoprism_accepts_tokens_of_any_level(api, level):
    token = s2cell.lat_lon_to_token(52.5163, 13.3777, level)
    answer = api.get(f"/v1/location/{token}").json()
    assert answer["id"] == f"s2:{token}" and answer["place"]["country"] == "de"


@pytest.mark.parametrize("path", [
    "/reverse?format=json&lat=52.5", "/reverse?format=json&lat=91&lon=0", "/reverse?format=json&lat=a&lon=0",
    "/reverse?format=html&lat=0&lon=0", "/reverse?format=json&lat=1&lon=1&zoom=x",
    "/reverse?format=json&lat=1&lon=1&addressdetails=2", "/reverse?lat=1", "/reverse?lat=nan&lon=0",
    "/reverse?lat=1&lon=1e999", "/search?q=", "/search", "/api?q=", "/photon/api",
    "/v1/location/xyz", "/v1/location/s2:", "/v1/location/ffffffffffffffff", "/v1/reverse?lat=1&lon=2",
    "/v1/search?q=", "/v1/search?q=Berlin&count=0", "/v1/search?q=Berlin&count=x", "/search?q=" + "x" * 300,
    "/reverse?lat=1&lon=1&lang=%00",
])
def test_bad_parameters_are_400_json(api, path):
    response = api.get(path)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/json" and response.json()["error"]


def test_photoprism_ignores_its_signature_headers(api):
    response = api.get("/v1/location/47a84e201554", headers={"X-Key": "wrong", "X-Signature": "wrong"})
    assert response.status_code == 200 and response.json()["place"]["city"] == "Berlin"


def test_photoprism_font_alias_serves_the_same_glyphs(api):
    alias = api.get("/maps/font/Noto Sans Regular/0-255.pbf")
    native = api.get("/fonts/Noto Sans Regular/0-255.pbf")
    assert alias.status_code == native.status_code == 200 and alias.content == native.content


NOISE = st.one_of(st.none(), st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True).map(str),
                  st.integers(-10**6, 10**6).map(str))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(["/reverse", "/nominatim/reverse", "/photon/reverse", "/v1/reverse", "/search",
                             "/api", "/v1/search"]),
       lat=NOISE, lon=NOISE, fmt=st.sampled_from([None, "json", "jsonv2", "geojson", "geocodejson", "xml", "x"]),
       zoom=NOISE, q=NOISE)
def test_any_parameters_get_an_answer_or_a_4xx_never_a_500(api, path, lat, lon, fmt, zoom, q):
    params = {k: v for k, v in {"lat": lat, "lon": lon, "lng": lon, "format": fmt, "zoom": zoom, "q": q,
                                "limit": zoom, "count": zoom}.items() if v is not None}
    response = api.get(path, params=params)
    allowed = (200, 400, 404) if path == "/v1/reverse" else (200, 400)      # PhotoPrism: 404 at sea
    assert response.status_code in allowed, response.text
