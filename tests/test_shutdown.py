"""SIGTERM lets in-flight requests finish, then the server exits 0."""
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request

from .live_server import free_port, wait_healthy


def _start(port: int, embedded) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "service.cli", "serve", "--port", str(port), "--rescan-seconds", "0"]
    env = {**os.environ, "TILEGEO_EMBEDDED_DATA": str(embedded)}
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wait_healthy(f"http://127.0.0.1:{port}", process)
    return process


def _read_until(process: subprocess.Popen, marker: bytes) -> None:
    for line in iter(process.stdout.readline, b""):
        if marker in line:
            return
    raise AssertionError(f"server output ended before {marker!r}")


def test_sigterm_finishes_the_in_flight_request_then_exits_zero(tmp_path):
    port = free_port()
    process = _start(port, tmp_path)
    body = json.dumps([{"lat": 48.8584, "lon": 2.2945}]).encode()
    head = (f"POST /api/reverse HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(head + body[:5])
        # A full request on a second connection: once it is answered, the event loop has read
        # the first connection's headers, so that request is in flight.
        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5).read()
        process.send_signal(signal.SIGTERM)
        _read_until(process, b"Waiting for connections to close")
        assert process.poll() is None, "server exited with a request in flight"
        sock.sendall(body[5:])
        response = sock.makefile("rb").read()
    status_line = response.split(b"\r\n", 1)[0]
    assert status_line.split()[1] in (b"200", b"503"), status_line   # 503 when no places DB is loaded
    assert process.wait(timeout=15) == 0
