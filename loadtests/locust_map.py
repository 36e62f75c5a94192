"""Locust scenario "map session": open the map like MapLibre does, then pan and zoom.

    locust -f loadtests/locust_map.py --headless -u 64 -r 16 -t 30s --host http://127.0.0.1:8080 --csv loadtests/out/map

Each user loads the style, the TileJSON, a glyph range and the sprite, then walks a pan/zoom
path from z0 to the tileset's max zoom, fetching each viewport's tiles in parallel as a
browser does (up to 8 at once), with a short pause between views.
"""
from __future__ import annotations

import random

from gevent.pool import Pool
from locust import FastHttpUser, between, task

from locust_common import TILE_TEMPLATE, pan_zoom_path

STYLE = "/styles/basemap-light.json"
TILEJSON = "/tiles/basemap.json"
GLYPHS = "/fonts/Noto Sans Regular/0-255.pbf"
SPRITE = "/sprites/basemap"
PARALLEL_TILES = 8
GZIP = {"Accept-Encoding": "gzip"}


class MapUser(FastHttpUser):
    weight = 3
    wait_time = between(0.2, 1.0)          # a person looks at the map between moves

    def on_start(self) -> None:
        self.rng = random.Random()
        self.client.get(STYLE, headers=GZIP)
        self.template, self.maxzoom = self._tilejson()
        self.client.get(GLYPHS, headers=GZIP)
        self.client.get(SPRITE + ".json")
        self.client.get(SPRITE + ".png")

    @task
    def pan_and_zoom(self) -> None:
        pool = Pool(PARALLEL_TILES)
        for tiles in pan_zoom_path(self.rng, self.maxzoom):
            pool.map(self._tile, tiles)
            self.wait()

    def _tile(self, tile: tuple[int, int, int]) -> None:
        z, x, y = tile
        url = self.template.format(z=z, x=x, y=y)
        self.client.get(url, headers=GZIP, name="/tiles/basemap/{z}/{x}/{y}.pbf")   # 204 (empty) counts as OK

    def _tilejson(self) -> tuple[str, int]:
        """The tile URL path template and max zoom from the TileJSON (defaults if it is not served yet)."""
        with self.client.get(TILEJSON, catch_response=True) as response:
            if response.status_code != 200:
                return TILE_TEMPLATE, 8
            doc = response.json()
        template = doc["tiles"][0].split("://", 1)[-1]
        return template[template.index("/"):], int(doc.get("maxzoom", 8))
