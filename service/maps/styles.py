"""The style catalog: MapLibre style templates from the styles dirs, and the styles offered from them.

A template is a style v8 JSON file whose URLs point at this server through placeholders:
`mbtiles://{id}` (the TileJSON of tileset `id`), `{tilegeo}` (the public base URL) or a path
(`/fonts/{fontstack}/{range}.pbf`). Templates come in two kinds:

- a *fixed* style (`basemap-light.json`): offered under its file stem, when every tileset it
  names is loaded;
- a *schema* template (metadata `"tilegeo:schema": "openmaptiles"`, `"tilegeo:variant": "light"`,
  source `mbtiles://{tileset}`): offered as `<tileset>-<variant>` for every loaded tileset of
  that schema, so a dropped-in `switzerland.mbtiles` gets `switzerland-light` with no editing.

Templates are parsed once at start-up (and again when a style file changes); a request only
rewrites the few URL fields of a shallow copy (see `style_urls`) and leaves out layers whose
source-layer the tileset lacks; the result is cached. Broken files are reported by name and skipped.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import orjson

from ..tiles.source import TileSetInfo
from .schema_detect import layer_ids, tileset_schema
from .style_urls import TILESET_PLACEHOLDER, mbtiles_tileset, rewrite_style, source_tilesets

log = logging.getLogger("tilegeo.styles")

SCHEMA_KEY = "tilegeo:schema"
VARIANT_KEY = "tilegeo:variant"
MAX_ID_LENGTH = 200
RENDER_CACHE_SIZE = 256


class StyleError(ValueError):
    """A style file we cannot use; the message says why."""


@dataclass(frozen=True, slots=True, eq=False)
class StyleTemplate:
    """One parsed style file. `doc` is shared by every rendering and never mutated."""

    id: str                     # file stem
    name: str
    path: Path
    doc: dict[str, Any]
    schema: str | None = None   # set for schema templates
    variant: str | None = None

    @property
    def requires(self) -> frozenset[str]:
        """Tileset ids named by `mbtiles://` sources (a schema template's `{tileset}` excluded)."""
        return frozenset(t for t in source_tilesets(self.doc) if t != TILESET_PLACEHOLDER)


@dataclass(frozen=True, slots=True)
class StyleOffer:
    """A style a client can fetch: a template, bound to a tileset for schema templates."""

    id: str
    name: str
    template: StyleTemplate
    tileset: str | None = None

    def summary(self, base_url: str) -> dict[str, Any]:
        """One entry of the /styles listing."""
        entry: dict[str, Any] = {"id": self.id, "name": self.name, "url": f"{base_url}/styles/{self.id}.json"}
        if self.tileset is not None:
            entry["tileset"] = self.tileset
        if self.template.schema:
            entry["schema"] = self.template.schema
        return entry


def parse_template(path: Path) -> StyleTemplate:
    """A StyleTemplate from a style JSON file, or StyleError naming what is wrong."""
    try:
        doc = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise StyleError(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("version") != 8:
        raise StyleError("not a MapLibre style: expected an object with \"version\": 8")
    if not isinstance(doc.get("sources"), dict) or not isinstance(doc.get("layers"), list):
        raise StyleError("a style needs a \"sources\" object and a \"layers\" list")
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    schema, variant = metadata.get(SCHEMA_KEY), metadata.get(VARIANT_KEY)
    if schema is not None and not (isinstance(schema, str) and isinstance(variant, str) and variant):
        raise StyleError(f"a schema template needs string \"{SCHEMA_KEY}\" and \"{VARIANT_KEY}\" metadata")
    name = doc.get("name") if isinstance(doc.get("name"), str) else path.stem
    return StyleTemplate(path.stem, name, path, doc, schema, variant)


def check_style_id(style_id: str) -> str | None:
    """Why `style_id` can never name a style (path tricks, control characters), or None if it may."""
    if not style_id or len(style_id) > MAX_ID_LENGTH:
        return f"a style id has 1 to {MAX_ID_LENGTH} characters"
    if any(c in style_id for c in "/\\\0") or ".." in style_id or not style_id.isprintable():
        return "a style id is a plain name: no slashes, '..' or control characters"
    return None


class StyleCatalog:
    """Style templates from `dirs` (later dirs win on a name clash) and the offers they make."""

    def __init__(self, dirs: Iterable[Path]) -> None:
        self.dirs = tuple(dirs)
        self.fixed: dict[str, StyleTemplate] = {}
        self.schema_templates: list[StyleTemplate] = []
        self.problems: dict[str, str] = {}     # file path -> why it is not served
        self._rendered: dict[tuple, bytes] = {}     # (template, tileset, base URL, known layers) -> JSON
        self._seen: tuple[tuple[str, int, int], ...] = ()   # (path, size, mtime) of the files last loaded

    def refresh(self) -> None:
        """Reload when a style file was added, changed or removed; a few stat calls otherwise."""
        if self._stat_files() != self._seen:
            self.load()

    def load(self) -> None:
        """(Re)read every `*.json` in the styles dirs; report broken files by name and skip them."""
        templates: dict[str, StyleTemplate] = {}
        problems: dict[str, str] = {}
        self._seen = self._stat_files()
        for path in self._files():
            try:
                templates[path.stem] = parse_template(path)
            except (StyleError, OSError) as exc:
                log.error("skipping style %s: %s", path, exc)
                problems[str(path)] = str(exc)
        self.fixed = {t.id: t for t in templates.values() if t.schema is None}
        self.schema_templates = sorted((t for t in templates.values() if t.schema), key=lambda t: t.id)
        self.problems = problems
        self._rendered.clear()
        log.info("loaded %d styles and %d schema templates", len(self.fixed), len(self.schema_templates))

    def _stat_files(self) -> tuple[tuple[str, int, int], ...]:
        stats = []
        for path in self._files():
            try:
                st = path.stat()
            except OSError:
                continue     # vanished between listing and stat: the next scan settles it
            stats.append((str(path), st.st_size, st.st_mtime_ns))
        return tuple(stats)

    def _files(self) -> Iterator[Path]:
        for directory in self.dirs:
            if directory.is_dir():
                yield from (p for p in sorted(directory.glob("*.json")) if not p.name.startswith("."))

    def offers(self, tilesets: Iterable[TileSetInfo]) -> list[StyleOffer]:
        """Every style servable now: fixed styles whose tilesets are loaded, then one per tileset
        and matching schema template. A fixed style wins over a generated offer of the same id."""
        infos = sorted(tilesets, key=lambda info: info.id)
        loaded = {info.id for info in infos}
        result = {t.id: StyleOffer(t.id, t.name, t) for t in self.fixed.values() if t.requires <= loaded}
        for info in infos:
            schema = tileset_schema(info.format, info.vector_layers)
            for template in self.schema_templates:
                offer_id = f"{info.id}-{template.variant}"
                if template.schema == schema and offer_id not in result:
                    result[offer_id] = StyleOffer(offer_id, f"{info.name} ({template.name})", template, info.id)
        return list(result.values())

    def find(self, style_id: str, tilesets: Iterable[TileSetInfo]) -> StyleOffer | None:
        return next((offer for offer in self.offers(tilesets) if offer.id == style_id), None)

    def render(self, offer: StyleOffer, base_url: str, tilesets: Iterable[TileSetInfo] = ()) -> bytes:
        """The style JSON of `offer` with absolute URLs under `base_url`; cached per base URL.

        Layers reading a source-layer that the bound tileset's `vector_layers` lacks are left out:
        MapLibre reports each as an error, and a regional extract or our small basemap need not
        carry every layer of its schema.
        """
        known = known_source_layers(offer, {info.id: info for info in tilesets})
        key = (str(offer.template.path), offer.tileset, base_url, known)
        cached = self._rendered.get(key)
        if cached is None:
            if len(self._rendered) >= RENDER_CACHE_SIZE:
                self._rendered.clear()     # many distinct Host headers: start over rather than grow
            doc = rewrite_style(offer.template.doc, base_url, offer.tileset)
            by_source = dict(known)
            doc["layers"] = [layer for layer in doc["layers"] if _layer_is_known(layer, by_source)]
            cached = self._rendered[key] = orjson.dumps(doc)
        return cached


def known_source_layers(offer: StyleOffer, tilesets: dict[str, TileSetInfo]) -> tuple[tuple[str, frozenset[str]], ...]:
    """(source name, layer ids) for each vector source bound to a loaded tileset that lists its layers."""
    known = []
    for name, source in offer.template.doc["sources"].items():
        tileset_id = mbtiles_tileset(source)
        if tileset_id is None:
            continue
        info = tilesets.get(tileset_id.replace(TILESET_PLACEHOLDER, offer.tileset or ""))
        if info is not None and info.vector_layers:
            known.append((name, layer_ids(info.vector_layers)))
    return tuple(sorted(known, key=lambda item: item[0]))


def _layer_is_known(layer: Any, known: dict[str, frozenset[str]]) -> bool:
    if not isinstance(layer, dict) or layer.get("source") not in known or "source-layer" not in layer:
        return True
    return layer["source-layer"] in known[layer["source"]]
