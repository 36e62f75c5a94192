from starlette.testclient import TestClient

from service.app import create_app


def test_access_log_shows_route_and_status_but_no_coordinates(settings, capfd):
    with TestClient(create_app(settings)) as client:      # leaving the lifespan flushes the log
        client.get("/tiles/vec/3/4/2.pbf")
        client.get("/api/reverse?lat=48.858370&lon=2.294481")
        client.get("/nope/48.858370")
    text = capfd.readouterr().err
    assert "GET /tiles/{tileset}/{z}/{x}/{y_ext} 200" in text
    assert "48.858370" not in text and "2.294481" not in text and "/3/4/2" not in text
    assert "GET unmatched 404" in text


def test_log_queries_opt_in_restores_full_urls(settings, capfd):
    with TestClient(create_app(settings.replace(log_queries=True))) as client:
        client.get("/tiles/vec/3/4/2.pbf?x=1")
    assert "GET /tiles/vec/3/4/2.pbf?x=1 200" in capfd.readouterr().err


def test_log_level_warning_turns_the_access_log_off(settings, capfd):
    with TestClient(create_app(settings.replace(log_level="warning"))) as client:
        client.get("/tiles/vec/3/4/2.pbf")
    assert "tilegeo.access" not in capfd.readouterr().err


def test_metrics_count_requests_by_route_and_status(client):
    client.get("/tiles/vec/0/0/0.pbf")
    client.get("/tiles/vec/0/0/0.pbf")
    client.get("/tiles/nope/0/0/0.pbf")
    text = client.get("/metrics").text
    assert 'tilegeo_requests_total{method="GET",route="/tiles/{tileset}/{z}/{x}/{y_ext}",status="200"} 2.0' in text
    assert 'status="404"} 1.0' in text
    assert "tilegeo_request_duration_seconds_bucket" in text


def test_ready_reports_what_is_loaded(client):
    body = client.get("/ready").json()
    assert body["started"] is True
    assert set(body) >= {"ready", "started", "geocoder"}


def test_metrics_report_tile_cache_hits_and_misses(client):
    for _ in range(3):
        client.get("/tiles/vec/0/0/0.pbf")
    text = client.get("/metrics").text
    assert 'tilegeo_cache_total{cache="tiles",result="miss"} 1.0' in text
    assert 'tilegeo_cache_total{cache="tiles",result="hit"} 2.0' in text
    assert 'tilegeo_cache_total{cache="fonts",result="hit"}' in text
