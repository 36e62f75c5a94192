"""Opening a places database: clear errors naming the file, never a half-loaded geocoder."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from service.geocode.engine import Geocoder
from service.geocode.schema import PlacesSchemaError
from service.geocode.store import PlacesFileError


def test_a_missing_file_names_the_path(tmp_path: Path):
    with pytest.raises(PlacesFileError, match="nope.sqlite: places database not found"):
        Geocoder.open(tmp_path / "nope.sqlite")


def test_a_junk_file_is_a_schema_error_naming_the_path(tmp_path: Path):
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database" * 200)
    with pytest.raises(PlacesSchemaError, match="junk.sqlite"):
        Geocoder.open(junk)


def test_another_sqlite_database_is_a_schema_error(tmp_path: Path):
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(PlacesSchemaError, match="missing tables"):
        Geocoder.open(other)


def test_an_empty_places_database_answers_nowhere(tmp_path: Path):
    from service.geocode import schema
    from service.geocode.place import NOWHERE, LngLat

    path = tmp_path / "empty.sqlite"
    conn = sqlite3.connect(path)
    schema.create(conn)
    conn.commit()
    conn.close()
    engine = Geocoder.open(path)
    assert len(engine) == 0
    assert engine.reverse(LngLat(2.0, 48.0)) == NOWHERE
    assert engine.wait_ready(), "the warm-up copes with no places and no polygons"
    assert engine.reverse(LngLat(2.0, 48.0)) == NOWHERE
    assert engine.reverse_many([LngLat(2.0, 48.0)]) == [NOWHERE]
    assert engine.search("paris") == []
    engine.close()


def test_the_file_is_opened_read_only(places_file: Path, geocoder: Geocoder):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        geocoder._conn.execute("DELETE FROM places")


def test_the_detail_table_reads_every_place_like_sqlite(places_file: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    """Names are kept as one UTF-8 buffer, read in chunks: every row's name (non-ASCII too) and
    codes come back as stored, whatever the chunk size."""
    import shutil

    from service.geocode import store

    path = tmp_path / "places.sqlite"
    shutil.copy(places_file, path)
    with sqlite3.connect(path) as edit:                      # names of 1 to 3 bytes per character
        edit.execute("UPDATE places SET name = 'Zürich Øst' WHERE name = 'Paris'")
        edit.execute("UPDATE places SET name = '東京' WHERE name = 'Suva'")
    conn = store.connect(path)
    expected = conn.execute("SELECT name, feature_code, admin2_code, timezone FROM places"
                            " ORDER BY geonameid").fetchall()
    monkeypatch.setattr(store, "DETAIL_CHUNK", 4)
    table = store.DetailTable(conn)
    conn.close()
    assert len(expected) > 4 * 3 and {"Zürich Øst", "東京"} <= {name for name, *_ in expected}
    assert [(table.name(row), table.feature_codes[row], table.admin2_codes[row], table.timezones[row])
            for row in range(len(expected))] == expected


def test_the_packed_columns_load_like_the_place_rows(places_file: Path, tmp_path: Path):
    """load_places() reads the packed columns where the file has them (the embedded file does):
    the very same columns as from the rows; a file without them (an older import) loads from the
    rows, and packing it changes no answer."""
    import shutil

    import numpy as np

    from service.geocode import schema, store
    from service.geocode.place import LngLat

    def same(a: store.PlaceTable, b: store.PlaceTable) -> bool:
        arrays = ("geonameid", "lat", "lon", "population", "kind")
        return all(getattr(a, f).dtype == getattr(b, f).dtype and np.array_equal(getattr(a, f), getattr(b, f))
                   for f in arrays) and a.country_code == b.country_code and a.admin1_code == b.admin1_code

    embedded = store.connect(Path(__file__).resolve().parents[2] / "data" / "places.sqlite")
    assert embedded.execute(f"SELECT count(*) FROM {schema.PLACE_COLUMNS}").fetchone()[0] == 9
    assert same(store.load_places(embedded), store._query_places(embedded))
    embedded.close()

    path = tmp_path / "places.sqlite"
    shutil.copy(places_file, path)
    points = [LngLat(2.35, 48.85), LngLat(178.44, -18.14), LngLat(-0.1, 51.5), LngLat(0.0, 0.0)]
    before = Geocoder.open(path)
    answers = [before.reverse(p) for p in points]
    before.close()
    with sqlite3.connect(path) as conn:
        assert store._unpack_places(conn) is None                     # not packed yet
        store.pack_places(conn)
        assert same(store._unpack_places(conn), store._query_places(conn))
    after = Geocoder.open(path)
    assert [after.reverse(p) for p in points] == answers and answers[0].city is not None
    after.close()


@pytest.mark.parametrize("edit", [
    "DELETE FROM places WHERE geonameid = (SELECT max(geonameid) FROM places)",
    "INSERT INTO places (geonameid, name, lat, lon, country_code) VALUES (99999999, 'New', 1.0, 2.0, 'FR')",
    "UPDATE place_columns SET value = substr(value, 1, 16) WHERE name = 'lat'",
    "DELETE FROM place_columns WHERE name = 'admin1_code.values'",
])
def test_packed_columns_that_do_not_match_the_places_fail_naming_the_file(places_file: Path, tmp_path: Path,
                                                                          edit: str):
    import shutil

    from service.geocode import store

    path = tmp_path / "places.sqlite"
    shutil.copy(places_file, path)
    with sqlite3.connect(path) as conn:
        store.pack_places(conn)
        conn.execute(edit)
    with pytest.raises(PlacesFileError, match=f"{path}.*place_columns"):
        Geocoder.open(path)
