from __future__ import annotations

from pathlib import Path

import pytest

from service.geocode.engine import Geocoder

from .fixtures import build_places


@pytest.fixture(scope="module")
def places_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_places(tmp_path_factory.mktemp("places") / "places.sqlite")


@pytest.fixture(scope="module")
def geocoder(places_file: Path):
    engine = Geocoder.open(places_file)
    yield engine
    engine.close()
