import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.guard import RateLimiter, is_geocoding_path, key_is_valid, needs_key


@pytest.mark.parametrize("path, geocoding", [
    ("/api/reverse", True), ("/api/search", True), ("/v1/location/47a84e201554", True),
    ("/reverse", True), ("/search", True), ("/api", True), ("/nominatim/reverse", True),
    ("/photon/api", True), ("/tiles/vec/0/0/0.pbf", False), ("/styles/basemap-light.json", False),
    ("/fonts/Noto Sans Regular/0-255.pbf", False),
])
def test_geocoding_paths_are_recognised(path, geocoding):
    assert is_geocoding_path(path) is geocoding


def test_health_ready_metrics_and_static_never_need_a_key():
    for path in ("/health", "/ready", "/metrics", "/", "/static/app.js"):
        assert not needs_key(path, protect_tiles=True)
    assert needs_key("/tiles/x/0/0/0.pbf", protect_tiles=True)
    assert not needs_key("/tiles/x/0/0/0.pbf", protect_tiles=False)


def test_key_comparison():
    assert key_is_valid("s3cret", ("other", "s3cret"))
    assert not key_is_valid("s3cre", ("s3cret",))
    assert not key_is_valid(None, ("s3cret",))


def test_rate_limiter_refills_over_time():
    limiter = RateLimiter(per_minute=2)
    assert limiter.allow("a", now=0.0) == 0
    assert limiter.allow("a", now=0.0) == 0
    assert limiter.allow("a", now=0.0) == pytest.approx(30.0)
    assert limiter.allow("b", now=0.0) == 0          # clients are counted separately
    assert limiter.allow("a", now=30.0) == 0


@pytest.fixture
def keyed(settings):
    with TestClient(create_app(settings.replace(api_keys=("k1", "k2")))) as client:
        yield client


def test_geocoding_without_key_is_refused_with_json_401(keyed):
    response = keyed.get("/api/reverse?lat=1&lon=1")
    assert response.status_code == 401
    assert response.json()["error"] == "api key required"


@pytest.mark.parametrize("how", ["query", "api_key_query", "header", "bearer", "x_key"])
def test_key_is_accepted_from_query_or_headers(keyed, how):
    params, headers = {}, {}
    if how == "query":
        params["key"] = "k2"
    elif how == "api_key_query":
        params["api_key"] = "k1"
    elif how == "header":
        headers["X-API-Key"] = "k1"
    elif how == "bearer":
        headers["Authorization"] = "Bearer k2"
    else:
        headers["X-Key"] = "k1"
    response = keyed.get("/api/reverse", params={"lat": "1", "lon": "1", **params}, headers=headers)
    assert response.status_code != 401


def test_tiles_stay_open_unless_protected(keyed, settings):
    assert keyed.get("/tiles/sat/0/0/0.png").status_code == 200
    with TestClient(create_app(settings.replace(api_keys=("k1",), protect_tiles=True))) as client:
        assert client.get("/tiles/sat/0/0/0.png").status_code == 401
        assert client.get("/tiles/sat/0/0/0.png?key=k1").status_code == 200
        assert client.get("/health").status_code == 200


def test_rate_limit_applies_to_geocoding_only(settings):
    with TestClient(create_app(settings.replace(rate_limit=2))) as client:
        statuses = [client.get("/api/reverse?lat=1&lon=1").status_code for _ in range(3)]
        assert statuses[:2] != [429, 429] and statuses[2] == 429
        limited = client.get("/api/reverse?lat=1&lon=1")
        assert limited.json()["error"] == "rate limited" and int(limited.headers["retry-after"]) >= 1
        assert all(client.get("/tiles/sat/0/0/0.png").status_code == 200 for _ in range(5))


def test_declared_oversized_body_gets_413_json(settings):
    with TestClient(create_app(settings.replace(max_body_bytes=100))) as client:
        response = client.post("/api/reverse", content=b"[" + b"0," * 200 + b"0]",
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.json()["error"] == "request body too large"


def test_streamed_oversized_body_gets_413_json(settings):
    def chunks():
        for _ in range(10):
            yield b"x" * 50
    with TestClient(create_app(settings.replace(max_body_bytes=100))) as client:
        response = client.post("/api/reverse", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
