"""Turn the placeholder URLs of a style template into absolute URLs pointing back at this server.

Immich's mobile app hands the style URL to MapLibre Native, which fetches every URL in it
itself, so each must be absolute and reachable by the client: built from the public base URL
(`--public-url`, else the request with its proxy headers), never from what the file says.

    mbtiles://basemap                -> {base}/tiles/basemap.json      (TileJSON)
    {tilegeo}/sprites/basemap        -> {base}/sprites/basemap
    /fonts/{fontstack}/{range}.pbf   -> {base}/fonts/{fontstack}/{range}.pbf
    https://elsewhere.example/x.json -> unchanged
"""
from __future__ import annotations

from typing import Any, Callable, Iterator
from urllib.parse import quote

BASE_PLACEHOLDER = "{tilegeo}"
TILESET_PLACEHOLDER = "{tileset}"
MBTILES_SCHEME = "mbtiles://"


def absolute_url(url: str, base_url: str) -> str:
    """`url` resolved against this server's `base_url` (no trailing slash).

    >>> absolute_url("mbtiles://basemap", "https://maps.example.org")
    'https://maps.example.org/tiles/basemap.json'
    >>> absolute_url("/fonts/{fontstack}/{range}.pbf", "http://h:8080/maps")
    'http://h:8080/maps/fonts/{fontstack}/{range}.pbf'
    """
    url = url.replace(BASE_PLACEHOLDER, base_url)
    if url.startswith(MBTILES_SCHEME):
        return f"{base_url}/tiles/{quote(url[len(MBTILES_SCHEME):].strip('/'))}.json"
    if "://" in url or url.startswith(("data:", "blob:")):
        return url
    return f"{base_url}/{url.lstrip('/')}"


def rewrite_style(doc: dict[str, Any], base_url: str, tileset: str | None = None) -> dict[str, Any]:
    """A copy of style `doc` whose sources, glyphs and sprite URLs are absolute.

    Only the top level and `sources` are copied; layers are shared with the template, so a
    rewrite costs a few dict copies whatever the size of the style. `tileset` fills the
    `{tileset}` placeholder of schema templates.
    """
    def resolve(url: str) -> str:
        if tileset is not None:
            url = url.replace(TILESET_PLACEHOLDER, tileset)
        return absolute_url(url, base_url)

    out = dict(doc)
    out["sources"] = {name: _rewrite_source(source, resolve) for name, source in doc["sources"].items()}
    if isinstance(doc.get("glyphs"), str):
        out["glyphs"] = resolve(doc["glyphs"])
    sprite = doc.get("sprite")
    if isinstance(sprite, str):
        out["sprite"] = resolve(sprite)
    elif isinstance(sprite, list):   # style-spec v8 also allows [{"id": ..., "url": ...}, ...]
        out["sprite"] = [_rewrite_sprite(entry, resolve) for entry in sprite]
    return out


def _rewrite_sprite(entry: Any, resolve: Callable[[str], str]) -> Any:
    if isinstance(entry, dict) and isinstance(entry.get("url"), str):
        return {**entry, "url": resolve(entry["url"])}
    return entry


def _rewrite_source(source: Any, resolve: Callable[[str], str]) -> Any:
    if not isinstance(source, dict):
        return source
    out = dict(source)
    if isinstance(source.get("url"), str):
        out["url"] = resolve(source["url"])
    if isinstance(source.get("tiles"), list):
        out["tiles"] = [resolve(t) if isinstance(t, str) else t for t in source["tiles"]]
    if isinstance(source.get("data"), str):          # a GeoJSON source given by URL
        out["data"] = resolve(source["data"])
    return out


def mbtiles_tileset(source: Any) -> str | None:
    """The tileset id a source names with `mbtiles://<id>` ('{tileset}' in schema templates), else None."""
    url = source.get("url") if isinstance(source, dict) else None
    if isinstance(url, str) and url.startswith(MBTILES_SCHEME):
        return url[len(MBTILES_SCHEME):].strip("/")
    return None


def source_tilesets(doc: dict[str, Any]) -> Iterator[str]:
    """Tileset ids the style's sources name with `mbtiles://<id>`."""
    for source in doc.get("sources", {}).values():
        tileset = mbtiles_tileset(source)
        if tileset is not None:
            yield tileset
