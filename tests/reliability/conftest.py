"""The real app with the real embedded data (tiles, styles, fonts, places), started once per session.

Loading the places index takes seconds, so the reliability tests that only read share one
started app; tests that need their own data files build them in tmp_path.
"""
from __future__ import annotations

from typing import Iterator

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.config import Settings


@pytest.fixture(scope="session")
def real_client() -> Iterator[TestClient]:
    """A client of the started app for default Settings (embedded data, no keys).

    Server errors come back as responses instead of raising, so tests can assert on them.
    """
    with TestClient(create_app(Settings(rescan_seconds=0)), raise_server_exceptions=False) as client:
        yield client
