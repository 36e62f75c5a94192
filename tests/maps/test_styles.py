"""Style catalog core: schema detection, URL rewriting, offers per tileset, user style files."""
from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from service.maps.schema_detect import detect_schema, tileset_schema
from service.maps.style_urls import absolute_url, rewrite_style
from service.maps.styles import StyleCatalog, StyleError, check_style_id, parse_template
from service.tiles.source import TileSetInfo

BUNDLED = Path(__file__).resolve().parents[2] / "data" / "styles"
BASE = "https://maps.example.org"


def vector(tileset_id: str, *layer_ids: str) -> TileSetInfo:
    return TileSetInfo(tileset_id, tileset_id.title(), "pbf", 0, 14,
                       vector_layers=tuple({"id": layer, "fields": {}} for layer in layer_ids))


OMT = vector("switzerland", "water", "landcover", "landuse", "transportation", "building", "boundary", "place",
             "water_name", "transportation_name", "poi")
PROTOMAPS = vector("berlin", "earth", "water", "landcover", "landuse", "roads", "buildings", "boundaries",
                   "places", "pois")
BASEMAP = vector("basemap", "water", "waterway", "boundary", "place", "water_name")
RASTER = TileSetInfo("satellite", "Satellite", "png", 0, 10)


def write_style(path: Path, **extra) -> Path:
    doc = {"version": 8, "name": path.stem, "sources": {"s": {"type": "vector", "url": "mbtiles://switzerland"}},
           "glyphs": "/fonts/{fontstack}/{range}.pbf", "layers": [], **extra}
    path.write_text(json.dumps(doc))
    return path


@pytest.fixture
def bundled_catalog() -> StyleCatalog:
    catalog = StyleCatalog([BUNDLED])
    catalog.load()
    return catalog


# ---- schema detection ----

def test_openmaptiles_layers_are_detected_as_openmaptiles():
    assert tileset_schema(OMT.format, OMT.vector_layers) == "openmaptiles"


def test_protomaps_layers_are_detected_as_protomaps():
    assert tileset_schema(PROTOMAPS.format, PROTOMAPS.vector_layers) == "protomaps"


def test_the_embedded_basemap_layers_are_openmaptiles_like():
    assert tileset_schema(BASEMAP.format, BASEMAP.vector_layers) == "openmaptiles"


@pytest.mark.parametrize("ids", [set(), {"water"}, {"place"}, {"water", "landcover", "landuse"}, {"roads_and_rails", "x"}])
def test_too_few_distinctive_layers_are_unknown(ids):
    assert detect_schema(ids) == "unknown"


def test_image_tilesets_are_raster():
    assert tileset_schema("png", ()) == "raster"


# ---- URL rewriting ----

@pytest.mark.parametrize("url, expected", [
    ("mbtiles://basemap", f"{BASE}/tiles/basemap.json"),
    ("mbtiles://my tiles", f"{BASE}/tiles/my%20tiles.json"),
    ("{tilegeo}/sprites/basemap", f"{BASE}/sprites/basemap"),
    ("/fonts/{fontstack}/{range}.pbf", f"{BASE}/fonts/{{fontstack}}/{{range}}.pbf"),
    ("sprites/basemap", f"{BASE}/sprites/basemap"),
    ("https://elsewhere.example/style/tiles.json", "https://elsewhere.example/style/tiles.json"),
])
def test_absolute_url_resolves_placeholders_against_the_base(url, expected):
    assert absolute_url(url, BASE) == expected


def test_a_path_prefix_in_the_base_is_kept():
    assert absolute_url("mbtiles://basemap", "http://nas:8080/maps") == "http://nas:8080/maps/tiles/basemap.json"


def test_rewrite_makes_sources_glyphs_and_sprite_absolute():
    doc = {"version": 8, "sources": {"v": {"type": "vector", "url": "mbtiles://{tileset}"},
                                     "r": {"type": "raster", "tiles": ["/tiles/sat/{z}/{x}/{y}.png"]}},
           "glyphs": "/fonts/{fontstack}/{range}.pbf", "sprite": "{tilegeo}/sprites/basemap", "layers": []}
    out = rewrite_style(doc, BASE, tileset="alps")
    assert out["sources"]["v"]["url"] == f"{BASE}/tiles/alps.json"
    assert out["sources"]["r"]["tiles"] == [f"{BASE}/tiles/sat/{{z}}/{{x}}/{{y}}.png"]
    assert out["glyphs"] == f"{BASE}/fonts/{{fontstack}}/{{range}}.pbf"
    assert out["sprite"] == f"{BASE}/sprites/basemap"


def test_rewrite_handles_a_sprite_list():
    doc = {"version": 8, "sources": {}, "layers": [], "sprite": [{"id": "default", "url": "/sprites/basemap"}]}
    assert rewrite_style(doc, BASE)["sprite"] == [{"id": "default", "url": f"{BASE}/sprites/basemap"}]


def test_rewrite_leaves_the_template_untouched():
    doc = {"version": 8, "sources": {"v": {"type": "vector", "url": "mbtiles://basemap"}}, "layers": [{"id": "x"}]}
    before = json.dumps(doc)
    out = rewrite_style(doc, BASE)
    assert json.dumps(doc) == before
    assert out["layers"] is doc["layers"]   # shared, not copied: rewriting stays cheap


# ---- offers ----

def test_every_tileset_gets_the_styles_of_its_schema(bundled_catalog):
    ids = {offer.id for offer in bundled_catalog.offers([OMT, PROTOMAPS])}
    assert {"switzerland-light", "switzerland-dark", "berlin-light", "berlin-dark"} <= ids


def test_generated_styles_point_at_their_tileset(bundled_catalog):
    offer = bundled_catalog.find("berlin-dark", [PROTOMAPS])
    doc = orjson.loads(bundled_catalog.render(offer, BASE))
    assert [s["url"] for s in doc["sources"].values()] == [f"{BASE}/tiles/berlin.json"]
    assert doc["sprite"] == f"{BASE}/sprites/basemap"


def test_basemap_styles_are_offered_only_when_the_basemap_is_loaded(bundled_catalog):
    assert "basemap-light" not in {offer.id for offer in bundled_catalog.offers([OMT])}
    offers = {offer.id: offer for offer in bundled_catalog.offers([BASEMAP])}
    assert offers["basemap-light"].tileset is None       # the hand-made style, not a generated one
    assert offers["basemap-dark"].template.path.name == "basemap-dark.json"


def test_layers_for_source_layers_the_tileset_lacks_are_left_out(bundled_catalog):
    offer = bundled_catalog.find("basemap-light", [BASEMAP])
    doc = orjson.loads(bundled_catalog.render(offer, BASE, [BASEMAP]))
    used = {layer.get("source-layer") for layer in doc["layers"]} - {None}
    assert used == {"water", "waterway", "boundary", "place", "water_name"}
    assert doc["layers"][0]["id"] == "background"


def test_unknown_schema_gets_no_style(bundled_catalog):
    assert bundled_catalog.offers([vector("odd", "foo", "bar")]) == []


def test_raster_tilesets_get_a_raster_style(bundled_catalog):
    offer = bundled_catalog.find("satellite-raster", [RASTER])
    doc = orjson.loads(bundled_catalog.render(offer, BASE))
    assert doc["sources"]["raster"]["url"] == f"{BASE}/tiles/satellite.json"


def test_a_tileset_that_goes_away_takes_its_styles_with_it(bundled_catalog):
    assert bundled_catalog.find("switzerland-light", [OMT]) is not None
    assert bundled_catalog.find("switzerland-light", []) is None


# ---- bundled styles only name fonts and icons we ship ----

@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.json")), ids=lambda p: p.name)
def test_bundled_styles_use_our_fonts_and_placeholders(path):
    doc = json.loads(path.read_text())
    fonts = {p.name for p in (BUNDLED.parent / "fonts").iterdir() if p.is_dir()}
    used = set()
    for layer in doc["layers"]:
        font = layer.get("layout", {}).get("text-font")
        if isinstance(font, list) and all(isinstance(f, str) for f in font):
            used.update(font)
    assert used <= fonts
    assert doc.get("glyphs", "/fonts/").startswith("/fonts/")
    assert all(s["url"].startswith("mbtiles://") for s in doc["sources"].values())


# ---- user style dirs ----

def test_user_styles_are_served_and_broken_ones_reported(tmp_path):
    user = tmp_path / "styles"
    user.mkdir()
    write_style(user / "mine.json")
    (user / "broken.json").write_text("{ not json")
    (user / "notastyle.json").write_text('{"hello": 1}')
    catalog = StyleCatalog([BUNDLED, user])
    catalog.load()
    assert "mine" in {offer.id for offer in catalog.offers([OMT])}
    assert sorted(Path(p).name for p in catalog.problems) == ["broken.json", "notastyle.json"]
    assert "not valid JSON" in catalog.problems[str(user / "broken.json")]


def test_a_user_style_overrides_a_bundled_one_of_the_same_name(tmp_path):
    user = tmp_path / "styles"
    user.mkdir()
    write_style(user / "basemap-light.json", sources={"s": {"type": "vector", "url": "mbtiles://basemap"}}, name="Mine")
    catalog = StyleCatalog([BUNDLED, user])
    catalog.load()
    assert catalog.find("basemap-light", [BASEMAP]).name == "Mine"


def test_a_user_schema_template_is_offered_for_each_matching_tileset(tmp_path):
    user = tmp_path / "styles"
    user.mkdir()
    write_style(user / "omt-sepia.json", sources={"s": {"type": "vector", "url": "mbtiles://{tileset}"}},
                metadata={"tilegeo:schema": "openmaptiles", "tilegeo:variant": "sepia"})
    catalog = StyleCatalog([user])
    catalog.load()
    assert [offer.id for offer in catalog.offers([OMT, PROTOMAPS])] == ["switzerland-sepia"]


def test_a_schema_template_without_a_variant_is_rejected(tmp_path):
    path = write_style(tmp_path / "x.json", metadata={"tilegeo:schema": "openmaptiles"})
    with pytest.raises(StyleError, match="variant"):
        parse_template(path)


def test_missing_style_dirs_are_fine(tmp_path):
    catalog = StyleCatalog([tmp_path / "nope"])
    catalog.load()
    assert catalog.offers([OMT]) == [] and catalog.problems == {}


@pytest.mark.parametrize("style_id", ["../etc/passwd", "a/b", "a\\b", "..", "x\x00", "", "x" * 300])
def test_path_tricks_are_not_style_ids(style_id):
    assert check_style_id(style_id) is not None


def test_a_plain_name_is_a_style_id():
    assert check_style_id("switzerland-light") is None


def test_committed_styles_are_what_the_build_script_writes():
    from data.build.map_styles import own_styles
    for name, doc in own_styles().items():
        assert json.loads((BUNDLED / f"{name}.json").read_text()) == doc, f"re-run python -m data.build.map_styles ({name})"


def test_refresh_picks_up_added_changed_and_removed_style_files(tmp_path):
    catalog = StyleCatalog([tmp_path])
    catalog.load()
    write_style(tmp_path / "mine.json")
    catalog.refresh()
    assert [offer.name for offer in catalog.offers([OMT])] == ["mine"]
    write_style(tmp_path / "mine.json", name="Renamed, and longer so the size changes")
    catalog.refresh()
    assert [offer.name for offer in catalog.offers([OMT])] == ["Renamed, and longer so the size changes"]
    (tmp_path / "mine.json").unlink()
    catalog.refresh()
    assert catalog.offers([OMT]) == []
