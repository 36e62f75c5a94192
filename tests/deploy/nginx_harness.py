"""Run deploy/nginx/tilegeo-cache.conf for real: tilegeo backends and Debian nginx on loopback.

The repository's config is used as written; only the lines that name places on this machine
(listen address, upstream servers, cache directory) are rewritten, each exactly once.
"""
from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..live_server import free_port, stop, wait_healthy

REPO = Path(__file__).resolve().parents[2]
CACHE_CONF = REPO / "deploy" / "nginx" / "tilegeo-cache.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes


def get(port: int, path: str, headers: dict[str, str] | None = None) -> Reply:
    """One GET through a fresh connection; the body is returned exactly as sent (no decompression)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        conn.close()


@contextmanager
def tilegeo_backend(data: Path, embedded: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """A real `tilegeo serve` on a free port; yields (host:port, process) so a test can kill it."""
    port = free_port()
    cmd = [sys.executable, "-m", "service.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
           "--data", str(data), "--rescan-seconds", "0"]
    env = {**os.environ, "TILEGEO_EMBEDDED_DATA": str(embedded)}
    log = (data.parent / f"tilegeo-{port}.log").open("wb")    # a file, so a chatty server never blocks on a pipe
    process = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, 30)
        yield f"127.0.0.1:{port}", process
    finally:
        stop(process)
        log.close()


def nginx_config(workdir: Path, port: int, upstreams: list[str]) -> Path:
    """A main nginx.conf in `workdir` that includes the repo's cache config, rewritten for here."""
    conf = CACHE_CONF.read_text()
    conf = _replace_once(conf, r"listen 80;", f"listen 127.0.0.1:{port};")
    conf = _replace_once(conf, r"proxy_cache_path /var/cache/nginx/tilegeo ", f"proxy_cache_path {workdir}/cache ")
    servers = "".join(f"    server {u} max_fails=1 fail_timeout=10s;\n" for u in upstreams)
    conf = _replace_once(conf, r"(    server 127\.0\.0\.1:\d+ max_fails=1 fail_timeout=10s;\n)+", servers)
    (workdir / "tilegeo-cache.conf").write_text(conf)
    temp = "\n".join(f"    {kind}_temp_path {workdir}/{kind}_temp;" for kind in
                     ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    main = workdir / "nginx.conf"
    main.write_text(f"""{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {workdir}/access.log;
{temp}
    include {workdir}/tilegeo-cache.conf;
}}
""")
    return main


@contextmanager
def nginx(workdir: Path, upstreams: list[str]) -> Iterator[int]:
    """Debian nginx in the foreground with the generated config; yields its port."""
    port = free_port()
    conf = nginx_config(workdir, port, upstreams)
    process = subprocess.Popen([NGINX, "-p", str(workdir), "-c", str(conf), "-g", "daemon off;"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, process, workdir)
        yield port
    finally:
        stop(process)


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    new, count = re.subn(pattern, lambda _: replacement, text)
    if count != 1:
        raise AssertionError(f"{CACHE_CONF.name}: expected one match of {pattern!r}, found {count}")
    return new


def _wait_listening(port: int, process: subprocess.Popen, workdir: Path, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            log = (workdir / "error.log").read_text() if (workdir / "error.log").exists() else ""
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{output}\n{log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)   # polling interval while nginx binds, not synchronisation by sleep
    raise RuntimeError(f"nginx did not listen on {port} within {timeout} s")

