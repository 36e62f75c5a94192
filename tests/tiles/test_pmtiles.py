"""PMTiles archives serve exactly what the same data as MBTiles serves, from a file or over HTTP ranges."""
from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pmtiles.writer
import pytest
from pmtiles.convert import mbtiles_to_pmtiles
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from starlette.testclient import TestClient

from service.app import create_app
from service.config import ConfigError, Settings, settings_from
from service.tiles import pmtiles as pmtiles_module
from service.tiles.catalog import TileCatalog
from service.tiles.mbtiles import MBTilesSource
from service.tiles.pmtiles import PMTilesSource
from service.tiles.source import TileSourceError

from ..mbtiles_fixtures import png_mbtiles, vector_gzip_mbtiles, vector_raw_mbtiles

FIXTURES = {"vec": vector_gzip_mbtiles, "raw": vector_raw_mbtiles, "sat": png_mbtiles}


class RangeHandler(BaseHTTPRequestHandler):
    """A static file host like S3: GET with `Range`, ETag, `If-Match`; counts requests per file."""

    protocol_version = "HTTP/1.1"      # keep-alive, as object stores do
    disable_nagle_algorithm = True      # headers and body leave at once, as from a real server
    root: Path
    log: list[tuple[str, str]]
    ranges = True

    def do_GET(self) -> None:
        path = self.root / self.path.lstrip("/")
        if not path.is_file():
            return self._send(404, b"no such file")
        data = path.read_bytes()
        etag = '"' + hashlib.md5(data).hexdigest() + '"'
        self.log.append((self.path, self.headers.get("Range", "")))
        if self.headers.get("If-Match") not in (None, etag):
            return self._send(412, b"precondition failed")
        match = re.fullmatch(r"bytes=(\d+)-(\d+)", self.headers.get("Range", ""))
        if not self.ranges or match is None:
            return self._send(200, data, etag)
        start, end = int(match.group(1)), min(int(match.group(2)), len(data) - 1)
        self._send(206, data[start:end + 1], etag, f"bytes {start}-{end}/{len(data)}")

    def _send(self, status: int, body: bytes, etag: str = "", content_range: str = "") -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        if content_range:
            self.send_header("Content-Range", content_range)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def archives(tmp_path: Path) -> Path:
    """vec/raw/sat as .mbtiles and, converted by the `pmtiles` package, as .pmtiles."""
    folder = tmp_path / "archives"
    folder.mkdir()
    for name, build in FIXTURES.items():
        build(folder / f"{name}.mbtiles")
        mbtiles_to_pmtiles(str(folder / f"{name}.mbtiles"), str(folder / f"{name}.pmtiles"), None)
    return folder


@pytest.fixture
def range_server(archives: Path) -> Iterator[tuple[str, type[RangeHandler]]]:
    """A loopback HTTP server with Range support over the archives folder."""
    handler = type("Handler", (RangeHandler,), {"root": archives, "log": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()
    server.server_close()


def every_address(maxzoom: int) -> Iterator[tuple[int, int, int]]:
    for z in range(maxzoom + 1):
        for x in range(1 << z):
            for y in range(1 << z):
                yield z, x, y


def plain(data: bytes | None) -> bytes | None:
    """Tile bytes without gzip: the converter gzips raw vector tiles, negotiation undoes it."""
    return gzip.decompress(data) if data and data[:2] == b"\x1f\x8b" else data


@pytest.mark.parametrize("name", FIXTURES)
def test_local_archive_has_the_same_tiles_as_the_mbtiles(archives, name):
    mbtiles, archive = MBTilesSource(archives / f"{name}.mbtiles"), PMTilesSource(archives / f"{name}.pmtiles")
    for z, x, y in every_address(3):
        assert plain(archive.get_tile(z, x, y)) == plain(mbtiles.get_tile(z, x, y)), (z, x, y)


def test_local_archive_metadata_matches_the_mbtiles(archives):
    mbtiles, archive = MBTilesSource(archives / "vec.mbtiles"), PMTilesSource(archives / "vec.pmtiles")
    assert archive.info == mbtiles.info
    assert archive.blocking_io is False


def test_gzipped_tiles_are_kept_as_stored(archives):
    archive = PMTilesSource(archives / "vec.pmtiles")
    assert archive.get_tile(0, 0, 0) == MBTilesSource(archives / "vec.mbtiles").get_tile(0, 0, 0)
    assert archive.get_tile(0, 0, 0)[:2] == b"\x1f\x8b"


def test_leaf_directories_are_followed_and_kept_in_a_bounded_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(pmtiles.writer, "optimize_directories",
                        lambda entries, target: pmtiles.writer.build_roots_leaves(entries, 8))
    monkeypatch.setattr(pmtiles_module, "LEAF_CACHE_SIZE", 3)
    path = tmp_path / "leaves.pmtiles"
    with pmtiles.writer.write(str(path)) as writer:
        for tile_id, (z, x, y) in sorted((zxy_to_tileid(*a), a) for a in every_address(3)):
            writer.write_tile(tile_id, f"{z}/{x}/{y}".encode())
        writer.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE}, {"name": "leaves"})
    archive = PMTilesSource(path)
    assert archive._archive.header["leaf_directory_length"] > 0
    for z, x, y in every_address(3):
        assert archive.get_tile(z, x, y) == f"{z}/{x}/{y}".encode()
    assert len(archive._archive._leaves) == 3


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"this is not an archive" * 20, "not a PMTiles archive"),
    (b"PMTiles\x02" + bytes(200), "only PMTiles version 3"),
])
def test_broken_archives_are_refused_with_the_reason(tmp_path, content, reason):
    (tmp_path / "bad.pmtiles").write_bytes(content)
    with pytest.raises(TileSourceError, match=reason):
        PMTilesSource(tmp_path / "bad.pmtiles")


def test_pmtiles_files_in_the_data_dir_are_tilesets(archives):
    catalog = TileCatalog([archives])
    catalog.refresh()
    assert sorted((s.info.id, type(s).__name__) for s in catalog) == [
        ("raw", "PMTilesSource"), ("sat", "PMTilesSource"), ("vec", "PMTilesSource")]   # later file wins


def app_client(data: Path, tmp_path: Path, **settings) -> TestClient:
    (tmp_path / "embedded").mkdir(exist_ok=True)
    return TestClient(create_app(Settings(data=data, embedded_data=tmp_path / "embedded", rescan_seconds=0, **settings)))


def only(archives: Path, tmp_path: Path, suffix: str) -> Path:
    """A data dir holding the fixtures in one format only."""
    folder = tmp_path / suffix
    folder.mkdir()
    for name in FIXTURES:
        (folder / f"{name}.{suffix}").write_bytes((archives / f"{name}.{suffix}").read_bytes())
    return folder


@pytest.mark.parametrize("path, status", [
    ("/tiles/vec/0/0/0.pbf", 200),
    ("/tiles/vec/3/4/2.pbf", 200),
    ("/tiles/vec/2/1/1.pbf", 204),
    ("/tiles/sat/2/3/1.png", 200),
    ("/tiles/sat/1/0/0.png", 204),
    ("/tiles/vec/4/0/0.pbf", 404),
    ("/tiles/nope/0/0/0.pbf", 404),
    ("/tiles/vec/0/0/0.png", 400),
])
def test_local_archive_status_semantics_match_mbtiles(archives, tmp_path, path, status):
    with app_client(only(archives, tmp_path, "pmtiles"), tmp_path) as client:
        assert client.get(path).status_code == status


def test_local_archive_serves_the_same_tilejson_and_bodies_as_mbtiles(archives, tmp_path):
    with app_client(only(archives, tmp_path, "mbtiles"), tmp_path) as mb, \
         app_client(only(archives, tmp_path, "pmtiles"), tmp_path) as pm:
        assert pm.get("/tiles/vec.json").json() == mb.get("/tiles/vec.json").json()
        for path in ("/tiles/vec/1/1/0.pbf", "/tiles/raw/0/0/0.pbf", "/tiles/sat/2/3/1.png"):
            for coding in ("gzip", "identity"):
                a, b = pm.get(path, headers={"Accept-Encoding": coding}), mb.get(path, headers={"Accept-Encoding": coding})
                assert (a.status_code, a.content, a.headers["content-type"]) == (b.status_code, b.content, b.headers["content-type"])


def test_local_archive_answers_304_to_its_etag(archives, tmp_path):
    with app_client(only(archives, tmp_path, "pmtiles"), tmp_path) as client:
        etag = client.get("/tiles/vec/0/0/0.pbf").headers["etag"]
        assert client.get("/tiles/vec/0/0/0.pbf", headers={"If-None-Match": etag}).status_code == 304


def test_remote_archive_has_the_same_tiles_and_metadata(archives, range_server):
    base, _ = range_server
    for name in FIXTURES:
        remote, local = PMTilesSource.remote(f"{base}/{name}.pmtiles", name), PMTilesSource(archives / f"{name}.pmtiles")
        assert remote.info == local.info and remote.blocking_io is True
        for z, x, y in every_address(3):
            assert remote.get_tile(z, x, y) == local.get_tile(z, x, y)
        remote.close()


def test_remote_header_and_directories_are_read_once(range_server):
    base, handler = range_server
    remote = PMTilesSource.remote(f"{base}/vec.pmtiles", "vec")
    opened = len(handler.log)        # header + root directory in one read, then the metadata
    assert opened == 2
    remote.get_tile(0, 0, 0)
    remote.get_tile(0, 0, 0)
    assert remote.get_tile(2, 1, 1) is None      # absent: answered from the cached directory
    assert len(handler.log) == opened + 2
    assert all(rng.startswith("bytes=") for _, rng in handler.log)


def test_remote_fingerprint_follows_the_archive_etag(archives, range_server):
    base, _ = range_server
    first = PMTilesSource.remote(f"{base}/vec.pmtiles", "vec").fingerprint
    assert PMTilesSource.remote(f"{base}/vec.pmtiles", "vec").fingerprint == first
    (archives / "vec.pmtiles").write_bytes((archives / "sat.pmtiles").read_bytes())
    assert PMTilesSource.remote(f"{base}/vec.pmtiles", "vec").fingerprint != first


def test_a_remote_archive_replaced_under_the_same_url_fails_loudly(archives, range_server):
    base, _ = range_server
    remote = PMTilesSource.remote(f"{base}/vec.pmtiles", "vec")
    (archives / "vec.pmtiles").write_bytes((archives / "sat.pmtiles").read_bytes())
    with pytest.raises(TileSourceError, match="archive changed"):
        remote.get_tile(0, 0, 0)


def test_a_server_without_range_support_is_refused(range_server):
    base, handler = range_server
    handler.ranges = False
    with pytest.raises(TileSourceError, match="ignores Range"):
        PMTilesSource.remote(f"{base}/vec.pmtiles", "vec")


@pytest.mark.parametrize("path, status", [
    ("/tiles/planet/0/0/0.pbf", 200),
    ("/tiles/planet/3/4/2.pbf", 200),
    ("/tiles/planet/2/1/1.pbf", 204),
    ("/tiles/planet/4/0/0.pbf", 404),
    ("/tiles/planet/0/0/0.png", 400),
])
def test_remote_archive_status_semantics(archives, range_server, tmp_path, path, status):
    base, _ = range_server
    with app_client(tmp_path / "none", tmp_path, remote_tiles=(("planet", f"{base}/vec.pmtiles"),)) as client:
        assert client.get(path).status_code == status


def test_remote_archive_serves_the_same_bodies_as_the_local_mbtiles(archives, range_server, tmp_path):
    base, _ = range_server
    remote = (("vec", f"{base}/vec.pmtiles"),)
    with app_client(tmp_path / "none", tmp_path, remote_tiles=remote) as pm, \
         app_client(only(archives, tmp_path, "mbtiles"), tmp_path) as mb:
        assert pm.get("/tiles/vec.json").json() == mb.get("/tiles/vec.json").json()
        for coding in ("gzip", "identity"):
            a = pm.get("/tiles/vec/1/1/0.pbf", headers={"Accept-Encoding": coding})
            b = mb.get("/tiles/vec/1/1/0.pbf", headers={"Accept-Encoding": coding})
            assert (a.content, a.headers.get("content-encoding")) == (b.content, b.headers.get("content-encoding"))


def test_an_unreachable_remote_archive_is_listed_in_health(range_server, tmp_path):
    base, _ = range_server
    url = f"{base}/missing.pmtiles"
    with app_client(tmp_path / "none", tmp_path, remote_tiles=(("gone", url),)) as client:
        problems = client.get("/health").json()["problems"]
        assert [p["file"] for p in problems] == [url] and "404" in problems[0]["error"]
        assert client.get("/tiles/gone/0/0/0.pbf").status_code == 404


def test_a_remote_archive_that_goes_away_answers_503_not_500(archives, range_server, tmp_path):
    base, _ = range_server
    with app_client(tmp_path / "none", tmp_path, remote_tiles=(("vec", f"{base}/vec.pmtiles"),)) as client:
        (archives / "vec.pmtiles").unlink()
        response = client.get("/tiles/vec/3/4/2.pbf")
        assert response.status_code == 503
        assert response.json()["error"] == "tileset unavailable"


def test_remote_tiles_come_from_the_environment_as_name_url_pairs():
    settings = settings_from({"TILEGEO_REMOTE_TILES": "planet=https://s3.example.org/m/planet.pmtiles, "
                                                      "city=http://minio:9000/maps/city.pmtiles"})
    assert settings.remote_tiles == (("planet", "https://s3.example.org/m/planet.pmtiles"),
                                     ("city", "http://minio:9000/maps/city.pmtiles"))


@pytest.mark.parametrize("value", ["planet", "planet=ftp://host/p.pmtiles", "=https://host/p.pmtiles", "a/b=https://h/p"])
def test_malformed_remote_tiles_are_refused_with_the_option_name(value):
    with pytest.raises(ConfigError, match="TILEGEO_REMOTE_TILES"):
        settings_from({"TILEGEO_REMOTE_TILES": value})


def test_a_remote_archive_that_appears_later_is_picked_up_by_a_background_retry(archives, range_server, monkeypatch):
    base, _ = range_server
    monkeypatch.setattr("service.tiles.remote.REMOTE_RETRY_SECONDS", 0.0)
    (archives / "vec.pmtiles").rename(archives / "later.pmtiles")
    catalog = TileCatalog([], remote=[("vec", f"{base}/vec.pmtiles")])
    catalog.refresh()
    assert catalog.get("vec") is None and list(catalog.problems) == [f"{base}/vec.pmtiles"]
    (archives / "later.pmtiles").rename(archives / "vec.pmtiles")
    deadline = time.monotonic() + 10
    while catalog.get("vec") is None and time.monotonic() < deadline:
        catalog.refresh()          # installs what the retry thread opened (poll, bounded)
    assert catalog.get("vec") is not None and catalog.problems == {}
    catalog.close()


def test_a_truncated_archive_fails_the_tile_read_cleanly(archives):
    path = archives / "vec.pmtiles"
    data_offset = PMTilesSource(path)._archive.header["tile_data_offset"]
    path.write_bytes(path.read_bytes()[:data_offset + 5])
    archive = PMTilesSource(path)
    with pytest.raises(TileSourceError, match="truncated"):
        archive.get_tile(3, 4, 2)


def test_a_header_pointing_past_any_sane_size_is_refused(archives):
    path = archives / "vec.pmtiles"
    raw = bytearray(path.read_bytes())
    raw[32:40] = (1 << 62).to_bytes(8, "little")          # metadata_length
    path.write_bytes(bytes(raw))
    with pytest.raises(TileSourceError, match="corrupt archive"):
        PMTilesSource(path)


def test_a_protomaps_archive_is_offered_with_the_protomaps_styles(tmp_path):
    """A Protomaps planet build: top-level `vector_layers` in the metadata, as go-pmtiles writes them."""
    data = tmp_path / "data"
    data.mkdir()
    layers = ["boundaries", "buildings", "earth", "landcover", "landuse", "places", "pois", "roads", "transit", "water"]
    with pmtiles.writer.write(str(data / "planet.pmtiles")) as writer:
        writer.write_tile(zxy_to_tileid(0, 0, 0), gzip.compress(b"\x1a\x00"))
        writer.finalize({"tile_type": TileType.MVT, "tile_compression": Compression.GZIP},
                        {"name": "Protomaps", "vector_layers": [{"id": layer, "fields": {}} for layer in layers]})
    styles = tmp_path / "embedded" / "styles"
    styles.mkdir(parents=True)
    for style in (Path(__file__).resolve().parents[2] / "data" / "styles").glob("protomaps-*.json"):
        (styles / style.name).write_bytes(style.read_bytes())
    with app_client(data, tmp_path) as client:
        assert [layer["id"] for layer in client.get("/tiles/planet.json").json()["vector_layers"]] == layers
        assert {"planet-light", "planet-dark"} <= {style["id"] for style in client.get("/styles").json()}
