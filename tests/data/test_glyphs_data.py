"""The committed glyphs (data/fonts, built by `python -m data.build.glyphs`) decode and cover the scripts we promise."""
from __future__ import annotations

import pytest

from service.config import EMBEDDED_DATA_DIR
from service.maps.fonts import DEFAULT_FONT, FontLibrary
from service.maps.glyphs_pbf import decode

FONTS = EMBEDDED_DATA_DIR / "fonts"
STACKS = ("Noto Sans Regular", "Noto Sans Medium", "Noto Sans Bold", "Noto Sans Italic")
# One letter per script merged into every stack: Latin, Latin Extended, Greek, Cyrillic, Arabic
# (base and presentation form), Hebrew, Devanagari, Thai, Georgian, Armenian, Bengali, Tamil.
EVERY_STACK = "Aéőŀ" "Ω" "Ж" "ب" "ﺏ" "א" "क" "ก" "ა" "Ա" "ক" "த"
REGULAR_ONLY = "北京東京서울ひカ"  # CJK, in the Regular stack only


def glyph_ids(font: str, code: int) -> set[int]:
    start = code - code % 256
    path = FONTS / font / f"{start}-{start + 255}.pbf"
    stack = decode(path.read_bytes())
    assert (stack.name, stack.range) == (font, f"{start}-{start + 255}")
    return {g.id for g in stack.glyphs}


def test_committed_fonts_are_the_four_noto_stacks():
    assert FontLibrary(FONTS).names() == sorted(STACKS)
    assert DEFAULT_FONT in STACKS


@pytest.mark.parametrize("font", STACKS)
@pytest.mark.parametrize("char", EVERY_STACK)
def test_every_stack_has_each_script(font, char):
    assert ord(char) in glyph_ids(font, ord(char))


@pytest.mark.parametrize("char", REGULAR_ONLY)
def test_regular_stack_has_common_cjk(char):
    assert ord(char) in glyph_ids("Noto Sans Regular", ord(char))


@pytest.mark.parametrize("font", STACKS)
def test_every_committed_file_decodes_with_sized_bitmaps(font):
    for path in sorted((FONTS / font).glob("*.pbf")):
        stack = decode(path.read_bytes())
        assert f"{stack.range}.pbf" == path.name
        start = int(stack.range.split("-")[0])
        for glyph in stack.glyphs:
            assert start <= glyph.id <= start + 255
            expected = (glyph.width + 6) * (glyph.height + 6) if glyph.width and glyph.height else 0
            assert len(glyph.bitmap) == expected


def test_latin_baseline_metrics_are_sane():
    a = next(g for g in decode((FONTS / DEFAULT_FONT / "0-255.pbf").read_bytes()).glyphs if g.id == ord("A"))
    assert 14 <= a.width <= 17 and 16 <= a.height <= 18 and -10 <= a.top <= -8 and 14 <= a.advance <= 17


def test_licences_sit_next_to_the_fonts():
    assert "SIL OPEN FONT LICENSE" in (FONTS / "LICENSE-OFL.txt").read_text().upper()
    assert (FONTS / "COPYRIGHT-fonts-noto-core.txt").is_file()
    assert (FONTS / "COPYRIGHT-fonts-noto-cjk.txt").is_file()


@pytest.mark.parametrize("font", STACKS)
def test_served_stacks_get_cjk_from_the_default_font(font):
    code = ord("京")
    start = code - code % 256
    served = decode(FontLibrary(FONTS).glyphs(font, start, start + 255))
    assert code in {g.id for g in served.glyphs}
