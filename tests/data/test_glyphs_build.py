"""The glyph builder on tiny fonts made in tmp_path (no download): SDF values, metrics, merging."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fontTools import fontBuilder as fontbuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

from data.build import glyphs, sdf
from service.maps.glyphs_pbf import decode

UPM = 1000  # units per em: at 24 px, 500 units = 12 px


def square(left: int, bottom: int, side: int):
    pen = TTGlyphPen(None)
    pen.moveTo((left, bottom))
    pen.lineTo((left, bottom + side))
    pen.lineTo((left + side, bottom + side))
    pen.lineTo((left + side, bottom))
    pen.closePath()
    return pen.glyph()


def make_font(path: Path, shapes: dict[int, tuple[int, int, int]], family: str = "Tiny") -> Path:
    """A TrueType font mapping each code point to a square (left, bottom, side) in font units."""
    names = {code: f"g{code}" for code in shapes}
    builder = fontbuilder.FontBuilder(UPM, isTTF=True)
    builder.setupGlyphOrder([".notdef", *names.values()])
    builder.setupCharacterMap({code: name for code, name in names.items()})
    outlines = {".notdef": TTGlyphPen(None).glyph()}
    outlines.update({names[code]: square(*shape) for code, shape in shapes.items()})
    builder.setupGlyf(outlines)
    lsb = {names[code]: left for code, (left, _, _) in shapes.items()}  # FreeType places outlines by it
    builder.setupHorizontalMetrics({name: (600, lsb.get(name, 0)) for name in [".notdef", *names.values()]})
    builder.setupHorizontalHeader(ascent=1000, descent=-250)
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=1000, usWinAscent=1000, usWinDescent=250)
    builder.setupPost()
    builder.save(str(path))
    return path


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """'A' is a 12 px square on the baseline; 'Ж' (U+0416) a 6 px square."""
    return make_font(tmp_path / "tiny.ttf", {ord("A"): (0, 0, 500), 0x416: (100, 0, 250)})


def bitmap(glyph) -> np.ndarray:
    return np.frombuffer(glyph.bitmap, np.uint8).reshape(glyph.height + 2 * sdf.BUFFER, glyph.width + 2 * sdf.BUFFER)


def test_builder_writes_only_ranges_with_glyphs(tiny, tmp_path):
    counts = glyphs.build_font("Tiny Regular", [glyphs.FaceFile(str(tiny))], tmp_path / "out")
    assert counts == {"0-255": 1, "1024-1279": 1}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["0-255.pbf", "1024-1279.pbf"]


def test_built_glyph_has_fontnik_metrics(tiny, tmp_path):
    glyphs.build_font("Tiny Regular", [glyphs.FaceFile(str(tiny))], tmp_path / "out", starts=[0])
    stack = decode((tmp_path / "out" / "0-255.pbf").read_bytes())
    assert (stack.name, stack.range) == ("Tiny Regular", "0-255")
    (a,) = stack.glyphs
    ascender = 24  # 1000 units at 24 px per 1000 units
    assert (a.id, a.width, a.height, a.left, a.top, a.advance) == (ord("A"), 12, 12, 0, 12 - ascender, 14)
    assert len(a.bitmap) == (12 + 6) * (12 + 6)


def test_sdf_is_high_inside_low_outside_and_near_the_cutoff_on_the_edge(tiny, tmp_path):
    glyphs.build_font("Tiny Regular", [glyphs.FaceFile(str(tiny))], tmp_path / "out", starts=[0])
    field = bitmap(decode((tmp_path / "out" / "0-255.pbf").read_bytes()).glyphs[0])
    assert field[9, 9] == 255  # centre of the square
    assert field[0, 0] < 100  # buffer corner, outside
    edge = int(255 - sdf.CUTOFF * 256)  # 191: the value MapLibre treats as the outline
    assert abs(int(field[9, 3]) - edge) <= 17  # half a pixel from the left edge
    assert (field == field[:, ::-1]).all()  # a square is symmetric
    assert (field == field[::-1, :]).all()


def test_first_font_wins_and_later_fonts_fill_gaps(tiny, tmp_path):
    other = make_font(tmp_path / "other.ttf", {ord("A"): (0, 0, 250), ord("B"): (0, 0, 250)}, "Other")
    files = [glyphs.FaceFile(str(tiny)), glyphs.FaceFile(str(other))]
    glyphs.build_font("Merged", files, tmp_path / "out", starts=[0])
    by_id = {g.id: g for g in decode((tmp_path / "out" / "0-255.pbf").read_bytes()).glyphs}
    assert by_id[ord("A")].width == 12  # from tiny, not the 6 px square of other
    assert by_id[ord("B")].width == 6


def test_only_limits_the_code_points_taken_from_a_font(tiny, tmp_path):
    files = [glyphs.FaceFile(str(tiny), only=frozenset({0x416}))]
    assert glyphs.build_font("Some", files, tmp_path / "out") == {"1024-1279": 1}


def test_build_is_deterministic(tiny, tmp_path):
    glyphs.build_font("Tiny Regular", [glyphs.FaceFile(str(tiny))], tmp_path / "one")
    glyphs.build_font("Tiny Regular", [glyphs.FaceFile(str(tiny))], tmp_path / "two")
    for path in (tmp_path / "one").iterdir():
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes()


def test_common_cjk_covers_city_names_of_china_japan_korea_taiwan():
    codes = glyphs.common_cjk()
    for name in ("北京", "上海", "東京", "大阪", "서울", "부산", "臺北", "高雄", "ひらがな", "カタカナ"):
        assert all(ord(char) in codes for char in name), name
    assert 10_000 < len(codes) < 25_000


def test_half_pixel_edges_round_away_from_zero_like_fontnik(tmp_path):
    # 21 font units = 32/64 px at 24 px: the left edge sits exactly on 0.5 px.
    font = make_font(tmp_path / "half.ttf", {ord("A"): (21, 0, 500)})
    glyphs.build_font("Half", [glyphs.FaceFile(str(font))], tmp_path / "out")
    (a,) = decode((tmp_path / "out" / "0-255.pbf").read_bytes()).glyphs
    assert (a.left, a.width) == (1, 12)
    assert (sdf._round(2.5), sdf._round(-0.5), sdf._round(0.49)) == (3, -1, 0)
