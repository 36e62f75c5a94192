"""The Geocoder: one Place per point, from the polygons around it and the places near it.

The decisions live in rules.py; this module gathers their inputs (what the polygons say, through
the region grid where it can; the candidate places) and turns a decision into a named Place.
"""
from __future__ import annotations

import ctypes
import gc
import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from . import crossings, store
from .grid import MIXED, RegionGrid
from .names import LocalNames, normalize_lang
from .nearest import NearestPlaces
from .place import NOWHERE, LngLat, Place
from .regions import COMPASS, DIAGONALS, Containment, containments, nearest_ring_hit, probe_offsets, Regions
from .rules import BORDER_KM, MAX_CITY_KM, NEAR_KM, SEA_KM, Context, Pick, Rules
from .search import search_rows
from .subgrid import SubGrid

logger = logging.getLogger(__name__)


def release_free_memory() -> None:
    """Hand the heap memory freed after building back to the OS (glibc keeps it otherwise: ~200 MB here)."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):                    # not glibc (musl, macOS): nothing to do
        pass

CHUNK = 20_000            # points per vectorised step of reverse_many
LOCATED_CACHE = 100_000   # distinct answers near borders and coasts remembered by _where

BORDER_PROBES = np.vstack([[0.0, 0.0], probe_offsets([BORDER_KM], COMPASS)])   # probe 0: the point itself
SEA_RINGS = (3.0, 6.0, 10.0, 15.0, SEA_KM)
SEA_PROBES = probe_offsets(SEA_RINGS, COMPASS + DIAGONALS)
SEA_PER_RING = len(COMPASS + DIAGONALS)
BORDER_PROBES.flags.writeable = SEA_PROBES.flags.writeable = False     # constants: probe_steps() remembers them


@dataclass(slots=True)
class Choice:
    """The outcome of the rules for one point, before names are looked up."""

    row: int | None = None             # the named place
    distance_km: float | None = None
    country_code: str | None = None
    admin1_code: str | None = None     # a GeoNames admin-1 code, or None
    state_name: str | None = None      # the polygon's own name when its code is unknown
    own_state: bool = False            # the state is the place's own, so its admin-2 is the county


@dataclass(frozen=True, slots=True)
class Located:
    """What the polygons say about one point: containment, the country a sea point snaps to, the rules' context."""

    found: Containment
    snapped: int | None
    context: Context


class Geocoder:
    """Reverse and forward geocoding over one places database; query it from one thread only."""

    def __init__(self, path: Path, conn: sqlite3.Connection, region_grid: bool = True) -> None:
        self.path = path
        self._conn = conn
        self.places = store.load_places(conn)
        self.areas = store.load_areas(conn)
        self.regions = Regions(store.load_regions(conn))
        # Here, not in the warm-up thread: GEOS builds these indexes lazily inside the shared prepared
        # polygons, and two threads building one at once crash the process.
        self.regions.warm_up()
        self._nearest = NearestPlaces(self.places.lon, self.places.lat)
        if not self._nearest.compiled or crossings.Crossings is None:
            logger.warning("tilegeo was installed without its compiled loops (no C compiler at pip install?): "
                           "answers are the same, single lookups slower")
        # Countries GeoNames has but the polygons fold into another (SJ in NO, GF in FR, AX in FI).
        self.rules = Rules(self.places, frozenset(self.places.country_code) - self.regions.countries,
                           self._nearest.order)
        self._details = store.PlaceDetails(conn)
        self._detail_table: store.DetailTable | None = None
        self._areas: dict[tuple[str, str | None, str | None], tuple[str | None, ...]] = {}   # for lang=None
        self._names = LocalNames(conn)
        # by row, as buffers over the places' own arrays: a value is read in place, not through a
        # pointer to an object in the heap, and no copy is kept
        self._lng, self._lat, self._geonameid, self._population = (
            memoryview(np.ascontiguousarray(column)) for column in
            (self.places.lon, self.places.lat, self.places.geonameid, self.places.population))
        # Answers are the same with or without what the background thread builds: the region grid
        # spares most points the polygon tests, the detail tables a SQLite read per answer.
        self._grid: tuple[RegionGrid, list[Located]] | None = None
        self._subgrid: SubGrid | None = None
        self._located_by: dict[tuple[Containment, int | None], Located] = {}
        self._grid_thread = threading.Thread(target=self._warm_up, name="tilegeo-geocoder-warm-up", daemon=True)
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

    def _warm_up(self) -> None:
        """Build the region grid and read the detail tables: a speed-up only, so a failure just logs.

        Nothing here may run a predicate on the shared prepared polygons (see __init__)."""
        try:
            grid = RegionGrid(self.regions, BORDER_KM, SEA_KM, list_km=SEA_RINGS[0])   # the lists serve snap() too
            self._grid = (grid, [self._located(answer, None) for answer in grid.answers])
            self._subgrid = SubGrid(self.regions, grid)
        except Exception:
            logger.exception("region grid not built; every point takes the polygon tests")
        try:
            self._nearest.build_reach((NEAR_KM, SEA_KM, MAX_CITY_KM))
        except Exception:
            logger.exception("place reach not built; every point searches for places")
        try:
            conn = store.connect(self.path)                 # its own connection: this is another thread
            try:
                self._detail_table = store.DetailTable(conn)
                self.areas.admin2.load_all(conn)
            finally:
                conn.close()
        except Exception:
            logger.exception("place details not preloaded; each answer reads its place from SQLite")
        release_free_memory()
        # Millions of long-lived list items would otherwise be walked by every full garbage collection
        # (measured: a 100,000-point batch 2.97 -> 2.61 s); frozen objects are still freed by refcount.
        gc.freeze()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the background warm-up is done (lookups answer the same before, only slower)."""
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
        lng, lat = point.lng, point.lat
        located = self._where(lng, lat)
        near = self._nearest.near(lng, lat, NEAR_KM if located.context.on_land else SEA_KM)
        pick = self.rules.choose(near, located.context, lambda: self._nearest.near(lng, lat, MAX_CITY_KM))
        return self._place(self._choice(pick, located), normalize_lang(lang))

    def reverse_many(self, points: Sequence[LngLat], lang: str | None = None) -> list[Place]:
        """reverse() for many points, vectorised in chunks; same answers, in order."""
        lang = normalize_lang(lang)
        places: list[Place] = []
        for start in range(0, len(points), CHUNK):
            choices = self._choose_many(points[start:start + CHUNK])
            if self._detail_table is None:
                ids = [self._geonameid[c.row] for c in choices if c.row is not None]
                self._details.prefetch(ids)
                self.areas.admin2.prefetch(code for code in (self._details.get(i).admin2_code for i in ids) if code)
            places.extend(self._place(choice, lang) for choice in choices)
        return places

    def _choose_many(self, points: Sequence[LngLat]) -> list[Choice]:
        n = len(points)
        lng = np.fromiter((p.lng for p in points), dtype=np.float64, count=n)
        lat = np.fromiter((p.lat for p in points), dtype=np.float64, count=n)
        located = self._where_many(lng, lat)
        contexts = [where.context for where in located]
        on_land = np.fromiter((c.on_land for c in contexts), dtype=bool, count=n)
        pick, km, trusted, wider = self.rules.choose_many(contexts, *self._near_many(lng, lat, on_land))
        if wider.any():
            again = np.flatnonzero(wider)
            owner, rows, far = self._nearest.within_many(lng[again], lat[again], MAX_CITY_KM)
            pick[again], km[again], _, _ = self.rules.choose_many([contexts[i] for i in again.tolist()],
                                                                  owner, rows, far, wider=True)
        return [self._place_choice(row, distance, None if is_trusted else where.found) if row >= 0
                else self._polygon_choice(where.found, where.snapped)
                for row, distance, is_trusted, where in zip(pick.tolist(), km.tolist(), trusted.tolist(), located)]

    def _near_many(self, lng: np.ndarray, lat: np.ndarray, on_land: np.ndarray):
        """Candidate pairs (owner, row, km): places within NEAR_KM of land points and SEA_KM of sea points."""
        parts = []
        for mask, km in ((on_land, NEAR_KM), (~on_land, SEA_KM)):
            which = np.flatnonzero(mask)
            owner, rows, dist = self._nearest.within_many(lng[which], lat[which], km)
            parts.append((which[owner], rows, dist))
        return tuple(np.concatenate(column) for column in zip(*parts))

    def _choice(self, pick: Pick | None, located: Located) -> Choice:
        if pick is None:
            return self._polygon_choice(located.found, located.snapped)
        return self._place_choice(pick.row, pick.distance_km, None if pick.trusted else located.found)

    # -- what the polygons say -----------------------------------------------------------------

    def _where(self, lng: float, lat: float) -> Located:
        """The polygons' answer for one point: from the grid far from borders and coasts, else by polygon tests."""
        grid, sub = self._grid, self._subgrid
        parts = None
        if grid is not None:
            slot = grid[0].slot(lng, lat)
            if slot >= 0:
                return grid[1][slot]
            if slot != MIXED:
                if sub is not None:
                    found = sub.locate(lng, lat, BORDER_PROBES, slot)
                    snapped = None if found.country_at is not None else sub.snap(lng, lat, SEA_PROBES, SEA_PER_RING)
                    return self._located_cached(found, snapped)
                parts = grid[0].parts_near(slot)
        found = self.regions.locate(lng, lat, BORDER_PROBES, parts)
        snapped = None if found.country_at is not None else \
            self.regions.snap(lng, lat, SEA_PROBES, SEA_PER_RING, parts)
        return self._located(found, snapped)

    def _where_many(self, lng: np.ndarray, lat: np.ndarray) -> list[Located]:
        """_where() for arrays of points: grid answers where clear, else the sub-cells' answers and
        vectorised polygon tests (all polygon tests until the warm-up has built the sub-cells)."""
        grid = self._grid
        if grid is not None:
            slots = grid[0].slots(lng, lat)
            located: list[Located | None] = [grid[1][s] if s >= 0 else None for s in slots.tolist()]
        else:
            slots, located = np.full(len(lng), MIXED), [None] * len(lng)
        regions, sub = self.regions, self._subgrid
        if sub is not None:
            tested = np.flatnonzero(slots < 0)
            exact = containments(regions, sub.hits(lng[tested], lat[tested], BORDER_PROBES), len(tested))
        else:
            listed, unlisted = np.flatnonzero(slots < MIXED), np.flatnonzero(slots == MIXED)
            exact = []
            if len(listed):
                owner, parts = grid[0].parts_near_many(slots[listed])
                hits = regions.hits_among(lng[listed], lat[listed], BORDER_PROBES, owner, parts)
                exact += containments(regions, hits, len(listed))
            exact += containments(regions, regions.hits(lng[unlisted], lat[unlisted], BORDER_PROBES), len(unlisted))
            tested = np.concatenate([listed, unlisted])
        at_sea = [k for k, c in enumerate(exact) if c.country_at is None]
        snapped: list[int | None] = [None] * len(tested)
        for k, region in zip(at_sea, self._snap(lng[tested[at_sea]], lat[tested[at_sea]])):
            snapped[k] = region
        for i, found, snap in zip(tested.tolist(), exact, snapped):
            located[i] = self._located_cached(found, snap)
        return located

    def _located_cached(self, found: Containment, snapped: int | None) -> Located:
        """_located(), remembered: near borders and coasts a few thousand distinct answers repeat."""
        key = (found, snapped)
        located = self._located_by.get(key)
        if located is None:
            located = self._located(found, snapped)
            if len(self._located_by) < LOCATED_CACHE:
                self._located_by[key] = located
        return located

    def _located(self, found: Containment, snapped: int | None) -> Located:
        """The rules' context at a point (rules 2, 3 and 5 of rules.py) from what the polygons say."""
        regions = self.regions
        on_land = found.country_at is not None
        allowed: frozenset[str] | None = found.countries_near or None
        if snapped is not None:
            allowed = (allowed or frozenset()) | {regions.country_code[snapped]}
        home = regions.country_code[found.country_at] if on_land else None
        return Located(found, snapped, Context(on_land, home, allowed, self._admin1_allowed(found)))

    def _snap(self, lng: np.ndarray, lat: np.ndarray) -> list[int | None]:
        """For points in no country: the country polygon within SEA_KM (innermost probe ring), else None."""
        snapped: list[int | None] = [None] * len(lng)
        coastal = np.flatnonzero(self.regions.any_within(lng, lat, SEA_KM)) if len(lng) else np.empty(0, int)
        if len(coastal):
            tests = self.regions if self._subgrid is None else self._subgrid
            hits = tests.hits(lng[coastal], lat[coastal], SEA_PROBES, level=0)
            for i, region in zip(coastal.tolist(), nearest_ring_hit(hits, len(coastal), SEA_PER_RING)):
                snapped[i] = region
        return snapped

    def _admin1_allowed(self, found: Containment) -> frozenset[str] | None:
        """GeoNames admin-1 codes the polygons allow (robust: one; border zone: all touched), or None."""
        regions = found.admin1_near if not found.admin1_robust else (found.admin1_at,)
        codes = frozenset(self.regions.admin1_code[r] for r in regions) & self.areas.admin1.keys()
        return codes or None

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
        country_code = choice.country_code
        if country_code is None:
            return NOWHERE
        key = (country_code, choice.admin1_code, choice.state_name)
        areas = self._areas.get(key) if lang is None else None
        if areas is None:
            areas = self._area_names(choice, lang)
            if lang is None:
                self._areas[key] = areas                 # a few thousand states at most
        state, country_name, state_code, state_iso = areas
        row = choice.row
        if row is None:
            return Place(None, None, state, country_name, country_code, state_code=state_code, state_iso=state_iso)
        geonameid = self._geonameid[row]
        table = self._detail_table
        if table is not None:
            name, admin2_code = table.name(row), table.admin2_codes[row]
            timezone, feature_code = table.timezones[row], table.feature_codes[row]
        else:
            details = self._details.get(geonameid)
            name, admin2_code, timezone, feature_code = \
                details.name, details.admin2_code, details.timezone, details.feature_code
        admin2 = self.areas.admin2.get(admin2_code) if choice.own_state and admin2_code else None
        if lang is None:
            city, county = name, admin2.name if admin2 else None
        else:
            city = self._local(geonameid, name, lang)
            county = self._local(admin2.geonameid, admin2.name, lang) if admin2 else None
        distance = round(choice.distance_km, 3) if choice.distance_km is not None else None
        return Place(city, county, state, country_name, country_code, distance, geonameid, self._lat[row],
                     self._lng[row], timezone, self._population[row], feature_code, state_code, state_iso,
                     admin2_code if admin2 else None)

    def _area_names(self, choice: Choice, lang: str | None) -> tuple[str | None, str | None, str | None, str | None]:
        """(state, country, state code, state ISO code) of a choice, in `lang` where known."""
        country = self.areas.countries.get(choice.country_code)
        admin1 = self.areas.admin1.get(choice.admin1_code) if choice.admin1_code else None
        state = self._local(admin1.geonameid, admin1.name, lang) if admin1 else choice.state_name
        country_name = self._local(country.geonameid, country.name, lang) if country else None
        return (state, country_name, choice.admin1_code, admin1.iso) if admin1 else (state, country_name, None, None)

    def _local(self, geonameid: int | None, default: str, lang: str | None) -> str:
        if lang is None or geonameid is None:
            return default
        return self._names.name(geonameid, lang) or default

