"""Glyph PBF codec, font stack compositing and fallback, and the /fonts routes."""
from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from service.app import create_app
from service.config import Settings
from service.maps.fonts import FontError, FontLibrary, FontNotFound, parse_fontstack, parse_range
from service.maps.glyphs_pbf import Fontstack, Glyph, GlyphDecodeError, decode, encode


def glyph(code: int, width: int = 2, tag: int = 1) -> Glyph:
    """A small glyph whose bitmap bytes carry `tag`, so tests can tell fonts apart."""
    return Glyph(code, width, 2, -1, -10, width + 1, bytes([tag]) * ((width + 6) * 8))


def write_font(fonts: Path, name: str, start: int, glyphs: list[Glyph]) -> None:
    folder = fonts / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{start}-{start + 255}.pbf").write_bytes(encode(Fontstack(name, f"{start}-{start + 255}", tuple(glyphs))))


@pytest.fixture
def fonts_dir(tmp_path: Path) -> Path:
    """Two tiny fonts: 'First' has A and B, 'Noto Sans Regular' (the default) has B and C."""
    fonts = tmp_path / "fonts"
    write_font(fonts, "First", 0, [glyph(ord("A"), tag=1), glyph(ord("B"), tag=1)])
    write_font(fonts, "Noto Sans Regular", 0, [glyph(ord("B"), tag=2), glyph(ord("C"), tag=2)])
    write_font(fonts, "Noto Sans Regular", 1024, [glyph(0x416, tag=2)])
    return fonts


def by_id(data: bytes) -> dict[int, Glyph]:
    return {g.id: g for g in decode(data).glyphs}


# --- codec ---------------------------------------------------------------------------------

def test_codec_round_trips_glyphs_with_negative_metrics_and_empty_bitmaps():
    stack = Fontstack("Noto Sans Regular", "0-255", (
        Glyph(32, 0, 0, 0, -26, 6),
        Glyph(65, 15, 17, -300, -9, 15, bytes(range(256)) * 2),
        Glyph(0x416, 20, 17, 0, 70000, 21, b"\x00\xff"),
    ))
    assert decode(encode(stack)) == stack


def test_encode_sorts_glyphs_so_output_is_deterministic():
    a, b = glyph(66), glyph(65)
    assert encode(Fontstack("x", "0-255", (a, b))) == encode(Fontstack("x", "0-255", (b, a)))


def test_empty_fontstack_round_trips():
    assert decode(encode(Fontstack("Nothing", "512-767"))) == Fontstack("Nothing", "512-767")


@pytest.mark.parametrize("junk", [b"", b"\x0a\x05ab", b"\xff\xff\xff", b"\x0b"])
def test_decode_rejects_malformed_bytes(junk):
    with pytest.raises(GlyphDecodeError):
        decode(junk)


# --- parsing -------------------------------------------------------------------------------

@pytest.mark.parametrize("text, start", [("0-255", 0), ("256-511", 256), ("65280-65535", 65280)])
def test_parse_range_accepts_aligned_ranges(text, start):
    assert parse_range(text).start == start and parse_range(text).end == start + 255


@pytest.mark.parametrize("text", ["0-256", "1-256", "65536-65791", "-1-254", "0_255", "abc", "0-", "٠-٢٥٥", "0-0255"])
def test_parse_range_rejects_other_ranges(text):
    with pytest.raises(FontError):
        parse_range(text)


@pytest.mark.parametrize("text", ["../fonts", "/etc/passwd", "a\\b", ".hidden", "x" * 101, "bad\x00name", ",,"])
def test_parse_fontstack_rejects_path_like_names(text):
    with pytest.raises(FontError):
        parse_fontstack(text)


def test_parse_fontstack_splits_and_strips():
    assert parse_fontstack("Noto Sans Bold, Noto Sans Regular") == ("Noto Sans Bold", "Noto Sans Regular")


# --- library -------------------------------------------------------------------------------

def test_names_lists_font_directories(fonts_dir):
    assert FontLibrary(fonts_dir).names() == ["First", "Noto Sans Regular"]


def test_composite_takes_each_glyph_from_the_first_font_that_has_it(fonts_dir):
    glyphs = by_id(FontLibrary(fonts_dir).glyphs("First,Noto Sans Regular", 0, 255))
    assert sorted(glyphs) == [ord("A"), ord("B"), ord("C")]
    assert glyphs[ord("B")].bitmap[0] == 1  # from First, not the default font
    assert glyphs[ord("C")].bitmap[0] == 2


def test_composite_names_the_fonts_it_used(fonts_dir):
    assert decode(FontLibrary(fonts_dir).glyphs("First,Noto Sans Regular", 0, 255)).name == "First,Noto Sans Regular"


def test_unknown_fonts_in_a_stack_are_skipped(fonts_dir):
    glyphs = by_id(FontLibrary(fonts_dir).glyphs("Arial Unicode MS,First", 0, 255))
    assert glyphs[ord("A")].bitmap[0] == glyphs[ord("B")].bitmap[0] == 1


def test_default_font_fills_glyphs_missing_from_the_stack(fonts_dir):
    glyphs = by_id(FontLibrary(fonts_dir).glyphs("First", 0, 255))
    assert sorted(glyphs) == [ord("A"), ord("B"), ord("C")]
    assert (glyphs[ord("B")].bitmap[0], glyphs[ord("C")].bitmap[0]) == (1, 2)


def test_default_font_named_first_wins_over_later_fonts(fonts_dir):
    glyphs = by_id(FontLibrary(fonts_dir).glyphs("Noto Sans Regular,First", 0, 255))
    assert glyphs[ord("B")].bitmap[0] == 2


def test_range_only_the_default_has_is_served_from_it(fonts_dir):
    library = FontLibrary(fonts_dir)
    assert library.glyphs("First", 1024, 1279) == (fonts_dir / "Noto Sans Regular" / "1024-1279.pbf").read_bytes()


def test_unknown_font_falls_back_to_the_default_font(fonts_dir):
    library = FontLibrary(fonts_dir)
    assert library.glyphs("Open Sans Bold", 0, 255) == library.glyphs("Noto Sans Regular", 0, 255)


def test_unknown_font_without_a_default_font_is_not_found(fonts_dir):
    with pytest.raises(FontNotFound):
        FontLibrary(fonts_dir, default="Missing").glyphs("Open Sans Bold", 0, 255)


def test_range_without_glyphs_is_an_empty_pbf_with_the_font_name(fonts_dir):
    assert decode(FontLibrary(fonts_dir).glyphs("First", 512, 767)) == Fontstack("First", "512-767")


def test_malformed_glyph_file_counts_as_missing(fonts_dir):
    (fonts_dir / "First" / "0-255.pbf").write_bytes(b"\xff\xff")
    glyphs = by_id(FontLibrary(fonts_dir).glyphs("First,Noto Sans Regular", 0, 255))
    assert sorted(glyphs) == [ord("B"), ord("C")]
    assert glyphs[ord("B")].bitmap[0] == 2


def test_missing_fonts_directory_serves_nothing(tmp_path):
    library = FontLibrary(tmp_path / "absent")
    assert library.names() == []
    with pytest.raises(FontNotFound):
        library.glyphs("Noto Sans Regular", 0, 255)


# --- routes --------------------------------------------------------------------------------

@pytest.fixture
def client(fonts_dir: Path, tmp_path: Path):
    settings = Settings(embedded_data=tmp_path / "embedded", fonts=fonts_dir, cache_control="public, max-age=60")
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_get_fonts_lists_the_font_names(client):
    response = client.get("/fonts")
    assert response.status_code == 200
    assert response.json() == ["First", "Noto Sans Regular"]


def test_get_glyphs_returns_protobuf_with_cache_headers(client):
    response = client.get("/fonts/First,Noto Sans Regular/0-255.pbf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.headers["etag"].startswith('"')
    assert sorted(by_id(response.content)) == [ord("A"), ord("B"), ord("C")]


def test_get_glyphs_url_encoded_stack(client):
    response = client.get("/fonts/Noto%20Sans%20Regular/1024-1279.pbf")
    assert response.status_code == 200
    assert list(by_id(response.content)) == [0x416]


def test_get_glyphs_unknown_font_falls_back(client):
    response = client.get("/fonts/Open Sans Semibold/0-255.pbf")
    assert response.status_code == 200
    assert sorted(by_id(response.content)) == [ord("B"), ord("C")]


def test_get_glyphs_if_none_match_returns_304(client):
    first = client.get("/fonts/First/0-255.pbf")
    again = client.get("/fonts/First/0-255.pbf", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


def test_get_glyphs_etag_differs_between_stacks(client):
    one = client.get("/fonts/First/0-255.pbf").headers["etag"]
    two = client.get("/fonts/First,Noto Sans Regular/0-255.pbf").headers["etag"]
    assert one != two


@pytest.mark.parametrize("path", ["/fonts/First/0-256.pbf", "/fonts/First/1-256.pbf", "/fonts/First/65536-65791.pbf",
                                  "/fonts/First/a-b.pbf"])
def test_get_glyphs_bad_range_is_400_json(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["error"] == "bad font request"


@pytest.mark.parametrize("path", [
    "/fonts/..%2F..%2Fetc%2Fpasswd/0-255.pbf",
    "/fonts/%2Fetc%2Fpasswd/0-255.pbf",
    "/fonts/../../../etc/passwd/0-255.pbf",
    "/fonts//etc/passwd/0-255.pbf",
    "/fonts/..%5C..%5Csecret/0-255.pbf",
])
def test_get_glyphs_path_tricks_are_refused_as_json(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("application/json")
    assert "root:" not in response.text


def test_get_glyphs_with_no_fonts_at_all_is_404(tmp_path):
    settings = Settings(embedded_data=tmp_path / "embedded", fonts=tmp_path / "none")
    with TestClient(create_app(settings)) as client:
        response = client.get("/fonts/Noto Sans Regular/0-255.pbf")
    assert response.status_code == 404
    assert response.json()["error"] == "unknown font"
