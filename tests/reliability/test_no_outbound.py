"""No outbound connection, ever: the app starts and answers every route with non-loopback sockets trapped.

The trap replaces the four doors out of a Python process (socket.connect, connect_ex,
create_connection, getaddrinfo); any attempt at a non-loopback address is recorded and
refused. Then every route of `app.routes` is called with sample parameters in-process.
"""
from __future__ import annotations

import ipaddress
import json
import socket
import urllib.request

import pytest
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from service.app import create_app
from service.config import Settings

POINT = "lat=48.8584&lon=2.2945"
# Sample requests per route path (GET unless a method is given). Every route must have one: a
# new route without a sample fails test_every_route_has_a_sample.
SAMPLES: dict[str, list[tuple[str, str]]] = {
    "/health": [("GET", "/health")],
    "/ready": [("GET", "/ready")],
    "/metrics": [("GET", "/metrics")],
    "/tiles/{tileset}/{z}/{x}/{y_ext}": [("GET", "/tiles/basemap/0/0/0.pbf"), ("GET", "/tiles/basemap/2/2/1.pbf")],
    "/tiles": [("GET", "/tiles")],
    "/tiles/{tileset}.json": [("GET", "/tiles/basemap.json")],
    "/fonts": [("GET", "/fonts")],
    "/fonts/{fontstack:path}/{range}.pbf": [("GET", "/fonts/Noto Sans Regular,Arial Unicode MS/0-255.pbf")],
    "/sprites": [("GET", "/sprites")],
    "/sprites/{name:path}": [("GET", "/sprites/basemap.json"), ("GET", "/sprites/basemap@2x.png")],
    "/styles": [("GET", "/styles")],
    "/styles/{style_id:path}.json": [("GET", "/styles/basemap-light.json"), ("GET", "/styles/protomaps-dark.json"),
                                     ("GET", "/styles/openmaptiles-light.json"), ("GET", "/styles/raster.json")],
    "/": [("GET", "/")],
    "/static": [("GET", "/static/preview.js"), ("GET", "/static/vendor/maplibre-gl/maplibre-gl.js")],
    "/api/reverse": [("GET", f"/api/reverse?{POINT}&lang=de"), ("POST", "/api/reverse")],
    "/api/search": [("GET", "/api/search?q=Lyon&limit=3")],
    "/v1/location/{token}": [("GET", "/v1/location/47a84e201554")],
    "/v1/reverse": [("GET", "/v1/reverse?lat=48.8584&lng=2.2945")],
    "/v1/search": [("GET", "/v1/search?q=Berlin")],
    "/maps/default.json": [("GET", "/maps/default.json")],
    "/maps/font/{fontstack:path}/{range}.pbf": [("GET", "/maps/font/Noto Sans Regular/256-511.pbf")],
    "/reverse": [("GET", f"/reverse?{POINT}&format=jsonv2"), ("GET", f"/reverse?{POINT}")],
    "/nominatim/reverse": [("GET", f"/nominatim/reverse?{POINT}"),
                           ("GET", f"/nominatim/reverse?{POINT}&format=geocodejson")],
    "/nominatim/reverse.php": [("GET", f"/nominatim/reverse.php?{POINT}&format=json")],
    "/nominatim/search": [("GET", "/nominatim/search?q=Paris&format=geojson")],
    "/nominatim/search.php": [("GET", "/nominatim/search.php?q=Paris&format=xml")],
    "/search": [("GET", "/search?q=Paris")],
    "/search.php": [("GET", "/search.php?q=Paris&format=json")],
    "/reverse.php": [("GET", f"/reverse.php?{POINT}&format=json")],
    "/photon/reverse": [("GET", f"/photon/reverse?{POINT}")],
    "/photon/api": [("GET", "/photon/api?q=Paris")],
    "/photon/api/": [("GET", "/photon/api/?q=Paris")],
    "/api": [("GET", "/api?q=Paris&lang=en")],
    "/api/": [("GET", "/api/?q=Paris")],
    "/openapi.json": [("GET", "/openapi.json")],
}


class OutboundTrap:
    """Records and refuses every attempt to reach a non-loopback address."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def check(self, host: object) -> None:
        if not _is_loopback(host):
            self.attempts.append(repr(host))
            raise ConnectionRefusedError(f"outbound connection attempted to {host!r}")

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real_getaddrinfo, real_create_connection = socket.getaddrinfo, socket.create_connection
        real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

        def getaddrinfo(host, *args, **kwargs):
            self.check(host)
            return real_getaddrinfo(host, *args, **kwargs)

        def create_connection(address, *args, **kwargs):
            self.check(address[0])
            return real_create_connection(address, *args, **kwargs)

        def connect(sock, address):
            self.check(_host_of(address))
            return real_connect(sock, address)

        def connect_ex(sock, address):
            self.check(_host_of(address))
            return real_connect_ex(sock, address)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(socket, "create_connection", create_connection)
        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


def _host_of(address: object) -> object:
    return address[0] if isinstance(address, tuple) else address   # AF_UNIX paths are local


def _is_loopback(host: object) -> bool:
    if host is None:                       # getaddrinfo(None, port): the local wildcard address
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    if not isinstance(host, str):
        return False
    if host.startswith("/") or host in ("localhost", "testserver"):   # unix socket path, local names
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def trap(monkeypatch) -> OutboundTrap:
    trap = OutboundTrap()
    trap.install(monkeypatch)
    return trap


def test_the_trap_catches_an_outbound_request(trap):
    """Without this the main test could pass because the trap catches nothing."""
    with pytest.raises(OSError):
        urllib.request.urlopen("http://example.org/", timeout=2)
    with pytest.raises(OSError):
        socket.create_connection(("203.0.113.7", 443), timeout=1)
    assert len(trap.attempts) == 2


def test_every_route_has_a_sample():
    app = create_app(Settings())
    missing = [route.path for route in app.routes if isinstance(route, (Route, Mount)) and route.path not in SAMPLES]
    assert not missing, f"add sample requests for {missing}"


def test_starting_and_answering_every_route_never_connects_out(trap):
    app = create_app(Settings(rescan_seconds=0))
    answered: dict[str, int] = {}
    with TestClient(app, raise_server_exceptions=False) as client:
        for route in app.routes:
            for method, url in SAMPLES[route.path]:
                body = json.dumps([[48.8584, 2.2945], [52.5163, 13.3777]]) if method == "POST" else None
                response = client.request(method, url, content=body, headers={"content-type": "application/json"})
                assert response.status_code < 500, (url, response.content[:200])
                answered[url] = response.status_code
    assert trap.attempts == []
    assert answered["/tiles/basemap/0/0/0.pbf"] == 200 and answered[f"/api/reverse?{POINT}&lang=de"] == 200
