"""Run `tilegeo serve` as a real process on a free loopback port, for tests that need real HTTP."""
from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(*args: str, env: dict[str, str] | None = None, timeout: float = 30.0,
                https: ssl.SSLContext | None = None) -> Iterator[str]:
    """Start the server with `args`, wait until /health answers, yield its base URL, stop it.

    With `https` (a client context that trusts the server's certificate for 127.0.0.1) the
    server is expected to serve TLS (pass --tls-cert/--tls-key in `args`).
    """
    port = free_port()
    cmd = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *args]
    full_env = {**os.environ, **(env or {})}
    # A file, not a pipe: nobody reads a pipe during the test, and a full one would block the server.
    output = tempfile.TemporaryFile()
    process = subprocess.Popen(cmd, env=full_env, stdout=output, stderr=subprocess.STDOUT,
                               cwd=Path(__file__).resolve().parent.parent)
    base = f"{'https' if https else 'http'}://127.0.0.1:{port}"
    try:
        wait_healthy(base, process, timeout, output, https)
        yield base
    finally:
        stop(process)
        output.close()


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if the process has not exited within 10 s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_healthy(base: str, process: subprocess.Popen, timeout: float = 30.0, output=None,
                 context: ssl.SSLContext | None = None) -> None:
    """Poll /health until it answers 200; if the process dies first, raise with its output."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = ""
            if output is not None:
                output.seek(0)
                text = output.read().decode(errors="replace")
            raise RuntimeError(f"server exited with {process.returncode}:\n{text}")
        try:
            with urllib.request.urlopen(base + "/health", timeout=1, context=context) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.05)   # polling interval while the port opens, not synchronisation by sleep
    raise RuntimeError(f"server at {base} did not become healthy in {timeout} s")
