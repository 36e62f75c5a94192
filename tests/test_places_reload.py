"""Replacing the places database on disk is picked up without a restart and without a failed request."""
import json
import os
import shutil
import sqlite3
import threading
import time
import urllib.request

from .geocode.fixtures import build_places
from .live_server import live_server

PARIS = "/api/reverse?lat=48.8534&lon=2.3488"


def _city(base: str) -> tuple[int, str | None]:
    with urllib.request.urlopen(base + PARIS, timeout=10) as response:
        return response.status, json.load(response)["city"]


def _health(base: str) -> dict:
    with urllib.request.urlopen(base + "/health", timeout=10) as response:
        return json.load(response)


def _renamed_copy(source, target, new_name: str) -> None:
    shutil.copy(source, target)
    with sqlite3.connect(target) as conn:
        conn.execute("UPDATE places SET name = ? WHERE geonameid = 2988507", (new_name,))


def _poll(condition, seconds: float = 30.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)   # polling interval of a condition with a deadline
    return False


def test_places_swap_under_load_loses_no_request(tmp_path):
    places = build_places(tmp_path / "places.sqlite")
    staged = tmp_path / ".places.sqlite.new"
    _renamed_copy(places, staged, "Paris Nouveau")
    failures, answers, stop = [], [], threading.Event()

    with live_server("--places", str(places), "--rescan-seconds", "0.2",
                     env={"TILEGEO_EMBEDDED_DATA": str(tmp_path / "none")}) as base:
        assert _city(base) == (200, "Paris")

        def hammer() -> None:
            for _ in range(5000):   # bounded, and stopped by the test
                if stop.is_set():
                    return
                try:
                    answers.append(_city(base))
                except OSError as exc:
                    failures.append(repr(exc))

        worker = threading.Thread(target=hammer)
        worker.start()
        try:
            os.replace(staged, places)   # the way users update data: atomic rename
            swapped = _poll(lambda: answers and answers[-1] == (200, "Paris Nouveau"))
            (tmp_path / ".junk").write_bytes(b"not a database" * 100)
            os.replace(tmp_path / ".junk", places)   # a broken update keeps the working data
            refused = _poll(lambda: "update not loaded" in (_health(base)["places"]["error"] or ""))
            still_serving = _city(base)
        finally:
            stop.set()
            worker.join(timeout=30)

    assert swapped, f"the new places file was not picked up; last answers {answers[-3:]}"
    assert failures == []
    assert all(status == 200 and city in ("Paris", "Paris Nouveau") for status, city in answers)
    assert refused, "the broken update was not reported in /health"
    assert still_serving == (200, "Paris Nouveau")
