"""The native geocoding API: /api/reverse (GET, JSON batch, NDJSON), /api/search, and its errors."""
from __future__ import annotations

import math
from pathlib import Path

import orjson
import pytest
from starlette.testclient import TestClient

from service.api.geocode import MAX_BATCH
from service.api.params import parse_lang, parse_lat_lon, parse_limit, parse_points
from service.app import create_app
from service.config import Settings
from service.geocode.place import LngLat
from service.http import BadRequest, ClientError

from ..geocode.fixtures import build_places

KEYS = {"city", "county", "state", "country", "country_code", "distance_km", "geonameid", "lat", "lon",
        "timezone", "population"}


@pytest.fixture(scope="module")
def places_file(tmp_path_factory) -> Path:
    return build_places(tmp_path_factory.mktemp("places") / "places.sqlite")


def app_client(places: Path, embedded: Path) -> TestClient:
    return TestClient(create_app(Settings(places=places, embedded_data=embedded, rescan_seconds=0)))


@pytest.fixture(scope="module")
def client(places_file, tmp_path_factory):
    with app_client(places_file, tmp_path_factory.mktemp("embedded")) as test_client:
        yield test_client


def test_reverse_returns_one_place_object(client):
    response = client.get("/api/reverse", params={"lat": "39.1016", "lon": "-84.5125"})
    assert response.status_code == 200
    body = response.json()
    assert KEYS <= body.keys()
    assert (body["city"], body["state"], body["country_code"]) == ("Cincinnati", "Ohio", "US")


def test_reverse_at_sea_is_200_with_nulls(client):
    body = client.get("/api/reverse?lat=-30&lon=0").json()
    assert all(body[key] is None for key in KEYS)


def test_reverse_in_the_requested_language(client):
    assert client.get("/api/reverse?lat=48.8583&lon=2.2945&lang=de").json()["country"] == "Frankreich"
    assert client.get("/api/reverse?lat=48.8583&lon=2.2945", headers={"Accept-Language": "de-CH,de;q=0.9"}
                      ).json()["country"] == "Frankreich"


@pytest.mark.parametrize("query, names", [
    ("", "lat"), ("lat=10", "lon"), ("lon=10", "lat"), ("lat=abc&lon=1", "lat"), ("lat=1&lon=", "lon"),
    ("lat=nan&lon=1", "lat"), ("lat=1&lon=inf", "lon"), ("lat=90.0001&lon=0", "lat"), ("lat=0&lon=-180.5", "lon"),
    ("lat=1&lon=2&lang=%3Cscript%3E", "lang"),
])
def test_invalid_reverse_parameters_are_400_naming_the_parameter(client, query, names):
    response = client.get("/api/reverse?" + query)
    assert response.status_code == 400
    assert response.json()["error"] == "bad request" and names in response.json()["detail"]


def test_batch_answers_objects_and_pairs_in_order(client):
    points = [{"lat": 39.1016, "lon": -84.5125}, [-30, 0], {"lat": 47.6975, "lng": 8.6905}]
    response = client.post("/api/reverse", json=points)
    assert response.status_code == 200
    assert [p["country_code"] for p in response.json()] == ["US", None, "DE"]


@pytest.mark.parametrize("body, names", [
    (b"not json", "JSON"), (b'{"lat": 1, "lon": 2}', "array"), (b'[{"lat": 1}]', "points[0].lon"),
    (b'[[1, 2], [1, 2, 3]]', "points[1]"), (b'[[95, 2]]', "points[0][0] (lat)"), (b'[["a", 2]]', "lat"),
    (b'[{"lat": true, "lon": 2}]', "points[0].lat"), (b'[null]', "points[0]"),
])
def test_invalid_batches_are_400_naming_the_item(client, body, names):
    response = client.post("/api/reverse", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert names in response.json()["detail"]


def test_a_batch_over_the_limit_is_413(client):
    response = client.post("/api/reverse", json=[[0, 0]] * (MAX_BATCH + 1))
    assert response.status_code == 413
    assert str(MAX_BATCH) in response.json()["detail"]


def test_ndjson_in_ndjson_out(client):
    body = b'{"lat": 39.1016, "lon": -84.5125}\n\n[-30, 0]\n'
    response = client.post("/api/reverse", content=body, headers={"Content-Type": "application/x-ndjson"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    lines = [orjson.loads(line) for line in response.content.splitlines()]
    assert [line["country_code"] for line in lines] == ["US", None]


def test_ndjson_with_a_bad_line_is_400_naming_it(client):
    response = client.post("/api/reverse", content=b"[1, 2]\n{oops\n", headers={"Content-Type": "application/x-ndjson"})
    assert response.status_code == 400 and "line 2" in response.json()["detail"]


def test_search_ranks_and_limits(client):
    response = client.get("/api/search?q=san&limit=1")
    assert response.status_code == 200
    [hit] = response.json()
    assert (hit["city"], hit["distance_km"], hit["country_code"]) == ("San Diego", None, "US")


@pytest.mark.parametrize("query, name", [("", "q"), ("q=%20", "q"), ("q=a&limit=0", "limit"),
                                         ("q=a&limit=51", "limit"), ("q=a&limit=x", "limit")])
def test_invalid_search_parameters_are_400(client, query, name):
    response = client.get("/api/search?" + query)
    assert response.status_code == 400 and name in response.json()["detail"]


def test_health_reports_the_places_database(client, places_file):
    places = client.get("/health").json()["places"]
    assert places == {"path": str(places_file), "loaded": True, "places": 17, "error": None}


def test_a_missing_places_file_keeps_tiles_up_and_geocoding_answers_503(tmp_path, caplog):
    missing = tmp_path / "missing.sqlite"
    with caplog.at_level("ERROR"), app_client(missing, tmp_path) as client:
        response = client.get("/api/reverse?lat=1&lon=2")
        assert response.status_code == 503
        assert response.json()["error"] == "geocoder unavailable" and "missing.sqlite" in response.json()["detail"]
        assert client.post("/api/reverse", json=[[1, 2]]).status_code == 503
        assert client.get("/api/search?q=x").status_code == 503
        health = client.get("/health")
        assert health.status_code == 200 and health.json()["places"]["loaded"] is False
    assert sum("missing.sqlite" in r.getMessage() for r in caplog.records) == 1


def test_a_broken_places_file_is_503_with_the_reason(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"junk" * 1000)
    with app_client(junk, tmp_path) as client:
        response = client.get("/api/reverse?lat=1&lon=2")
        assert response.status_code == 503 and "junk.sqlite" in response.json()["detail"]


# -- the parameter parsers, as pure functions -----------------------------------------------

def test_parse_lat_lon_returns_lng_first():
    assert parse_lat_lon({"lat": "48.85", "lon": "2.29"}) == LngLat(2.29, 48.85)
    assert parse_lat_lon({"lat": "-90", "lng": "180"}, lon="lng") == LngLat(180.0, -90.0)


@pytest.mark.parametrize("value", ["1e999", "-inf", str(math.nan), "0x10", "", "  "])
def test_parse_lat_lon_rejects_non_finite_and_junk(value):
    with pytest.raises(BadRequest):
        parse_lat_lon({"lat": value, "lon": "1"})


def test_parse_limit_defaults_and_bounds():
    assert parse_limit({}) == 10 and parse_limit({"limit": " 50 "}) == 50
    with pytest.raises(BadRequest, match="limit must be 1..50"):
        parse_limit({"limit": "51"})


def test_parse_lang_prefers_the_parameter_then_accept_language():
    assert parse_lang({"lang": "de"}, {"accept-language": "fr"}) == "de"
    assert parse_lang({}, {"accept-language": "fr-CH, fr;q=0.9"}) == "fr-CH"
    assert parse_lang({"lang": "local"}, {}) is None and parse_lang({}, {}) is None


def test_parse_points_limits_the_batch():
    assert parse_points([[1, 2]], 1) == [LngLat(2.0, 1.0)]
    with pytest.raises(ClientError) as error:
        parse_points([[1, 2]] * 3, 2)
    assert error.value.status == 413
