"""The places database format: written by the data build and `tilegeo import-geonames`, read by the geocoder.

One SQLite file holds everything the geocoder needs. Every named thing (place, admin area,
country) carries its GeoNames id, so localized names for all of them live in one `names` table.
Polygons are WKB (EPSG:4326, lon/lat axis order) with their bounding boxes alongside, so the
polygons can be indexed by box without parsing their geometry.
"""
from __future__ import annotations

import sqlite3

SCHEMA_VERSION = 1

DDL = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL              -- schema_version, built_from (sources and versions), ...
);
CREATE TABLE countries (
    iso2      TEXT PRIMARY KEY,      -- ISO 3166-1 alpha-2, upper case ('FR')
    iso3      TEXT,
    name      TEXT NOT NULL,         -- English short name ('France')
    geonameid INTEGER,
    capital   TEXT,
    continent TEXT
);
CREATE TABLE admin1 (
    code         TEXT PRIMARY KEY,   -- GeoNames admin1 code 'CC.A1' ('FR.84')
    country_code TEXT NOT NULL,
    name         TEXT NOT NULL,      -- 'Auvergne-Rhone-Alpes' style English/ASCII-safe name as GeoNames has it
    iso_3166_2   TEXT,               -- 'FR-ARA' where known
    geonameid    INTEGER
);
CREATE TABLE admin2 (
    code         TEXT PRIMARY KEY,   -- 'CC.A1.A2' ('FR.84.69')
    country_code TEXT NOT NULL,
    name         TEXT NOT NULL,
    geonameid    INTEGER
);
CREATE TABLE places (
    geonameid    INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    ascii_name   TEXT,
    lat          REAL NOT NULL,
    lon          REAL NOT NULL,
    feature_code TEXT,               -- PPL, PPLA, PPLC, PPLX, ... (NULL where unknown)
    country_code TEXT NOT NULL,
    admin1_code  TEXT,               -- 'CC.A1', joins admin1.code
    admin2_code  TEXT,               -- 'CC.A1.A2', joins admin2.code
    population   INTEGER NOT NULL DEFAULT 0,
    timezone     TEXT
);
CREATE TABLE names (
    geonameid INTEGER NOT NULL,      -- a place, admin area or country
    lang      TEXT NOT NULL,         -- ISO 639-1 ('de'), or '' for an alternate name of unknown language
    name      TEXT NOT NULL
);
CREATE INDEX names_by_id ON names (geonameid, lang);
CREATE TABLE regions (
    id           INTEGER PRIMARY KEY,
    level        INTEGER NOT NULL,   -- 0 = country, 1 = admin-1 (state, province, region)
    country_code TEXT NOT NULL,      -- ISO2 upper case
    admin1_code  TEXT,               -- 'CC.A1' for level 1 where it maps to GeoNames, else NULL
    name         TEXT NOT NULL,
    min_lon REAL NOT NULL, min_lat REAL NOT NULL, max_lon REAL NOT NULL, max_lat REAL NOT NULL,
    geometry     BLOB NOT NULL       -- WKB Polygon/MultiPolygon, lon/lat
);
CREATE VIRTUAL TABLE places_fts USING fts5 (
    name, alt_names,                 -- alt_names: space-joined alternate names
    content='', tokenize='unicode61 remove_diacritics 2'
);                                   -- rowid = places.geonameid
"""

# Optional (written by PlacesWriter.finish(), read at start-up when present): the columns the
# geocoder loads, packed, so start-up reads a few blobs instead of every place row. A file whose
# places are edited by other means needs store.pack_places() again: start-up notices added or
# removed places, not changed values.
PLACE_COLUMNS = "place_columns"
PLACE_COLUMNS_DDL = f"""
CREATE TABLE {PLACE_COLUMNS} (
    name  TEXT PRIMARY KEY,          -- geonameid, lat, lon, population, kind, country_code, admin1_code,
                                     -- and country_code.values, admin1_code.values
    value BLOB NOT NULL              -- zlib: a little-endian array in geonameid order (store.PACKED);
)                                    -- codes are indexes into the '.values' JSON list of the distinct codes
"""

REQUIRED_TABLES = ("meta", "countries", "admin1", "admin2", "places", "names", "regions", "places_fts")


class PlacesSchemaError(Exception):
    """The places file is not a places database this version can read; the message names it."""


def create(conn: sqlite3.Connection) -> None:
    """Create an empty places database in `conn` with the current schema version."""
    conn.executescript(DDL)
    conn.execute("INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def check(conn: sqlite3.Connection, path: str) -> None:
    """Raise PlacesSchemaError naming `path` unless it holds the current schema."""
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table','view')")}
    except sqlite3.OperationalError as exc:   # locked or unreadable: the file may be fine, say what happened
        raise PlacesSchemaError(f"{path}: cannot read the places database ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise PlacesSchemaError(f"{path}: not a SQLite database ({exc})") from None
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise PlacesSchemaError(f"{path}: not a tilegeo places database (missing tables: {', '.join(missing)})")
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    version = int(row[0]) if row else 0
    if version != SCHEMA_VERSION:
        raise PlacesSchemaError(
            f"{path}: places schema version {version}, this tilegeo reads version {SCHEMA_VERSION}; "
            "rebuild it with `tilegeo import-geonames` or `tilegeo build-default`"
        )
