"""Write the bundled MapLibre style templates into `data/styles/`.

- OpenMapTiles schema (our own design, light and dark from one layer list and two palettes):
  `basemap-{light,dark}.json` bound to the embedded basemap, and the schema templates
  `openmaptiles-{light,dark}.json` offered for any OpenMapTiles tileset (planetiler, MapTiler).
- Protomaps basemaps schema: `protomaps-{light,dark}.json`, adapted from the pinned npm
  `protomaps-themes-base` (BSD-3): our glyphs and sprite, fonts we ship, icons our sprite has.

Every template uses placeholders that `service.maps.style_urls` rewrites per request.

    python -m data.build.map_styles
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .fetch import Pin, fetch, log, read_member

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "data" / "styles"
SPRITE_JSON = REPO / "data" / "sprites" / "basemap.json"
FONTS_DIR = REPO / "data" / "fonts"

PROTOMAPS = Pin("npm", "protomaps-themes-base", "4.5.0",
                "20d316187f7e9792f9921f7a450667807970295dd564def7e19080be4ad9d873", "BSD-3-Clause")
GLYPHS = "/fonts/{fontstack}/{range}.pbf"
SPRITE = "/sprites/basemap"
REGULAR, BOLD, ITALIC = ["Noto Sans Regular"], ["Noto Sans Bold"], ["Noto Sans Italic"]

PALETTES: dict[str, dict[str, str]] = {
    "light": {
        "land": "#f3efe7", "water": "#a9cde3", "water_line": "#8fbad6", "ice": "#fbfcfd", "wood": "#dce8cf",
        "grass": "#e6eed6", "sand": "#efe6cc", "urban": "#ebe5da", "park": "#d6e8c4", "building": "#ddd6ca",
        "motorway": "#f4c67a", "major": "#fbe3a1", "road": "#ffffff", "casing": "#d6cbbb", "rail": "#b8b2aa",
        "country": "#9b8aa6", "state": "#b7aebd", "text": "#2b2b2b", "text_soft": "#6b6470",
        "country_text": "#4b4453", "water_text": "#3f77a0", "halo": "#ffffff",
    },
    "dark": {
        "land": "#2a2e35", "water": "#0e1d2b", "water_line": "#1d3b54", "ice": "#2c3138", "wood": "#212b24",
        "grass": "#232b25", "sand": "#2b2a25", "urban": "#262a30", "park": "#1f2d23", "building": "#2e333a",
        "motorway": "#6a5a3f", "major": "#4b4a44", "road": "#3a3f46", "casing": "#15181c", "rail": "#4a4f57",
        "country": "#8d7fa0", "state": "#5a5566", "text": "#e4e4e4", "text_soft": "#a49fb0",
        "country_text": "#d2cbe0", "water_text": "#6f97b8", "halo": "#2a2e35",
    },
}

NAME = ["coalesce", ["get", "name_en"], ["get", "name:en"], ["get", "name:latin"], ["get", "name"]]
# Our basemap's settlement `name` is the GeoNames name ("Ürümqi", "Kraków"), better than its ASCII-ish
# English fallback; OpenMapTiles' `name` is in the local script, so the generic styles prefer English.
BASEMAP_SETTLEMENT_NAME = ["coalesce", ["get", "name"], ["get", "name_en"]]


def zoom(*stops: float) -> list:
    """A linear zoom interpolation from (zoom, value) pairs: zoom(4, 0.5, 10, 2)."""
    return ["interpolate", ["linear"], ["zoom"], *stops]


def omt_layers(c: dict[str, str], settlement_name: list) -> list[dict[str, Any]]:
    """Every layer of the OpenMapTiles-schema style in palette `c`, bottom to top."""
    return [
        {"id": "background", "type": "background", "paint": {"background-color": c["land"]}},
        *_omt_land(c), *_omt_water(c), *_omt_roads(c), *_omt_boundaries(c), *_omt_labels(c, settlement_name),
    ]


def _fill(layer_id: str, source_layer: str, color: str, filter_: list | None = None, minzoom: int = 0,
          opacity: Any = 1) -> dict[str, Any]:
    layer = {"id": layer_id, "type": "fill", "source": "openmaptiles", "source-layer": source_layer,
             "minzoom": minzoom, "paint": {"fill-color": color, "fill-opacity": opacity}}
    if filter_:
        layer["filter"] = filter_
    return layer


def _omt_land(c: dict[str, str]) -> list[dict[str, Any]]:
    cls = ["get", "class"]
    return [
        _fill("landcover-ice", "landcover", c["ice"], ["==", cls, "ice"]),
        _fill("landcover-wood", "landcover", c["wood"], ["==", cls, "wood"], opacity=zoom(6, 0.4, 12, 1)),
        _fill("landcover-grass", "landcover", c["grass"], ["in", cls, ["literal", ["grass", "farmland"]]],
              opacity=zoom(6, 0.3, 12, 0.8)),
        _fill("landcover-sand", "landcover", c["sand"], ["==", cls, "sand"]),
        _fill("landuse-urban", "landuse", c["urban"], ["in", cls, ["literal", ["residential", "suburb", "neighbourhood",
                                                                                 "commercial", "industrial", "retail"]]],
              minzoom=8, opacity=zoom(8, 0.4, 12, 1)),
        _fill("park", "park", c["park"], minzoom=8, opacity=zoom(8, 0.5, 12, 1)),
        _fill("building", "building", c["building"], minzoom=13),
    ]


def _omt_water(c: dict[str, str]) -> list[dict[str, Any]]:
    intermittent = ["==", ["coalesce", ["get", "intermittent"], 0], 1]
    return [
        _fill("water", "water", c["water"], ["!", intermittent]),
        {"id": "waterway-river", "type": "line", "source": "openmaptiles", "source-layer": "waterway",
         "filter": ["==", ["get", "class"], "river"], "layout": {"line-cap": "round", "line-join": "round"},
         "paint": {"line-color": c["water_line"], "line-width": zoom(2, 0.4, 6, 0.9, 10, 1.6, 16, 5)}},
        {"id": "waterway-other", "type": "line", "source": "openmaptiles", "source-layer": "waterway", "minzoom": 12,
         "filter": ["!=", ["get", "class"], "river"], "layout": {"line-cap": "round"},
         "paint": {"line-color": c["water_line"], "line-width": zoom(12, 0.5, 18, 2.5)}},
    ]


ROAD_CLASSES = (   # (id, classes, colour key, width stops, first zoom)
    ("minor", ["minor", "service", "track"], "road", (12, 0.5, 14, 2, 18, 12), 12),
    ("secondary", ["secondary", "tertiary"], "road", (8, 0.5, 12, 1.5, 18, 16), 8),
    ("primary", ["primary", "trunk"], "major", (6, 0.5, 12, 2.2, 18, 20), 6),
    ("motorway", ["motorway"], "motorway", (5, 0.6, 12, 2.6, 18, 22), 5),
)


def _omt_roads(c: dict[str, str]) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    for road_id, classes, color, widths, minzoom in ROAD_CLASSES:
        base = {"type": "line", "source": "openmaptiles", "source-layer": "transportation", "minzoom": minzoom,
                "filter": ["in", ["get", "class"], ["literal", classes]],
                "layout": {"line-cap": "round", "line-join": "round"}}
        casing_widths = [v + 1.5 if i % 2 else v for i, v in enumerate(widths)]
        layers.append({**base, "id": f"road-{road_id}-casing", "minzoom": max(minzoom, 10),
                       "paint": {"line-color": c["casing"], "line-width": zoom(*casing_widths)}})
        layers.append({**base, "id": f"road-{road_id}", "paint": {"line-color": c[color], "line-width": zoom(*widths)}})
    layers.append({"id": "railway", "type": "line", "source": "openmaptiles", "source-layer": "transportation",
                   "minzoom": 10, "filter": ["==", ["get", "class"], "rail"],
                   "paint": {"line-color": c["rail"], "line-width": zoom(10, 0.6, 16, 2), "line-dasharray": [3, 2]}})
    return layers


def _omt_boundaries(c: dict[str, str]) -> list[dict[str, Any]]:
    on_land = ["!", ["to-boolean", ["get", "maritime"]]]
    disputed = ["to-boolean", ["get", "disputed"]]
    level = ["get", "admin_level"]
    line = {"type": "line", "source": "openmaptiles", "source-layer": "boundary",
            "layout": {"line-join": "round", "line-cap": "round"}}
    return [
        {**line, "id": "boundary-state", "minzoom": 2, "filter": ["all", ["in", level, ["literal", [3, 4]]], on_land],
         "paint": {"line-color": c["state"], "line-width": zoom(2, 0.3, 6, 0.7, 12, 1.5), "line-dasharray": [3, 2],
                   "line-opacity": zoom(2, 0.35, 5, 0.6, 8, 1)}},
        {**line, "id": "boundary-country", "filter": ["all", ["==", level, 2], on_land, ["!", disputed]],
         "paint": {"line-color": c["country"], "line-width": zoom(0, 0.6, 4, 1.1, 8, 1.8, 12, 2.6)}},
        {**line, "id": "boundary-disputed", "filter": ["all", ["==", level, 2], on_land, disputed],
         "paint": {"line-color": c["country"], "line-width": zoom(0, 0.6, 4, 1.1, 12, 2.2), "line-dasharray": [2, 2]}},
    ]


def _symbol(layer_id: str, source_layer: str, filter_: list, layout: dict, paint: dict,
            minzoom: int = 0, maxzoom: int = 24) -> dict[str, Any]:
    return {"id": layer_id, "type": "symbol", "source": "openmaptiles", "source-layer": source_layer,
            "minzoom": minzoom, "maxzoom": maxzoom, "filter": filter_, "layout": layout, "paint": paint}


def _text_paint(color: str, c: dict[str, str], halo: float = 1.4) -> dict[str, Any]:
    return {"text-color": color, "text-halo-color": c["halo"], "text-halo-width": halo, "text-halo-blur": 0.5}


def _omt_labels(c: dict[str, str], settlement_name: list) -> list[dict[str, Any]]:
    """Labels; later layers win placement, so states yield to cities and cities to countries."""
    cls = ["get", "class"]
    rank = ["coalesce", ["get", "rank"], 10]
    capital = ["==", ["coalesce", ["get", "capital"], 0], 2]
    major_or_near = ["any", ["<=", rank, 6], [">=", ["zoom"], 4]]   # tiny territories' capitals wait for z4
    return [
        _symbol("water-name-ocean", "water_name", ["in", cls, ["literal", ["ocean", "sea"]]],
                {"text-field": NAME, "text-font": ITALIC, "text-size": zoom(1, 10, 6, 14), "text-max-width": 6,
                 "text-letter-spacing": 0.15, "symbol-placement": "point"},
                _text_paint(c["water_text"], c, 1)),
        _symbol("water-name-lake", "water_name", ["==", cls, "lake"],
                {"text-field": NAME, "text-font": ITALIC, "text-size": zoom(4, 10, 10, 13), "text-max-width": 6},
                _text_paint(c["water_text"], c, 1), minzoom=4),
        _symbol("waterway-name", "waterway", ["all", ["==", cls, "river"], ["has", "name"], ["!=", ["get", "name"], ""]],
                {"text-field": NAME, "text-font": ITALIC, "text-size": 11, "symbol-placement": "line",
                 "text-letter-spacing": 0.1, "symbol-spacing": 350},
                _text_paint(c["water_text"], c, 1), minzoom=8),
        _symbol("road-name", "transportation_name", ["has", "name"],
                {"text-field": NAME, "text-font": REGULAR, "text-size": zoom(13, 10, 18, 13),
                 "symbol-placement": "line", "text-rotation-alignment": "map"},
                _text_paint(c["text_soft"], c), minzoom=13),
        _symbol("place-state", "place", ["==", cls, "state"],
                {"text-field": NAME, "text-font": REGULAR, "text-transform": "uppercase", "text-letter-spacing": 0.12,
                 "text-size": zoom(3, 9, 8, 13), "text-max-width": 8, "symbol-sort-key": rank},
                _text_paint(c["text_soft"], c), minzoom=3, maxzoom=10),
        _symbol("place-village", "place", ["in", cls, ["literal", ["village", "hamlet", "suburb", "neighbourhood"]]],
                {"text-field": settlement_name, "text-font": REGULAR, "text-size": zoom(8, 10, 14, 13), "text-max-width": 8,
                 "symbol-sort-key": rank},
                _text_paint(c["text_soft"], c), minzoom=8),
        _symbol("place-town", "place", ["==", cls, "town"],
                {"text-field": settlement_name, "text-font": REGULAR, "text-size": zoom(6, 10, 14, 15), "text-max-width": 8,
                 "icon-image": ["step", ["zoom"], "townspot", 10, ""], "icon-allow-overlap": False,
                 "text-variable-anchor": ["left", "right", "top", "bottom"], "text-radial-offset": 0.5,
                 "symbol-sort-key": rank},
                _text_paint(c["text"], c), minzoom=6),
        _symbol("place-city", "place", ["all", ["==", cls, "city"], ["!", capital]],
                {"text-field": settlement_name, "text-font": REGULAR, "text-max-width": 8,
                 "text-size": zoom(3, ["step", rank, 12, 4, 11], 8, ["step", rank, 16, 4, 14], 14, 20),
                 "icon-image": ["step", ["zoom"], "city-dot", 10, ""],
                 "text-variable-anchor": ["left", "right", "top", "bottom"], "text-radial-offset": 0.6,
                 "symbol-sort-key": rank},
                _text_paint(c["text"], c), minzoom=2),
        _symbol("place-capital", "place", ["all", ["==", cls, "city"], capital, major_or_near],
                {"text-field": settlement_name, "text-font": BOLD, "text-max-width": 8,
                 "text-size": zoom(2, 11, 8, 16, 14, 21),
                 "icon-image": ["step", ["zoom"], "capital", 10, ""],
                 "text-variable-anchor": ["left", "right", "top", "bottom"], "text-radial-offset": 0.7,
                 "symbol-sort-key": rank},
                _text_paint(c["text"], c), minzoom=2),
        _symbol("place-country", "place", ["==", cls, "country"],
                {"text-field": NAME, "text-font": BOLD, "text-max-width": 7, "symbol-sort-key": rank,
                 "text-size": zoom(1, ["step", rank, 12, 3, 10], 4, ["step", rank, 16, 3, 13, 5, 11], 8, 18)},
                _text_paint(c["country_text"], c, 1.6), maxzoom=9),
    ]


def omt_style(variant: str, source_url: str, name: str, metadata: dict[str, str],
              settlement_name: list = NAME) -> dict[str, Any]:
    return {
        "version": 8, "name": name, "metadata": metadata,
        "sources": {"openmaptiles": {"type": "vector", "url": source_url}},
        "glyphs": GLYPHS, "sprite": SPRITE, "layers": omt_layers(PALETTES[variant], settlement_name),
    }


# Protomaps POI kinds -> an icon our sprite has; kinds not named here get no icon.
POI_ICONS = {"aerodrome": "airport", "station": "rail", "ferry_terminal": "ferry", "marina": "harbor",
             "beach": "beach", "park": "park", "garden": "park", "forest": "park", "peak": "peak", "zoo": "attraction"}
FONT_MAP = {"Noto Sans Devanagari Regular v1": "Noto Sans Regular"}


def protomaps_style(variant: str) -> dict[str, Any]:
    """The pinned Protomaps English style, pointed at our server and assets."""
    upstream = json.loads(read_member(fetch(PROTOMAPS), f"package/dist/styles/{variant}/en.json"))
    doc = _replace_strings(upstream, FONT_MAP)
    (source,) = doc["sources"].values()
    source["url"] = "mbtiles://{tileset}"
    source.pop("attribution", None)     # the tileset's own TileJSON attribution applies
    doc.update(name=f"Protomaps {variant.title()}", glyphs=GLYPHS, sprite=SPRITE,
               metadata={"tilegeo:schema": "protomaps", "tilegeo:variant": variant,
                         "tilegeo:origin": f"{PROTOMAPS.label} dist/styles/{variant}/en.json ({PROTOMAPS.licence})"})
    for layer in doc["layers"]:
        if layer["id"] == "pois":
            layer["layout"]["icon-image"] = ["match", ["get", "kind"], *_flatten(POI_ICONS.items()), ""]
    return {key: doc[key] for key in ("version", "name", "metadata", "sources", "glyphs", "sprite", "layers")}


def _flatten(pairs) -> list:
    return [item for pair in pairs for item in pair]


def _replace_strings(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [_replace_strings(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _replace_strings(v, mapping) for k, v in value.items()}
    return value


def check_assets(doc: dict[str, Any], icons: set[str], fonts: set[str]) -> None:
    """Fail the build if a style names a literal font or icon we do not ship."""
    for font in {f for f in _strings(doc["layers"]) if f.startswith("Noto ")}:
        if font not in fonts:
            raise SystemExit(f"{doc['name']}: font {font!r} is not in {FONTS_DIR}")
    for layer in doc["layers"]:
        for icon in _literal_icons(layer.get("layout", {}).get("icon-image")):
            if icon not in icons:
                raise SystemExit(f"{doc['name']}: layer {layer['id']} uses icon {icon!r}, not in the sprite")


def _strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def _literal_icons(expr: Any) -> set[str]:
    """Icon names an icon-image expression can produce (strings in output positions, roughly)."""
    if isinstance(expr, str):
        return {expr} if expr else set()
    if not isinstance(expr, list) or not expr:
        return set()
    op = expr[0]
    if op == "step":            # ["step", input, out0, stop1, out1, ...]
        return set().union(*(_literal_icons(v) for v in expr[2::2]))
    if op == "match":           # ["match", input, label, out, ..., fallback]
        return set().union(*(_literal_icons(v) for v in [*expr[3:-1:2], expr[-1]]))
    return set()


def raster_style() -> dict[str, Any]:
    """A style that just shows an image tileset (most raster MBTiles have 256 px tiles)."""
    return {
        "version": 8, "name": "Raster",
        "metadata": {"tilegeo:schema": "raster", "tilegeo:variant": "raster",
                     "tilegeo:origin": "tilegeo data/build/map_styles.py"},
        "sources": {"raster": {"type": "raster", "url": "mbtiles://{tileset}", "tileSize": 256}},
        "layers": [{"id": "background", "type": "background", "paint": {"background-color": "#dddddd"}},
                   {"id": "raster", "type": "raster", "source": "raster"}],
    }


def own_styles() -> dict[str, dict[str, Any]]:
    """The styles written here from scratch (no download needed): basemap, OpenMapTiles, raster."""
    styles: dict[str, dict[str, Any]] = {}
    origin = "tilegeo data/build/map_styles.py"
    for variant in PALETTES:
        styles[f"basemap-{variant}"] = omt_style(variant, "mbtiles://basemap", f"Basemap {variant.title()}",
                                                 {"tilegeo:origin": origin}, BASEMAP_SETTLEMENT_NAME)
        styles[f"openmaptiles-{variant}"] = omt_style(
            variant, "mbtiles://{tileset}", f"OpenMapTiles {variant.title()}",
            {"tilegeo:schema": "openmaptiles", "tilegeo:variant": variant, "tilegeo:origin": origin})
    styles["raster"] = raster_style()
    return styles


def build() -> dict[str, dict[str, Any]]:
    """Every bundled style by file stem."""
    return {**own_styles(), **{f"protomaps-{variant}": protomaps_style(variant) for variant in PALETTES}}


def main(argv: list[str] | None = None) -> None:
    icons = set(json.loads(SPRITE_JSON.read_text()))
    fonts = {p.name for p in FONTS_DIR.iterdir() if p.is_dir()}
    OUT.mkdir(parents=True, exist_ok=True)
    for name, doc in build().items():
        check_assets(doc, icons, fonts)
        (OUT / f"{name}.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        log(f"wrote {OUT / name}.json ({len(doc['layers'])} layers)")


if __name__ == "__main__":
    main()
