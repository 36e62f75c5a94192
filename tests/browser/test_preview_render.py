"""The preview page in a real browser: headless Debian chromium (SwiftShader WebGL) renders the
embedded basemap served by a live `tilegeo serve`, with every request kept on loopback.

Screenshots go to `artifacts/preview-<style>.png` for a human (or CI artifact) to look at.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import gzip

import mapbox_vector_tile
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from ..live_server import live_server
from ..mbtiles_fixtures import write_mbtiles

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
                 "--disable-background-networking", "--disable-component-update"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
IDLE_TIMEOUT_MS = 20_000
MAP_IDLE = "() => window.tilegeo && window.tilegeo.map && window.tilegeo.ready && window.tilegeo.map.isStyleLoaded()"
SYMBOL_LAYERS = """() => [...new Set(window.tilegeo.map.queryRenderedFeatures()
    .filter((f) => f.layer.type === 'symbol').map((f) => f.layer.id))]"""
LAYERS_AT = """([lng, lat]) => window.tilegeo.map.queryRenderedFeatures(window.tilegeo.map.project([lng, lat]))
    .map((f) => f.layer.id)"""


def protomaps_mbtiles(path: Path) -> Path:
    """A one-tile world in the Protomaps basemaps schema: a continent, a sea, a country and a town."""
    layers = [
        {"name": "earth", "features": [{"geometry": "POLYGON((1024 1024, 3072 1024, 3072 3072, 1024 3072, 1024 1024))",
                                        "properties": {"kind": "earth"}}]},
        {"name": "water", "features": [{"geometry": "POLYGON((0 0, 4096 0, 4096 900, 0 900, 0 0))",
                                        "properties": {"kind": "ocean"}}]},
        {"name": "places", "features": [
            {"geometry": "POINT(2048 2300)", "properties": {"kind": "country", "name": "Testland", "name:en": "Testland",
                                                            "min_zoom": 0, "population_rank": 15}},
            {"geometry": "POINT(1600 1600)", "properties": {"kind": "locality", "name": "Testville", "name:en": "Testville",
                                                            "min_zoom": 0, "population_rank": 12}}]},
    ]
    tile = gzip.compress(mapbox_vector_tile.encode(layers, default_options={"y_coord_down": True}))
    vector_layers = [{"id": layer["name"], "fields": {}} for layer in layers]
    metadata = {"name": "Protomaps test", "format": "pbf", "minzoom": "0", "maxzoom": "0",
                "attribution": "Test data", "json": json.dumps({"vector_layers": vector_layers})}
    return write_mbtiles(path, metadata, {(0, 0, 0): tile})


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    """The real server with the embedded data, plus a user data dir holding a Protomaps file."""
    data = tmp_path_factory.mktemp("data")
    protomaps_mbtiles(data / "testland.mbtiles")
    with live_server("--rescan-seconds", "0", "--data", str(data)) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Browser:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Traffic:
    """Every request the page makes: non-loopback ones are refused and remembered; failures kept."""

    def __init__(self, page: Page) -> None:
        self.outside: list[str] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        page.route("**/*", self._route)
        page.on("requestfailed", lambda request: self.failed.append(f"{request.url} {request.failure}"))
        page.on("response", lambda response: response.status >= 400
                and self.failed.append(f"{response.url} HTTP {response.status}"))
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))

    def _route(self, route) -> None:
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()


def open_preview(browser: Browser, server: str, style_id: str, view: str) -> tuple[Page, Traffic]:
    """The preview page showing `style_id` at `view` ('zoom/lat/lng'), once MapLibre is idle."""
    page = browser.new_page(viewport={"width": 1024, "height": 640})
    traffic = Traffic(page)
    page.goto(f"{server}/?style={style_id}#map={view}")
    page.wait_for_function(MAP_IDLE, timeout=IDLE_TIMEOUT_MS)
    return page, traffic


# One page per style for the whole module: a SwiftShader render takes seconds, so the tests
# below share it (the ones that move the map come after the ones that look at it).
@pytest.fixture(scope="module")
def light(server, browser):
    page, traffic = open_preview(browser, server, "basemap-light", "2.2/30/10")
    yield page, traffic
    page.close()


@pytest.fixture(scope="module")
def dark(server, browser):
    page, traffic = open_preview(browser, server, "basemap-dark", "2.2/30/10")
    yield page, traffic
    page.close()


def api(server: str, path: str, **params: str) -> tuple[int, object]:
    try:
        with urllib.request.urlopen(f"{server}{path}?{urlencode(params)}", timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def jump_to(page: Page, zoom: float, lng: float, lat: float) -> None:
    page.evaluate("([zoom, lng, lat]) => { window.tilegeo.ready = false; window.tilegeo.map.jumpTo({zoom, center: [lng, lat]}); }",
                  [zoom, lng, lat])
    page.wait_for_function(MAP_IDLE, timeout=IDLE_TIMEOUT_MS)


@pytest.mark.parametrize("style", ["light", "dark"])
def test_preview_renders_the_basemap_with_labels_offline(request, style):
    page, traffic = request.getfixturevalue(style)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"preview-basemap-{style}.png"))

    assert page.evaluate("() => window.tilegeo.map.getStyle().name") == f"Basemap {style.title()}"
    assert traffic.outside == []
    assert traffic.failed == []
    assert traffic.console_errors == []
    assert page.evaluate("() => window.tilegeo.errors") == []
    labelled = page.evaluate(SYMBOL_LAYERS)
    assert {"place-country", "place-capital", "water-name-ocean"} <= set(labelled), labelled
    assert "Natural Earth" in page.locator(".maplibregl-ctrl-attrib").inner_text()


@pytest.mark.parametrize("zoom", [2.2, 4.5])
def test_the_sea_is_water_and_the_sahara_is_not(light, zoom):
    page, _ = light
    jump_to(page, zoom, 10, 30)
    assert "water" in page.evaluate(LAYERS_AT, [18, 34])         # Mediterranean, south of Sicily
    assert "water" not in page.evaluate(LAYERS_AT, [12, 25])     # Libyan desert


def test_a_click_shows_the_reverse_geocoder_answer(server, light):
    page, _ = light
    jump_to(page, 5, 2.35, 48.85)
    page.mouse.click(512, 320)                                   # the map centre: Paris
    popup = page.locator(".maplibregl-popup-content .place-popup").last
    popup.locator("strong").filter(has_not_text="Looking up").wait_for()
    status, place = api(server, "/api/reverse", lat="48.85", lon="2.35")
    expected = place["city"] if status == 200 else "Reverse geocoding failed"
    assert expected in popup.inner_text()


def test_search_lists_places_from_the_forward_geocoder(server, light):
    page, traffic = light
    page.fill("#search-input", "Paris")
    page.press("#search-input", "Enter")
    page.locator("#search-results li").first.wait_for()
    status, places = api(server, "/api/search", q="Paris", limit="8")
    expected = places[0]["city"] if status == 200 else "Search failed"
    assert expected in page.locator("#search-results").inner_text()
    assert traffic.outside == []


def test_a_dropped_in_protomaps_file_gets_a_working_style(server, browser):
    page, traffic = open_preview(browser, server, "testland-light", "1.5/0/0")
    assert traffic.outside == [] and traffic.failed == [] and traffic.console_errors == []
    assert page.evaluate("() => window.tilegeo.errors") == []
    assert {"places_country", "places_locality"} <= set(page.evaluate(SYMBOL_LAYERS))
    page.close()
