"""Even a server error logs the route, not the coordinates, S2 token or query of the request that caused it."""
from __future__ import annotations

import logging

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.config import Settings

TOKEN = "47a84e201554"          # an S2 cell in Berlin: a photo's location


class BrokenGeocoder:
    """Fails every lookup, to provoke the 500 handler (the real one never should)."""

    def reverse(self, *args, **kwargs):
        raise RuntimeError("injected failure")

    search = reverse

    def close(self) -> None:
        pass


@pytest.mark.parametrize("log_queries, logged", [(False, False), (True, True)])
def test_a_500_logs_the_route_template_unless_queries_are_logged(empty_embedded, caplog, log_queries, logged):
    settings = Settings(embedded_data=empty_embedded, rescan_seconds=0, log_queries=log_queries)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        client.app.state.geocoder = BrokenGeocoder()
        with caplog.at_level(logging.ERROR, logger="tilegeo"):
            answers = [client.get(f"/v1/location/{TOKEN}"), client.get("/api/reverse?lat=52.5163&lon=13.3777")]
    assert [a.status_code for a in answers] == [500, 500]
    assert all(a.json()["error"] == "internal error" for a in answers)
    text = caplog.text
    assert "/v1/location/{token}" in text or logged
    assert (TOKEN in text) is logged
    assert "52.5163" not in text    # the query string is never in the error log
