"""A precomputed answer per 0.1-degree cell, so most points skip the polygon tests.

Most of the world is far from any border or coast. A cell that no polygon boundary comes near
(within the probe distance of the border rule) gives every point in it the same Containment:
the polygons containing the cell's centre, robustly. Likewise a cell of open sea with no polygon
within `sea_km` has nothing to snap to. Only the cells along boundaries and coasts keep the exact
polygon tests of regions.py. The answers are the exact ones, not an approximation.

The remaining cells keep a short list of the polygon parts that come near them (within the probe
distance), so their points skip the spatial-index query too: a slot below MIXED names that list.
subgrid.py cuts those listed cells finer still.

Built from the polygons by scan-line filling (even-odd rule, at cell centres) and by marking the
cells near points along every boundary; ~2-3 s of numpy and shapely work, so the engine builds it
in a background thread and uses the polygons alone until it is ready.
"""
from __future__ import annotations

import math

import numpy as np
import shapely

from .regions import KM_PER_DEGREE, Containment, Regions

CELL = 0.1                 # degrees; 3600 x 1800 cells
STEP = CELL / 2            # boundaries are densified to points at most this far apart
MAX_LAT = 89.0             # beyond this, the probes span most of a circle of latitude: always exact
MIXED = -1                 # slot value: ask the polygons (a slot below it: among parts_near(slot))
OPEN_SEA = 0               # slot value: no polygon contains or comes near the point
CHUNK = 250_000            # boundary points marked per numpy step
BOX_CHUNK = 20_000         # cells per query for their nearby parts


class RegionGrid:
    """slot(lng, lat) -> an index into `answers` (a Containment; OPEN_SEA is the empty one) or, below
    zero, a cell for the polygon tests: MIXED, or a cell with a list of nearby parts (parts_near)."""

    def __init__(self, regions: Regions, border_km: float, sea_km: float, list_km: float = 0.0) -> None:
        """list_km: the listed parts cover probes up to max(border_km, list_km) from a cell's points."""
        self.width, self.height = round(360 / CELL), round(180 / CELL)
        points = _boundary_points(regions)
        count, region = {}, {}
        for level in (0, 1):
            count[level], region[level] = _fill(regions, level, self.height, self.width)
        land = ~_near_boundary(points, border_km, self.height, self.width) & (count[0] == 1) & (count[1] <= 1)
        sea = ~_dilate(_near_boundary(points, 0.0, self.height, self.width), sea_km) & (count[0] == 0) & (count[1] == 0)
        land[np.abs(_row_lat(self.height)) > MAX_LAT] = False
        sea[np.abs(_row_lat(self.height)) > MAX_LAT] = False
        cells = np.flatnonzero(land)
        base = len(regions) + 1
        admin1 = np.where(count[1].ravel()[cells] == 1, region[1].ravel()[cells], -1)
        pairs, slot = np.unique(region[0].ravel()[cells].astype(np.int64) * base + admin1 + 1, return_inverse=True)
        slots = np.full(self.height * self.width, MIXED, dtype=np.int32)
        slots[sea.ravel()] = OPEN_SEA
        slots[cells] = slot.ravel() + 1
        listed, self._nearby_start, self._nearby_parts = _nearby_parts(regions, slots, self.width,
                                                                         max(border_km, list_km))
        slots[listed] = MIXED - 1 - np.arange(len(listed), dtype=np.int32)
        self._nearby_start_flat = memoryview(self._nearby_start)    # plain ints for the single-lookup path
        self._nearby_parts_flat = memoryview(self._nearby_parts)
        self._slots = slots
        self._flat = memoryview(slots)               # plain ints for the single-lookup path
        self.answers = [Containment()] + [_answer(regions, k, base) for k in pairs.tolist()]

    def slot(self, lng: float, lat: float) -> int:
        row = min(int((lat + 90.0) / CELL), self.height - 1)
        col = min(int((lng + 180.0) / CELL), self.width - 1)
        return self._flat[row * self.width + col]

    def slots(self, lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
        row = np.clip(((lat + 90.0) / CELL).astype(np.int64), 0, self.height - 1)
        col = np.clip(((lng + 180.0) / CELL).astype(np.int64), 0, self.width - 1)
        return self._slots[row * self.width + col]

    def listed_cells(self) -> np.ndarray:
        """Flat indexes (row * width + column) of the cells with a parts list, in list order."""
        return np.flatnonzero(self._slots < MIXED)

    def slots_array(self) -> np.ndarray:
        """Every cell's slot, row by row (read only)."""
        return self._slots

    def cell_slots(self) -> memoryview:
        """Every cell's slot as plain ints, row by row: cell_slots()[row * width + column]."""
        return self._flat

    def parts_near(self, slot: int) -> list[int]:
        """Polygon parts (indexes into Regions.parts) that may contain a probe of a point in a listed cell."""
        k = MIXED - 1 - slot
        start = self._nearby_start_flat
        return self._nearby_parts_flat[start[k]:start[k + 1]].tolist()

    def parts_near_many(self, slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For listed-cell slots: (owner, part) pairs, every nearby part of every slot's cell."""
        k = MIXED - 1 - slots
        start, stop = self._nearby_start[k], self._nearby_start[k + 1]
        count = stop - start
        owner = np.repeat(np.arange(len(slots)), count)
        index = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + np.repeat(start, count)
        return owner, self._nearby_parts[index]


def _answer(regions: Regions, key: int, base: int) -> Containment:
    country, admin1 = divmod(key, base)
    admin1 -= 1
    return Containment(country, frozenset([regions.country_code[country]]),
                       admin1 if admin1 >= 0 else None, frozenset([admin1]) if admin1 >= 0 else frozenset())


def _nearby_parts(regions: Regions, slots: np.ndarray, width: int,
                  border_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which MIXED cells get a list, and the lists as CSR (start, parts): the parts whose box comes
    within border_km (the probe distance) of the cell, a superset of what a point's probes can hit."""
    cells = np.flatnonzero(slots == MIXED)
    row, col = cells // width, cells % width
    lat0 = -90.0 + row * CELL
    lng0 = -180.0 + col * CELL
    margin_lat = border_km / KM_PER_DEGREE + 1e-6
    poleward = np.minimum(np.maximum(np.abs(lat0), np.abs(lat0 + CELL)) + margin_lat, 90.0)
    margin_lng = np.minimum(border_km / (KM_PER_DEGREE * np.maximum(np.cos(np.radians(poleward)), 0.01)) + 1e-6, 180.0)
    # near the poles and where probes wrap across +-180 the cells stay MIXED (the index query decides)
    keep = (np.abs(_row_lat(len(slots) // width))[row] <= MAX_LAT) & (lng0 - margin_lng > -180.0) \
        & (lng0 + CELL + margin_lng < 180.0)
    cells, lat0, lng0, margin_lng = cells[keep], lat0[keep], lng0[keep], margin_lng[keep]
    owners, parts = [np.empty(0, np.int32)], [np.empty(0, np.int32)]
    for first in range(0, len(cells), BOX_CHUNK):      # shapely boxes cost ~300 bytes each while they live
        pick = slice(first, first + BOX_CHUNK)
        owner, part = regions.parts_in_boxes(lng0[pick] - margin_lng[pick], lat0[pick] - margin_lat,
                                             lng0[pick] + CELL + margin_lng[pick], lat0[pick] + CELL + margin_lat)
        order = np.lexsort((part, owner))
        owners.append(owner[order].astype(np.int32) + first)
        parts.append(part[order].astype(np.int32))
    owner, part = np.concatenate(owners), np.concatenate(parts)
    start = np.searchsorted(owner, np.arange(len(cells) + 1)).astype(np.int32)
    return cells, start, part


def _row_lat(height: int) -> np.ndarray:
    return -90.0 + (np.arange(height) + 0.5) * CELL


def _boundary_points(regions: Regions) -> np.ndarray:
    """(n, 2) lng/lat points along every ring, no two neighbours more than STEP apart."""
    return shapely.get_coordinates(shapely.segmentize(shapely.get_rings(regions.parts), STEP))


def _near_boundary(points: np.ndarray, km: float, height: int, width: int) -> np.ndarray:
    """Cells coming within `km` (+ STEP/2) of a boundary point, hence within `km` of every boundary.

    Each boundary point marks the cells its box of half-size km + STEP/2 (in degrees, wider in
    longitude towards the poles) overlaps: every boundary point lies within STEP/2 of one of them.
    Points go in chunks to keep the temporary arrays (and the process's memory) small.
    """
    cells = np.zeros((height, width), dtype=bool)
    for start in range(0, len(points), CHUNK):
        _mark_near(cells, points[start:start + CHUNK], km)
    return cells


def _mark_near(cells: np.ndarray, points: np.ndarray, km: float) -> None:
    height, width = cells.shape
    lng, lat = points[:, 0], points[:, 1]
    reach_lat = km / KM_PER_DEGREE + STEP / 2
    reach_lng = km / (KM_PER_DEGREE * np.maximum(np.cos(np.radians(np.minimum(np.abs(lat) + reach_lat, MAX_LAT + 1))),
                                                 0.01)) + STEP / 2
    row0, row1 = _cell_index(lat - reach_lat, 90.0, height), _cell_index(lat + reach_lat, 90.0, height)
    col0, col1 = np.floor((lng - reach_lng + 180.0) / CELL).astype(np.int32), \
        np.floor((lng + reach_lng + 180.0) / CELL).astype(np.int32)
    for dr in range(int((row1 - row0).max(initial=0)) + 1):
        for dc in range(int((col1 - col0).max(initial=0)) + 1):
            pick = (row0 + dr <= row1) & (col0 + dc <= col1)
            cells[row0[pick] + dr, (col0[pick] + dc) % width] = True        # wraps across +-180


def _dilate(cells: np.ndarray, km: float) -> np.ndarray:
    """Cells within `km` of a marked cell (more cells in longitude towards the poles)."""
    height = cells.shape[0]
    steps_lat = math.ceil(km / KM_PER_DEGREE / CELL)
    widest = np.minimum(np.abs(_row_lat(height)) + CELL / 2 + km / KM_PER_DEGREE, MAX_LAT + 1)
    steps_lng = np.ceil(km / (KM_PER_DEGREE * np.maximum(np.cos(np.radians(widest)), 0.01) * CELL)).astype(np.int64)
    tall = cells.copy()
    for s in range(1, steps_lat + 1):
        tall[s:] |= cells[:-s]
        tall[:-s] |= cells[s:]
    wide = tall.copy()
    for s in range(1, int(steps_lng.max()) + 1):
        rows = steps_lng >= s
        wide[rows] |= np.roll(tall[rows], s, axis=1) | np.roll(tall[rows], -s, axis=1)
    return wide


def _cell_index(value: np.ndarray, offset: float, size: int) -> np.ndarray:
    return np.clip(np.floor((value + offset) / CELL).astype(np.int32), 0, size - 1)


def _fill(regions: Regions, level: int, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per cell: how many parts of `level` contain its centre and, where exactly one does, its region."""
    x, y, part = _crossings(regions, level, height)
    if len(x) == 0:
        return np.zeros((height, width), np.int32), np.zeros((height, width), np.int32)
    order = np.lexsort((x, y, part))
    x, y, part = x[order], y[order], part[order]
    # even-odd rule: crossings of one part on one row pair up into [enter, leave) spans
    first = np.clip(np.ceil((x[0::2] + 180.0) / CELL - 0.5).astype(np.int64), 0, width)
    last = np.clip(np.ceil((x[1::2] + 180.0) / CELL - 0.5).astype(np.int64), 0, width)
    start, stop = y[0::2] * width + first, y[0::2] * width + last
    count = _spans_sum(start, stop, np.ones(len(start), np.int32), height * width)
    total = _spans_sum(start, stop, regions.part_region[part[0::2]].astype(np.int32) + 1, height * width)
    return count.reshape(height, width), (total - 1).reshape(height, width)


def _spans_sum(start: np.ndarray, stop: np.ndarray, weight: np.ndarray, size: int) -> np.ndarray:
    """Per cell of a flat grid, the sum of the weights of the [start, stop) spans covering it."""
    diff = np.zeros(size + 1, dtype=np.int32)
    np.add.at(diff, start, weight)
    np.add.at(diff, stop, -weight)
    return np.cumsum(diff, out=diff)[:-1]


def _crossings(regions: Regions, level: int, height: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, row, part) where an edge of a `level` part crosses a row's centre line (half-open in y)."""
    parts = np.flatnonzero(regions.level[regions.part_region] == level)
    rings, ring_part = shapely.get_rings(regions.parts[parts], return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    # rows are numbered by the first centre line at or above a y; an edge crosses the lines in between
    line = np.ceil((xy[:, 1] + 90.0) / CELL - 0.5).astype(np.int32)
    n = np.where(ring[1:] == ring[:-1], np.abs(np.diff(line)), 0)
    edge = np.flatnonzero(n)
    n = n[edge]
    edges = np.repeat(edge, n)
    first = np.minimum(line[edge], line[edge + 1])
    row = np.repeat(first, n) + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    x1, y1, x2, y2 = xy[edges, 0], xy[edges, 1], xy[edges + 1, 0], xy[edges + 1, 1]
    x = x1 + (-90.0 + (row + 0.5) * CELL - y1) * (x2 - x1) / (y2 - y1)
    return x, row, parts[ring_part[ring[edges]]]
