"""Read a places database (the format of `schema.py`): columns for lookups at start-up, details on demand.

The geocoder keeps only what choosing a place needs in memory (coordinates, population, kind,
country and admin-1 codes); names, timezones, localized names and search stay in SQLite.
"""
from __future__ import annotations

import json
import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from . import schema


# What a place is, from its GeoNames feature code, as bit flags (computed in SQL at load time).
SECTION = 1        # PPLX: a section of a populated place
UNCODED = 2        # no feature code known (often a city district added to GeoNames recently)
SEAT = 4           # PPLC, PPLA, PPLA2: a capital or an admin seat, i.e. a well-known city
DETAIL_CHUNK = 20_000   # rows per fetch when reading the place details into memory


@dataclass(frozen=True, slots=True)
class PlaceTable:
    """What a lookup needs of every place, as parallel columns sorted by geonameid.

    Names, admin-2 codes and timezones are only needed for the answer, so they are read later:
    PlaceDetails on demand, DetailTable by the background warm-up. Reading 235k rows of text
    at start-up would cost more than building the nearest-place index.
    """

    geonameid: np.ndarray          # int64, ascending
    lat: np.ndarray                # float64 degrees
    lon: np.ndarray
    population: np.ndarray         # int64
    kind: np.ndarray               # int8 flags: SECTION | UNCODED | SEAT
    country_code: Sequence[str]
    admin1_code: Sequence[str | None]

    def __len__(self) -> int:
        return len(self.geonameid)

    def row_of(self, geonameid: int) -> int | None:
        """The row of a geonameid, or None; a binary search over the sorted ids."""
        row = int(np.searchsorted(self.geonameid, geonameid))
        if row < len(self.geonameid) and self.geonameid[row] == geonameid:
            return row
        return None


@dataclass(slots=True)
class Details:
    """The parts of a place only its answer needs."""

    name: str
    feature_code: str | None
    admin2_code: str | None
    timezone: str | None


class PlaceDetails:
    """get(geonameid) -> Details, read from SQLite on first use and kept (at most one entry per place)."""

    BATCH = 500           # ids per IN (...) query; SQLite allows 999 parameters

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._cache: dict[int, Details] = {}

    def get(self, geonameid: int) -> Details:
        details = self._cache.get(geonameid)
        if details is None:
            self.prefetch([geonameid])
            details = self._cache[geonameid]
        return details

    def prefetch(self, geonameids: Iterable[int]) -> None:
        """Read the details of many places with a few queries (the batch path)."""
        missing = sorted({g for g in geonameids if g not in self._cache})
        for start in range(0, len(missing), self.BATCH):
            chunk = missing[start:start + self.BATCH]
            rows = self._conn.execute(
                "SELECT geonameid, name, feature_code, admin2_code, timezone FROM places"
                f" WHERE geonameid IN ({','.join('?' * len(chunk))})", chunk)
            self._cache.update((row[0], Details(*row[1:])) for row in rows)


class DetailTable:
    """Every place's Details as columns in PlaceTable row order: no SQLite read per answer.

    Read in the background after start-up (~0.5 s, ~10 MB): the names as one str sliced per row
    (235k str objects took 15 MB, one str of them all ~5 MB), the codes and time zones one str per
    distinct value.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        cursor = conn.execute("SELECT name, feature_code, admin2_code, timezone FROM places ORDER BY geonameid")
        names, ends = [], [0]
        self.feature_codes: list[str | None] = []
        self.admin2_codes: list[str | None] = []
        self.timezones: list[str | None] = []
        shared: dict[str | None, str | None] = {}
        # in chunks, each chunk's names joined at once: the rows of a chunk are freed before the next
        # is read, so their memory is reused rather than left in the heap between long-lived values
        while rows := cursor.fetchmany(DETAIL_CHUNK):
            for name, feature_code, admin2_code, timezone in rows:
                ends.append(ends[-1] + len(name))
                self.feature_codes.append(shared.setdefault(feature_code, feature_code))
                self.admin2_codes.append(shared.setdefault(admin2_code, admin2_code))
                self.timezones.append(shared.setdefault(timezone, timezone))
            names.append("".join(row[0] for row in rows))
            del rows
        self._names = "".join(names)
        self._name_ends = memoryview(np.array(ends, dtype=np.int64))

    def name(self, row: int) -> str:
        ends = self._name_ends
        return self._names[ends[row]:ends[row + 1]]


@dataclass(frozen=True, slots=True)
class Area:
    """A named area (country, admin-1 or admin-2) with its GeoNames id for localized names."""

    name: str
    geonameid: int | None
    iso: str | None = None         # ISO 3166-2 for admin-1 areas where known


@dataclass(frozen=True, slots=True)
class AreaTables:
    countries: dict[str, Area]     # by ISO2 ('FR')
    admin1: dict[str, Area]        # by 'CC.A1'
    admin2: "Admin2Names"          # by 'CC.A1.A2', read on demand


@dataclass(frozen=True, slots=True)
class RegionRecord:
    """One polygon row: level 0 = country, 1 = admin-1; `wkb` is lon/lat WKB."""

    level: int
    country_code: str
    admin1_code: str | None
    name: str
    wkb: bytes


class PlacesFileError(Exception):
    """The places file is missing or unreadable; the message names it."""


def connect(path: Path) -> sqlite3.Connection:
    """Open `path` read-only and check its schema; raise PlacesFileError/PlacesSchemaError naming it."""
    path = Path(path)
    if not path.is_file():
        raise PlacesFileError(f"{path}: places database not found")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    except sqlite3.Error as exc:
        raise PlacesFileError(f"{path}: cannot open places database ({exc})") from None
    try:
        schema.check(conn, str(path))
    except Exception:
        conn.close()
        raise
    return conn


# The columns of PlaceTable as stored by pack_places(): name -> little-endian item type
PACKED = {"geonameid": "<i8", "lat": "<f8", "lon": "<f8", "population": "<i8", "kind": "i1",
          "country_code": "<u4", "admin1_code": "<u4"}      # codes: indexes into '<name>.values' (JSON)


def load_places(conn: sqlite3.Connection) -> PlaceTable:
    """Every place's coordinates, size, kind and codes as columns: from the packed columns where the
    file has them (a few zlib blobs, ~0.1 s), else from the places rows (~0.8 s for 235,915 places)."""
    packed = _unpack_places(conn)
    return packed if packed is not None else _query_places(conn)


def pack_places(conn: sqlite3.Connection) -> None:
    """Store what load_places() reads as one blob per column (table place_columns), replacing any.

    PlacesWriter.finish() calls it; a file without it (an older import) loads the same, slower."""
    table = _query_places(conn)
    rows = [(name, np.ascontiguousarray(getattr(table, name), dtype=PACKED[name]).tobytes())
            for name in ("geonameid", "lat", "lon", "population", "kind")]
    for name in ("country_code", "admin1_code"):
        codes = getattr(table, name)
        values = sorted(set(codes), key=lambda code: (code is None, code or ""))
        number = {code: i for i, code in enumerate(values)}
        rows.append((name, np.fromiter(map(number.__getitem__, codes), PACKED[name], len(codes)).tobytes()))
        rows.append((f"{name}.values", json.dumps(values, ensure_ascii=False).encode()))
    rows = [(name, zlib.compress(value, 6)) for name, value in rows]      # 9.7 -> 3.4 MB for the embedded file
    conn.execute(f"DROP TABLE IF EXISTS {schema.PLACE_COLUMNS}")
    conn.execute(schema.PLACE_COLUMNS_DDL)
    conn.executemany(f"INSERT INTO {schema.PLACE_COLUMNS} (name, value) VALUES (?, ?)", rows)
    conn.commit()


def _unpack_places(conn: sqlite3.Connection) -> PlaceTable | None:
    """The packed columns, or None where the file has none; a file whose places changed after
    packing (other count or last geonameid) is refused, naming the table."""
    try:
        blobs = dict(conn.execute(f"SELECT name, value FROM {schema.PLACE_COLUMNS}"))
    except sqlite3.OperationalError:                    # no such table: an older file
        return None
    try:
        blobs = {name: zlib.decompress(value) for name, value in blobs.items()}
        columns = {name: np.frombuffer(blobs[name], dtype=item).astype(item.lstrip("<"), copy=False)
                   for name, item in PACKED.items()}
        codes = {name: json.loads(blobs[f"{name}.values"]) for name in ("country_code", "admin1_code")}
    except (KeyError, ValueError, TypeError, zlib.error) as exc:
        raise ValueError(f"{schema.PLACE_COLUMNS} is damaged ({exc})") from None
    count, last = conn.execute("SELECT count(*), max(geonameid) FROM places").fetchone()
    ids = columns["geonameid"]
    if any(len(column) != count for column in columns.values()) or (count and ids[-1] != last) \
            or any(len(values) <= int(columns[name].max(initial=0)) for name, values in codes.items()):
        raise ValueError(f"{schema.PLACE_COLUMNS} does not match the places table (rebuild the file)")
    return PlaceTable(
        geonameid=columns["geonameid"], lat=columns["lat"], lon=columns["lon"], population=columns["population"],
        kind=columns["kind"],
        country_code=tuple(map(codes["country_code"].__getitem__, columns["country_code"].tolist())),
        admin1_code=tuple(map(codes["admin1_code"].__getitem__, columns["admin1_code"].tolist())),
    )


def _query_places(conn: sqlite3.Connection) -> PlaceTable:
    """load_places() from the places rows (one pass; flags computed in SQL)."""
    rows = conn.execute(
        "SELECT geonameid, lat, lon, ifnull(population, 0),"
        f" (ifnull(feature_code, '') = 'PPLX') * {SECTION} + (feature_code IS NULL) * {UNCODED}"
        f" + (ifnull(feature_code, '') IN ('PPLC', 'PPLA', 'PPLA2')) * {SEAT},"
        " country_code, admin1_code FROM places ORDER BY geonameid"
    ).fetchall()
    columns = list(zip(*rows)) if rows else [()] * 7
    shared: dict[str | None, str | None] = {}        # one str per distinct code, not one per place
    columns[5] = tuple(map(shared.setdefault, columns[5], columns[5]))     # map: ~4x a generator, at start-up
    columns[6] = tuple(map(shared.setdefault, columns[6], columns[6]))     # None stays None
    return PlaceTable(
        geonameid=np.array(columns[0], dtype=np.int64),
        lat=np.array(columns[1], dtype=np.float64),
        lon=np.array(columns[2], dtype=np.float64),
        population=np.array(columns[3], dtype=np.int64),
        kind=np.array(columns[4], dtype=np.int8),
        country_code=columns[5],
        admin1_code=columns[6],
    )


def load_areas(conn: sqlite3.Connection) -> AreaTables:
    countries = {code: Area(name, gid) for code, name, gid in
                 conn.execute("SELECT iso2, name, geonameid FROM countries")}
    admin1 = {code: Area(name, gid, iso or None) for code, name, gid, iso in
              conn.execute("SELECT code, name, geonameid, iso_3166_2 FROM admin1")}
    return AreaTables(countries, admin1, Admin2Names(conn))


class Admin2Names:
    """admin2.get('CC.A1.A2') -> Area or None, read on demand and kept (47k rows are not worth loading at start-up)."""

    BATCH = 500           # codes per IN (...) query

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._cache: dict[str, Area | None] = {}

    def get(self, code: str) -> Area | None:
        if code not in self._cache:
            self.prefetch([code])
        return self._cache[code]

    def load_all(self, conn: sqlite3.Connection) -> None:
        """Read every admin-2 area at once (in the background, through its own connection)."""
        every = {code: Area(name, gid) for code, name, gid in conn.execute("SELECT code, name, geonameid FROM admin2")}
        self._cache = {**self._cache, **every}

    def prefetch(self, codes: Iterable[str]) -> None:
        """Read many admin-2 areas with a few queries (the batch path)."""
        missing = sorted({c for c in codes if c not in self._cache})
        for start in range(0, len(missing), self.BATCH):
            chunk = missing[start:start + self.BATCH]
            found = {code: Area(name, gid) for code, name, gid in self._conn.execute(
                f"SELECT code, name, geonameid FROM admin2 WHERE code IN ({','.join('?' * len(chunk))})", chunk)}
            self._cache.update((code, found.get(code)) for code in chunk)


def load_regions(conn: sqlite3.Connection) -> list[RegionRecord]:
    return [RegionRecord(*row) for row in conn.execute(
        "SELECT level, country_code, admin1_code, name, geometry FROM regions ORDER BY id")]
