"""Locust scenario "photo import": a photo server geocoding a library as fast as answers come.

    locust -f loadtests/locust_import.py --headless -u 64 -r 16 -t 30s --host http://127.0.0.1:8080 --csv loadtests/out/import

Most requests are PhotoPrism-style `/v1/location/{s2 token}` lookups of level-21 cells at
random land points (one per photo; a 404 "location not found" for a point on water is a correct
answer, not a failure); one in twenty is a native batch `POST /api/reverse` of
1000 points, as an importer that batches would send.
"""
from __future__ import annotations

import random

from locust import FastHttpUser, constant, task

from locust_common import random_land_point, s2_token

BATCH_POINTS = 1000


class ImportUser(FastHttpUser):
    weight = 1
    wait_time = constant(0)

    def on_start(self) -> None:
        self.rng = random.Random()

    @task(20)
    def photoprism_location(self) -> None:
        token = s2_token(*random_land_point(self.rng))
        with self.client.get(f"/v1/location/{token}", name="/v1/location/{token}", catch_response=True) as response:
            if response.status_code == 404 and b"location not found" in (response.content or b""):
                response.success()          # a point in no country (a lake, the sea): PhotoPrism's own answer

    @task(1)
    def batch_reverse(self) -> None:
        points = [dict(zip(("lat", "lon"), random_land_point(self.rng))) for _ in range(BATCH_POINTS)]
        self.client.post("/api/reverse", json=points, name=f"POST /api/reverse ({BATCH_POINTS} points)")
