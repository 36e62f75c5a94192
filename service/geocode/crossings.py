"""Point-in-polygon inside the crossed sub-cells, from the few boundary edges that meet each one.

A probe in a sub-cell that a boundary crosses (UNKNOWN in subgrid.py) went to GEOS, and in a flow
of lookups that test costs ~100 us: the polygon's edge index has left the caches. Here each crossed
sub-cell keeps the part containing its centre (the scan-line answer subgrid.py computes anyway) and
the boundary edges that meet it, a few cache lines. A part contains a point of the sub-cell if and
only if it contains the centre XOR the segment from the centre to the point crosses an odd number
of the part's edges; the segment stays in the sub-cell, so only its edges can cross it.

The answers are the polygons' own, not approximations: where the point comes within TOL degrees
(~1 mm) of an edge's line, or a vertex within TOL of the segment, or the centre near an edge, or
where parts of one level overlap at the centre, the answer is None and the polygons decide. Beyond
that margin the signs computed here are the true ones (the cross products' rounding is orders of
magnitude smaller), which is what GEOS's exact predicates give.

The count runs in C (_crossings.c, built by pip install; CrossedCells puts it in place of
regions_at() below, which stays its reference and the fallback where it was not built).
"""
from __future__ import annotations

import numpy as np
import shapely

from .regions import Regions

try:
    from ._crossings import Crossings
except ImportError:                # installed without a C compiler: regions_at() below answers the same
    Crossings = None

TOL = 1e-8          # degrees: a point this close to an edge's line (or a vertex to the segment) goes to GEOS
ROUNDING = 1e-13    # per degree of the lengths involved: a bound on the cross products' rounding, with room
# The same margins squared, so the hot loop needs no abs(): a cross product d of an edge (ex, ey) is
# too close to call when d^2 <= LINE_SLACK * (ex^2 + ey^2) + FLOOR (its rounding included; the
# point is within 0.1 degree of the edge, so |x - ax| + |y - ay| <= |ex| + |ey| + 0.1).
LINE_SLACK = 8 * (TOL + 2 * ROUNDING) ** 2
FLOOR = 8 * (1.1 * ROUNDING) ** 2
LENGTH_SLACK = 8 * ROUNDING ** 2
MASK_SPAN = 1 << 16  # per listed cell: first crossed number * MASK_SPAN + the crossed sub-cells' bit mask
OVERLAP = -2        # centre value: parts of the level overlap at the centre, or an edge passes ~through it
EDGES_CHUNK = 100_000     # edges per numpy step: its temporary arrays stay ~100 MB


def centre_x(col, sub: float):
    """Longitude of the centre of sub-cell column `col` (an int or an array); every module computes
    a centre this one way, so the scan lines and the edge counts agree on the very same double."""
    return -180.0 + (col + 0.5) * sub


def centre_y(row, sub: float):
    """Latitude of the centre of sub-cell row `row` (an int or an array), as centre_x()."""
    return -90.0 + (row + 0.5) * sub


class CrossedCells:
    """regions_at(x, y, ...) -> the `level` regions containing a point of a crossed sub-cell, or None."""

    def __init__(self, regions: Regions, listed: np.ndarray, width: int, side: int, sub: float,
                 centres: tuple[np.ndarray, np.ndarray], crossed: tuple[np.ndarray, np.ndarray]) -> None:
        """listed: the grid's listed cells (flat indexes); per level and per sub-cell of those cells
        (cell-major, then row, then column): centres, the part containing the centre (-1: none,
        OVERLAP: parts overlap there), and crossed, whether a boundary of the level may cross it."""
        self._side, self._sub = side, sub
        level_of_part = regions.level[regions.part_region]
        # vertices ordered by (level, part, ring): an edge is (i, i + 1) within one ring
        order = np.lexsort((np.arange(len(regions.parts)), level_of_part))
        rings, ring_part = shapely.get_rings(regions.parts[order], return_index=True)
        xy, ring = shapely.get_coordinates(rings, return_index=True)
        del rings
        vertex_part = order[ring_part[ring]].astype(np.int32)
        edge = np.flatnonzero((ring[1:] == ring[:-1]) & np.any(xy[1:] != xy[:-1], axis=1))   # no zero-length edge
        del ring, ring_part
        any_crossed = crossed[0] | crossed[1]
        flat, level, entries, near = _meetings(xy, edge, level_of_part[vertex_part[edge]], listed, width, side,
                                               sub, crossed)
        del edge
        # crossed sub-cells numbered in sub-cell order; per listed cell: its first number * 2^16 + a bit mask
        per_cell = any_crossed.reshape(-1, side * side)
        count = per_cell.sum(axis=1)
        bits = (per_cell * (1 << np.arange(side * side))).sum(axis=1)
        self._cells = memoryview(((np.cumsum(count) - count) * MASK_SPAN + bits).astype(np.int64))
        crossed_number = np.cumsum(any_crossed, dtype=np.int32) - 1   # sub-cell -> its number among the crossed
        crossed_subs = np.flatnonzero(any_crossed)
        centre = [np.asarray(c[crossed_subs], dtype=np.int64) for c in centres]
        for lev in (0, 1):
            centre[lev][crossed_number[near[lev]]] = OVERLAP       # the centre lies on (or ~on) an edge's line
        # per crossed sub-cell k, one int64: its first entry, its count of level-0 entries and the centre
        # parts of levels 0 and 1 (+ 2), packed; its entries end where k + 1's begin (a last head
        # closes them). One cache line per lookup, half the memory of four int32.
        k = crossed_number[flat]
        first = np.searchsorted(k, np.arange(len(crossed_subs) + 1)).astype(np.int64)
        count = np.searchsorted(k * 2 + level, np.arange(len(crossed_subs)) * 2 + 1) - first[:-1]
        part_bits = (len(regions.parts) + 2).bit_length()
        count_bits = max(1, int(count.max(initial=0)).bit_length())
        if len(entries).bit_length() + count_bits + 2 * part_bits > 63:
            raise ValueError("too many boundary edges or polygon parts to pack the crossed sub-cells")
        head = first << (count_bits + 2 * part_bits)
        head[:-1] |= (count << (2 * part_bits)) | ((centre[0] + 2) << part_bits) | (centre[1] + 2)
        self._head = memoryview(head)
        self._start_shift, self._count_shift, self._part_bits = count_bits + 2 * part_bits, 2 * part_bits, part_bits
        self._count_mask, self._part_mask = (1 << count_bits) - 1, (1 << part_bits) - 1
        self._entries = memoryview(entries.astype(np.int32))   # 2 * edge + (1 if the centre is left of it)
        self._xy = memoryview(np.ascontiguousarray(xy).ravel())     # x, y of vertex v at 2v, 2v + 1
        self._vertex_part = memoryview(vertex_part.astype(np.int16 if len(regions.parts) < 32_000 else np.int32))
        self._region_of = regions.part_region.tolist()
        if Crossings is not None:
            # the compiled loop (_crossings.c) answers for the instance; regions_at() below is its reference
            self.regions_at = Crossings(
                self._cells, self._head, self._entries, self._xy, self._vertex_part,
                np.asarray(regions.part_region, dtype=np.int32), side, sub, self._start_shift, self._count_shift,
                part_bits, MASK_SPAN, LINE_SLACK, FLOOR, LENGTH_SLACK).regions_at

    def regions_at(self, x: float, y: float, number: int, row: int, col: int, level0: bool, level1: bool
                   ) -> list[int] | None:
        """Regions whose parts contain (x, y), of level 0 if level0 and of level 1 if level1, by part;
        None where the polygons must decide.

        (row, col) is the point's sub-cell in the whole-world sub-cell grid, `number` its listed cell."""
        side = self._side
        j = (row % side) * side + col % side
        cell = self._cells[number]
        if not cell >> j & 1:
            return None
        k = cell // MASK_SPAN + (cell & ((1 << j) - 1)).bit_count()
        word, part_bits, part_mask = self._head[k], self._part_bits, self._part_mask
        start = word >> self._start_shift
        split = start + ((word >> self._count_shift) & self._count_mask)
        centre0, centre1 = ((word >> part_bits) & part_mask) - 2, (word & part_mask) - 2
        inside = set()
        if level0:
            if centre0 == OVERLAP:
                return None
            if centre0 >= 0:
                inside.add(centre0)
        if level1:
            if centre1 == OVERLAP:
                return None
            if centre1 >= 0:
                inside.add(centre1)
        sub = self._sub
        cx, cy = centre_x(col, sub), centre_y(row, sub)
        sx, sy = x - cx, y - cy
        near_segment = LINE_SLACK * (sx * sx + sy * sy) + FLOOR
        xy, vertex_part = self._xy, self._vertex_part
        end = self._head[k + 1] >> self._start_shift if level1 else split
        for entry in self._entries[start if level0 else split:end]:
            left = entry & 1
            v = entry - left                                # x of the edge's first vertex
            ax, ay = xy[v], xy[v + 1]
            ex, ey = xy[v + 2] - ax, xy[v + 3] - ay
            length = ex * ex + ey * ey
            d = ex * (y - ay) - ey * (x - ax)               # which side of the edge's line the point is on
            if d * d <= LINE_SLACK * length + FLOOR:
                return None
            if (d > 0) == left:                             # the centre's side: this edge is not crossed
                continue
            d3 = sx * (ay - cy) - sy * (ax - cx)            # which side of the segment each end is on
            d4 = sx * (ay + ey - cy) - sy * (ax + ex - cx)
            slack = near_segment + LENGTH_SLACK * length
            if d3 * d3 <= slack or d4 * d4 <= slack:
                return None
            if (d3 > 0) != (d4 > 0):
                inside ^= {vertex_part[entry >> 1]}
        region_of = self._region_of
        return [region_of[part] for part in sorted(inside)]


def _meetings(xy: np.ndarray, edge: np.ndarray, edge_level: np.ndarray, listed: np.ndarray, width: int, side: int,
              sub: float, crossed: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(listed cell number, sub-cell index, edge) wherever an edge meets a sub-cell crossed at the edge's level.

    Each edge is cut into pieces at most half a sub-cell long; a piece's box (plus a margin) meets at
    most 2 x 2 sub-cells, all kept: a superset of the sub-cells the edge meets, which is all it needs."""
    number = np.full(int(listed[-1]) + 1 if len(listed) else 0, -1, dtype=np.int32)
    number[listed] = np.arange(len(listed), dtype=np.int32)
    crossed_either = np.stack(crossed, axis=1)            # (sub-cell, level)
    margin = 1e-7
    x, y = xy[:, 0], xy[:, 1]
    found, near = [np.empty(0, np.int64)], [(np.empty(0, np.int64), np.empty(0, np.int64))]
    for first in range(0, len(edge), EDGES_CHUNK):
        e = edge[first:first + EDGES_CHUNK]
        ax, ay, bx, by = x[e], y[e], x[e + 1], y[e + 1]
        n = np.maximum(1, np.ceil(np.maximum(np.abs(bx - ax), np.abs(by - ay)) / (sub / 2))).astype(np.int64)
        which = np.repeat(np.arange(len(e)), n)
        t = (np.arange(len(which)) - np.repeat(np.cumsum(n) - n, n)) / n[which]
        step = 1.0 / n[which]
        dx, dy = (bx - ax)[which], (by - ay)[which]
        x0, x1 = ax[which] + dx * t, ax[which] + dx * (t + step)
        y0, y1 = ay[which] + dy * t, ay[which] + dy * (t + step)
        col0 = np.floor((np.minimum(x0, x1) - margin + 180.0) / sub).astype(np.int64)
        col1 = np.floor((np.maximum(x0, x1) + margin + 180.0) / sub).astype(np.int64)
        row0 = np.floor((np.minimum(y0, y1) - margin + 90.0) / sub).astype(np.int64)
        row1 = np.floor((np.maximum(y0, y1) + margin + 90.0) / sub).astype(np.int64)
        wide, tall = col1 > col0, row1 > row0
        both = wide & tall
        col = np.concatenate([col0, col1[wide], col0[tall], col1[both]])
        row = np.concatenate([row0, row0[wide], row1[tall], row1[both]])
        which = np.concatenate([which, which[wide], which[tall], which[both]])
        cell = (row // side) * width + col // side
        ok = (col >= 0) & (col < width * side) & (row >= 0) & (cell < len(number))
        k = np.full(len(cell), -1, dtype=np.int64)
        k[ok] = number[cell[ok]]
        del cell, ok, col0, col1, row0, row1, x0, x1, y0, y1, dx, dy, t, step
        keep = np.flatnonzero(k >= 0)
        flat = k[keep] * side * side + (row[keep] % side) * side + col[keep] % side
        which = which[keep]
        level = edge_level[first:first + EDGES_CHUNK][which]
        hit = crossed_either[flat, level]
        flat, level, e_hit = flat[hit], level[hit], e[which[hit]]
        left, close = _centre_side(x, y, e_hit, flat, listed, width, side, sub)
        key = np.sort(((flat * 2 + level) * len(xy) + e_hit) * 2 + left)
        found.append(key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key)
        near.append((flat[close], level[close]))
    key = np.sort(np.concatenate(found))       # each edge is in one chunk: no key repeats across chunks
    flat_level, entry = key // (2 * len(xy)), key % (2 * len(xy))
    near_flat, near_level = (np.concatenate(column) for column in zip(*near))
    return flat_level // 2, flat_level % 2, entry, (near_flat[near_level == 0], near_flat[near_level == 1])


def _centre_side(x: np.ndarray, y: np.ndarray, edge: np.ndarray, flat: np.ndarray, listed: np.ndarray, width: int,
                 side: int, sub: float) -> tuple[np.ndarray, np.ndarray]:
    """Per (edge, sub-cell): 1 where the sub-cell's centre is left of the edge's line, and whether it
    is too close to tell. The centre is computed as regions_at and subgrid.py's scan lines compute it."""
    cell, index = listed[flat // (side * side)], flat % (side * side)
    cx = centre_x((cell % width) * side + index % side, sub)
    cy = centre_y((cell // width) * side + index // side, sub)
    ax, ay, bx, by = x[edge], y[edge], x[edge + 1], y[edge + 1]
    ex, ey = bx - ax, by - ay
    d = ex * (cy - ay) - ey * (cx - ax)
    return (d > 0).astype(np.int64), d * d <= LINE_SLACK * (ex * ex + ey * ey) + FLOOR
