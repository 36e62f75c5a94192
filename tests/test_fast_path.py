"""The tile fast path keeps every behaviour: HEAD, cached tiles, batched access log, uvloop + httptools."""
import asyncio
import os
import re

import uvicorn

from service.access_log import PIPE_BUF, AccessLog
from service.observe import Metrics
from service.tiles.lru import TileLRU
from service.tiles.mbtiles import MBTilesSource

from .mbtiles_fixtures import vector_gzip_mbtiles


def test_head_of_a_tile_has_the_get_headers_and_no_body(client):
    get = client.get("/tiles/vec/0/0/0.pbf", headers={"Accept-Encoding": "gzip"})
    head = client.head("/tiles/vec/0/0/0.pbf", headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "content-length", "content-type", "content-encoding", "vary", "cache-control"):
        assert head.headers[name] == get.headers[name]


def test_missing_tile_is_204_without_etag_or_body(client):
    response = client.get("/tiles/vec/2/1/1.pbf")
    assert response.status_code == 204 and response.content == b""
    assert response.headers["cache-control"] == "public, max-age=86400"
    assert "etag" not in response.headers and "content-type" not in response.headers


def test_a_tile_read_twice_comes_from_memory_the_second_time(tmp_path):
    source = MBTilesSource(vector_gzip_mbtiles(tmp_path / "vec.mbtiles"))
    first = source.get_tile(0, 0, 0)
    assert source.cache.get((0, 0, 0)) == first
    assert source.get_tile(0, 0, 0) == first
    assert source.get_tile(2, 1, 1) is None and source.cache.get((2, 1, 1)) is None   # absence is cached too
    source.close()


def test_lru_evicts_the_least_recently_used_tile_first():
    lru = TileLRU(max_bytes=10)
    lru.put((0, 0, 0), b"aaaa")
    lru.put((1, 0, 0), b"bbbb")
    lru.get((0, 0, 0))                      # now (1, 0, 0) is the oldest
    lru.put((1, 1, 0), b"cccc")
    assert lru.get((1, 0, 0)) is TileLRU.MISSING
    assert lru.get((0, 0, 0)) == b"aaaa" and lru.size == 8


def test_lru_skips_tiles_larger_than_its_item_limit():
    lru = TileLRU(max_bytes=100, max_item_bytes=10)
    lru.put((0, 0, 0), b"x" * 11)
    assert lru.get((0, 0, 0)) is TileLRU.MISSING and lru.size == 0


def _drain(read_fd: int) -> bytes:
    os.set_blocking(read_fd, False)
    try:
        return os.read(read_fd, 1 << 16)
    except BlockingIOError:
        return b""


def test_access_lines_wait_in_the_buffer_until_flushed():
    read_fd, write_fd = os.pipe()
    log = AccessLog(fd=write_fd)

    async def one_request() -> None:
        log.write("GET", "/tiles/{tileset}/{z}/{x}/{y_ext}", 200, 0.0003)

    asyncio.run(one_request())
    assert _drain(read_fd) == b""
    log.flush()
    line = _drain(read_fd).decode()
    assert line.endswith(" INFO tilegeo.access: GET /tiles/{tileset}/{z}/{x}/{y_ext} 200 0.3ms\n")
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", line)
    os.close(read_fd), os.close(write_fd)


def test_access_log_writes_whole_lines_at_most_pipe_buf_at_a_time():
    read_fd, write_fd = os.pipe()
    log = AccessLog(fd=write_fd)

    async def many_requests() -> None:
        for i in range(200):
            log.write("GET", f"/route/{i}", 200, 0.001)
            assert len(log.buffer) <= PIPE_BUF

    asyncio.run(many_requests())
    log.flush()
    lines = b"".join(iter(lambda: _drain(read_fd), b"")).decode().splitlines()
    assert [line.split()[5] for line in lines] == [f"/route/{i}" for i in range(200)]
    os.close(read_fd), os.close(write_fd)


def test_metrics_series_are_reused_per_route_and_status():
    metrics = Metrics()
    for _ in range(3):
        metrics.count_request("GET", "/tiles/{tileset}/{z}/{x}/{y_ext}", 200, 0.0004)
    sample = metrics.registry.get_sample_value(
        "tilegeo_requests_total", {"method": "GET", "route": "/tiles/{tileset}/{z}/{x}/{y_ext}", "status": "200"})
    assert sample == 3.0


def test_uvicorn_picks_uvloop_and_httptools():
    config = uvicorn.Config("service.cli:app_from_environ", factory=True)
    loop = config.get_loop_factory()()
    assert type(loop).__module__.startswith("uvloop")
    loop.close()
    from uvicorn.protocols.http.auto import AutoHTTPProtocol
    assert AutoHTTPProtocol.__name__ == "HttpToolsProtocol"
