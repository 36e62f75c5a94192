"""The Geocoder: combines nearest places and containing polygons into one Place per point.

Neither signal is right alone. The nearest GeoNames place crosses rivers and borders (San Ysidro
-> Tijuana) and names a suburb for a landmark (Eiffel Tower -> Vanves); Natural Earth 10m polygons
are ~1 km off along rivers and coasts and miss exclaves (Buesingen, Campione, Llivia). The rules,
in order:

1. A place within CLOSE_KM is trusted over any polygon edge: its country and state win.
2. Otherwise, when the point and its probes BORDER_KM away are all inside one country, only that
   country's places (and those of territories without a polygon of their own, e.g. Svalbard SJ
   inside Norway) may name it; in a border zone, places of every country touched are allowed.
3. Admin-1 polygons narrow the places the same way, when any place qualifies.
4. Among the allowed places, the smallest distance divided by a population weight wins, so a
   well-known city beats a hamlet or a city section (PPLX) when both are close. Across a national
   border the weight is not applied: a foreign city must be plainly nearer, not just bigger.
   When the winner looks like a city section (PPLX, or no feature code: GeoNames' newer district
   entries such as 'Paris 16 Passy'), a bigger capital, admin seat or 100k+ city among the
   candidates scoring within SECTION_FACTOR of it names the point instead.
5. A point in no country polygon (coast, sea) takes the best place within SEA_KM (territorial
   waters), else the country whose polygon lies within SEA_KM, else nothing (open ocean).
"""
from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from . import store
from .grid import MIXED, RegionGrid
from .names import LocalNames, normalize_lang
from .nearest import NearestPlaces
from .place import NOWHERE, LngLat, Place
from .regions import COMPASS, DIAGONALS, Containment, Regions, containments, nearest_ring_hit, probe_offsets
from .search import search_rows

logger = logging.getLogger(__name__)

NEAR_KM = 8.0             # every place this close is a candidate (then up to MAX_CITY_KM if none may name it)
SEAT_POPULATION = 100_000  # a city this big counts as well-known, like a capital or an admin seat
CLOSE_KM = 1.0            # a place this close beats a polygon edge
BORDER_KM = 2.0           # probe distance: Natural Earth 10m is ~1 km off near rivers
SEA_KM = 22.2             # 12 nautical miles: territorial waters
MAX_CITY_KM = 50.0        # farther than this, a point has a country and state but no city
SECTION_PENALTY = 3.0     # PPLX (section of a populated place) counts as 3x farther
SECTION_FACTOR = 2.0      # a seat beats a section-like winner scoring up to this much worse
CHUNK = 20_000            # points per vectorised step of reverse_many

BORDER_PROBES = np.vstack([[0.0, 0.0], probe_offsets([BORDER_KM], COMPASS)])   # probe 0: the point itself
SEA_RINGS = (3.0, 6.0, 10.0, 15.0, SEA_KM)
SEA_PROBES = probe_offsets(SEA_RINGS, COMPASS + DIAGONALS)


def place_weights(population: np.ndarray) -> np.ndarray:
    """How much a place's size shortens its distance: 1 for a hamlet, 2.4 at 30,000 people, 6.7 at 2 million."""
    return (1.0 + population / 1000.0) ** 0.25


@dataclass(frozen=True, slots=True)
class Choice:
    """The outcome of the rules for one point, before names are looked up."""

    row: int | None = None             # the named place
    distance_km: float | None = None
    country_code: str | None = None
    admin1_code: str | None = None     # a GeoNames admin-1 code, or None
    state_name: str | None = None      # the polygon's own name when its code is unknown
    own_state: bool = False            # the state is the place's own, so its admin-2 is the county


class Geocoder:
    """Reverse and forward geocoding over one places database; query it from one thread only."""

    def __init__(self, path: Path, conn: sqlite3.Connection, region_grid: bool = True) -> None:
        self.path = path
        self._conn = conn
        self.places = store.load_places(conn)
        self.areas = store.load_areas(conn)
        self.regions = Regions(store.load_regions(conn))
        self._nearest = NearestPlaces(self.places.lon, self.places.lat)
        kind = self.places.kind
        self._is_seat = (((kind & store.SEAT) != 0) | (self.places.population >= SEAT_POPULATION)).tolist()
        self._details = store.PlaceDetails(conn)
        self._names = LocalNames(conn)
        self._lng = self.places.lon.tolist()
        self._lat = self.places.lat.tolist()
        self._population = self.places.population.tolist()
        self._kind = kind.tolist()
        section = np.where(kind & store.SECTION, 1 / SECTION_PENALTY, 1.0)
        self._weight = (place_weights(self.places.population) * section).tolist()
        self._section_weight = section.tolist()
        # Countries GeoNames has but the polygons fold into another (SJ in NO, GF in FR, AX in FI).
        self._territories = frozenset(self.places.country_code) - self.regions.countries
        # Answers are the same with or without the grid; it only spares most points the polygon tests.
        self._grid: RegionGrid | None = None
        self._grid_thread = threading.Thread(target=self._build_grid, name="tilegeo-region-grid", daemon=True)
        if region_grid:
            self._grid_thread.start()

    @classmethod
    def open(cls, path: Path, region_grid: bool = True) -> "Geocoder":
        """Load the places database at `path`; raises PlacesFileError or PlacesSchemaError naming it.

        `region_grid=False` skips the background grid: the same answers, every point by polygon tests.
        """
        path = Path(path)
        conn = store.connect(path)
        try:
            return cls(path, conn, region_grid)
        except (sqlite3.Error, ValueError) as exc:
            conn.close()
            raise store.PlacesFileError(f"{path}: cannot load places ({exc})") from None

    def _build_grid(self) -> None:
        try:
            grid = RegionGrid(self.regions, BORDER_KM, SEA_KM)
        except Exception:                                   # a speed-up only: keep answering without it
            logger.exception("region grid not built; every point takes the polygon tests")
            return
        self._grid = grid

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the background region grid is built (lookups answer the same before, only slower)."""
        if self._grid_thread.is_alive():
            self._grid_thread.join(timeout)
        return self._grid is not None

    def close(self) -> None:
        self._nearest.close()
        self._conn.close()

    def __len__(self) -> int:
        return len(self.places)

    # -- reverse ---------------------------------------------------------------------------

    def reverse(self, point: LngLat, lang: str | None = None) -> Place:
        """The Place at `point`; NOWHERE-like (all None) in the open ocean."""
        containment, snapped = self._where(point.lng, point.lat)
        at_sea = containment.country_at is None
        near = self._nearest.within(point.lng, point.lat, SEA_KM if at_sea else NEAR_KM)
        choice = self._choose(point, near, containment, snapped,
                              wider=lambda: self._nearest.within(point.lng, point.lat, MAX_CITY_KM))
        return self._place(choice, normalize_lang(lang))

    def _where(self, lng: float, lat: float) -> tuple[Containment, int | None]:
        """What the polygons say about one point, and the country a sea point snaps to (rules 2, 3, 5).

        The grid answers points far from every border and coast; the rest take the polygon tests.
        """
        grid = self._grid
        slot = grid.slot(lng, lat) if grid is not None else MIXED
        if slot != MIXED:
            return grid.answers[slot], None
        containment = self.regions.locate(lng, lat, BORDER_PROBES)
        if containment.country_at is not None:
            return containment, None
        return containment, self._snap(np.array([lng]), np.array([lat]))[0]

    def _where_many(self, lng: np.ndarray, lat: np.ndarray) -> tuple[list[Containment], list[int | None]]:
        """_where() for arrays of points: grid answers where clear, vectorised polygon tests elsewhere."""
        n, grid = len(lng), self._grid
        slots = grid.slots(lng, lat) if grid is not None else np.full(n, MIXED)
        answers = grid.answers if grid is not None else []
        found = [answers[s] if s != MIXED else None for s in slots.tolist()]
        mixed = np.flatnonzero(slots == MIXED)
        exact = containments(self.regions, self.regions.hits(lng[mixed], lat[mixed], BORDER_PROBES), len(mixed))
        for i, containment in zip(mixed.tolist(), exact):
            found[i] = containment
        snapped: list[int | None] = [None] * n
        at_sea = mixed[[c.country_at is None for c in exact]] if len(mixed) else mixed
        for i, region in zip(at_sea.tolist(), self._snap(lng[at_sea], lat[at_sea])):
            snapped[i] = region
        return found, snapped

    def reverse_many(self, points: Sequence[LngLat], lang: str | None = None) -> list[Place]:
        """reverse() for many points, vectorised in chunks; same answers, in order."""
        lang = normalize_lang(lang)
        places: list[Place] = []
        for start in range(0, len(points), CHUNK):
            choices = self._choose_many(points[start:start + CHUNK])
            ids = [int(self.places.geonameid[c.row]) for c in choices if c.row is not None]
            self._details.prefetch(ids)
            self.areas.admin2.prefetch(code for code in (self._details.get(i).admin2_code for i in ids) if code)
            places.extend(self._place(choice, lang) for choice in choices)
        return places

    def _choose_many(self, points: Sequence[LngLat]) -> list[Choice]:
        n = len(points)
        lng = np.fromiter((p.lng for p in points), dtype=np.float64, count=n)
        lat = np.fromiter((p.lat for p in points), dtype=np.float64, count=n)
        found, snapped = self._where_many(lng, lat)
        at_sea = np.array([f.country_at is None for f in found], dtype=bool)
        near = self._within_many(lng, lat, at_sea)
        choices = [self._choose(point, near[i], found[i], snapped[i]) for i, point in enumerate(points)]
        retry = [i for i, choice in enumerate(choices) if choice is None]
        wide = _grouped(*self._nearest.within_many(lng[retry], lat[retry], MAX_CITY_KM), len(retry)) if retry else []
        for i, candidates in zip(retry, wide):
            choices[i] = self._choose(points[i], candidates, found[i], snapped[i]) or \
                self._polygon_choice(found[i], snapped[i])
        return choices

    def _within_many(self, lng: np.ndarray, lat: np.ndarray, at_sea: np.ndarray) -> list[list[tuple[float, int]]]:
        """Places within NEAR_KM of land points and SEA_KM of sea points, per point, nearest first."""
        result: list[list[tuple[float, int]]] = [[] for _ in range(len(lng))]
        for mask, km in ((~at_sea, NEAR_KM), (at_sea, SEA_KM)):
            which = np.flatnonzero(mask)
            grouped = _grouped(*self._nearest.within_many(lng[which], lat[which], km), len(which))
            for i, places in zip(which.tolist(), grouped):
                result[i] = places
        return result

    def _snap(self, lng: np.ndarray, lat: np.ndarray) -> list[int | None]:
        """For points in no country: the country polygon within SEA_KM (innermost probe ring), else None."""
        snapped: list[int | None] = [None] * len(lng)
        coastal = np.flatnonzero(self.regions.any_within(lng, lat, SEA_KM)) if len(lng) else np.empty(0, int)
        if len(coastal):
            hits = self.regions.hits(lng[coastal], lat[coastal], SEA_PROBES, level=0)
            for i, region in zip(coastal.tolist(), nearest_ring_hit(hits, len(coastal), len(COMPASS + DIAGONALS))):
                snapped[i] = region
        return snapped

    def _choose(self, point: LngLat, candidates: list[tuple[float, int]], found: Containment,
                snapped: int | None, wider: Callable[[], list[tuple[float, int]]] | None = None) -> Choice | None:
        """Apply the rules of the module docstring to one point's candidates (sorted by distance).

        When no candidate may name a point on land, `wider()` gives the places up to MAX_CITY_KM;
        without it the answer is None, so the batch path can widen many points in one query.
        """
        regions, country_of = self.regions, self.places.country_code
        on_land = found.country_at is not None
        home = regions.country_code[found.country_at] if on_land else None
        allowed: frozenset[str] | None = found.countries_near or None
        if snapped is not None:
            allowed = (allowed or frozenset()) | {regions.country_code[snapped]}
        admin1 = self._admin1_allowed(found)
        trusted = bool(candidates) and candidates[0][0] <= CLOSE_KM
        if trusted:                                              # rule 1
            close = candidates[0][1]
            home = country_of[close]
            allowed, admin1 = frozenset([home]), frozenset([self.places.admin1_code[close]])
        reach = MAX_CITY_KM if on_land else SEA_KM
        pool = self._pool(candidates, allowed, admin1, reach)
        if not pool and on_land:      # nothing allowed close by: look as far as a city may be
            if wider is None:
                return None
            pool = self._pool(wider(), allowed, admin1, reach)
        if not pool:
            return self._polygon_choice(found, snapped)
        best = min(pool, key=lambda c: self._score(c, home))
        if self._kind[best[1]] & (store.SECTION | store.UNCODED):
            best = self._seat_over_section(best, pool, home)
        return self._place_choice(best[1], best[0], None if trusted else found)

    def _seat_over_section(self, best: tuple[float, int], pool: list[tuple[float, int]],
                           home: str | None) -> tuple[float, int]:
        """A bigger capital, admin seat or city close enough names the point instead of a city section (rule 4)."""
        limit = SECTION_FACTOR * self._score(best, home)
        population, is_seat, kind = self._population, self._is_seat, self._kind
        seats = [c for c in pool if is_seat[c[1]] and not kind[c[1]] & (store.SECTION | store.UNCODED)
                 and population[c[1]] > population[best[1]] and self._score(c, home) <= limit]
        return min(seats, key=lambda c: self._score(c, home)) if seats else best

    def _admin1_allowed(self, found: Containment) -> frozenset[str] | None:
        """GeoNames admin-1 codes the polygons allow (robust: one; border zone: all touched), or None."""
        regions = found.admin1_near if not found.admin1_robust else (found.admin1_at,)
        codes = frozenset(self.regions.admin1_code[r] for r in regions) & self.areas.admin1.keys()
        return codes or None

    def _pool(self, candidates: list[tuple[float, int]], allowed: frozenset[str] | None,
              admin1: frozenset[str | None] | None, max_km: float) -> list[tuple[float, int]]:
        """Candidates within max_km in an allowed country; narrowed to allowed admin-1s when any qualifies."""
        country_of, territories = self.places.country_code, self._territories
        pool = [(d, r) for d, r in candidates if d <= max_km
                and (allowed is None or country_of[r] in allowed or country_of[r] in territories)]
        if admin1:
            admin1_of = self.places.admin1_code
            narrowed = [(d, r) for d, r in pool if admin1_of[r] in admin1]
            return narrowed or pool
        return pool

    def _score(self, candidate: tuple[float, int], home: str | None) -> float:
        distance, row = candidate
        country = self.places.country_code[row]
        if home is not None and country != home and country not in self._territories:
            return (distance + 0.01) / self._section_weight[row]      # rule 4: no size bonus abroad
        return (distance + 0.01) / self._weight[row]

    def _place_choice(self, row: int, distance: float, found: Containment | None) -> Choice:
        """The chosen place names the point; a robust admin-1 polygon (unless overruled by rule 1) names the state."""
        places = self.places
        admin1 = places.admin1_code[row]
        if found is not None and found.admin1_robust:
            polygon_code = self.regions.admin1_code[found.admin1_at]
            if polygon_code in self.areas.admin1 and polygon_code != admin1 \
                    and self.regions.country_code[found.admin1_at] == places.country_code[row]:
                return Choice(row, distance, places.country_code[row], polygon_code)   # the city is across a state line
        return Choice(row, distance, places.country_code[row], admin1, own_state=True)

    def _polygon_choice(self, found: Containment, snapped: int | None) -> Choice:
        """No place may name the point: the country and state from the polygons alone."""
        country_region = found.country_at if found.country_at is not None else snapped
        if country_region is None:
            return Choice()
        country = self.regions.country_code[country_region]
        if found.admin1_at is None or self.regions.country_code[found.admin1_at] != country:
            return Choice(country_code=country)
        code = self.regions.admin1_code[found.admin1_at]
        if code in self.areas.admin1:
            return Choice(country_code=country, admin1_code=code)
        return Choice(country_code=country, state_name=self.regions.name[found.admin1_at])

    # -- forward search ---------------------------------------------------------------------

    def search(self, query: str, limit: int = 10, lang: str | None = None) -> list[Place]:
        """Places whose name or alternate name matches `query`, best first (distance_km is None)."""
        lang = normalize_lang(lang)
        rows = search_rows(self._conn, self.places, query, limit)
        return [self._place(self._row_choice(row), lang) for row in rows]

    def _row_choice(self, row: int) -> Choice:
        return Choice(row, None, self.places.country_code[row], self.places.admin1_code[row], own_state=True)

    # -- names -------------------------------------------------------------------------------

    def _place(self, choice: Choice, lang: str | None) -> Place:
        if choice.country_code is None:
            return NOWHERE
        country = self.areas.countries.get(choice.country_code)
        admin1 = self.areas.admin1.get(choice.admin1_code) if choice.admin1_code else None
        areas = dict(
            state=self._local(admin1.geonameid, admin1.name, lang) if admin1 else choice.state_name,
            country=self._local(country.geonameid, country.name, lang) if country else None,
            country_code=choice.country_code,
            state_code=choice.admin1_code if admin1 else None,
            state_iso=admin1.iso if admin1 else None,
        )
        if choice.row is None:
            return Place(**areas)
        row = choice.row
        geonameid = int(self.places.geonameid[row])
        details = self._details.get(geonameid)
        admin2 = self.areas.admin2.get(details.admin2_code) if choice.own_state and details.admin2_code else None
        return Place(
            **areas,
            city=self._local(geonameid, details.name, lang),
            county=self._local(admin2.geonameid, admin2.name, lang) if admin2 else None,
            county_code=details.admin2_code if admin2 else None,
            distance_km=round(choice.distance_km, 3) if choice.distance_km is not None else None,
            geonameid=geonameid,
            lat=self._lat[row],
            lon=self._lng[row],
            timezone=details.timezone,
            population=self._population[row],
            feature_code=details.feature_code,
        )

    def _local(self, geonameid: int | None, default: str, lang: str | None) -> str:
        if lang is None or geonameid is None:
            return default
        return self._names.name(geonameid, lang) or default


def _grouped(owner: np.ndarray, rows: np.ndarray, dist: np.ndarray, n: int) -> list[list[tuple[float, int]]]:
    """Split within_many() output into n per-point lists of (distance_km, row), nearest first."""
    order = np.lexsort((rows, dist, owner))                  # by point, then (distance, row) like sorted()
    bounds = np.searchsorted(owner[order], np.arange(n + 1)).tolist()
    pairs = list(zip(dist[order].tolist(), rows[order].tolist()))
    return [pairs[bounds[i]:bounds[i + 1]] for i in range(n)]
