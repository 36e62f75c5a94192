"""Build the MapLibre glyph PBFs in data/fonts/<Font Name>/<start>-<end>.pbf from pinned Noto fonts.

    python -m data.build.glyphs [--out DIR] [--font NAME ...]

Each font stack merges several source fonts code point by code point: Noto Sans (Latin,
Greek, Cyrillic) first, then script fonts (Arabic, Devanagari, Thai, ...), so city names in
those scripts render with one stack. Glyph tops are measured from the primary font's ascender
so all scripts share one baseline. Only ranges that hold glyphs are written (the server answers
an empty PBF for the others). Output is deterministic: same pins, same bytes.
"""
from __future__ import annotations

import argparse
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from service.maps.glyphs_pbf import Fontstack, Glyph, encode

from . import sdf
from .fetch import Pin, extract_members, fetch, log, scratch_dir

OUT_DIR = Path(__file__).resolve().parents[1] / "fonts"
RANGE_SIZE = 256
MAX_CODE = 0xFFFF  # MapLibre requests glyphs for the Basic Multilingual Plane only

NOTO_SANS = Pin("pypi", "fontpkg-noto-sans", "2.15", "54016cb4dfbfdd8f0cae3d71a9401a73e786a473debd12f1d79067e349c9a4a3", "OFL-1.1")
NOTO_ARABIC = Pin("pypi", "fontpkg-noto-sans-arabic", "2.12", "eeca37a7ad6854bf1b6aa42bbce1908a6a6dcd2252ed56d021c20b613f6d16fc", "OFL-1.1")
NOTO_DEVANAGARI = Pin("pypi", "fontpkg-noto-sans-devanagari", "2.7", "3f8859d4905238a95daecf45c508dff148936e5aa60bd2e30a89333041a64adf", "OFL-1.1")
NOTO_THAI = Pin("pypi", "fontpkg-noto-sans-thai", "2.2", "1768cb43e1b01a5614a771a07c579c5d6109d21e8ef9fd4920de3cd7f842f863", "OFL-1.1")
NOTO_CORE = Pin("debian", "fonts-noto-core", "20201225-1", "58f4f0bb6720f919f92096b3508e1412a0f1544424ade6c5b5bf1eb694dd64ba", "OFL-1.1")
NOTO_CJK = Pin("debian", "fonts-noto-cjk", "1:20220127+repack1-1", "4a2515eb6db3978b897fef9709ed0d2b1f4c6c4df4d83d6c4ef65f71f1b1f502", "OFL-1.1")
PINS = (NOTO_SANS, NOTO_ARABIC, NOTO_DEVANAGARI, NOTO_THAI, NOTO_CORE, NOTO_CJK)
# Static Regular and Bold fonts in fonts-noto-core (Debian), merged after the PyPI ones.
DEBIAN_SCRIPTS = (
    "Hebrew", "Georgian", "Armenian", "Ethiopic", "Bengali", "Gujarati", "Gurmukhi", "Oriya",
    "Tamil", "Telugu", "Kannada", "Malayalam", "Sinhala", "Khmer", "Lao", "Myanmar", "Thaana",
)


@dataclass(frozen=True, slots=True)
class FaceFile:
    """A font file to open: named instance of a variable font, face index in a collection (TTC),
    and the code points to take from it (None: all it maps)."""

    path: str
    instance: str | None = None
    index: int = 0
    only: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """One font file inside a pinned package, as a FaceFile once fetched."""

    pin: Pin
    member: str
    instance: str | None = None
    index: int = 0
    only: Callable[[], frozenset[int]] | None = None

    def face_file(self) -> FaceFile:
        """Fetch and unpack the package once, then point at the font inside it."""
        path = unpack(self.pin, self.member) / self.member
        return FaceFile(str(path), self.instance, self.index, self.only() if self.only else None)


def unpack(pin: Pin, member: str) -> Path:
    """A directory holding `member` of the package, unpacked once (a .deb: its usr/share/ only)."""
    dest = scratch_dir(f"{pin.name}-{pin.version}")
    extract_members(fetch(pin), "usr/share/" if pin.registry == "debian" else "", dest)
    if not (dest / member).is_file():
        raise FileNotFoundError(f"{pin.label} has no {member}")
    return dest


def _noto(pin: Pin, module: str, file: str, instance: str) -> Source:
    return Source(pin, f"{module}/files/{file}", instance)


def _debian(file: str) -> Source:
    return Source(NOTO_CORE, f"usr/share/fonts/truetype/noto/{file}")


def common_cjk() -> frozenset[int]:
    """Code points of the national CJK standards: GB 2312, JIS X 0208, KS X 1001 (two-byte forms).

    About 15,000 Han, kana and Hangul characters: nearly every place name in China, Japan,
    Korea and Taiwan, at a third of the size of all 40,000 BMP CJK glyphs.
    """
    codes = set()
    for code in range(0x2E80, MAX_CODE + 1):
        char = chr(code)
        for encoding in ("gb2312", "shift_jis", "euc_kr"):
            try:
                if len(char.encode(encoding)) == 2:
                    codes.add(code)
                    break
            except UnicodeEncodeError:
                pass
    return frozenset(codes)


def _scripts(weight: str) -> tuple[Source, ...]:
    """The script fonts merged after Noto Sans, at `weight` (static Debian fonts: Regular or Bold)."""
    static = "Bold" if weight == "Bold" else "Regular"
    return (
        _noto(NOTO_ARABIC, "fontpkg_noto_sans_arabic", "NotoSansArabic[wdth,wght].ttf", weight),
        _noto(NOTO_DEVANAGARI, "fontpkg_noto_sans_devanagari", "NotoSansDevanagari[wdth,wght].ttf", weight),
        _noto(NOTO_THAI, "fontpkg_noto_sans_thai", "NotoSansThai[wdth,wght].ttf", weight),
        *(_debian(f"NotoSans{script}-{static}.ttf") for script in DEBIAN_SCRIPTS),
    )


def _upright(weight: str) -> Source:
    return _noto(NOTO_SANS, "fontpkg_noto_sans", "NotoSans[wdth,wght].ttf", weight)


# Simplified Chinese forms (face 2 of the collection), Regular stack only, common characters only.
CJK = Source(NOTO_CJK, "usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", index=2, only=common_cjk)
FONTS: dict[str, tuple[Source, ...]] = {
    "Noto Sans Regular": (_upright("Regular"), *_scripts("Regular"), CJK),
    "Noto Sans Medium": (_upright("Medium"), *_scripts("Medium")),
    "Noto Sans Bold": (_upright("Bold"), *_scripts("Bold")),
    # Script fonts have no italics: upright script glyphs beat a missing label.
    "Noto Sans Italic": (_noto(NOTO_SANS, "fontpkg_noto_sans", "NotoSans-Italic[wdth,wght].ttf", "Italic"), *_scripts("Regular")),
}
# Licence texts copied next to the glyphs: (pin, member in the package, file name in data/fonts).
LICENCES = (
    (NOTO_SANS, "fontpkg_noto_sans/LICENSE", "LICENSE-OFL.txt"),
    (NOTO_CORE, "usr/share/doc/fonts-noto-core/copyright", "COPYRIGHT-fonts-noto-core.txt"),
    (NOTO_CJK, "usr/share/doc/fonts-noto-cjk/copyright", "COPYRIGHT-fonts-noto-cjk.txt"),
)


def coverage(faces: Iterable, only: Iterable[frozenset[int] | None]) -> dict[int, tuple[int, int]]:
    """Code point -> (face number, glyph index); the first face that maps a code point wins."""
    chosen: dict[int, tuple[int, int]] = {}
    for number, (face, allowed) in enumerate(zip(faces, only)):
        for code, glyph_index in face.get_chars():
            if code <= MAX_CODE and glyph_index and code not in chosen and (allowed is None or code in allowed):
                chosen[code] = (number, glyph_index)
    return chosen


def range_name(start: int) -> str:
    """0 -> '0-255', 256 -> '256-511'."""
    return f"{start}-{start + RANGE_SIZE - 1}"


def build_font(name: str, files: list[FaceFile], out_dir: Path,
               starts: Iterable[int] | None = None) -> dict[str, int]:
    """Write `out_dir/<start>-<end>.pbf` for every non-empty range; return glyph counts per range.

    `files` lists the fonts to merge, primary font first. `starts` limits the build to some
    ranges (tests, quick checks).
    """
    faces = [sdf.open_face(file.path, file.instance, file.index) for file in files]
    ascent = sdf.ascender(faces[0])
    chosen = coverage(faces, [file.only for file in files])
    wanted = set(starts) if starts is not None else {code - code % RANGE_SIZE for code in chosen}
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for start in sorted(wanted):
        codes = [c for c in range(start, start + RANGE_SIZE) if c in chosen]
        if not codes:
            continue
        glyphs = tuple(_render(faces, chosen, code, ascent) for code in codes)
        stack = Fontstack(name, range_name(start), glyphs)
        (out_dir / f"{range_name(start)}.pbf").write_bytes(encode(stack))
        counts[range_name(start)] = len(glyphs)
    return counts


def _render(faces: list, chosen: dict[int, tuple[int, int]], code: int, ascent: int) -> Glyph:
    number, glyph_index = chosen[code]
    return sdf.render_glyph(faces[number], code, glyph_index, ascent)


def build_all(out_dir: Path, names: Iterable[str]) -> None:
    """Rebuild each named font directory from scratch, logging progress per font."""
    for name in names:
        started = time.monotonic()
        files = [source.face_file() for source in FONTS[name]]
        target = out_dir / name
        if target.exists():
            shutil.rmtree(target)
        counts = build_font(name, files, target)
        size = sum(p.stat().st_size for p in target.iterdir())
        log(f"{name}: {sum(counts.values())} glyphs in {len(counts)} ranges, "
            f"{size / 1e6:.1f} MB, {time.monotonic() - started:.0f} s")
    for pin, member, file_name in LICENCES:
        shutil.copyfile(unpack(pin, member) / member, out_dir / file_name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output directory (default: data/fonts)")
    parser.add_argument("--font", action="append", choices=sorted(FONTS), help="build only this font (repeatable)")
    args = parser.parse_args(argv)
    build_all(args.out, args.font or list(FONTS))


if __name__ == "__main__":
    main()
