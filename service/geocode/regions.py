"""Which country and admin-1 polygons contain a point and the probes around it.

Natural Earth 10m borders are generalised (~1 km off along rivers and coasts), so a single
point-in-polygon answer is not trusted on its own: besides the point itself we test probe points
a border margin away (north, east, south, west). When every probe lands in the same polygon the
answer is robust; otherwise the point is in a border zone and the places decide. Polygons are
prepared (indexed point-in-polygon) and found through an STRtree on their bounding boxes.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import shapely

from .store import RegionRecord

KM_PER_DEGREE = 111.195
COMPASS = ((0.0, 1.0), (1.0, 0.0), (0.0, -1.0), (-1.0, 0.0))   # unit (east, north) steps
DIAGONALS = ((0.7071, 0.7071), (0.7071, -0.7071), (-0.7071, -0.7071), (-0.7071, 0.7071))


def probe_steps(offsets_km: np.ndarray) -> tuple[list[tuple[float, float]], float]:
    """offsets_km as (east, north) floats and how far the farthest probe goes along an axis (km).

    A read-only array (the engine's probe sets) is remembered by identity, so a lookup costs one
    dict get rather than a conversion (~2 % of a flow of single lookups)."""
    known = _STEPS_BY_ARRAY.get(id(offsets_km))
    if known is not None and known[0] is offsets_km:
        return known[1]
    pairs = [(east, north) for east, north in np.asarray(offsets_km, dtype=np.float64).reshape(-1, 2).tolist()]
    steps = pairs, max([0.0] + [max(abs(east), abs(north)) for east, north in pairs])
    if isinstance(offsets_km, np.ndarray) and not offsets_km.flags.writeable and len(_STEPS_BY_ARRAY) < 16:
        _STEPS_BY_ARRAY[id(offsets_km)] = (offsets_km, steps)      # holding the array: its id stays its own
    return steps


_STEPS_BY_ARRAY: dict[int, tuple[np.ndarray, tuple[list[tuple[float, float]], float]]] = {}


def probe_offsets(radii_km: Sequence[float], directions: Sequence[tuple[float, float]]) -> np.ndarray:
    """(m, 2) offsets in km (east, north): every direction at every radius, inner rings first."""
    return np.array([(r * e, r * n) for r in radii_km for e, n in directions], dtype=np.float64).reshape(-1, 2)


def offset_points(lng: np.ndarray, lat: np.ndarray, offsets_km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probe coordinates (n*m,) for n points and m km offsets, wrapped across +-180 and clipped at the poles."""
    cos_lat = np.maximum(np.cos(np.radians(lat)), 0.01)
    dlng = offsets_km[None, :, 0] / (KM_PER_DEGREE * cos_lat[:, None])
    dlat = offsets_km[None, :, 1] / KM_PER_DEGREE
    plng = (lng[:, None] + dlng + 180.0) % 360.0 - 180.0
    plat = np.clip(lat[:, None] + dlat, -90.0, 90.0)
    return plng.ravel(), plat.ravel()


@dataclass(frozen=True, slots=True)
class Hits:
    """Polygons containing probe points: parallel arrays (point, probe, region), sorted by point then probe."""

    point: np.ndarray
    probe: np.ndarray
    region: np.ndarray


class Regions:
    """Country (level 0) and admin-1 (level 1) polygons with their codes."""

    def __init__(self, records: Sequence[RegionRecord]) -> None:
        self.level = np.array([r.level for r in records], dtype=np.int8)
        self.levels = self.level.tolist()          # the same, for plain-Python loops
        self.country_code = [r.country_code for r in records]
        self.admin1_code = [r.admin1_code for r in records]
        self.name = [r.name for r in records]
        geometry = shapely.from_wkb([r.wkb for r in records]) if records else np.empty(0, dtype=object)
        # One entry per polygon part (Norway has thousands of islands): tight boxes, small polygons.
        self.parts, self.part_region = shapely.get_parts(geometry, return_index=True)
        shapely.prepare(self.parts)
        self._tree = shapely.STRtree(self.parts)
        self._tree.query(shapely.box(0.0, 0.0, 0.0, 0.0))   # built now, in this thread: later queries only read it
        self._bounds_array = shapely.bounds(self.parts)
        self._bounds = [tuple(b) for b in self._bounds_array.tolist()]   # for plain-Python box tests
        self._part_level = self.level[self.part_region].tolist()
        self._part_region_list = self.part_region.tolist()
        self.countries = frozenset(cc for cc, level in zip(self.country_code, self.level) if level == 0)

    def __len__(self) -> int:
        return len(self.name)

    def warm_up(self, min_vertices: int = 200) -> None:
        """Test a few points against every big part, so GEOS builds its point-in-polygon indexes now.

        It builds them lazily: the first test of a 20,000-vertex coastline takes ~1-2 ms instead of
        ~25 us, which would otherwise fall on the first lookup near that coast (~0.15 s for all).
        """
        bounds = self._bounds_array
        for part in np.flatnonzero(shapely.get_num_coordinates(self.parts) >= min_vertices).tolist():
            x0, y0, x1, y1 = bounds[part]
            shapely.contains_xy(self.parts[part], np.linspace(x0, x1, 7)[1:6], np.linspace(y0, y1, 7)[1:6])

    def hits(self, lng: np.ndarray, lat: np.ndarray, offsets_km: np.ndarray,
             level: int | None = None) -> Hits:
        """All (point, probe, region) where region contains the point moved by offsets_km[probe]."""
        m = len(offsets_km)
        plng, plat = offset_points(lng, lat, offsets_km)
        probe_i, part_i = self._tree.query(shapely.points(plng, plat))
        if level is not None:
            keep = self.level[self.part_region[part_i]] == level
            probe_i, part_i = probe_i[keep], part_i[keep]
        return self._contained(probe_i, part_i, plng, plat, m)

    def point_hits(self, x: np.ndarray, y: np.ndarray, level: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(i, region) wherever a part (of `level`, or any) contains point (x[i], y[i]); by i, then part."""
        point_i, part_i = self._tree.query(shapely.points(x, y))
        if level is not None:
            keep = self.level[self.part_region[part_i]] == level
            point_i, part_i = point_i[keep], part_i[keep]
        hits = self._contained(point_i, part_i, x, y, 1)
        return hits.point, hits.region

    def hits_among(self, lng: np.ndarray, lat: np.ndarray, offsets_km: np.ndarray,
                   owner: np.ndarray, part: np.ndarray) -> Hits:
        """hits() when the candidate parts of each point are known: (owner point, part) pairs, no index query."""
        m = len(offsets_km)
        plng, plat = offset_points(lng, lat, offsets_km)
        probe_i = (owner[:, None] * m + np.arange(m)).ravel()
        return self._contained(probe_i, np.repeat(part, m), plng, plat, m)

    def _contained(self, probe_i: np.ndarray, part_i: np.ndarray, plng: np.ndarray, plat: np.ndarray, m: int) -> Hits:
        """Hits from candidate (probe, part) pairs: those where the part contains the probe, by probe then part."""
        inside = shapely.contains_xy(self.parts[part_i], plng[probe_i], plat[probe_i])
        probe_i, part_i = probe_i[inside], part_i[inside]
        order = np.lexsort((part_i, probe_i))
        probe_i, region_i = probe_i[order], self.part_region[part_i[order]]
        return Hits(probe_i // m, probe_i % m, region_i)

    def parts_in_boxes(self, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(box, part) pairs where a part's bounding box meets a box."""
        box_i, part_i = self._tree.query(shapely.box(x0, y0, x1, y1))
        return box_i, part_i


    def locate(self, lng: float, lat: float, offsets_km: np.ndarray, parts: list[int] | None = None) -> "Containment":
        """containments() for one point, without the per-probe overhead of hits() (the single-lookup path).

        `parts`, when given, are candidate parts known to include every part that may contain a probe.
        """
        cos_lat = max(math.cos(math.radians(lat)), 0.01)
        east_north, _ = probe_steps(offsets_km)
        xs = [lng + east / (KM_PER_DEGREE * cos_lat) for east, _ in east_north]
        ys = [min(max(lat + north / KM_PER_DEGREE, -90.0), 90.0) for _, north in east_north]
        if min(xs) < -180.0 or max(xs) >= 180.0:          # the probes wrap around +-180
            return containments(self, self.hits(np.array([lng]), np.array([lat]), offsets_km), 1)[0]
        if parts is None:
            parts = np.sort(self._tree.query(shapely.box(min(xs), min(ys), max(xs), max(ys)))).tolist()
        return fold(self, *self.hits_at(list(range(len(xs))), xs, ys, parts))

    def hits_at(self, probes: list[int], xs: list[float], ys: list[float],
                parts: list[int]) -> tuple[list[int], list[int]]:
        """(probe, region) of every part among `parts` containing a probe at (xs[i], ys[i]), by probe then part."""
        pair_probe, pair_part, pair_x, pair_y = self._box_pairs(xs, ys, parts)
        if not pair_part:
            return [], []
        inside = shapely.contains_xy(self.parts[pair_part], pair_x, pair_y).tolist()
        region_of = self._part_region_list
        return ([probes[i] for i, hit in zip(pair_probe, inside) if hit],
                [region_of[part] for part, hit in zip(pair_part, inside) if hit])

    def country_at(self, x: float, y: float, parts: list[int] | None) -> int | None:
        """The country region of the lowest level-0 part containing (x, y), among `parts` (None: any)."""
        if parts is None:
            parts = np.sort(self._tree.query(shapely.points(x, y))).tolist()
        level = self._part_level
        return self._first_inside(x, y, 1.0, [(0.0, 0.0)], [part for part in parts if level[part] == 0])

    def snap(self, lng: float, lat: float, offsets_km: np.ndarray, per_ring: int,
             parts: list[int] | None = None) -> int | None:
        """nearest_ring_hit() of hits(level=0) for one point (the single-lookup path).

        offsets_km are rings of per_ring probes, inner rings first; the first ring with a hit decides,
        and in it the first probe (then the lowest part). The innermost ring goes first, among
        `parts` (a superset of the parts its probes may hit) when given; the other rings go in one
        polygon call. Plain Python: numpy's per-call cost made a coastal point take ~300 us.
        """
        cos_lat = max(math.cos(math.radians(lat)), 0.01)
        east_north, reach = probe_steps(offsets_km)
        part_level = self._part_level
        if parts is not None:
            found = self._first_inside(lng, lat, cos_lat, east_north[:per_ring],
                                       [part for part in parts if part_level[part] == 0])
            if found is not None:
                return found
        dlat, dlng = reach / KM_PER_DEGREE, reach / (KM_PER_DEGREE * cos_lat)
        if lng - dlng < -180.0 or lng + dlng >= 180.0 or abs(lat) + dlat >= 90.0:   # wraps: the array path
            hits = self.hits(np.array([lng]), np.array([lat]), offsets_km, level=0)
            return nearest_ring_hit(hits, 1, per_ring)[0]
        near = self._tree.query(shapely.box(lng - dlng, lat - dlat, lng + dlng, lat + dlat))
        near = [part for part in sorted(near.tolist()) if part_level[part] == 0]
        return self._first_inside(lng, lat, cos_lat, east_north[per_ring if parts is not None else 0:], near)

    def _first_inside(self, lng: float, lat: float, cos_lat: float, east_north: list[tuple[float, float]],
                      parts: list[int]) -> int | None:
        """The region of the first (probe, part) pair, in that order, whose part contains the probe."""
        xs = [lng + east / (KM_PER_DEGREE * cos_lat) for east, _ in east_north]
        ys = [min(max(lat + north / KM_PER_DEGREE, -90.0), 90.0) for _, north in east_north]
        _, pair_part, pair_x, pair_y = self._box_pairs(xs, ys, parts)
        if not pair_part:
            return None
        inside = shapely.contains_xy(self.parts[pair_part], pair_x, pair_y).tolist()
        return self._part_region_list[pair_part[inside.index(True)]] if True in inside else None

    def _box_pairs(self, xs: list[float], ys: list[float],
                   parts: list[int]) -> tuple[list[int], list[int], list[float], list[float]]:
        """(probe, part, x, y) of every probe inside a part's bounding box, by probe then part: only
        these go to the polygon test."""
        bounds = [self._bounds[part] for part in parts]
        pair_probe, pair_part, pair_x, pair_y = [], [], [], []
        for probe, (x, y) in enumerate(zip(xs, ys)):
            for part, (x0, y0, x1, y1) in zip(parts, bounds):
                if x0 <= x <= x1 and y0 <= y <= y1:
                    pair_probe.append(probe)
                    pair_part.append(part)
                    pair_x.append(x)
                    pair_y.append(y)
        return pair_probe, pair_part, pair_x, pair_y

    def any_within(self, lng: np.ndarray, lat: np.ndarray, km: float, level: int = 0) -> np.ndarray:
        """Bool per point: does any region's bounding box come within ~km (a quick pre-filter)?"""
        dlat = km / KM_PER_DEGREE
        dlng = np.minimum(km / (KM_PER_DEGREE * np.maximum(np.cos(np.radians(lat)), 0.01)), 180.0)
        boxes = shapely.box(lng - dlng, lat - dlat, lng + dlng, lat + dlat)
        point_i, part_i = self._tree.query(boxes)
        point_i = point_i[self.level[self.part_region[part_i]] == level]
        near = np.zeros(len(lng), dtype=bool)
        near[point_i] = True
        # a box crossing +-180 is cut short above; treat those points as near, the probes decide
        near |= (lng - dlng < -180.0) | (lng + dlng > 180.0)
        return near


@dataclass(frozen=True, slots=True)
class Containment:
    """What the polygons say about one point, at both levels."""

    country_at: int | None = None          # level-0 region containing the point itself
    countries_near: frozenset[str] = frozenset()   # country codes at the point or a probe
    admin1_at: int | None = None           # level-1 region containing the point itself
    admin1_near: frozenset[int] = frozenset()      # level-1 regions at the point or a probe

    @property
    def admin1_robust(self) -> bool:
        return self.admin1_at is not None and len(self.admin1_near) == 1


def containments(regions: Regions, hits: Hits, n: int) -> list[Containment]:
    """Fold the hits of n points (probe 0 = the point itself) into one Containment per point."""
    result = [Containment()] * n
    bounds = np.searchsorted(hits.point, np.arange(n + 1)).tolist()
    probes, regs = hits.probe.tolist(), hits.region.tolist()
    seen: dict[tuple[tuple[int, ...], tuple[int, ...]], Containment] = {}     # neighbours share hit patterns
    for i in range(n):
        a, b = bounds[i], bounds[i + 1]
        if a != b:
            key = (tuple(probes[a:b]), tuple(regs[a:b]))
            found = seen.get(key)
            if found is None:
                found = seen[key] = fold(regions, probes[a:b], regs[a:b])
            result[i] = found
    return result


def fold(regions: Regions, probes: list[int], hit_regions: list[int]) -> Containment:
    """One point's Containment from the (probe, region) pairs that contain its probes."""
    level, codes = regions.levels, regions.country_code
    country_at = admin1_at = None
    near_c: set[str] = set()
    near_a: set[int] = set()
    for probe, region in zip(probes, hit_regions):
        if level[region] == 0:
            near_c.add(codes[region])
            if probe == 0 and country_at is None:
                country_at = region
        else:
            near_a.add(region)
            if probe == 0 and admin1_at is None:
                admin1_at = region
    return Containment(country_at, frozenset(near_c), admin1_at, frozenset(near_a))


def nearest_ring_hit(hits: Hits, n: int, per_ring: int) -> list[int | None]:
    """For each of n points, the region hit by the innermost ring of probes (None if no probe hit)."""
    found: list[int | None] = [None] * n
    ring = (hits.probe // per_ring).tolist()
    best: list[float] = [math.inf] * n
    for point, r, region in zip(hits.point.tolist(), ring, hits.region.tolist()):
        if r < best[point]:
            best[point], found[point] = r, region
    return found
