"""Places near a point, on the sphere: buckets of 0.05 x 0.05 degrees, then an exact distance test.

Places are sorted by bucket, row by row, so the buckets of one bucket row that a query circle
overlaps are one slice of the sorted columns: per bucket row, two bisections over that row's
non-empty buckets find it. Distances are chords between unit-sphere x/y/z vectors, so the poles
and the +-180 line just work. A single query is one call into C (_buckets.c, built by pip
install), a few us: scipy's cKDTree costs 10-50 us per call before any work and an rtree index
~85 us. The same loop in Python here is the C code's reference and the fallback where it was not
built (same places, same float distances; tests/geocode/test_nearest.py compares them). Past
COMPILED_MANY places to test (MANY without C), one numpy pass wins; it hands its places on
unsorted, as a Spread.
"""
from __future__ import annotations

import math
from array import array
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Sequence

import numpy as np

try:
    from ._buckets import Buckets
except ImportError:                # installed without a C compiler: the plain loop answers the same
    Buckets = None

EARTH_RADIUS_KM = 6371.0088
CELL = 0.05               # degrees per bucket side: 8 km queries scan ~2x the circle's area
WIDTH, HEIGHT = round(360 / CELL), round(180 / CELL)
COMPILED_MANY = 1000      # places to test up to which the compiled loop beats the numpy pass (and its rules)
MANY = 150                # places to test beyond which one numpy pass (and rules over a Spread) beats the plain loop:
                          # within whole lookups, where numpy's code is cold, not at ~60 as a warm loop suggests
EPS_DEG = 1e-9            # widens every window a little: the exact chord test decides
REACH_CELL = 0.1          # degrees per side of the cells that know whether any place is within reach
REACH_WIDTH, REACH_HEIGHT = round(360 / REACH_CELL), round(180 / REACH_CELL)


def unit_xyz(lng: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Unit vectors (n, 3) for degree arrays; unit_xyz([0], [90]) -> [[0, 0, 1]] (up to rounding)."""
    lam, phi = np.radians(lng), np.radians(lat)
    cos_phi = np.cos(phi)
    return np.column_stack([cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)])


def haversine_km(lng1, lat1, lng2, lat2):
    """Great-circle distance in km; works on floats and numpy arrays alike."""
    lam1, phi1, lam2, phi2 = np.radians(lng1), np.radians(lat1), np.radians(lng2), np.radians(lat2)
    a = np.sin((phi2 - phi1) / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def chord(km: float) -> float:
    """Straight-line length through the unit sphere of an arc of `km` on Earth."""
    return 2 * math.sin(min(km / EARTH_RADIUS_KM, math.pi) / 2)


def arc_km(chord_length):
    """Inverse of chord(): great-circle km of a unit-sphere chord (floats or arrays)."""
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(chord_length / 2, 1.0))


def bucket_key(lng, lat):
    """Row-major bucket number of points (floats or arrays); bucket_key(-180, -90) -> 0."""
    row = np.clip(np.floor((np.asarray(lat) + 90.0) / CELL), 0, HEIGHT - 1).astype(np.int64)
    col = np.clip(np.floor((np.asarray(lng) + 180.0) / CELL), 0, WIDTH - 1).astype(np.int64)
    return row * WIDTH + col


def window(lng: float, lat: float, km: float) -> tuple[range, list[tuple[int, int]]]:
    """The bucket rows and column spans (inclusive, split at +-180) a circle of `km` may touch.

    The circle's longitude half-width is asin(sin(a) / cos(lat)) for an angular radius a; a circle
    reaching a pole takes whole rows.
    """
    a = min(km / EARTH_RADIUS_KM, math.pi)
    dlat = math.degrees(a) + EPS_DEG
    row0 = max(0, math.floor((lat - dlat + 90.0) / CELL))
    row1 = min(HEIGHT - 1, math.floor((lat + dlat + 90.0) / CELL))
    rows = range(row0, row1 + 1)
    spread = math.sin(a) / max(math.cos(math.radians(lat)), 1e-12)
    if lat + dlat >= 90.0 or lat - dlat <= -90.0 or spread >= 1.0:
        return rows, [(0, WIDTH - 1)]
    dlng = math.degrees(math.asin(spread)) + EPS_DEG
    col0 = math.floor((lng - dlng + 180.0) / CELL)
    col1 = math.floor((lng + dlng + 180.0) / CELL)
    if col1 - col0 + 1 >= WIDTH:
        return rows, [(0, WIDTH - 1)]
    if col0 < 0:
        return rows, [(col0 + WIDTH, WIDTH - 1), (0, col1)]
    if col1 >= WIDTH:
        return rows, [(col0, WIDTH - 1), (0, col1 - WIDTH)]
    return rows, [(col0, col1)]


@dataclass(frozen=True, slots=True)
class Spread:
    """Places within a radius as unsorted columns: what within() lists, for many places at once.

    Their order is still (km, row): first() finds the first of some of them in it without sorting
    them all, and rows are looked up only for the few places that need one.
    """

    km: np.ndarray
    position: np.ndarray
    order: np.ndarray              # NearestPlaces.order: position -> row

    def __len__(self) -> int:
        return len(self.km)

    def row(self, i: int) -> int:
        return int(self.order[self.position[i]])

    def sorted(self) -> list[tuple[float, int, int]]:
        """The (distance_km, row, position) list within() returns."""
        return sorted(zip(self.km.tolist(), self.order[self.position].tolist(), self.position.tolist()))

    def first(self, index: np.ndarray) -> int:
        """Of the places at `index` (not empty), the one nearest first, ties by row."""
        if len(index) > 1:
            km = self.km[index]
            index = index[km == km[km.argmin()]]        # argmin and a lookup: cheaper than min() on small arrays
            if len(index) > 1:
                return int(index[self.order[self.position[index]].argmin()])
        return int(index[0])


class NearestPlaces:
    """Places (rows of a lng/lat table) within a radius of a point; built from arrays."""

    def __init__(self, lng: np.ndarray, lat: np.ndarray) -> None:
        keys = bucket_key(lng, lat) if len(lng) else np.empty(0, np.int64)
        order = np.argsort(keys, kind="stable")
        self.size = len(order)
        self._keys = keys[order]                             # ascending: a bucket row's span is one slice
        self.order = order                                   # position in bucket order -> row
        self._xyz = np.ascontiguousarray(unit_xyz(np.asarray(lng)[order], np.asarray(lat)[order]))
        self._x, self._y, self._z = self._xyz.T              # columns (views): a query takes a few places of each
        self._positions = np.arange(self.size)               # sliced, not built, per query
        # the non-empty buckets, row by row: each one's column and first position (one more: the end),
        # and where each bucket row's buckets begin. Flat arrays, not lists of objects or one array
        # per row: a query then touches a few cache lines.
        first = np.flatnonzero(np.diff(self._keys, prepend=-1))
        bucket_row, bucket_col = self._keys[first] // WIDTH, self._keys[first] % WIDTH
        self._row_buckets = array("i", np.searchsorted(bucket_row, np.arange(HEIGHT + 1)).tolist())
        self._bucket_cols = array("H", bucket_col.tolist())
        self._bucket_starts = array("i", first.tolist() + [self.size])
        self._order_list = array("i", order.tolist())
        # the columns again, as buffers whose items are Python floats: the plain loop's input, no copy
        self._x_floats, self._y_floats, self._z_floats = map(memoryview, (self._x, self._y, self._z))
        self._lng_lat = (np.asarray(lng, np.float64), np.asarray(lat, np.float64))
        self._compiled = None if Buckets is None else Buckets(
            self._xyz, self._order_list, self._row_buckets, self._bucket_cols, self._bucket_starts,
            WIDTH, CELL, EARTH_RADIUS_KM, EPS_DEG)
        self._reach: memoryview | None = None
        self._reach_bits: dict[float, int] = {}
        self._limits: dict[float, float] = {}        # squared chord of each radius asked for

    @property
    def compiled(self) -> bool:
        """Whether single queries take the compiled loop (_buckets.c was built)."""
        return self._compiled is not None

    def build_reach(self, radii_km: Sequence[float]) -> None:
        """Per REACH_CELL cell and radius, whether a place may lie within the radius of a point in it.

        A query from a cell with none answers [] without a search: half the points of a random set
        are in the open ocean, deserts or on the ice caps. Up to 8 radii (one bit each); ~0.5 s of
        numpy for three, 6.5 MB; the engine's warm-up thread calls it (queries are the same before,
        only slower)."""
        reach = np.zeros(REACH_HEIGHT * REACH_WIDTH, dtype=np.uint8)
        for bit, km in enumerate(radii_km[:8]):
            reach |= _within_reach(*self._lng_lat, km).ravel().astype(np.uint8) << bit
        self._reach = memoryview(reach)
        self._reach_bits = {float(km): 1 << bit for bit, km in enumerate(radii_km[:8])}

    def within(self, lng: float, lat: float, km: float) -> list[tuple[float, int, int]]:
        """(distance_km, row, position) of every place within `km`, nearest first (ties by row).

        The position is the place's index in bucket order (`order[position] == row`): tables kept in
        that order are read near each other for the places of one query, which the CPU cache rewards.
        """
        found = self.near(lng, lat, km)
        return found.sorted() if isinstance(found, Spread) else found

    def near(self, lng: float, lat: float, km: float) -> list[tuple[float, int, int]] | Spread:
        """within(), but a Spread when numpy tests the places: building and sorting that many tuples
        would cost more than what the rules do with them (Rules.choose takes both)."""
        bit = self._reach_bits.get(km)
        if bit is not None:
            row = min(max(int((lat + 90.0) / REACH_CELL), 0), REACH_HEIGHT - 1)
            col = min(max(int((lng + 180.0) / REACH_CELL), 0), REACH_WIDTH - 1)
            if not self._reach[row * REACH_WIDTH + col] & bit:
                return []
        limit = self._limits.get(km)
        if limit is None:
            limit = self._limits[km] = chord(km) ** 2
        if self._compiled is not None:           # the same window, unit vector and loop, compiled
            found = self._compiled.near(lng, lat, km, limit, COMPILED_MANY)
            if found is not None:
                return found
        phi, lam = math.radians(lat), math.radians(lng)
        cos_phi = math.cos(phi)
        q = cos_phi * math.cos(lam), cos_phi * math.sin(lam), math.sin(phi)
        slices, count = self._slices(*window(lng, lat, km))
        if count > MANY:
            return self._within_numpy(q, limit, slices)
        return self._within_plain(q, limit, slices)

    def _within_plain(self, q: tuple[float, float, float], limit: float,
                      slices: list[tuple[int, int]]) -> list[tuple[float, int, int]]:
        """near() over a few places: a plain loop, as numpy's per-call cost would dominate."""
        x, y, z = q
        xs, ys, zs, order = self._x_floats, self._y_floats, self._z_floats, self._order_list
        asin, sqrt, diameter = math.asin, math.sqrt, 2 * EARTH_RADIUS_KM
        found = []
        for start, stop in slices:
            for i in range(start, stop):               # one column each: a third faster than x, y, z interleaved
                dx = xs[i] - x
                dy = ys[i] - y
                dz = zs[i] - z
                d2 = dx * dx + dy * dy + dz * dz
                if d2 <= limit:                    # arc_km(), whose clamp to 1 is moot: d2 <= limit <= 4
                    found.append((diameter * asin(sqrt(d2) / 2), order[i], i))
        found.sort()
        return found

    def _within_numpy(self, q: tuple[float, float, float], limit: float, slices: list[tuple[int, int]]) -> Spread:
        """near() over many places: one numpy pass, the plain loop's distances to the bit.

        Elementwise numpy rounds like Python floats, here in the loop's order ((dx² + dy²) + dz²),
        and numpy's arcsin agrees with math.asin (tests/geocode/test_nearest.py checks both paths).
        """
        every = self._positions
        position = np.concatenate([every[start:stop] for start, stop in slices])
        # one column at a time and in place: numpy's per-call cost is most of the time here
        dx, dy, dz = self._x[position], self._y[position], self._z[position]
        dx -= q[0]
        dy -= q[1]
        dz -= q[2]
        dx *= dx
        dy *= dy
        dz *= dz
        dx += dy
        dx += dz
        inside = dx <= limit
        km = dx[inside]
        # arc_km() in place; its clamp to 1 is moot here: d2 <= limit <= 4
        np.sqrt(km, out=km)
        km /= 2
        np.arcsin(km, out=km)
        km *= 2 * EARTH_RADIUS_KM
        return Spread(km, position[inside], self.order)

    def _slices(self, rows: range, spans: list[tuple[int, int]]) -> tuple[list[tuple[int, int]], int]:
        """(start, stop) in bucket order of the places in the window, one slice per bucket row and span;
        and how many places they hold."""
        slices = []
        count = 0
        row_buckets, cols, starts = self._row_buckets, self._bucket_cols, self._bucket_starts
        for row in rows:
            lo, hi = row_buckets[row], row_buckets[row + 1]
            if lo < hi:
                for col0, col1 in spans:
                    first, last = bisect_left(cols, col0, lo, hi), bisect_right(cols, col1, lo, hi)
                    if first < last:
                        start, stop = starts[first], starts[last]
                        slices.append((start, stop))
                        count += stop - start
        return slices, count

    def within_many(self, lng: np.ndarray, lat: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For n points: (owner, row, distance_km) of every place within `km`, grouped by point (owner ascending)."""
        n = len(lng)
        if self.size == 0 or n == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
        owner, first, last = _spans(np.asarray(lng, np.float64), np.asarray(lat, np.float64), km)
        start = np.searchsorted(self._keys, first, side="left")
        stop = np.searchsorted(self._keys, last + 1, side="left")
        count = np.maximum(stop - start, 0)
        total = int(count.sum())
        owner = np.repeat(owner, count)
        index = np.arange(total) - np.repeat(np.cumsum(count) - count, count) + np.repeat(start, count)
        q = np.ascontiguousarray(unit_xyz(lng, lat))
        d2 = ((self._xyz[index] - q[owner]) ** 2).sum(axis=1)
        keep = d2 <= chord(km) ** 2
        owner, index, d2 = owner[keep], index[keep], d2[keep]
        order = np.argsort(owner, kind="stable")
        return owner[order], self.order[index[order]], arc_km(np.sqrt(d2[order]))

    def close(self) -> None:
        """Nothing to release (kept for the Geocoder's close())."""


def _spans(lng: np.ndarray, lat: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """window() for arrays: (point, first key, last key) of every bucket-row span."""
    a = min(km / EARTH_RADIUS_KM, math.pi)
    dlat = math.degrees(a) + EPS_DEG
    row0 = np.maximum(0, np.floor((lat - dlat + 90.0) / CELL)).astype(np.int64)
    row1 = np.minimum(HEIGHT - 1, np.floor((lat + dlat + 90.0) / CELL)).astype(np.int64)
    spread = math.sin(a) / np.maximum(np.cos(np.radians(lat)), 1e-12)
    dlng = np.degrees(np.arcsin(np.minimum(spread, 1.0))) + EPS_DEG
    col0 = np.floor((lng - dlng + 180.0) / CELL).astype(np.int64)
    col1 = np.floor((lng + dlng + 180.0) / CELL).astype(np.int64)
    full = (lat + dlat >= 90.0) | (lat - dlat <= -90.0) | (spread >= 1.0) | (col1 - col0 + 1 >= WIDTH)
    west, east = ~full & (col0 < 0), ~full & (col1 >= WIDTH)
    # span 1 of every point, span 2 where the window wraps across +-180
    lo = np.where(full, 0, np.where(west, col0 + WIDTH, col0))
    hi = np.where(full | west | east, WIDTH - 1, col1)
    wrap = np.flatnonzero(west | east)
    point = np.concatenate([np.arange(len(lng)), wrap])
    lo = np.concatenate([lo, np.zeros(len(wrap), np.int64)])
    hi = np.concatenate([hi, np.where(west[wrap], col1[wrap], col1[wrap] - WIDTH)])
    rows = (row1 - row0 + 1)[point]
    owner = np.repeat(point, rows)
    row = np.repeat(row0[point], rows) + np.arange(int(rows.sum())) - np.repeat(np.cumsum(rows) - rows, rows)
    return owner, row * WIDTH + np.repeat(lo, rows), row * WIDTH + np.repeat(hi, rows)


def _within_reach(lng: np.ndarray, lat: np.ndarray, km: float) -> np.ndarray:
    """(REACH_HEIGHT, REACH_WIDTH) bools: True for every cell with a point within `km` of a place.

    A superset, by dilation: each place's cell spreads over the columns its circle can span at the
    place's latitude (window()'s asin(sin(a) / cos(lat)), taken at the row's poleward edge) plus one,
    then over the rows the circle spans plus one. A circle reaching a pole takes whole rows.
    """
    marked = np.zeros((REACH_HEIGHT, REACH_WIDTH), dtype=bool)
    if len(lng) == 0:
        return marked
    row = np.clip(np.floor((lat + 90.0) / REACH_CELL).astype(np.int64), 0, REACH_HEIGHT - 1)
    col = np.clip(np.floor((lng + 180.0) / REACH_CELL).astype(np.int64), 0, REACH_WIDTH - 1)
    marked[row, col] = True
    a = min(km / EARTH_RADIUS_KM, math.pi)
    a_deg = math.degrees(a)
    edge = np.maximum(np.abs(-90.0 + np.arange(REACH_HEIGHT) * REACH_CELL),
                      np.abs(-90.0 + (np.arange(REACH_HEIGHT) + 1) * REACH_CELL))      # poleward edge of each row
    spread = math.sin(a) / np.maximum(np.cos(np.radians(np.minimum(edge, 90.0))), 1e-12)
    whole = spread >= 1.0                  # also wherever the circle reaches a pole: cos(edge) <= sin(a) there
    steps = np.where(whole, REACH_WIDTH, np.ceil(np.degrees(np.arcsin(np.minimum(spread, 1.0))) / REACH_CELL) + 1)
    steps = steps.astype(np.int64)
    wide = marked.copy()
    wide[whole] = marked[whole].any(axis=1, keepdims=True)
    for step in range(1, int(steps[~whole].max(initial=0)) + 1):
        rows = np.flatnonzero(~whole & (steps >= step))
        wide[rows] |= np.roll(marked[rows], step, axis=1) | np.roll(marked[rows], -step, axis=1)
    reach = wide.copy()
    for step in range(1, math.ceil(a_deg / REACH_CELL) + 2):
        reach[step:] |= wide[:-step]
        reach[:-step] |= wide[step:]
    return reach
