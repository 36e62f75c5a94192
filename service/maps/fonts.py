"""Glyph fonts from a directory (one sub-directory of `<start>-<end>.pbf` files per font).

A font stack "A,B" is composited glyph by glyph: the first font that has a glyph wins, as
MapLibre expects from `text-font: ["A", "B"]`. The default font ends every stack, so a glyph
missing from "Noto Sans Bold" (CJK, which only the Regular font carries) still renders. Fonts
we do not have are skipped, so a style naming "Open Sans Bold" gets labels, not an error.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .glyphs_pbf import Fontstack, Glyph, GlyphDecodeError, decode, encode

DEFAULT_FONT = "Noto Sans Regular"
RANGE_SIZE = 256
MAX_CODE_POINT = 0xFFFF
MAX_FONTS_PER_STACK = 8
MAX_FONT_NAME = 100

log = logging.getLogger("tilegeo.fonts")


class FontError(ValueError):
    """A font stack or glyph range a client asked for is malformed; the message says why."""


class FontNotFound(LookupError):
    """Neither the requested fonts nor the default font are in the library."""


@dataclass(frozen=True, slots=True)
class GlyphRange:
    """A range of 256 code points, as in the URL `/fonts/{fontstack}/{start}-{end}.pbf`."""

    start: int
    end: int

    @property
    def name(self) -> str:
        return f"{self.start}-{self.end}"


@dataclass(frozen=True, slots=True)
class GlyphPBF:
    """Glyph PBF bytes for one font stack and range, with their strong ETag."""

    data: bytes
    etag: str


def parse_range(text: str) -> GlyphRange:
    """'256-511' -> GlyphRange(256, 511); FontError unless start % 256 == 0, end = start + 255 <= 65535."""
    start_text, dash, end_text = text.partition("-")
    if not (dash and _digits(start_text) and _digits(end_text)):
        raise FontError(f"glyph range must look like 0-255 or 256-511, got {text[:40]!r}")
    start, end = int(start_text), int(end_text)
    if start % RANGE_SIZE or end != start + RANGE_SIZE - 1 or end > MAX_CODE_POINT or text != f"{start}-{end}":
        raise FontError(f"glyph range must be N-(N+255) with N a multiple of 256 up to 65280, got {text[:40]!r}")
    return GlyphRange(start, end)


def parse_fontstack(text: str) -> tuple[str, ...]:
    """'Noto Sans Bold, Noto Sans Regular' -> the font names; FontError on path-like or odd names."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    if not names or len(names) > MAX_FONTS_PER_STACK:
        raise FontError(f"a font stack names 1 to {MAX_FONTS_PER_STACK} fonts separated by commas")
    for name in names:
        if len(name) > MAX_FONT_NAME or not name.isprintable() or "/" in name or "\\" in name or name.startswith("."):
            raise FontError(f"not a font name: {name[:MAX_FONT_NAME]!r}")
    return names


class FontLibrary:
    """The fonts in `directory`, listed once at start-up; composites are cached (bounded LRU)."""

    def __init__(self, directory: Path, default: str = DEFAULT_FONT, cache_size: int = 256) -> None:
        self._dirs = _font_dirs(directory)
        self.default = default
        self._composite = lru_cache(maxsize=cache_size)(self._build)

    def cache_counts(self) -> tuple[int, int]:
        """(hits, misses) of the composite cache, for /metrics."""
        info = self._composite.cache_info()
        return info.hits, info.misses

    def names(self) -> list[str]:
        """The font names, sorted; each one works alone in a font stack."""
        return sorted(self._dirs)

    def glyphs(self, fontstack: str, start: int, end: int) -> bytes:
        """PBF bytes of the glyphs in [start, end] for a comma-separated font stack."""
        return self.glyph_pbf(fontstack, start, end).data

    def glyph_pbf(self, fontstack: str, start: int, end: int) -> GlyphPBF:
        """Like `glyphs`, with the ETag; FontError for bad input, FontNotFound if nothing to serve."""
        glyph_range = parse_range(f"{start}-{end}")
        return self._composite(self.resolve(fontstack), glyph_range)

    def resolve(self, fontstack: str) -> tuple[str, ...]:
        """The fonts of the stack that we have, in order; the default font if we have none of them."""
        known = tuple(dict.fromkeys(name for name in parse_fontstack(fontstack) if name in self._dirs))
        if known:
            return known
        if self.default in self._dirs:
            return (self.default,)
        raise FontNotFound(f"none of the fonts {fontstack[:200]!r} is served, nor the default {self.default!r}")

    def _build(self, fonts: tuple[str, ...], glyph_range: GlyphRange) -> GlyphPBF:
        files = [(font, data) for font in self._with_default(fonts) if (data := self._read(font, glyph_range))]
        if len(files) == 1:  # only one font has this range: serve its file as built
            return _pbf(files[0][1])
        chosen: dict[int, Glyph] = {}
        for font, data in files:
            for glyph in _decoded(font, glyph_range, data):
                chosen.setdefault(glyph.id, glyph)
        return _pbf(encode(Fontstack(",".join(fonts), glyph_range.name, tuple(chosen.values()))))

    def _with_default(self, fonts: tuple[str, ...]) -> tuple[str, ...]:
        """The stack with the default font last: it fills glyphs the others lack (CJK is in Regular only)."""
        if self.default in fonts or self.default not in self._dirs:
            return fonts
        return (*fonts, self.default)

    def _read(self, font: str, glyph_range: GlyphRange) -> bytes | None:
        # Only names from the directory listing and two integers reach the path.
        path = self._dirs[font] / f"{glyph_range.name}.pbf"
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None


def _decoded(font: str, glyph_range: GlyphRange, data: bytes) -> tuple[Glyph, ...]:
    try:
        return decode(data).glyphs
    except GlyphDecodeError as exc:
        log.warning("skipping malformed glyph file %s/%s.pbf: %s", font, glyph_range.name, exc)
        return ()


def _font_dirs(directory: Path) -> dict[str, Path]:
    if not directory.is_dir():
        return {}
    return {p.name: p for p in sorted(directory.iterdir()) if p.is_dir() and not p.name.startswith(".")}


def _pbf(data: bytes) -> GlyphPBF:
    return GlyphPBF(data, f'"{hashlib.blake2b(data, digest_size=16).hexdigest()}"')


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 5
