"""The documented scale-out: nginx proxy_cache in front of two real tilegeo processes, on loopback."""
from __future__ import annotations

import gzip
import http.client
import json
import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import pytest

from ..mbtiles_fixtures import vector_gzip_mbtiles, vector_tile
from .nginx_harness import NGINX, get, nginx, tilegeo_backend


def test_nginx_is_installed():
    assert os.access(NGINX, os.X_OK), f"{NGINX} is missing: .ci/run installs Debian nginx"


TILE = "/tiles/vec/1/1/0.pbf"


def start_tier(stack: ExitStack, tmp: Path) -> tuple[int, list]:
    """Two tilegeo backends over the same data dir and nginx in front; returns (port, backends)."""
    data, embedded, workdir = tmp / "data", tmp / "embedded", tmp / "nginx"
    for folder in (data, embedded, workdir):
        folder.mkdir()
    vector_gzip_mbtiles(data / "vec.mbtiles")
    backends = [stack.enter_context(tilegeo_backend(data, embedded)) for _ in range(2)]
    port = stack.enter_context(nginx(workdir, [address for address, _ in backends]))
    return port, backends


@pytest.fixture(scope="module")
def tier(tmp_path_factory):
    with ExitStack() as stack:
        yield start_tier(stack, tmp_path_factory.mktemp("tier"))[0]


def test_the_second_request_for_a_tile_is_a_cache_hit(tier):
    first = get(tier, "/tiles/vec/3/4/2.pbf", {"Accept-Encoding": "gzip"})
    second = get(tier, "/tiles/vec/3/4/2.pbf", {"Accept-Encoding": "gzip"})
    assert (first.status, first.headers["x-cache-status"]) == (200, "MISS")
    assert (second.status, second.headers["x-cache-status"]) == (200, "HIT")
    assert second.body == first.body


def test_gzip_and_identity_clients_each_get_a_correct_body_from_the_cache(tier):
    for _ in range(2):        # the first round fills both variants, the second must hit both
        zipped = get(tier, TILE, {"Accept-Encoding": "gzip, deflate, br"})
        plain = get(tier, TILE, {"Accept-Encoding": "identity"})
        assert zipped.headers["content-encoding"] == "gzip"
        assert gzip.decompress(zipped.body) == vector_tile("z1 north-east")
        assert "content-encoding" not in plain.headers
        assert plain.body == vector_tile("z1 north-east")
        assert zipped.headers["vary"] == plain.headers["vary"] == "Accept-Encoding"
    assert zipped.headers["x-cache-status"] == plain.headers["x-cache-status"] == "HIT"


def test_a_client_without_accept_encoding_never_gets_gzip_from_the_cache(tier):
    get(tier, "/tiles/vec/0/0/0.pbf", {"Accept-Encoding": "gzip"})
    bare = get(tier, "/tiles/vec/0/0/0.pbf")
    refused = get(tier, "/tiles/vec/0/0/0.pbf", {"Accept-Encoding": "gzip;q=0, identity"})
    assert bare.body == refused.body == vector_tile("z0")
    assert "content-encoding" not in bare.headers and "content-encoding" not in refused.headers


def test_if_none_match_is_answered_304_per_encoding(tier):
    zipped = get(tier, TILE, {"Accept-Encoding": "gzip"})
    plain = get(tier, TILE, {"Accept-Encoding": "identity"})
    assert zipped.headers["etag"] != plain.headers["etag"]
    again = get(tier, TILE, {"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]})
    assert (again.status, again.body) == (304, b"")
    assert again.headers["etag"] == zipped.headers["etag"]
    other = get(tier, TILE, {"Accept-Encoding": "identity", "If-None-Match": zipped.headers["etag"]})
    assert other.status == 200 and other.body == vector_tile("z1 north-east")


def test_absent_tiles_are_cached_as_204(tier):
    assert [get(tier, "/tiles/vec/2/1/1.pbf").headers["x-cache-status"] for _ in range(2)] == ["MISS", "HIT"]
    assert get(tier, "/tiles/vec/2/1/1.pbf").status == 204


def test_probes_are_never_cached(tier):
    replies = [get(tier, "/health") for _ in range(2)]
    assert [r.status for r in replies] == [200, 200]
    assert all("x-cache-status" not in r.headers for r in replies)


def test_requests_with_an_api_key_header_bypass_the_cache(tier):
    get(tier, "/tiles/vec/3/4/2.pbf?k", {"X-Api-Key": "secret"})
    assert get(tier, "/tiles/vec/3/4/2.pbf?k", {"X-Api-Key": "secret"}).headers["x-cache-status"] == "BYPASS"
    assert get(tier, "/tiles/vec/3/4/2.pbf?k").headers["x-cache-status"] == "MISS"


@pytest.mark.parametrize("stop", ["terminate", "kill"])
def test_losing_one_backend_under_load_loses_no_request(tmp_path, stop):
    """400 uncached requests from 4 clients; one backend is stopped (SIGTERM or SIGKILL) mid-way.

    Stopped, it finishes what it started and nginx retries the rest elsewhere: nothing fails.
    Killed, a response it had begun to send (uvicorn writes the head, then the body) is cut short
    and nginx cannot retry it, having passed the head on: at most one per client connection.
    """
    total, clients = 400, 4
    with ExitStack() as stack:
        port, backends = start_tier(stack, tmp_path)
        halfway = threading.Event()
        done = Counter()
        lock = threading.Lock()

        def one(i: int) -> int | str:
            # A unique query string makes every request a cache miss, so each one reaches a backend.
            try:
                status = get(port, f"/tiles/vec/{i % 2}/{i % 2}/0.pbf?n={i}", {"Accept-Encoding": "gzip"}).status
            except (http.client.IncompleteRead, http.client.RemoteDisconnected, ConnectionResetError):
                status = "cut"
            with lock:
                done[status] += 1
                if sum(done.values()) == total // 4:
                    halfway.set()
            return status

        with ThreadPoolExecutor(clients) as pool:
            futures = [pool.submit(one, i) for i in range(total)]
            assert halfway.wait(timeout=60)
            victim = backends[0][1]
            getattr(victim, stop)()
            victim.wait(timeout=10)
            statuses = Counter(f.result() for f in futures)
        cut = statuses.pop("cut", 0)
        assert statuses == Counter({200: total - cut})
        assert cut == 0 if stop == "terminate" else cut <= clients
        error_log = (tmp_path / "nginx" / "error.log").read_text()
        assert backends[0][0] in error_log          # nginx did see the backend fail, and retried
        assert get(port, "/health").status == 200


def test_tilejson_through_the_cache_points_clients_at_nginx_not_a_backend(tier):
    reply = get(tier, "/tiles/vec.json")
    url = json.loads(reply.body)["tiles"][0]
    assert url == f"http://127.0.0.1:{tier}/tiles/vec/{{z}}/{{x}}/{{y}}.pbf"
