from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.config import Settings

from .mbtiles_fixtures import png_mbtiles, vector_gzip_mbtiles, vector_raw_mbtiles


@pytest.fixture
def tiles_dir(tmp_path: Path) -> Path:
    """A data dir with a gzipped vector, a raw vector and a PNG tileset, plus a junk file."""
    data = tmp_path / "tiles"
    data.mkdir()
    vector_gzip_mbtiles(data / "vec.mbtiles")
    vector_raw_mbtiles(data / "raw.mbtiles")
    png_mbtiles(data / "sat.mbtiles")
    (data / "junk.mbtiles").write_bytes(b"this is not sqlite" * 100)
    return data


@pytest.fixture
def empty_embedded(tmp_path: Path) -> Path:
    """An embedded-data dir with nothing in it, so tests see only their own fixtures."""
    path = tmp_path / "embedded"
    path.mkdir()
    return path


@pytest.fixture
def settings(tiles_dir: Path, empty_embedded: Path) -> Settings:
    return Settings(data=tiles_dir, embedded_data=empty_embedded, rescan_seconds=0)


@pytest.fixture
def client(settings: Settings):
    with TestClient(create_app(settings)) as test_client:
        yield test_client
