"""Sprites: loading a directory, the /sprites routes, and the committed basemap sprite."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image
from starlette.testclient import TestClient

from service.app import create_app
from service.config import EMBEDDED_DATA_DIR, Settings
from service.maps.sprites import SpriteLibrary

COMMITTED = EMBEDDED_DATA_DIR / "sprites"


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (width, height), (80, 80, 80, 255)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def sprites_dir(tmp_path: Path) -> Path:
    """Sprite 'icons' at 1x and 2x, a 1x-only 'half' without PNG, and files that are not sprites."""
    folder = tmp_path / "sprites"
    folder.mkdir()
    for suffix, ratio in (("", 1), ("@2x", 2)):
        index = {"dot": {"x": 0, "y": 0, "width": 8 * ratio, "height": 8 * ratio, "pixelRatio": ratio}}
        (folder / f"icons{suffix}.json").write_text(json.dumps(index))
        (folder / f"icons{suffix}.png").write_bytes(png(16 * ratio, 8 * ratio))
    (folder / "half.json").write_text("{}")
    (folder / "notes.txt").write_text("not a sprite")
    (folder / ".hidden.png").write_bytes(png(1, 1))
    return folder


@pytest.fixture
def client(sprites_dir: Path, tmp_path: Path):
    settings = Settings(embedded_data=tmp_path / "embedded", sprites=sprites_dir, cache_control="public, max-age=60")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_ids_are_sprites_with_json_and_png(sprites_dir):
    assert SpriteLibrary(sprites_dir).ids() == ["icons"]


def test_only_sprite_file_names_are_loaded(sprites_dir):
    library = SpriteLibrary(sprites_dir)
    assert library.get("notes.txt") is None
    assert library.get(".hidden.png") is None
    assert library.get("icons@2x.png") is not None


def test_missing_directory_has_no_sprites(tmp_path):
    assert SpriteLibrary(tmp_path / "absent").ids() == []


def test_get_sprites_lists_ids(client):
    assert client.get("/sprites").json() == ["icons"]


@pytest.mark.parametrize("name, ratio", [("icons.json", 1), ("icons@2x.json", 2)])
def test_sprite_json_at_each_ratio(client, name, ratio):
    response = client.get(f"/sprites/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["dot"]["pixelRatio"] == ratio


def test_sprite_png_at_2x_is_twice_the_size(client):
    one = Image.open(io.BytesIO(client.get("/sprites/icons.png").content))
    two = Image.open(io.BytesIO(client.get("/sprites/icons@2x.png").content))
    assert two.size == (one.width * 2, one.height * 2)


def test_sprite_has_cache_headers_and_304(client):
    response = client.get("/sprites/icons.png")
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "public, max-age=60"
    again = client.get("/sprites/icons.png", headers={"if-none-match": response.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["/sprites/nope.png", "/sprites/icons.svg", "/sprites/icons@3x.png",
                                  "/sprites/..%2F..%2Fetc%2Fpasswd", "/sprites/../../etc/passwd", "/sprites/notes.txt"])
def test_unknown_sprite_files_are_404_json(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


# --- the committed sprite (data/sprites, built by `python -m data.build.sprite`) ---------------

def committed_index(suffix: str) -> dict:
    return json.loads((COMMITTED / f"basemap{suffix}.json").read_text())


def test_committed_sprite_has_the_protomaps_low_zoom_icons():
    index = committed_index("")
    for name in ("townspot", "capital", "city-dot", "capital-star", "airport", "peak", "marker"):
        assert name in index


def test_committed_sprite_2x_doubles_every_icon_and_the_sheet():
    one, two = committed_index(""), committed_index("@2x")
    assert one.keys() == two.keys()
    for name, entry in one.items():
        assert {k: two[name][k] for k in ("x", "y", "width", "height")} == {k: entry[k] * 2 for k in ("x", "y", "width", "height")}
        assert (entry["pixelRatio"], two[name]["pixelRatio"]) == (1, 2)
    sheet1, sheet2 = Image.open(COMMITTED / "basemap.png"), Image.open(COMMITTED / "basemap@2x.png")
    assert sheet2.size == (sheet1.width * 2, sheet1.height * 2)


def test_committed_sprite_icons_fit_in_the_sheet_without_overlap():
    index = committed_index("")
    width, height = Image.open(COMMITTED / "basemap.png").size
    boxes = [(e["x"], e["y"], e["x"] + e["width"], e["y"] + e["height"]) for e in index.values()]
    assert all(0 <= x0 and 0 <= y0 and x1 <= width and y1 <= height for x0, y0, x1, y1 in boxes)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_committed_sprite_icons_are_not_blank():
    sheet = Image.open(COMMITTED / "basemap.png").convert("RGBA")
    for name, e in committed_index("").items():
        alpha = sheet.crop((e["x"], e["y"], e["x"] + e["width"], e["y"] + e["height"])).getchannel("A")
        assert alpha.getextrema()[1] > 200, name
