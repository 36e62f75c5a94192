"""`tilegeo import-geonames`: raw GeoNames dump files in, a places database out.

The fixtures in tests/fixtures/geonames are hand-written files in the exact dump formats:
~20 places including a border group (Basel CH / Saint-Louis FR / Weil am Rhein DE) and
Fijian towns on both sides of the antimeridian.
"""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import shapely

from service.geocode import schema
from service.geocode.geonames import (ImportPaths, import_geonames, main, read_country_info,
                                      read_geonames)
from service.geocode.writer import PlacesWriter, RegionRow

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "geonames"


def _args(tmp_path: Path, fixtures: Path = FIXTURES, *extra: str) -> list[str]:
    return ["--cities", str(fixtures / "cities.txt"), "--admin1", str(fixtures / "admin1CodesASCII.txt"),
            "--admin2", str(fixtures / "admin2Codes.txt"), "--countries", str(fixtures / "countryInfo.txt"),
            "--out", str(tmp_path / "places.sqlite"), *extra]


@pytest.fixture
def regions_db(tmp_path: Path) -> Path:
    """A places database holding one square 'country' region to copy."""
    path = tmp_path / "regions-source.sqlite"
    with PlacesWriter(path) as writer:
        square = shapely.box(7.0, 47.0, 8.0, 48.0)
        writer.add_regions([RegionRow(0, "CH", None, "Square", square.bounds, shapely.to_wkb(square))])
        writer.finish()
    return path


@pytest.fixture
def imported(tmp_path: Path, regions_db: Path) -> sqlite3.Connection:
    args = _args(tmp_path, FIXTURES, "--alternate-names", str(FIXTURES / "alternateNamesV2.txt"),
                 "--regions-from", str(regions_db))
    assert main(args) == 0
    conn = sqlite3.connect(tmp_path / "places.sqlite")
    yield conn
    conn.close()


def test_imported_database_passes_the_schema_check(imported: sqlite3.Connection) -> None:
    schema.check(imported, "places.sqlite")


def test_only_populated_places_are_imported(imported: sqlite3.Connection) -> None:
    ids = {row[0] for row in imported.execute("SELECT geonameid FROM places")}
    assert len(ids) == 19
    assert 2661552 not in ids      # Jungfrau, a mountain (class T)
    assert 2987375 not in ids      # an ADM1 row (class A)


def test_place_row_carries_admin_codes_timezone_and_feature_code(imported: sqlite3.Connection) -> None:
    row = imported.execute("SELECT name, ascii_name, country_code, admin1_code, admin2_code, population, timezone,"
                           " feature_code FROM places WHERE geonameid = 2996944").fetchone()
    assert row == ("Lyon", "Lyon", "FR", "FR.84", "FR.84.69", 522969, "Europe/Paris", "PPLA")


def test_admin_names_join_from_place_codes(imported: sqlite3.Connection) -> None:
    row = imported.execute("SELECT a1.name, a2.name, c.name FROM places p JOIN admin1 a1 ON a1.code = p.admin1_code"
                           " JOIN admin2 a2 ON a2.code = p.admin2_code JOIN countries c ON c.iso2 = p.country_code"
                           " WHERE p.name = 'Hallstatt'").fetchone()
    assert row == ("Upper Austria", "Politischer Bezirk Gmunden", "Austria")


def test_border_towns_keep_their_own_country(imported: sqlite3.Connection) -> None:
    rows = dict(imported.execute("SELECT name, country_code FROM places WHERE geonameid IN (2661604, 2977824, 2811601)"))
    assert rows == {"Basel": "CH", "Saint-Louis": "FR", "Weil am Rhein": "DE"}


def test_places_on_both_sides_of_the_antimeridian_keep_their_longitude(imported: sqlite3.Connection) -> None:
    rows = dict(imported.execute("SELECT name, lon FROM places WHERE country_code = 'FJ'"))
    assert rows["Lambasa"] == pytest.approx(179.38333)
    assert rows["Tavea"] == pytest.approx(-179.98)


def test_unknown_admin_codes_become_null(imported: sqlite3.Connection) -> None:
    row = imported.execute("SELECT admin1_code, admin2_code FROM places WHERE geonameid = 9999901").fetchone()
    assert row == (None, None)


def test_alternate_names_are_stored_with_their_language(imported: sqlite3.Connection) -> None:
    names = imported.execute("SELECT lang, name FROM names WHERE geonameid = 2996944 ORDER BY lang").fetchall()
    assert names == [("de", "Lyon"), ("fr", "Lyon"), ("it", "Lione")]


def test_preferred_name_comes_first_within_a_language(imported: sqlite3.Connection) -> None:
    names = [row[0] for row in imported.execute("SELECT name FROM names WHERE geonameid = 5128581 AND lang = 'en'")]
    assert names == ["New York", "NYC"]


def test_historic_colloquial_pseudo_and_untagged_names_are_skipped(imported: sqlite3.Connection) -> None:
    names = {row[0] for row in imported.execute("SELECT name FROM names")}
    assert not names & {"Lugdunum", "Lyons", "Spree-Athen", "The Big Apple", "BSL", "https://en.wikipedia.org/wiki/Lyon"}


def test_names_of_admin_areas_and_countries_are_kept(imported: sqlite3.Connection) -> None:
    assert imported.execute("SELECT name FROM names WHERE geonameid = 11071625").fetchone() == ("Auvergne-Rhône-Alpes",)
    assert imported.execute("SELECT name FROM names WHERE geonameid = 2782113").fetchone() == ("Österreich",)
    assert imported.execute("SELECT count(*) FROM names WHERE geonameid = 2661552").fetchone() == (0,)


def test_search_finds_places_by_alternate_name(imported: sqlite3.Connection) -> None:
    rows = imported.execute("SELECT rowid FROM places_fts WHERE places_fts MATCH 'lugdunum'").fetchall()
    assert rows == [(2996944,)]


def test_search_ignores_diacritics(imported: sqlite3.Connection) -> None:
    rows = imported.execute("SELECT rowid FROM places_fts WHERE places_fts MATCH 'bale'").fetchall()
    assert rows == [(2661604,)]


def test_regions_are_copied_from_the_given_database(imported: sqlite3.Connection) -> None:
    row = imported.execute("SELECT level, country_code, name, min_lon, max_lat, geometry FROM regions").fetchone()
    assert row[:5] == (0, "CH", "Square", 7.0, 48.0)
    assert shapely.from_wkb(row[5]).equals(shapely.box(7.0, 47.0, 8.0, 48.0))


def test_meta_names_the_sources_and_the_attribution(imported: sqlite3.Connection) -> None:
    meta = dict(imported.execute("SELECT key, value FROM meta"))
    assert "cities.txt" in meta["built_from"]
    assert "GeoNames" in meta["attribution"]


def test_no_regions_flag_writes_no_polygons(tmp_path: Path) -> None:
    assert main(_args(tmp_path, FIXTURES, "--no-regions")) == 0
    with sqlite3.connect(tmp_path / "places.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM regions").fetchone() == (0,)


def test_country_info_comment_lines_are_skipped() -> None:
    countries = list(read_country_info(FIXTURES / "countryInfo.txt"))
    assert [c.iso2 for c in countries][:3] == ["AD", "AT", "CH"]
    assert countries[0].capital == "Andorra la Vella" and countries[0].continent == "EU"


def test_import_function_reports_counts(tmp_path: Path) -> None:
    summary = import_geonames(ImportPaths(
        cities=FIXTURES / "cities.txt", admin1=FIXTURES / "admin1CodesASCII.txt", admin2=FIXTURES / "admin2Codes.txt",
        countries=FIXTURES / "countryInfo.txt", out=tmp_path / "p.sqlite"))
    assert (summary.countries, summary.admin1, summary.admin2, summary.places) == (9, 16, 10, 19)


# ---------------------------------------------------------------------------------------------
# Malformed input: a message naming the file and line, exit code 2, no traceback, no output file


def _broken_copy(tmp_path: Path, name: str, line_number: int, replacement: str) -> Path:
    folder = tmp_path / "broken"
    shutil.copytree(FIXTURES, folder, dirs_exist_ok=True)
    lines = (folder / name).read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line_number - 1] = replacement
    (folder / name).write_text("".join(lines), encoding="utf-8")
    return folder


@pytest.mark.parametrize("name, line, replacement, message", [
    ("cities.txt", 3, "3031582\tBordeaux\tonly three columns\n", "expected 19 tab-separated columns, found 3"),
    ("cities.txt", 5, "2772400\tLinz\tLinz\t\tnorth\t14.28\tP\tPPLA\tAT\t\t04\t401\t\t\t0\t\t\tEurope/Vienna\t2024\n",
     "latitude 'north' is not a number"),
    ("cities.txt", 2, "abc\tPerpignan\tPerpignan\t\t42.6\t2.9\tP\tPPL\tFR\t\t76\t66\t\t\t0\t\t\tEurope/Paris\t2024\n",
     "geonameid 'abc' is not an integer"),
    ("cities.txt", 1, "2996944\tLyon\tLyon\t\t95.0\t4.8\tP\tPPL\tFR\t\t84\t69\t\t\t0\t\t\tEurope/Paris\t2024\n",
     "coordinate out of range"),
    ("admin1CodesASCII.txt", 2, "AD07\tAndorra la Vella\tAndorra la Vella\t3041566\n", "code 'AD07' is not of the form CC.A1"),
    ("countryInfo.txt", 5, "AD\tAND\n", "expected 17 tab-separated columns, found 2"),
])
def test_malformed_line_is_reported_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                       name: str, line: int, replacement: str, message: str) -> None:
    folder = _broken_copy(tmp_path, name, line, replacement)
    assert main(_args(tmp_path, folder, "--no-regions")) == 2
    err = capsys.readouterr().err
    assert f"{folder / name}:{line}: {message}" in err
    assert "Traceback" not in err
    assert not (tmp_path / "places.sqlite").exists()
    assert not (tmp_path / "places.sqlite.tmp").exists()


def test_missing_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _args(tmp_path, FIXTURES, "--no-regions")
    args[1] = str(tmp_path / "cities500.txt")
    assert main(args) == 2
    assert f"{tmp_path / 'cities500.txt'}: no such file" in capsys.readouterr().err


def test_regions_source_that_is_not_a_places_database_is_reported(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 100)
    assert main(_args(tmp_path, FIXTURES, "--regions-from", str(junk))) == 2
    assert str(junk) in capsys.readouterr().err


def test_non_utf8_line_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _broken_copy(tmp_path, "admin2Codes.txt", 1, "")
    (folder / "admin2Codes.txt").write_bytes(b"AT.04.407\tGm\xfcnden\tGmunden\t2779673\n")
    assert main(_args(tmp_path, folder, "--no-regions")) == 2
    assert f"{folder / 'admin2Codes.txt'}:1: not UTF-8 text" in capsys.readouterr().err


def test_reader_streams_rows_lazily(tmp_path: Path) -> None:
    rows = read_geonames(FIXTURES / "cities.txt")
    assert next(rows).name == "Lyon"
