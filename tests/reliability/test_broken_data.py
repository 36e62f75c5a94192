"""Broken data at start-up: the app starts, /health names each bad file and why, the rest keeps serving.

Every broken file is built here: a truncated MBTiles (the first KB of a real one), a non-SQLite
file, an MBTiles without its metadata table or rows, a database held under an exclusive lock,
and places databases from an older schema, truncated, or not SQLite at all.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Iterator

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.config import EMBEDDED_DATA_DIR, Settings
from service.geocode import schema

from ..mbtiles_fixtures import vector_gzip_mbtiles, write_mbtiles

REAL_MBTILES = EMBEDDED_DATA_DIR / "tiles" / "basemap.mbtiles"


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[callable]:
    """Hold `BEGIN EXCLUSIVE` on a database for the rest of the test, as a writer in another process would."""
    holders: list[sqlite3.Connection] = []

    def lock(path: Path) -> Path:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        holders.append(conn)
        return path

    yield lock
    for conn in holders:
        conn.rollback()
        conn.close()


@pytest.fixture
def broken_tiles(tmp_path: Path, locked) -> Path:
    """One good tileset, one locked good tileset, and four broken files."""
    tiles = tmp_path / "tiles"
    tiles.mkdir()
    vector_gzip_mbtiles(tiles / "good.mbtiles")
    locked(vector_gzip_mbtiles(tiles / "locked.mbtiles"))
    (tiles / "truncated.mbtiles").write_bytes(REAL_MBTILES.read_bytes()[:1024])
    (tiles / "text.mbtiles").write_text("this is not a database\n" * 50)
    no_metadata = write_mbtiles(tiles / "nometadata.mbtiles", {}, {(0, 0, 0): b"x"})
    with sqlite3.connect(no_metadata) as conn:
        conn.execute("DROP TABLE metadata")
    write_mbtiles(tiles / "emptymetadata.mbtiles", {}, {})
    return tiles


def start(tiles: Path, places: Path, embedded: Path) -> TestClient:
    settings = Settings(data=tiles, places=places, embedded_data=embedded, rescan_seconds=0)
    return TestClient(create_app(settings), raise_server_exceptions=False)


def test_bad_tilesets_are_named_in_health_and_the_good_ones_serve(broken_tiles, tmp_path, empty_embedded):
    with start(broken_tiles, tmp_path / "none.sqlite", empty_embedded) as client:
        health = client.get("/health").json()
        problems = {Path(p["file"]).name: p["error"] for p in health["problems"]}
        assert "not a readable SQLite/MBTiles file" in problems.pop("truncated.mbtiles")
        assert "not a readable SQLite/MBTiles file" in problems.pop("text.mbtiles")
        assert "missing table: metadata" in problems.pop("nometadata.mbtiles")
        assert "no 'format' in metadata" in problems.pop("emptymetadata.mbtiles")
        assert problems == {}
        assert health["tilesets"] == ["good", "locked"]   # read-only + immutable: a writer's lock cannot block tiles
        assert client.get("/tiles/good/0/0/0.pbf").status_code == 200
        assert client.get("/tiles/locked/0/0/0.pbf").status_code == 200
        assert client.get("/tiles/truncated/0/0/0.pbf").json()["error"] == "unknown tileset"


def older_schema(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        schema.create(conn)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(schema.SCHEMA_VERSION - 1),))
    return path


def missing_tables(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE places (geonameid INTEGER PRIMARY KEY, name TEXT)")
    return path


def not_sqlite(path: Path) -> Path:
    path.write_bytes(b"\x00\x01 definitely not sqlite " * 100)
    return path


def truncated(path: Path) -> Path:
    path.write_bytes((EMBEDDED_DATA_DIR / "places.sqlite").open("rb").read(4096))
    return path


@pytest.mark.parametrize("build, reason", [
    (older_schema, f"schema version {schema.SCHEMA_VERSION - 1}"),
    (missing_tables, "missing tables"),
    (not_sqlite, "not a SQLite database"),
    (truncated, "malformed"),
    (lambda path: path, "not found"),
])
def test_a_broken_places_db_disables_geocoding_with_a_503_naming_it(broken_tiles, tmp_path, empty_embedded,
                                                                     build, reason):
    places = build(tmp_path / "places.sqlite")
    with start(broken_tiles, places, empty_embedded) as client:
        health = client.get("/health").json()
        assert health["places"]["loaded"] is False
        assert str(places) in health["places"]["error"] and reason in health["places"]["error"]
        for url in ("/api/reverse?lat=48.85&lon=2.29", "/api/search?q=Lyon", "/v1/location/47a84e201554",
                    "/nominatim/reverse?lat=48.85&lon=2.29", "/photon/api?q=Lyon", "/reverse?lat=1&lon=2"):
            answer = client.get(url)
            assert answer.status_code == 503, url
            assert answer.json()["error"] == "geocoder unavailable" and str(places) in answer.json()["detail"]
        assert client.get("/ready").status_code == 503
        assert client.get("/tiles/good/0/0/0.pbf").status_code == 200


def test_a_locked_places_db_is_reported_as_locked(broken_tiles, tmp_path, empty_embedded, locked):
    """A writer holding the database (an import in progress) must not read as 'not a database'."""
    places = locked(older_schema(tmp_path / "places.sqlite"))
    with start(broken_tiles, places, empty_embedded) as client:
        error = client.get("/health").json()["places"]["error"]
        assert str(places) in error and "locked" in error and "not a SQLite database" not in error
        assert client.get("/api/reverse?lat=48.85&lon=2.29").status_code == 503
