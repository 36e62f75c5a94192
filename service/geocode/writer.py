"""Write a places database (the format of `schema.py`): shared by the data build and `tilegeo import-geonames`.

The writer fills a temporary file next to the target and renames it into place only in
`finish()`, so a failed import never leaves a half-written database where the server looks.
Rows are inserted in the order given; callers that want byte-stable output pass them sorted.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from . import schema, store


@dataclass(frozen=True, slots=True)
class CountryRow:
    iso2: str
    name: str
    iso3: str | None = None
    geonameid: int | None = None
    capital: str | None = None
    continent: str | None = None


@dataclass(frozen=True, slots=True)
class AdminRow:
    """An admin-1 ('CC.A1') or admin-2 ('CC.A1.A2') area; `iso_3166_2` is only stored for admin-1."""

    code: str
    country_code: str
    name: str
    geonameid: int | None = None
    iso_3166_2: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceRow:
    geonameid: int
    name: str
    lat: float
    lon: float
    country_code: str
    ascii_name: str | None = None
    feature_code: str | None = None
    admin1_code: str | None = None
    admin2_code: str | None = None
    population: int = 0
    timezone: str | None = None
    alt_names: tuple[str, ...] = ()     # goes to places_fts only


@dataclass(frozen=True, slots=True)
class NameRow:
    """A localized name of a place, admin area or country; the first row per (geonameid, lang) is preferred."""

    geonameid: int
    lang: str
    name: str
    preferred: bool = False


@dataclass(frozen=True, slots=True)
class RegionRow:
    """A polygon: level 0 = country, 1 = admin-1. `wkb` is WKB in lon/lat; bounds are (min_lon, min_lat, max_lon, max_lat)."""

    level: int
    country_code: str
    admin1_code: str | None
    name: str
    bounds: tuple[float, float, float, float]
    wkb: bytes


class PlacesWriter:
    """Create a places database at `path` (replacing it on `finish()`).

    >>> with PlacesWriter(Path("places.sqlite")) as w:   # doctest: +SKIP
    ...     w.add_countries([CountryRow("FR", "France")]); w.finish()
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._tmp = self.path.with_name(self.path.name + ".tmp")
        self._tmp.unlink(missing_ok=True)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(self._tmp)
        self._conn.execute("PRAGMA journal_mode = OFF")
        self._conn.execute("PRAGMA synchronous = OFF")
        schema.create(self._conn)
        self._conn.execute("CREATE TABLE names_staging (seq INTEGER PRIMARY KEY, geonameid INTEGER, lang TEXT,"
                           " name TEXT, preferred INTEGER)")

    def __enter__(self) -> "PlacesWriter":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.abort()

    def add_countries(self, rows: Iterable[CountryRow]) -> int:
        return self._insert(
            "INSERT INTO countries (iso2, iso3, name, geonameid, capital, continent) VALUES (?,?,?,?,?,?)",
            ((r.iso2, r.iso3, r.name, r.geonameid, r.capital, r.continent) for r in rows),
        )

    def add_admin1(self, rows: Iterable[AdminRow]) -> int:
        return self._insert(
            "INSERT INTO admin1 (code, country_code, name, iso_3166_2, geonameid) VALUES (?,?,?,?,?)",
            ((r.code, r.country_code, r.name, r.iso_3166_2, r.geonameid) for r in rows),
        )

    def add_admin2(self, rows: Iterable[AdminRow]) -> int:
        return self._insert(
            "INSERT INTO admin2 (code, country_code, name, geonameid) VALUES (?,?,?,?)",
            ((r.code, r.country_code, r.name, r.geonameid) for r in rows),
        )

    def add_places(self, rows: Iterable[PlaceRow], batch: int = 20_000) -> int:
        """Insert places and their search entries (name + alternate names) in batches; returns the count."""
        count = 0
        pending: list[PlaceRow] = []
        for row in rows:
            pending.append(row)
            if len(pending) >= batch:
                count += self._insert_places(pending)
                pending = []
        return count + self._insert_places(pending)

    def add_names(self, rows: Iterable[NameRow]) -> int:
        """Stage names; `finish()` writes them sorted by (geonameid, lang), preferred first, then input order."""
        return self._insert("INSERT INTO names_staging (geonameid, lang, name, preferred) VALUES (?,?,?,?)",
                            ((r.geonameid, r.lang, r.name, int(r.preferred)) for r in rows))

    def add_regions(self, rows: Iterable[RegionRow]) -> int:
        return self._insert(
            "INSERT INTO regions (level, country_code, admin1_code, name, min_lon, min_lat, max_lon, max_lat, geometry)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            ((r.level, r.country_code, r.admin1_code, r.name, *r.bounds, r.wkb) for r in rows),
        )

    def copy_regions_from(self, source: Path) -> int:
        """Copy every region row of another places database (GeoNames has no polygons)."""
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            schema.check(conn, str(source))
            rows = conn.execute(
                "SELECT level, country_code, admin1_code, name, min_lon, min_lat, max_lon, max_lat, geometry"
                " FROM regions ORDER BY id"
            )
            return self.add_regions(RegionRow(r[0], r[1], r[2], r[3], (r[4], r[5], r[6], r[7]), r[8]) for r in rows)
        finally:
            conn.close()

    def set_meta(self, key: str, value: str | list | dict) -> None:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        self._conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, text))

    def finish(self) -> Path:
        """Commit, pack the places' columns (store.pack_places), VACUUM (compact, deterministic page
        order) and move the file into place."""
        self._conn.execute("INSERT INTO names (geonameid, lang, name) SELECT geonameid, lang, name FROM names_staging"
                           " GROUP BY geonameid, lang, name ORDER BY geonameid, lang, MAX(preferred) DESC, MIN(seq)")
        self._conn.execute("DROP TABLE names_staging")
        self._conn.commit()
        store.pack_places(self._conn)
        self._conn.execute("INSERT INTO places_fts (places_fts) VALUES ('optimize')")
        self._conn.commit()
        self._conn.execute("VACUUM")
        self._conn.close()
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        """Close and delete the temporary file (no-op after finish)."""
        try:
            self._conn.close()
        except sqlite3.ProgrammingError:
            pass
        self._tmp.unlink(missing_ok=True)

    def _insert_places(self, rows: list[PlaceRow]) -> int:
        self._conn.executemany(
            "INSERT INTO places (geonameid, name, ascii_name, lat, lon, feature_code, country_code,"
            " admin1_code, admin2_code, population, timezone) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [(r.geonameid, r.name, r.ascii_name, r.lat, r.lon, r.feature_code, r.country_code,
              r.admin1_code, r.admin2_code, r.population, r.timezone) for r in rows],
        )
        self._conn.executemany(
            "INSERT INTO places_fts (rowid, name, alt_names) VALUES (?,?,?)",
            [(r.geonameid, r.name, " ".join(r.alt_names)) for r in rows],
        )
        return len(rows)

    def _insert(self, sql: str, rows: Iterable[tuple]) -> int:
        cursor = self._conn.executemany(sql, rows)
        return cursor.rowcount
