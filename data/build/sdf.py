"""Render one font glyph as a MapLibre SDF glyph: a port of fontnik's sdf-glyph-foundry.

FreeType outline at 24 px -> contours flattened to line segments -> for each pixel centre of
the buffered box, the distance to the nearest segment (capped at RADIUS), negative inside
(non-zero winding: variable fonts keep overlapping contours) -> byte 255 - (d * 256/RADIUS + 64),
rounded half up.
Build-only: needs freetype-py and numpy, which the running service never imports.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import freetype
import numpy as np

from service.maps.glyphs_pbf import Glyph

FONT_SIZE = 24
BUFFER = 3
RADIUS = 8
CUTOFF = 0.25
_LOAD_FLAGS = freetype.FT_LOAD_NO_HINTING | freetype.FT_LOAD_NO_BITMAP
_MAX_CELLS = 2_000_000  # pixels x segments per numpy chunk: bounds memory for big CJK glyphs

Point = tuple[float, float]


def open_face(path: str, instance: str | None = None, index: int = 0) -> freetype.Face:
    """A FreeType face at FONT_SIZE px (face `index` of a collection), at a named instance if given."""
    face = freetype.Face(path, index)
    if instance:
        face.set_var_named_instance(instance)
    face.set_char_size(FONT_SIZE * 64)
    return face


def ascender(face: freetype.Face) -> int:
    """The face's ascender in whole pixels; glyph tops are stored relative to it."""
    return face.size.ascender // 64


def render_glyph(face: freetype.Face, code: int, glyph_index: int, ascent: int) -> Glyph:
    """SDF glyph for `code`; `ascent` is the baseline reference (the primary font's ascender)."""
    face.load_glyph(glyph_index, _LOAD_FLAGS)
    advance = int(face.glyph.metrics.horiAdvance / 64)
    rings = outline_rings(face.glyph.outline)
    points = [p for ring in rings for p in ring]
    if not points:
        return Glyph(code, 0, 0, 0, -ascent, advance)
    left = _round(min(x for x, _ in points))
    bottom = _round(min(y for _, y in points))
    width = _round(max(x for x, _ in points)) - left
    height = _round(max(y for _, y in points)) - bottom
    if width <= 0 or height <= 0:
        return Glyph(code, 0, 0, 0, -ascent, advance)
    segments = _segments(rings, BUFFER - left, BUFFER - bottom)
    bitmap = sdf_bitmap(segments, width + 2 * BUFFER, height + 2 * BUFFER)
    return Glyph(code, width, height, left, bottom + height - ascent, advance, bitmap)


def _round(value: float) -> int:
    """Round half away from zero, like C++ std::round in fontnik (Python's round() goes to even)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def outline_rings(outline: freetype.Outline) -> list[list[Point]]:
    """Closed polylines (in pixels) of a FreeType outline, curves flattened."""
    rings: list[list[Point]] = []

    def move_to(a, _ctx):
        rings.append([(a.x / 64, a.y / 64)])

    def line_to(a, _ctx):
        rings[-1].append((a.x / 64, a.y / 64))

    def conic_to(c, a, _ctx):
        p0, p1, p2 = rings[-1][-1], (c.x / 64, c.y / 64), (a.x / 64, a.y / 64)
        rings[-1].extend(_flatten((p0, p1, p2)))

    def cubic_to(c1, c2, a, _ctx):
        p0 = rings[-1][-1]
        rings[-1].extend(_flatten((p0, (c1.x / 64, c1.y / 64), (c2.x / 64, c2.y / 64), (a.x / 64, a.y / 64))))

    outline.decompose(None, move_to=move_to, line_to=line_to, conic_to=conic_to, cubic_to=cubic_to)
    for ring in rings:
        if ring and ring[0] != ring[-1]:
            ring.append(ring[0])
    return [ring for ring in rings if len(ring) > 2]


def _flatten(control: Sequence[Point]) -> list[Point]:
    """Points along a quadratic or cubic Bézier after its start, about one per pixel of hull length."""
    hull = sum(math.dist(a, b) for a, b in zip(control, control[1:]))
    steps = min(16, max(2, math.ceil(hull)))
    out = []
    for i in range(1, steps + 1):
        t = i / steps
        if len(control) == 3:
            (x0, y0), (x1, y1), (x2, y2) = control
            u = 1 - t
            out.append((u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2))
        else:
            (x0, y0), (x1, y1), (x2, y2), (x3, y3) = control
            u = 1 - t
            a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
            out.append((a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def _segments(rings: list[list[Point]], dx: float, dy: float) -> np.ndarray:
    """(N, 4) array of x1, y1, x2, y2 for every edge, shifted into the buffered box."""
    parts = []
    for ring in rings:
        arr = np.asarray(ring, dtype=np.float64) + (dx, dy)
        parts.append(np.hstack([arr[:-1], arr[1:]]))
    return np.vstack(parts)


def sdf_bitmap(segments: np.ndarray, width: int, height: int) -> bytes:
    """Row-major bytes, top row first, of the signed distance field of the polygon `segments`."""
    xs = np.arange(width, dtype=np.float64) + 0.5
    ys = (height - 1 - np.arange(height, dtype=np.float64)) + 0.5  # row 0 is the top
    px, py = (a.ravel() for a in np.meshgrid(xs, ys))
    chunk = max(1, _MAX_CELLS // len(segments))
    values = [_field(px[i:i + chunk], py[i:i + chunk], segments) for i in range(0, len(px), chunk)]
    return np.floor(np.concatenate(values) + 0.5).astype(np.uint8).tobytes()


def _field(px: np.ndarray, py: np.ndarray, seg: np.ndarray) -> np.ndarray:
    x1, y1, x2, y2 = (seg[:, i][None, :] for i in range(4))
    px, py = px[:, None], py[:, None]
    ex, ey = x2 - x1, y2 - y1
    length2 = ex * ex + ey * ey
    t = np.clip(((px - x1) * ex + (py - y1) * ey) / np.where(length2 == 0, 1, length2), 0, 1)
    dist = np.sqrt(((x1 + t * ex - px) ** 2 + (y1 + t * ey - py) ** 2).min(axis=1))
    cross = ex * (py - y1) - (px - x1) * ey
    up = (y1 <= py) & (py < y2) & (cross > 0)
    down = (y2 <= py) & (py < y1) & (cross < 0)
    inside = (up.sum(axis=1) - down.sum(axis=1)) != 0
    signed = np.minimum(dist, RADIUS) * (256 / RADIUS) * np.where(inside, -1, 1) + CUTOFF * 256
    return np.clip(255 - signed, 0, 255)
