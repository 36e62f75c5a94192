"""Style routes over HTTP: listing, absolute URLs behind proxies, errors, the preview page."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.config import Settings

from ..mbtiles_fixtures import vector_tile, write_mbtiles

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "styles"


def vector_mbtiles(path: Path, *layer_ids: str) -> Path:
    metadata = {"name": path.stem.title(), "format": "pbf", "minzoom": "0", "maxzoom": "2",
                "json": json.dumps({"vector_layers": [{"id": layer, "fields": {}} for layer in layer_ids]})}
    return write_mbtiles(path, metadata, {(0, 0, 0): vector_tile()})


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    """Embedded basemap + bundled styles; a user data dir with an OpenMapTiles extract and styles."""
    embedded = tmp_path / "embedded"
    (embedded / "tiles").mkdir(parents=True)
    shutil.copytree(BUNDLED, embedded / "styles")
    vector_mbtiles(embedded / "tiles" / "basemap.mbtiles", "water", "waterway", "boundary", "place", "water_name")
    data = tmp_path / "data"
    (data / "styles").mkdir(parents=True)
    vector_mbtiles(data / "switzerland.mbtiles", "water", "transportation", "building", "place", "boundary")
    (data / "styles" / "mine.json").write_text(json.dumps({
        "version": 8, "sources": {"v": {"type": "vector", "url": "mbtiles://switzerland"}},
        "sprite": "/sprites/basemap", "layers": []}))
    (data / "styles" / "broken.json").write_text("{")
    return Settings(data=data, embedded_data=embedded, rescan_seconds=0)


@pytest.fixture
def styles_client(app_settings: Settings):
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


def test_styles_lists_basemap_tileset_and_user_styles(styles_client):
    listing = styles_client.get("/styles").json()
    ids = [entry["id"] for entry in listing]
    assert {"basemap-light", "basemap-dark", "switzerland-light", "switzerland-dark", "mine"} <= set(ids)
    entry = next(e for e in listing if e["id"] == "switzerland-dark")
    assert entry["url"] == "http://testserver/styles/switzerland-dark.json"
    assert entry["tileset"] == "switzerland" and entry["schema"] == "openmaptiles"


def test_style_urls_are_absolute_from_the_request(styles_client):
    style = styles_client.get("/styles/basemap-light.json").json()
    assert style["version"] == 8
    assert style["sources"]["openmaptiles"]["url"] == "http://testserver/tiles/basemap.json"
    assert style["glyphs"] == "http://testserver/fonts/{fontstack}/{range}.pbf"
    assert style["sprite"] == "http://testserver/sprites/basemap"


def test_forwarded_headers_with_a_prefix_shape_the_urls(styles_client):
    headers = {"x-forwarded-proto": "https", "x-forwarded-host": "maps.example.org",
               "x-forwarded-prefix": "/tilegeo"}
    style = styles_client.get("/styles/switzerland-light.json", headers=headers).json()
    assert style["sources"]["openmaptiles"]["url"] == "https://maps.example.org/tilegeo/tiles/switzerland.json"
    listing = styles_client.get("/styles", headers=headers).json()
    assert listing[0]["url"].startswith("https://maps.example.org/tilegeo/styles/")


def test_public_url_setting_wins_over_the_request(app_settings):
    settings = app_settings.replace(public_url="https://photos.example.net/map")
    with TestClient(create_app(settings)) as client:
        style = client.get("/styles/mine.json", headers={"x-forwarded-host": "evil.example"}).json()
    assert style["sources"]["v"]["url"] == "https://photos.example.net/map/tiles/switzerland.json"
    assert style["sprite"] == "https://photos.example.net/map/sprites/basemap"


def test_unknown_style_is_a_json_404(styles_client):
    response = styles_client.get("/styles/nope.json")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown style"


@pytest.mark.parametrize("path", ["/styles/..%2F..%2Fetc%2Fpasswd.json", "/styles/a%5Cb.json", "/styles/a/b.json"])
def test_path_tricks_in_style_ids_are_a_json_400(styles_client, path):
    response = styles_client.get(path)
    assert response.status_code == 400
    assert response.json()["error"] == "bad style id"


def test_broken_style_files_are_listed_in_health(styles_client):
    problems = styles_client.get("/health").json()["problems"]
    assert [Path(p["file"]).name for p in problems] == ["broken.json"]


def test_preview_page_loads_vendored_maplibre_and_shows_our_url(styles_client):
    page = styles_client.get("/", headers={"x-forwarded-proto": "https", "x-forwarded-host": "maps.example.org"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="static/vendor/maplibre-gl/maplibre-gl.js"' in page.text
    assert "https://maps.example.org" in page.text
    assert "http://" not in page.text.replace("https://maps.example.org", "")   # nothing from elsewhere


def test_static_files_are_served_and_missing_ones_are_json_404(styles_client):
    script = styles_client.get("/static/vendor/maplibre-gl/maplibre-gl.js")
    assert script.status_code == 200 and "maplibregl" in script.text[:5000]
    assert styles_client.get("/static/vendor/maplibre-gl/LICENSE.txt").status_code == 200
    missing = styles_client.get("/static/nope.js")
    assert missing.status_code == 404 and missing.json()["error"] == "not found"


def test_vendored_maplibre_is_the_pinned_version():
    from data.build.vendor_maplibre import MAPLIBRE, VENDOR_DIR
    assert (VENDOR_DIR / "VERSION").read_text().startswith(f"{MAPLIBRE.label} sha256:{MAPLIBRE.sha256}")
    assert (VENDOR_DIR / "LICENSE.txt").read_text().strip()
