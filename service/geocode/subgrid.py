"""Exact polygon answers on sub-cells of the region grid's boundary cells, so probes skip most polygon tests.

The region grid answers whole 0.1-degree cells far from borders and coasts; a point in one of its
listed cells (near a boundary) still tests its probes against the polygons, and a sea point tests
up to 40 snapping probes. Those tests dominate the slowest lookups. Here every listed cell is cut
into SIDE x SIDE sub-cells and each sub-cell that no boundary crosses keeps the country and admin-1
region containing it: a probe landing there needs no polygon test. A probe in a sub-cell a
boundary crosses (UNKNOWN) counts the crossings of that sub-cell's few edges (crossings.py); only
where that cannot decide does it go to the polygons. The answers are the exact ones.

Built without a polygon test: boundaries are densified to points at most half a sub-cell apart,
and every sub-cell within reach of one is UNKNOWN; the others take the region whose scan-line
span (even-odd rule, per part, along the sub-cell row's centre line) covers their centre. Where
two parts of one level overlap, their sub-cells are UNKNOWN too. ~6.5 s of numpy with the crossed
sub-cells' edges, in the engine's warm-up thread; ~75 MB, most of it those edges. (A second level,
4 x 4 fine cells in each crossed sub-cell, cut the UNKNOWN share from ~10 % to ~3.5 % and p99 by
~10 %, but took ~20 s to build and ~35 MB: not worth it.)
"""
from __future__ import annotations

import math

import numpy as np
import shapely

from .crossings import OVERLAP, CrossedCells, centre_x, centre_y
from .grid import CELL, MIXED, RegionGrid
from .regions import KM_PER_DEGREE, Containment, Hits, Regions, fold, offset_points, probe_steps

SIDE = 4                   # sub-cells per listed cell side
SUB = CELL / SIDE          # degrees
NONE = -1                  # region value: no polygon of that level contains the sub-cell
UNKNOWN = -2               # region value: a boundary crosses the sub-cell, ask the polygons
MARGIN = 1e-7              # degrees added around boundary points: rounding never hides a crossing
FOUND_CACHE = 100_000     # distinct probe patterns remembered (a few thousand occur)
POINTS_CHUNK = 1_000_000   # boundary points per numpy step
ROW_KEY = 400.0            # sort key = sub-cell row * ROW_KEY + (x + 180): rows never interleave


class SubGrid:
    """at(lng, lat) -> (country region, admin-1 region) at a point, each a region index, NONE or UNKNOWN."""

    def __init__(self, regions: Regions, grid: RegionGrid) -> None:
        self._regions = regions
        self._grid = grid
        self._width = grid.width
        self._slots = grid.cell_slots()
        listed = grid.listed_cells()
        centres, crossed = zip(*(_sub_parts(regions, level, listed, grid.width) for level in (0, 1)))
        self.crossed = CrossedCells(regions, listed, grid.width, SIDE, SUB, centres, crossed)
        level0, level1 = (_answers(regions, c, x) for c, x in zip(centres, crossed))
        del centres, crossed
        codes, pairs = _pair_codes(level0, level1, len(regions) + 2)
        del level0, level1
        codes = codes.reshape(-1, SIDE * SIDE)
        uniform = (codes == codes[:, :1]).all(axis=1)
        # per listed cell: a pair code (>= 0) when all its sub-cells agree, else -1 - its block number
        cell_code = np.where(uniform, codes[:, 0], -np.cumsum(~uniform)).astype(np.int32)
        code_type = np.uint16 if len(pairs) < 65536 else np.int32
        self._blocks = memoryview(np.ascontiguousarray(codes[~uniform].ravel(), dtype=code_type))
        self._cell_code = memoryview(cell_code)
        self._pairs = pairs
        # the grid's own answers (slot 0, the open sea, is the empty Containment): (NONE, NONE) there
        self._slot_pairs = [(NONE if a.country_at is None else a.country_at,
                             NONE if a.admin1_at is None else a.admin1_at) for a in grid.answers]
        self._slot_country = [country for country, _ in self._slot_pairs]
        self._pair_country = [country for country, _ in self._pairs]
        # the same as arrays, for hits()
        self._slots_array, self._cell_code_array = grid.slots_array(), cell_code
        self._blocks_array = np.asarray(self._blocks)
        self._slot_pair_array = np.array(self._slot_pairs, dtype=np.int64).reshape(-1, 2)
        self._pair_array = np.array(self._pairs, dtype=np.int64).reshape(-1, 2)
        self._found: dict[tuple[tuple[int, int], ...], Containment] = {}   # by the probes' known pairs

    def at(self, lng: float, lat: float) -> tuple[int, int]:
        """(country region, admin-1 region) containing the point, each NONE or UNKNOWN where not known here."""
        if not (-180.0 <= lng < 180.0 and -90.0 <= lat < 90.0):
            return UNKNOWN, UNKNOWN
        row, col = int((lat + 90.0) / SUB), int((lng + 180.0) / SUB)
        slot = self._slots[(row // SIDE) * self._width + col // SIDE]
        if slot >= 0:
            return self._slot_pairs[slot]
        if slot == MIXED:
            return UNKNOWN, UNKNOWN
        code = self._cell_code[MIXED - 1 - slot]
        if code < 0:
            code = self._blocks[(-1 - code) * SIDE * SIDE + (row % SIDE) * SIDE + col % SIDE]
        return self._pairs[code]

    def at_many(self, lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """at() for arrays: (n, 2) country and admin-1 regions, NONE or UNKNOWN."""
        answer = np.full((len(lng), 2), UNKNOWN, dtype=np.int64)
        inside = np.flatnonzero((lng >= -180.0) & (lng < 180.0) & (lat >= -90.0) & (lat < 90.0))
        row = ((lat[inside] + 90.0) / SUB).astype(np.int64)          # truncation, like int() in at()
        col = ((lng[inside] + 180.0) / SUB).astype(np.int64)
        slot = self._slots_array[(row // SIDE) * self._width + col // SIDE]
        clear = slot >= 0
        answer[inside[clear]] = self._slot_pair_array[slot[clear]]
        listed = np.flatnonzero(slot < MIXED)
        code = self._cell_code_array[MIXED - 1 - slot[listed]].astype(np.int64)
        block = code < 0
        code[block] = self._blocks_array[(-1 - code[block]) * SIDE * SIDE
                                         + (row[listed][block] % SIDE) * SIDE + col[listed][block] % SIDE]
        answer[inside[listed]] = self._pair_array[code]
        return answer

    def hits(self, lng: np.ndarray, lat: np.ndarray, offsets_km: np.ndarray, level: int | None = None) -> Hits:
        """Regions.hits() with the sub-cells' answers: polygon tests only for probes in UNKNOWN sub-cells."""
        m = len(offsets_km)
        plng, plat = offset_points(lng, lat, offsets_km)
        answer = self.at_many(plng, plat)
        levels = (0, 1) if level is None else (level,)
        unknown = np.zeros(len(plng), dtype=bool)
        for lev in levels:
            unknown |= answer[:, lev] == UNKNOWN
        probe, region = [], []
        for lev in levels:
            known = np.flatnonzero(~unknown & (answer[:, lev] >= 0))
            probe.append(known)
            region.append(answer[known, lev])
        tested = np.flatnonzero(unknown)
        index, found = self._regions.point_hits(plng[tested], plat[tested], level)
        probe.append(tested[index])
        region.append(found)
        probe, region = np.concatenate(probe), np.concatenate(region)
        order = np.argsort(probe, kind="stable")       # a tested probe's hits keep their part order
        probe, region = probe[order], region[order]
        return Hits(probe // m, probe % m, region)

    def locate(self, lng: float, lat: float, offsets_km: np.ndarray, slot: int) -> Containment:
        """Regions.locate() for a point of the listed cell `slot`: polygon tests (among the cell's
        nearby parts) only for the probes in UNKNOWN sub-cells."""
        regions = self._regions
        cos_lat = max(math.cos(math.radians(lat)), 0.01)
        steps, _ = probe_steps(offsets_km)
        scale = KM_PER_DEGREE * cos_lat
        xs = [lng + east / scale for east, _ in steps]
        ys = [min(max(lat + north / KM_PER_DEGREE, -90.0), 90.0) for _, north in steps]
        if min(xs) < -180.0 or max(xs) >= 180.0:                 # the probes wrap around +-180
            return regions.locate(lng, lat, offsets_km, self._grid.parts_near(slot))
        # at() for each probe, inlined (x is in range here, y clamped): 9 calls were ~10 % of a lookup
        slots, width, cell_code, blocks = self._slots, self._width, self._cell_code, self._blocks
        slot_pairs, pair_of = self._slot_pairs, self._pairs
        pairs = []
        for x, y in zip(xs, ys):
            if y >= 90.0:
                pairs.append((UNKNOWN, UNKNOWN))
                continue
            row, col = int((y + 90.0) / SUB), int((x + 180.0) / SUB)
            probe_slot = slots[(row // SIDE) * width + col // SIDE]
            if probe_slot >= 0:
                pairs.append(slot_pairs[probe_slot])
            elif probe_slot == MIXED:
                pairs.append((UNKNOWN, UNKNOWN))
            else:
                code = cell_code[MIXED - 1 - probe_slot]
                if code < 0:
                    code = blocks[(-1 - code) * SIDE * SIDE + (row % SIDE) * SIDE + col % SIDE]
                pairs.append(pair_of[code])
        key = tuple(pairs)
        found = self._found.get(key)
        if found is not None:
            return found
        probes, hit_regions, unknown = [], [], []
        for probe, (country, admin1) in enumerate(pairs):
            if country == UNKNOWN or admin1 == UNKNOWN:
                unknown.append(probe)
                continue
            if country >= 0:
                probes.append(probe)
                hit_regions.append(country)
            if admin1 >= 0:
                probes.append(probe)
                hit_regions.append(admin1)
        if not unknown:
            found = fold(regions, probes, hit_regions)
            if len(self._found) < FOUND_CACHE:
                self._found[key] = found
            return found
        unknown = [probe for probe in unknown if not self._crossed_hits(xs[probe], ys[probe], pairs[probe],
                                                                        probe, probes, hit_regions)]
        if not unknown:
            return fold(regions, probes, hit_regions)
        # fold() wants each probe's hits in part order, not the probes in order
        more_probes, more_regions = regions.hits_at(unknown, [xs[p] for p in unknown], [ys[p] for p in unknown],
                                                    self._grid.parts_near(slot))
        return fold(regions, probes + more_probes, hit_regions + more_regions)

    def snap(self, lng: float, lat: float, offsets_km: np.ndarray, per_ring: int) -> int | None:
        """Regions.snap(): the first probe (ring by ring) in a country, with polygon tests only in UNKNOWN sub-cells."""
        regions = self._regions
        cos_lat = max(math.cos(math.radians(lat)), 0.01)
        steps, reach = probe_steps(offsets_km)
        if abs(lng) + reach / (KM_PER_DEGREE * cos_lat) >= 180.0 or abs(lat) + reach / KM_PER_DEGREE >= 90.0:
            return regions.snap(lng, lat, offsets_km, per_ring)
        # at()'s lookup, inlined: a far-offshore point takes all 40 probes
        slots, width, cell_code, blocks = self._slots, self._width, self._cell_code, self._blocks
        slot_country, pair_country = self._slot_country, self._pair_country
        scale = KM_PER_DEGREE * cos_lat
        for east, north in steps:              # rings in order, probes in order: the first hit is the answer
            x, y = lng + east / scale, lat + north / KM_PER_DEGREE
            row, col = int((y + 90.0) / SUB), int((x + 180.0) / SUB)
            slot = slots[(row // SIDE) * width + col // SIDE]
            if slot >= 0:
                country = slot_country[slot]
            elif slot == MIXED:
                country = UNKNOWN
            else:
                code = cell_code[MIXED - 1 - slot]
                if code < 0:
                    code = blocks[(-1 - code) * SIDE * SIDE + (row % SIDE) * SIDE + col % SIDE]
                country = pair_country[code]
            if country >= 0:
                return country
            if country == UNKNOWN:
                found = self.crossed.regions_at(x, y, MIXED - 1 - slot, row, col, True, False) if slot < MIXED else None
                if found is None:
                    country = regions.country_at(x, y, self._grid.parts_near(slot) if slot < MIXED else None)
                    if country is not None:
                        return country
                elif found:
                    return found[0]
        return None

    def _crossed_hits(self, x: float, y: float, pair: tuple[int, int], probe: int,
                      probes: list[int], hit_regions: list[int]) -> bool:
        """Add a probe's regions from the sub-cells' answer and the crossed sub-cell's edges; False
        (nothing added) where the polygons must decide."""
        if not (-180.0 <= x < 180.0 and -90.0 <= y < 90.0):
            return False
        row, col = int((y + 90.0) / SUB), int((x + 180.0) / SUB)
        slot = self._slots[(row // SIDE) * self._width + col // SIDE]
        if slot >= MIXED:
            return False
        country, admin1 = pair
        found = self.crossed.regions_at(x, y, MIXED - 1 - slot, row, col, country == UNKNOWN, admin1 == UNKNOWN)
        if found is None:
            return False
        if country >= 0:
            found.append(country)
        if admin1 >= 0:
            found.append(admin1)
        probes += [probe] * len(found)
        hit_regions += found
        return True


def _pair_codes(level0: np.ndarray, level1: np.ndarray, base: int) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Small codes for the (level0, level1) pairs that occur, and the pair of each code.

    Each level's values (>= UNKNOWN) are numbered first by a count table, so the pairs' table
    stays as small as the number of countries times the number of admin-1 regions."""
    numbers = []
    for values in (level0, level1):                 # int32 temporaries: these arrays have ~10M items
        shifted = values.astype(np.int32) - UNKNOWN
        present = np.flatnonzero(np.bincount(shifted, minlength=base))
        number = np.zeros(base, np.int32)
        number[present] = np.arange(len(present))
        numbers.append((number[shifted], present + UNKNOWN))
        del shifted
    (n0, values0), (n1, values1) = numbers
    wide = np.int32 if len(values0) * len(values1) < 2 ** 31 else np.int64
    key = n0.astype(wide) * len(values1) + n1
    del n0, n1, numbers
    used = np.flatnonzero(np.bincount(key, minlength=len(values0) * len(values1)))
    code = np.zeros(len(values0) * len(values1), np.int32)
    code[used] = np.arange(len(used))
    pairs = [(int(values0[k // len(values1)]), int(values1[k % len(values1)])) for k in used.tolist()]
    return code[key], pairs


def _answers(regions: Regions, centre: np.ndarray, crossed: np.ndarray) -> np.ndarray:
    """Per sub-cell: the region of the part containing its centre, NONE, or UNKNOWN where crossed or overlapped."""
    answers = np.full(len(centre), NONE, dtype=np.int16 if len(regions) < 30_000 else np.int32)
    inside = centre >= 0
    answers[inside] = regions.part_region[centre[inside]]
    answers[(centre == OVERLAP) | crossed] = UNKNOWN
    return answers


def _sub_parts(regions: Regions, level: int, listed: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per sub-cell of every listed cell (cell-major, then row, then column): the `level` part containing
    its centre (NONE; OVERLAP where parts overlap), and whether a boundary of that level may cross it."""
    centre = np.full(len(listed) * SIDE * SIDE, NONE, dtype=np.int16 if len(regions.parts) < 32_000 else np.int32)
    crossed = np.zeros(len(listed) * SIDE * SIDE, dtype=bool)
    parts = np.flatnonzero(regions.level[regions.part_region] == level)
    if len(listed) == 0 or len(parts) == 0:
        return centre, crossed
    rings = shapely.get_rings(regions.parts[parts])
    start, end, part = _spans(regions, parts)
    covered = np.maximum.accumulate(end) if len(end) else end     # the farthest end of any span so far
    crow, ccol = listed // width, listed % width
    for sub_row in range(SIDE):
        # queries in ascending key order (cells row-major, columns left to right): searchsorted runs warm
        row = np.repeat(crow * SIDE + sub_row, SIDE)
        x = centre_x(ccol[:, None] * SIDE + np.arange(SIDE), SUB).ravel()
        key = row * ROW_KEY + (x + 180.0)
        i = np.searchsorted(start, key, side="right") - 1
        j = np.maximum(i, 0)
        inside = (i >= 0) & (end[j] > key)
        overlap = (i >= 1) & (covered[np.maximum(i - 1, 0)] > key)     # an earlier span covers it too
        index = (np.arange(len(listed))[:, None] * SIDE * SIDE + sub_row * SIDE + np.arange(SIDE)).ravel()
        centre[index[inside]] = part[j[inside]]
        centre[index[overlap]] = OVERLAP
    number = np.full(int(listed[-1]) + 1, -1, dtype=np.int32)      # cell -> its list number
    number[listed] = np.arange(len(listed), dtype=np.int32)
    for first in range(0, len(rings), 2000):
        points = shapely.get_coordinates(shapely.segmentize(rings[first:first + 2000], SUB / 2))
        for chunk in range(0, len(points), POINTS_CHUNK):
            _mark_crossed(crossed, points[chunk:chunk + POINTS_CHUNK], number, width)
    return centre, crossed


def _spans(regions: Regions, parts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each part covers each sub-cell row's centre line: (start key, end key, part), by start key.

    Keys are row * ROW_KEY + (x + 180); each part's crossings of a line pair up into inside spans."""
    rings, ring_part = shapely.get_rings(regions.parts[parts], return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    line = np.ceil((xy[:, 1] + 90.0) / SUB - 0.5).astype(np.int64)     # first centre line at or above y
    n = np.where(ring[1:] == ring[:-1], np.abs(np.diff(line)), 0)
    edge = np.flatnonzero(n)
    n = n[edge]
    edges = np.repeat(edge, n)
    row = np.repeat(np.minimum(line[edge], line[edge + 1]), n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    x1, y1, x2, y2 = xy[edges, 0], xy[edges, 1], xy[edges + 1, 0], xy[edges + 1, 1]
    x = x1 + (centre_y(row, SUB) - y1) * (x2 - x1) / (y2 - y1)
    part = parts[ring_part[ring[edges]]]
    order = np.lexsort((x, row, part))
    x, row, part = x[order], row[order], part[order]
    start, end = row[0::2] * ROW_KEY + (x[0::2] + 180.0), row[0::2] * ROW_KEY + (x[1::2] + 180.0)
    order = np.argsort(start, kind="stable")
    return start[order], end[order], part[0::2][order]


def _mark_crossed(crossed: np.ndarray, points: np.ndarray, number: np.ndarray, width: int) -> None:
    """True for every sub-cell of a listed cell (number[cell] >= 0) within SUB/4 (+ MARGIN) of a boundary point.

    Points are at most SUB/2 apart along each ring, so every sub-cell a boundary crosses holds a
    point within that reach."""
    reach = SUB / 4 + MARGIN
    for dx in (-reach, reach):
        for dy in (-reach, reach):
            col = np.floor((points[:, 0] + dx + 180.0) / SUB).astype(np.int64)
            row = np.floor((points[:, 1] + dy + 90.0) / SUB).astype(np.int64)
            cell = (row // SIDE) * width + col // SIDE
            ok = (col >= 0) & (col < width * SIDE) & (row >= 0) & (cell < len(number))
            k = number[cell[ok]]
            hit = k >= 0
            crossed[k[hit] * SIDE * SIDE + ((row[ok] % SIDE) * SIDE + col[ok] % SIDE)[hit]] = True
