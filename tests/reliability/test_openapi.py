"""GET /openapi.json describes every route of the app, and is a valid OpenAPI 3.1 document."""
from __future__ import annotations

import re

import pytest
from starlette.routing import Mount, Route

from service.api.openapi import document
from service.app import create_app
from service.config import Settings


def openapi_path(route_path: str) -> str:
    """'/fonts/{fontstack:path}/{range}.pbf' -> '/fonts/{fontstack}/{range}.pbf' (OpenAPI has no converters)."""
    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route_path)
    return path.replace("{y_ext}", "{y}.{format}")


def test_every_route_and_method_is_described():
    paths = document()["paths"]
    for route in create_app(Settings()).routes:
        if isinstance(route, Mount):
            assert route.path + "/{file}" in paths
            continue
        assert isinstance(route, Route)
        described = paths.get(openapi_path(route.path))
        assert described is not None, f"{route.path} is missing from service/api/openapi.py"
        for method in route.methods - {"HEAD"}:
            assert method.lower() in described, f"{method} {route.path} is missing"


def test_every_described_path_is_served():
    served = {openapi_path(r.path) for r in create_app(Settings()).routes if isinstance(r, Route)}
    assert set(document()["paths"]) - served == {"/static/{file}"}


def test_the_document_is_valid_openapi():
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(document())


def test_it_is_served_as_json(real_client):
    response = real_client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()["paths"]["/api/reverse"]["get"]["parameters"][0]["name"] == "lat"


def test_parameters_carry_types_ranges_and_examples():
    tile = document()["paths"]["/tiles/{tileset}/{z}/{x}/{y}.{format}"]["get"]
    z = next(p for p in tile["parameters"] if p["name"] == "z")
    assert z["schema"] == {"type": "integer", "minimum": 0, "maximum": 30} and z["example"] == 0
    reverse = document()["paths"]["/nominatim/reverse"]["get"]
    fmt = next(p for p in reverse["parameters"] if p["name"] == "format")
    assert "jsonv2" in fmt["schema"]["enum"]
