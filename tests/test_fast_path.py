"""The tile fast path keeps every behaviour: HEAD, cached tiles, batched access log, uvloop + httptools."""
import io
import logging

import uvicorn

from service.observe import BatchedStreamHandler, LogFormatter, Metrics
from service.tiles.lru import TileLRU
from service.tiles.mbtiles import MBTilesSource

from .mbtiles_fixtures import vector_gzip_mbtiles

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


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


class FlushCountingStream(io.BytesIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def _record(level: int, message: str) -> logging.LogRecord:
    return logging.LogRecord("tilegeo.access", level, __file__, 1, message, None, None)


def test_access_lines_are_buffered_but_warnings_are_flushed_at_once():
    stream = FlushCountingStream()
    handler = BatchedStreamHandler(stream, interval=3600)
    handler.handle(_record(logging.INFO, "GET /tiles/{tileset}/{z}/{x}/{y_ext} 200 0.3ms"))
    assert stream.flushes == 0 and stream.getvalue().endswith(b"200 0.3ms\n")
    handler.handle(_record(logging.WARNING, "data rescan failed"))
    assert stream.flushes == 1


def test_log_formatter_writes_the_standard_timestamp():
    record = _record(logging.INFO, "GET /health 200 0.1ms")
    assert LogFormatter(FORMAT).format(record) == logging.Formatter(FORMAT).format(record)


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
