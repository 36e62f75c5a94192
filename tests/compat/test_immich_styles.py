"""Immich: tilegeo's style URLs work as map.lightStyle / map.darkStyle.

MapLibre in the browser (and MapLibre Native in the app) fetches the style and then every URL in
it from another origin than Immich's, so each must be absolute, on our host, answer 200 and carry
Access-Control-Allow-Origin. The test follows them all, as MapLibre would.
"""
from __future__ import annotations

import json
import urllib.request
from urllib.parse import quote

import pytest

from ..live_server import live_server

ORIGIN = "https://immich.example"


@pytest.fixture(scope="module")
def live():
    """A real `tilegeo serve` with the embedded data (styles need no places database)."""
    with live_server("--rescan-seconds", "0") as base:
        yield base


def fetch(url: str) -> tuple[int, bytes, dict[str, str]]:
    request = urllib.request.Request(url, headers={"Origin": ORIGIN, "Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read(), {k.lower(): v for k, v in response.headers.items()}


def check(url: str, live: str) -> bytes:
    assert url.startswith(live + "/"), f"{url} is not an absolute URL on {live}"
    status, body, headers = fetch(url)
    assert status == 200, url
    assert headers.get("access-control-allow-origin") in ("*", ORIGIN), url
    return body


def referenced_urls(style: dict, live: str) -> list[str]:
    """Every URL MapLibre would fetch for this style at z0: TileJSON, a tile, glyphs, sprite files."""
    urls = []
    for source in style["sources"].values():
        if "url" in source:
            tilejson = json.loads(check(source["url"], live))
            urls.extend(t.replace("{z}", "0").replace("{x}", "0").replace("{y}", "0") for t in tilejson["tiles"])
    stacks = {",".join(layer["layout"]["text-font"]) for layer in style["layers"]
              if isinstance(layer.get("layout", {}).get("text-font"), list)}
    assert stacks, "a style with labels names its fonts"
    urls.extend(style["glyphs"].replace("{fontstack}", quote(stack)).replace("{range}", "0-255") for stack in stacks)
    urls.extend(style["sprite"] + suffix for suffix in (".json", ".png", "@2x.json", "@2x.png"))
    return urls


@pytest.mark.parametrize("style_id", ["basemap-light", "basemap-dark"])
def test_style_and_everything_it_references_load_cross_origin(live, style_id):
    listing = {entry["id"]: entry["url"] for entry in json.loads(fetch(f"{live}/styles")[1])}
    assert style_id in listing, f"{style_id} is not offered: data/tiles/basemap.mbtiles is missing"
    style = json.loads(check(listing[style_id], live))
    assert style["version"] == 8
    for url in referenced_urls(style, live):
        check(url, live)


def test_photoprism_default_map_is_the_light_basemap(live):
    status, body, headers = fetch(f"{live}/maps/default.json")
    assert status == 200 and headers["access-control-allow-origin"]
    assert json.loads(body) == json.loads(fetch(f"{live}/styles/basemap-light.json")[1])
