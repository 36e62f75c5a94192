"""The real app with the real embedded places database, once per module: no fake geocoder here."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.config import Settings

from ..live_server import live_server


@pytest.fixture(scope="module")
def real_settings() -> Settings:
    settings = Settings(rescan_seconds=0)
    assert settings.places_path.is_file(), f"the embedded places database is committed: {settings.places_path}"
    return settings


@pytest.fixture(scope="module")
def api(real_settings: Settings):
    """A TestClient on the real app (embedded data, real geocoder)."""
    with TestClient(create_app(real_settings)) as client:
        yield client


@pytest.fixture(scope="module")
def live(real_settings: Settings):
    """Base URL of a real `tilegeo serve` process with the embedded data."""
    with live_server("--rescan-seconds", "0") as base:
        yield base
