"""PlacesWriter: the one way a places database gets written (data build and import-geonames)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import shapely

from service.geocode import schema
from service.geocode.writer import AdminRow, CountryRow, NameRow, PlaceRow, PlacesWriter, RegionRow

LYON = PlaceRow(2996944, "Lyon", 45.74846, 4.84671, "FR", ascii_name="Lyon", feature_code="PPLA",
                admin1_code="FR.84", admin2_code="FR.84.69", population=522969, timezone="Europe/Paris",
                alt_names=("Lugdunum", "Lione"))
SQUARE = shapely.box(4.0, 45.0, 5.0, 46.0)


def _write(path: Path, names: list[NameRow] | None = None) -> Path:
    with PlacesWriter(path) as writer:
        writer.add_countries([CountryRow("FR", "France", iso3="FRA", geonameid=3017382, capital="Paris",
                                         continent="EU")])
        writer.add_admin1([AdminRow("FR.84", "FR", "Auvergne-Rhone-Alpes", 11071625, "FR-ARA")])
        writer.add_admin2([AdminRow("FR.84.69", "FR", "Rhone", 2987410)])
        writer.add_places([LYON])
        writer.add_names(names or [NameRow(2996944, "it", "Lione")])
        writer.add_regions([RegionRow(1, "FR", "FR.84", "Auvergne-Rhone-Alpes", SQUARE.bounds, shapely.to_wkb(SQUARE))])
        writer.set_meta("built_from", ["test"])
        return writer.finish()


def test_written_file_passes_the_schema_check(tmp_path: Path) -> None:
    path = _write(tmp_path / "places.sqlite")
    with sqlite3.connect(path) as conn:
        schema.check(conn, str(path))


def test_rows_read_back_as_written(tmp_path: Path) -> None:
    with sqlite3.connect(_write(tmp_path / "places.sqlite")) as conn:
        assert conn.execute("SELECT name, admin1_code, admin2_code, timezone, feature_code FROM places").fetchone() == (
            "Lyon", "FR.84", "FR.84.69", "Europe/Paris", "PPLA")
        assert conn.execute("SELECT iso_3166_2 FROM admin1").fetchone() == ("FR-ARA",)
        assert conn.execute("SELECT iso3, capital, continent FROM countries").fetchone() == ("FRA", "Paris", "EU")


def test_region_keeps_its_bounds_and_geometry(tmp_path: Path) -> None:
    with sqlite3.connect(_write(tmp_path / "places.sqlite")) as conn:
        row = conn.execute("SELECT min_lon, min_lat, max_lon, max_lat, geometry FROM regions").fetchone()
    assert row[:4] == (4.0, 45.0, 5.0, 46.0)
    assert shapely.from_wkb(row[4]).equals(SQUARE)


def test_alternate_names_are_searchable(tmp_path: Path) -> None:
    with sqlite3.connect(_write(tmp_path / "places.sqlite")) as conn:
        assert conn.execute("SELECT rowid FROM places_fts WHERE places_fts MATCH 'lugdunum'").fetchall() == [(2996944,)]


def test_names_are_sorted_by_id_and_language_with_the_preferred_first(tmp_path: Path) -> None:
    names = [NameRow(2, "fr", "b"), NameRow(1, "it", "x"), NameRow(2, "de", "c"), NameRow(2, "fr", "a", preferred=True),
             NameRow(2, "fr", "b")]
    with sqlite3.connect(_write(tmp_path / "places.sqlite", names)) as conn:
        rows = conn.execute("SELECT geonameid, lang, name FROM names ORDER BY rowid").fetchall()
    assert rows == [(1, "it", "x"), (2, "de", "c"), (2, "fr", "a"), (2, "fr", "b")]


def test_same_rows_give_the_same_bytes(tmp_path: Path) -> None:
    first = _write(tmp_path / "a.sqlite").read_bytes()
    assert _write(tmp_path / "b.sqlite").read_bytes() == first


def test_nothing_appears_at_the_target_until_finish(tmp_path: Path) -> None:
    target = tmp_path / "places.sqlite"
    with PlacesWriter(target) as writer:
        writer.add_places([LYON])
        assert not target.exists()
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_finish_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "places.sqlite"
    target.write_bytes(b"old")
    _write(target)
    with sqlite3.connect(target) as conn:
        assert conn.execute("SELECT count(*) FROM places").fetchone() == (1,)


def test_regions_can_be_copied_from_another_database(tmp_path: Path) -> None:
    source = _write(tmp_path / "source.sqlite")
    with PlacesWriter(tmp_path / "copy.sqlite") as writer:
        assert writer.copy_regions_from(source) == 1
        writer.finish()
    with sqlite3.connect(tmp_path / "copy.sqlite") as conn:
        assert conn.execute("SELECT level, admin1_code, name FROM regions").fetchone() == (1, "FR.84",
                                                                                             "Auvergne-Rhone-Alpes")
