import mapbox_vector_tile
import pytest
from starlette.testclient import TestClient

from service.app import create_app

from ..mbtiles_fixtures import png_tile, vector_tile


@pytest.mark.parametrize("path, status", [
    ("/tiles/vec/0/0/0.pbf", 200),
    ("/tiles/vec/3/4/2.pbf", 200),
    ("/tiles/vec/0/0/0.mvt", 200),
    ("/tiles/vec/2/1/1.pbf", 204),          # in range, absent
    ("/tiles/sat/2/3/1.png", 200),
    ("/tiles/sat/1/0/0.png", 204),
    ("/tiles/nope/0/0/0.pbf", 404),         # unknown tileset
    ("/tiles/vec/4/0/0.pbf", 404),          # above maxzoom
    ("/tiles/vec/31/0/0.pbf", 400),         # beyond any zoom
    ("/tiles/vec/1/2/0.pbf", 400),          # x >= 2^z
    ("/tiles/vec/1/0/2.pbf", 400),          # y >= 2^z
    ("/tiles/vec/a/0/0.pbf", 400),          # non-numeric
    ("/tiles/vec/1/-1/0.pbf", 400),
    ("/tiles/vec/1/+1/0.pbf", 400),
    ("/tiles/vec/1/0/0", 400),              # no extension
    ("/tiles/vec/0/0/0.png", 400),          # wrong extension
    ("/tiles/sat/0/0/0.pbf", 400),
    ("/tiles/vec/1/99999999999999999999/0.pbf", 400),
    ("/tiles/..%2F..%2Fetc%2Fpasswd/0/0/0.pbf", 404),
    ("/tiles/junk/0/0/0.pbf", 404),         # a broken file is not served
])
def test_tile_status_semantics(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    if status >= 400:
        body = response.json()
        assert body["error"] and body["detail"]


def test_gzipped_vector_tile_is_sent_as_is_to_gzip_clients(client):
    response = client.get("/tiles/vec/1/1/0.pbf", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.headers["content-type"] == "application/x-protobuf"
    assert response.headers["vary"] == "Accept-Encoding"
    decoded = mapbox_vector_tile.decode(response.content)   # httpx already un-gzipped the body
    assert decoded["place"]["features"][0]["properties"]["name"] == "z1 north-east"


def test_gzipped_vector_tile_is_decompressed_for_clients_without_gzip(client):
    response = client.get("/tiles/vec/1/1/0.pbf", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.content == vector_tile("z1 north-east")


def test_raw_vector_tiles_are_sent_uncompressed(client):
    response = client.get("/tiles/raw/0/0/0.pbf", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in response.headers
    assert response.content == vector_tile("raw")


def test_png_tiles_have_image_content_type_and_original_bytes(client):
    response = client.get("/tiles/sat/2/3/1.png", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-type"] == "image/png"
    assert "content-encoding" not in response.headers
    assert response.content == png_tile((0, 0, 255))


def test_tiles_carry_cache_cors_and_etag_headers(client):
    response = client.get("/tiles/sat/0/0/0.png")
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["etag"].startswith('"')


def test_if_none_match_gives_304(client):
    etag = client.get("/tiles/vec/0/0/0.pbf", headers={"Accept-Encoding": "gzip"}).headers["etag"]
    again = client.get("/tiles/vec/0/0/0.pbf", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag


def test_etag_differs_between_gzip_and_identity_representations(client):
    gz = client.get("/tiles/vec/0/0/0.pbf", headers={"Accept-Encoding": "gzip"}).headers["etag"]
    plain = client.get("/tiles/vec/0/0/0.pbf", headers={"Accept-Encoding": "identity"}).headers["etag"]
    assert gz != plain
    stale = client.get("/tiles/vec/0/0/0.pbf", headers={"Accept-Encoding": "identity", "If-None-Match": gz})
    assert stale.status_code == 200


def test_cache_control_and_cors_origins_are_configurable(settings):
    custom = settings.replace(cache_control="no-cache", cors_origins=("https://photos.example",))
    with TestClient(create_app(custom)) as client:
        allowed = client.get("/tiles/sat/0/0/0.png", headers={"Origin": "https://photos.example"})
        other = client.get("/tiles/sat/0/0/0.png", headers={"Origin": "https://evil.example"})
    assert allowed.headers["cache-control"] == "no-cache"
    assert allowed.headers["access-control-allow-origin"] == "https://photos.example"
    assert "Origin" in allowed.headers["vary"]
    assert "access-control-allow-origin" not in other.headers


def test_cors_preflight_is_answered(client):
    response = client.options("/tiles/vec.json", headers={
        "Origin": "https://photos.example", "Access-Control-Request-Method": "GET"})
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"


def test_tileset_list(client):
    listing = {entry["id"]: entry for entry in client.get("/tiles").json()}
    assert sorted(listing) == ["raw", "sat", "vec"]
    assert listing["vec"] == {
        "id": "vec", "name": "Vector gz", "format": "pbf", "bounds": [-180.0, -85.0, 180.0, 85.0],
        "minzoom": 0, "maxzoom": 3, "tilejson": "http://testserver/tiles/vec.json"}


def test_tilejson_from_metadata(client):
    doc = client.get("/tiles/vec.json").json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"] == ["http://testserver/tiles/vec/{z}/{x}/{y}.pbf"]
    assert doc["scheme"] == "xyz"
    assert (doc["minzoom"], doc["maxzoom"], doc["center"]) == (0, 3, [0.0, 0.0, 1])
    assert doc["attribution"] == "Test data"
    assert doc["vector_layers"][0]["id"] == "place"


def test_raster_tilejson_uses_its_extension_and_has_no_vector_layers(client):
    doc = client.get("/tiles/sat.json").json()
    assert doc["tiles"] == ["http://testserver/tiles/sat/{z}/{x}/{y}.png"]
    assert "vector_layers" not in doc


def test_tilejson_urls_follow_forwarded_headers(client):
    doc = client.get("/tiles/vec.json", headers={
        "X-Forwarded-Proto": "https", "X-Forwarded-Host": "maps.example.org",
        "X-Forwarded-Prefix": "/tilegeo/"}).json()
    assert doc["tiles"] == ["https://maps.example.org/tilegeo/tiles/vec/{z}/{x}/{y}.pbf"]


def test_public_url_setting_wins_over_the_request(settings):
    with TestClient(create_app(settings.replace(public_url="https://tiles.example.net/base"))) as client:
        doc = client.get("/tiles/vec.json", headers={"X-Forwarded-Host": "ignored.example"}).json()
    assert doc["tiles"] == ["https://tiles.example.net/base/tiles/vec/{z}/{x}/{y}.pbf"]


def test_unknown_tilejson_is_a_json_404(client):
    response = client.get("/tiles/nope.json")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown tileset"


def test_unknown_route_and_method_are_json_errors(client):
    assert client.get("/no/such/route").json()["error"] == "not found"
    response = client.delete("/tiles")
    assert response.status_code == 405 and response.json()["error"] == "method not allowed"


def test_health_lists_tilesets_and_problems(client, tiles_dir):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["tilesets"] == ["raw", "sat", "vec"]
    assert body["problems"][0]["file"] == str(tiles_dir / "junk.mbtiles")
