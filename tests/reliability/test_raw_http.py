"""Raw request lines a real HTTP client library would never send, against a real server.

Test clients normalise URLs (they resolve `..`, percent-encode bytes); attackers do not. Here
the request line goes byte for byte to uvicorn: literal `..` segments reach the router and are
refused with JSON; raw non-ASCII bytes and NUL in the request target are refused by uvicorn's
HTTP parser itself (a plain-text 400: the request never reaches the app), and the server
keeps serving afterwards.
"""
from __future__ import annotations

import socket

import pytest

from ..live_server import live_server
from ..mbtiles_fixtures import vector_gzip_mbtiles
from .test_hostile_input import PASSWD_MARKERS


@pytest.fixture(scope="module")
def port(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw")
    (root / "embedded").mkdir()
    (root / "data").mkdir()
    vector_gzip_mbtiles(root / "data" / "vec.mbtiles")
    env = {"TILEGEO_EMBEDDED_DATA": str(root / "embedded")}
    with live_server("--data", str(root / "data"), "--rescan-seconds", "0", "--log-level", "warning", env=env) as base:
        yield int(base.rsplit(":", 1)[1])


def raw_get(port: int, target: bytes) -> tuple[int, bytes, bytes]:
    """Send one GET with `target` as is; return (status, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head.lower(), body


@pytest.mark.parametrize("target", [
    b"/static/../../../../etc/passwd",
    b"/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    b"/static/..%2f..%2f..%2f..%2fetc%2fpasswd",
    b"/static/..\\..\\..\\..\\etc\\passwd",
    b"/static//etc/passwd",
    b"//etc/passwd",
    b"/fonts/../../../../etc/passwd/0-255.pbf",
    b"/styles/../../../../etc/passwd.json",
    b"/sprites/../../../../etc/passwd",
    b"/tiles/../../../../etc/passwd/0/0/0.pbf",
    b"/tiles/vec/../../../etc/passwd",
    b"/" + b"a" * 16_000,
])
def test_literal_traversal_reaches_the_app_and_is_refused_with_json(port, target):
    status, head, body = raw_get(port, target)
    assert 400 <= status < 500 and b"content-type: application/json" in head
    assert not any(marker in body for marker in PASSWD_MARKERS)


@pytest.mark.parametrize("target", [b"/tiles/\xff\xfe/0/0/0.pbf", b"/api/reverse?lat=\xff&lon=1",
                                    b"/tiles/vec/0/0/0.pbf\x00", b"/tiles/vec/0/0/0.pbf\r"])
def test_raw_invalid_bytes_get_a_400_and_the_server_keeps_serving(port, target):
    status, _, _ = raw_get(port, target)
    assert status == 400
    assert raw_get(port, b"/tiles/vec/0/0/0.pbf")[0] == 200
