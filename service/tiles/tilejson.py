"""TileJSON 3.0.0 documents for a tileset, with absolute tile URLs."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

from .source import TileSetInfo


def tile_url_template(base_url: str, info: TileSetInfo) -> str:
    """'https://host/tiles/basemap/{z}/{x}/{y}.pbf' for a tileset served at `base_url`."""
    return f"{base_url}/tiles/{quote(info.id)}/{{z}}/{{x}}/{{y}}.{info.extension}"


def tilejson(info: TileSetInfo, base_url: str) -> dict[str, Any]:
    """TileJSON 3.0.0 for `info`; the scheme is always xyz because the server does the TMS flip."""
    doc: dict[str, Any] = {key: value for key, value in info.extra.items() if key not in {"tilestats"}}
    doc.update(
        tilejson="3.0.0",
        id=info.id,
        name=info.name,
        scheme="xyz",
        tiles=[tile_url_template(base_url, info)],
        minzoom=info.minzoom,
        maxzoom=info.maxzoom,
        bounds=list(info.bounds),
        format=info.format,
    )
    if info.center:
        doc["center"] = list(info.center)
    for key in ("attribution", "description", "version"):
        value = getattr(info, key)
        if value:
            doc[key] = value
    if info.is_vector:
        doc["vector_layers"] = list(info.vector_layers)
    return doc


def summary(info: TileSetInfo, base_url: str) -> dict[str, Any]:
    """One entry of the /tiles listing."""
    return {
        "id": info.id,
        "name": info.name,
        "format": info.format,
        "bounds": list(info.bounds),
        "minzoom": info.minzoom,
        "maxzoom": info.maxzoom,
        "tilejson": f"{base_url}/tiles/{quote(info.id)}.json",
    }
